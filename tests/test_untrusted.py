"""Untrusted inputs that reach the renderer: a shared template folder, the PDF engine's URL loading, the formula cache."""

import json
import math
import os
import re
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from quizgen.cli import main
from quizgen.errors import QuizgenError
from quizgen.problems import generate_set
from quizgen.render import formula
from quizgen.render.pdf import build_sheet_html

HOSTNAME = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").is_file() else socket.gethostname()


def cli(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _sheet(tmp_path, template_dir, fmt):
    out = tmp_path / f"w.{fmt}"
    r = cli("sheet", "-n", "2", "--seed", "3", "--no-key", "--format", fmt, "--template-dir", str(template_dir),
            "-o", str(out))
    return r, out


# ---------------------------------------------------------------- 1. the template sandbox

# (template line 2, what it tries); every one ran or printed Python internals before the sandbox.
HOSTILE_TEMPLATES = {
    "popen": "{{ cycler.__init__.__globals__.os.popen('touch CANARY').read() }}",
    "joiner-globals": "{{ joiner.__init__.__globals__['os'].system('touch CANARY') }}",
    "subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "our-objects": "{{ items[0].__class__.__init__.__globals__ }}",
    "format-string": "{{ '{0.__class__.__mro__}'.format(items) }}",
    "mutate-context": "{{ page.update({'columns': 9}) }}",
    "getattr-filter": "{{ items|attr('__class__') }}",
}


@pytest.mark.parametrize("fmt", ["html", "pdf"])
@pytest.mark.parametrize("name", list(HOSTILE_TEMPLATES))
def test_a_hostile_template_cannot_run_code_or_read_python_internals(tmp_path, monkeypatch, name, fmt):
    monkeypatch.chdir(tmp_path)
    tdir = tmp_path / "shared-templates"
    tdir.mkdir()
    (tdir / "worksheet.html").write_text(
        '{% extends "base.html" %}{% block body %}\n<p>' + HOSTILE_TEMPLATES[name] + "</p>\n{% endblock %}\n",
        encoding="utf-8")
    r, out = _sheet(tmp_path, tdir, fmt)
    assert not (tmp_path / "CANARY").exists()
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1, r.output
    assert lines[0].startswith(f"error: template {tdir / 'worksheet.html'}, line 2: "), lines[0]
    assert "not allowed in a template" in lines[0]
    assert not out.exists()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("expr, message", [
    ("9**(9**9)", "a power above 64: not allowed in a template"),
    ("'x' * 10**9", "a repetition longer than 100,000: not allowed in a template"),
    ("range(10**9)|list", "a number above 100,000 in a call: not allowed in a template"),
    ("lipsum(10**6)", "uses an unknown value: 'lipsum' is undefined"),
    # One C call that allocates a gigabyte: the width or count is refused before the call.
    ("'x'|center(10**9)", "a number above 100,000 in a call: not allowed in a template"),
    ("'x'.ljust(10**9)", "a number above 100,000 in a call: not allowed in a template"),
    ("'a\\nb'|indent(10**9)", "a number above 100,000 in a call: not allowed in a template"),
    ("'%999999999d'|format(1)", "a field width above 100,000: not allowed in a template"),
    ("'%999999999d' % 1", "a field width above 100,000: not allowed in a template"),
    ("'{:>999999999}'.format(1)", "a field width above 100,000: not allowed in a template"),
    # Products of two allowed sizes: each piece is short, the result is not.
    ("('x' * 99999)|replace('', 'y' * 99999)", "a text longer than 10,000,000 characters"),
    ("('x' * 99999).replace('', 'y' * 99999)", "a text longer than 10,000,000 characters"),
    ("('x' * 99999).join(range(99999)|map('string'))", "a text longer than 10,000,000 characters"),
    ("range(99999)|map('string')|join('y' * 99999)", "a text longer than 10,000,000 characters"),
])
def test_a_template_cannot_make_the_run_hang(tmp_path, expr, message):
    (tmp_path / "worksheet.html").write_text("\n{{ " + expr + " }}", encoding="utf-8")
    with pytest.raises(QuizgenError) as err:
        build_sheet_html(generate_set(1, seed=1, command="sheet"), template_dir=tmp_path)
    assert str(err.value).startswith(f"template {tmp_path / 'worksheet.html'}, line 2")
    assert message in str(err.value)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("body, message", [
    # Loops of allowed sizes nested: 10^10 turns, no single step too big; the time limit ends it.
    # (writing nothing, so that only the time limit can end it: on a quiet machine a loop that writes reaches the
    # size limit first)
    ("{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
     "took over 1 s"),
    # Each line short, the page endless: the size of what a template writes is bounded as it is written.
    ("{% for i in range(99999) %}{{ 'x' * 99999 }}{% endfor %}", "wrote over 10,000,000 characters"),
])
def test_a_template_loop_cannot_make_the_run_hang(tmp_path, monkeypatch, body, message):
    from quizgen.render import env

    monkeypatch.setattr(env, "TEMPLATE_SECONDS", 1.0)
    (tmp_path / "worksheet.html").write_text("\n" + body, encoding="utf-8")
    with pytest.raises(QuizgenError) as err:
        build_sheet_html(generate_set(1, seed=1, command="sheet"), template_dir=tmp_path)
    assert str(err.value).startswith(f"template {tmp_path / 'worksheet.html'}"), str(err.value)
    assert message in str(err.value)


def test_a_template_that_is_not_utf8_is_a_message(tmp_path):
    (tmp_path / "worksheet.html").write_bytes(b"caf\xe9")
    with pytest.raises(QuizgenError, match=r"worksheet.html is not UTF-8 text \(byte 4\): save it as UTF-8$"):
        build_sheet_html(generate_set(1, seed=1, command="sheet"), template_dir=tmp_path)


def test_the_sandbox_still_renders_every_shipped_template(tmp_path):
    ps = generate_set(3, seed=2, command="sheet")
    assert "Answer key" in build_sheet_html(ps, key=True, steps=True)
    assert "Name" in build_sheet_html(ps)


def test_a_template_symlink_out_of_the_folder_is_not_read(tmp_path):
    """A shared folder could hold worksheet.html -> ~/.ssh/id_rsa; its text would land in the worksheet."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-LINE", encoding="utf-8")
    tdir = tmp_path / "t"
    tdir.mkdir()
    (tdir / "worksheet.html").write_text('{% extends "base.html" %}{% block body %}{% include "inc.html" %}'
                                         "{% endblock %}", encoding="utf-8")
    (tdir / "inc.html").symlink_to(secret)
    ps = generate_set(2, seed=2, command="sheet")
    with pytest.raises(QuizgenError) as err:
        build_sheet_html(ps, template_dir=tdir)
    assert "TOP-SECRET" not in str(err.value)
    assert str(err.value) == (f"template {tdir / 'inc.html'} is a link to a file outside {tdir}: "
                              "copy the file into the folder")


# ---------------------------------------------------------------- 2. what the PDF engine may load

LOCAL_LINKS = {
    "attachment": '<link rel="attachment" href="file:///etc/hostname">',
    "image": '<img src="file:///etc/hostname">',
    "css-import": '<style>@import url("file:///etc/hostname");</style>',
    "relative-outside": '<link rel="attachment" href="../../../../../../../../etc/hostname">',
    "shipped-but-not-a-font": '<link rel="attachment" href="__init__.py">',
    "http": '<link rel="attachment" href="http://127.0.0.1:9/x">',
}


def _attachments(pdf: Path) -> dict:
    reader = PdfReader(pdf)
    found = dict(reader.attachments)
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            if annot.get_object().get("/Subtype") == "/FileAttachment":
                found["annotation"] = True
    return found


@pytest.mark.parametrize("name", list(LOCAL_LINKS))
def test_the_pdf_engine_loads_no_local_file_or_url(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    tdir = tmp_path / "t"
    tdir.mkdir()
    link = LOCAL_LINKS[name]
    (tdir / "worksheet.html").write_text(
        '{% extends "base.html" %}{% block body %}' + link + "<p>body</p>{% endblock %}", encoding="utf-8")
    r, out = _sheet(tmp_path, tdir, "pdf")
    assert r.exit_code == 2, r.output
    assert re.fullmatch(r"error: w\.pdf: the template links to \S+, which quizgen does not load \(only its own "
                        r"fonts and data: URLs\): remove the link or embed the file as a data: URL\n", r.output), \
        r.output
    assert not out.exists() and not list(tmp_path.glob(".*tmp"))


def test_a_document_rendered_with_our_fetcher_has_no_attachment_and_no_local_text(tmp_path):
    from quizgen.render.pdf import pdf_bytes

    canary = tmp_path / "canary.txt"
    canary.write_text("CANARY-7f3a9e", encoding="utf-8")
    html = "".join(LOCAL_LINKS.values()) + f'<link rel="attachment" href="{canary.as_uri()}"><p>body</p>'
    data, refused = pdf_bytes(html)
    assert len(refused) == len(LOCAL_LINKS) + 1
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(data)
    assert _attachments(pdf) == {}
    assert b"CANARY" not in data and b"canary" not in data
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "body" in text and "CANARY" not in text and (len(HOSTNAME) < 4 or HOSTNAME not in text)


def test_data_urls_and_our_fonts_still_load(tmp_path):
    from quizgen.render.pdf import pdf_bytes

    html = ('<link rel="attachment" href="data:text/plain;base64,aGVsbG8=" title="notes.txt">'
            '<style>@font-face { font-family: shipped; src: url("lmroman10-regular.otf"); } p { font-family: shipped }'
            "</style><p>text</p>")
    data, refused = pdf_bytes(html)
    assert refused == []
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(data)
    assert len(_attachments(pdf)) == 1
    fonts = PdfReader(pdf).pages[0]["/Resources"]["/Font"]
    assert [str(f.get_object()["/BaseFont"]).split("+")[-1] for f in fonts.values()] == ["shipped"]


# ---------------------------------------------------------------- 3. the formula cache

TEX = r"\frac{3 x^{2}}{x + 1}"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path))
    formula.clear_memory_cache()
    good = formula.render(TEX)
    assert good is not None
    formula.clear_memory_cache()
    path = tmp_path / "svg" / f"{formula._key(TEX, formula.FORMULA_PX)}.json"
    assert path.is_file()
    yield path, good
    formula.clear_memory_cache()


def _good_record(good):
    return {"body": good.body, "viewbox": good.viewbox, "width": good.width, "height": good.height,
            "depth": good.depth}


POISON = {
    "script": {"body": "<script>alert(1)</script>"},
    "script-after-path": {"body": '<path d="M 0 0 h 1"/><script>alert(1)</script>'},
    "image-file": {"body": '<image href="file:///etc/hostname" width="10" height="10"/>'},
    "foreign-object": {"body": "<foreignObject><p>hi</p></foreignObject>"},
    "use-external": {"body": '<use href="file:///etc/hostname#x"/>'},
    "event-attribute": {"body": '<path d="M 0 0 h 1" onload="alert(1)"/>'},
    "style-attribute": {"body": '<path d="M 0 0 h 1" style="fill:url(file:///etc/hostname)"/>'},
    "closing-svg": {"body": '<path d="M 0 0"/></svg><script>alert(1)</script><svg>'},
    "text-content": {"body": "<g>hello</g>"},
    "cdata": {"body": "<g><![CDATA[</svg><script>alert(1)</script>]]></g>"},
    "path-data-quote": {"body": '<path d="M 0 0&quot; onload=&quot;alert(1)"/>'},
    "viewbox-breakout": {"viewbox": '0 0 1 1" onload="alert(1)'},
    "body-not-text": {"body": 5},
    "width-text": {"width": "wide"},
    "height-list": {"height": [1, 2]},
    "depth-bool": {"depth": True},
    "width-nan": {"width": math.nan},
    "width-huge": {"width": 1e300},
}


@pytest.mark.parametrize("name", list(POISON))
def test_a_poisoned_cache_record_is_ignored_and_rendered_again(cache, name):
    path, good = cache
    record = {**_good_record(good), **POISON[name]}
    path.write_text(json.dumps(record), encoding="utf-8")
    html = formula.typeset(TEX, "3x²/(x + 1)")
    assert formula.stats["disk"] == 0 and formula.stats["rendered"] == 1
    assert "script" not in html and "file:" not in html and "onload" not in html and "foreign" not in html.lower()
    assert good.body in html
    # The bad record was replaced by a good one.
    assert json.loads(path.read_text(encoding="utf-8")) == _good_record(good)


@pytest.mark.parametrize("record", [[1, 2], "svg", 3, {"body": "x"}, {**dict.fromkeys("abcde", 1)}],
                         ids=["list", "string", "number", "missing-keys", "wrong-keys"])
def test_a_cache_record_of_the_wrong_shape_is_a_miss(cache, record):
    path, good = cache
    path.write_text(json.dumps(record), encoding="utf-8")
    assert formula.render(TEX) == good
    assert formula.stats["rendered"] == 1


def test_a_good_record_and_a_cached_failure_are_hits(cache):
    path, good = cache
    assert formula.render(TEX) == good and formula.stats == {"memory": 0, "disk": 1, "rendered": 0}
    path.write_text("null", encoding="utf-8")
    formula.clear_memory_cache()
    assert formula.render(TEX) is None and formula.stats["disk"] == 1


def test_everything_ziamath_draws_for_our_formulas_passes_the_cache_check(tmp_path, monkeypatch):
    """The check must not refuse real records (then every run would render everything again)."""
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(formula, "_PARALLEL_MIN", 10**9)
    formula.clear_memory_cache()
    ps = generate_set(40, seed=11, command="sheet")
    build_sheet_html(ps, key=True, steps=True)
    records = list((tmp_path / "svg").glob("*.json"))
    assert len(records) > 100
    # a few that ziamath does not draw as one path
    extra = [r"\sqrt{x}", r"\left|x\right|", r"\overline{x}", r"\color{red}{x}", r"\begin{matrix}1\\2\end{matrix}",
             r"\cancel{x}", r"\boxed{x}"]
    for tex in extra:
        formula.render(tex)
    formula.clear_memory_cache()
    for path in (tmp_path / "svg").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert formula._record(data) is not False, data
    formula.clear_memory_cache()


@pytest.mark.timeout(60)
def test_the_template_limit_counts_computing_not_waiting(tmp_path, monkeypatch):
    """A busy machine slows a page without it computing more: a 10 s wall-clock limit failed a real exam paper under
    load (stress run 25 of 200). Waiting 1.5 s under a 1 s limit renders; the limit counts CPU time."""
    import time

    from quizgen.render import env

    class Slow:
        def wait(self):
            time.sleep(1.5)
            return "done"

    monkeypatch.setattr(env, "TEMPLATE_SECONDS", 1.0)
    (tmp_path / "page.txt").write_text("{{ slow.wait() }}", encoding="utf-8")
    assert env.render_template("page.txt", {"slow": Slow()}, tmp_path) == "done"
