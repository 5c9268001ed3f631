"""Worksheets and keys: PDF/HTML content (numbering, problems, answers, regeneration code), safe writes, formula cache."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from quizgen.errors import OutputError, QuizgenError
from quizgen.problems import generate_set
from quizgen.render import formula
from quizgen.printing import to_text
from quizgen.render.pdf import PageSetup, build_sheet_html, check_writable, default_key_path, write_sheet

N = 6


def squash(text: str) -> str:
    """Text without whitespace: PDF extractors differ in where they put spaces."""
    return re.sub(r"\s+", "", text)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture(scope="module")
def problem_set():
    return generate_set(N, seed=5, command="sheet")


@pytest.fixture(scope="module")
def pdfs(problem_set, tmp_path_factory):
    """One sheet and one key with steps, on Letter in one column (the defaults, A4 in two, are covered below)."""
    from quizgen.cli.text import sheet_command

    out = tmp_path_factory.mktemp("pdf") / "worksheet.pdf"
    regen = sheet_command(problem_set, steps=True, page=PageSetup(paper="letter", columns=1), title="Chain rule drill")
    written = write_sheet(problem_set, out, default_key_path(out), steps=True, columns=1, paper="letter",
                          title="Chain rule drill", regen=regen)
    return written


def test_sheet_pdf_lists_every_problem_numbered_with_the_regeneration_code(problem_set, pdfs):
    sheet, _key = pdfs
    text = squash(pdf_text(sheet))
    for p in problem_set.problems:
        assert squash(f"{p.number})f({p.variable})={p.question_text}") in text
    assert squash("quizgen sheet -n 6 --seed 5") in text
    assert squash("--columns 1 --paper letter --title 'Chain rule drill'") in text
    assert "Name" in text and "Date" in text and "Score" in text
    assert squash("Page 1 of") in text
    # The sheet never gives the answers away.
    for p in problem_set.problems:
        if squash(p.answer_text) not in squash(p.question_text):
            assert squash(f"f′({p.variable})={p.answer_text}") not in text


def test_key_pdf_has_same_numbering_answers_and_steps(problem_set, pdfs):
    _sheet, key = pdfs
    raw = pdf_text(key)
    text = squash(raw)
    for p in problem_set.problems:
        assert squash(f"{p.number})f({p.variable})={p.question_text}") in text
        assert squash(f"f′({p.variable})={p.answer_text}") in text
    assert "Answer key" in raw
    assert squash("quizgen sheet -n 6 --seed 5 --steps") in text
    chained = [p for p in problem_set.problems if p.steps.rule == "chain"]
    assert chained, "seed 5 should include a chain-rule problem"
    for p in chained:
        # The chain rule names u and applies "outer′ · inner′".
        u = dict(p.steps.parts)["u"]
        assert squash(f"u={to_text(u)}") in text
        assert squash(f"d/dx[{p.question_text}]=f′(u)·u′=") in text
    assert "Sum rule" in raw or "Product rule" in raw or "Quotient rule" in raw


def test_pdftotext_sees_the_text_layer(problem_set, pdfs):
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    sheet, key = pdfs

    def pdftotext(path):
        return squash(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, timeout=60).stdout)

    sheet_text, key_text = pdftotext(sheet), pdftotext(key)
    for p in problem_set.problems:
        assert squash(p.question_text) in sheet_text
        assert squash(p.answer_text) in key_text


def test_default_layout_a4_two_columns_and_same_content_when_run_again(problem_set, tmp_path):
    regen = "quizgen sheet -n 6 --seed 5"
    first = write_sheet(problem_set, tmp_path / "a.pdf", tmp_path / "a-key.pdf", regen=regen)
    again = write_sheet(generate_set(N, seed=5, command="sheet"), tmp_path / "b.pdf", tmp_path / "b-key.pdf",
                        regen=regen)
    for one, two in zip(first, again):
        assert pdf_text(one) == pdf_text(two)
    page = PdfReader(first[0]).pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    assert "quizgen sheet -n 6 --seed 5" in pdf_text(first[0])
    assert not list(tmp_path.glob(".*.tmp")), "temp files left behind"


def test_a_sheet_written_from_python_prints_no_command_line(problem_set, tmp_path):
    # The library writes no CLI text: only the caller knows how the sheet was made.
    (sheet,) = write_sheet(problem_set, tmp_path / "w.html", fmt="html")
    html = sheet.read_text(encoding="utf-8")
    assert "quizgen sheet" not in html and "quizgen generate" not in html and "Regenerate" not in html


def test_html_format_is_self_contained(problem_set, tmp_path):
    sheet, key = write_sheet(problem_set, tmp_path / "w.html", tmp_path / "w-key.html", fmt="html",
                             regen="quizgen sheet -n 6 --seed 5")
    for path in (sheet, key):
        html = path.read_text(encoding="utf-8")
        assert "file:" not in html
        assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", html)
        assert all(url.startswith("data:") for url in re.findall(r"""url\(\s*["']?([^"')]*)""", html))
        assert "data:font/otf;base64," in html
        assert html.count("<svg") >= N
        assert "Regenerate: <code>quizgen sheet -n 6 --seed 5</code>" in html
    sheet_html, key_html = sheet.read_text(encoding="utf-8"), key.read_text(encoding="utf-8")
    for p in problem_set.problems:
        assert p.question_text.replace("&", "&amp;") in sheet_html
        assert p.answer_text.replace("&", "&amp;") in key_html


def test_user_text_is_escaped(problem_set):
    html = build_sheet_html(problem_set, title="<b>Quiz & more</b>", page=PageSetup(fmt="html"))
    assert "<b>Quiz" not in html
    assert "&lt;b&gt;Quiz &amp; more&lt;/b&gt;" in html


def test_unwritable_paths_fail_before_any_work(problem_set, tmp_path, monkeypatch):
    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered before checking the output path")

    monkeypatch.setattr("quizgen.render.pdf.prefetch", no_rendering)
    with pytest.raises(OutputError, match=r"cannot write .*missing.*does not exist"):
        write_sheet(problem_set, tmp_path / "missing" / "w.pdf")
    with pytest.raises(OutputError, match="it is a directory"):
        write_sheet(problem_set, tmp_path / "ok.pdf", tmp_path)
    with pytest.raises(OutputError):
        check_writable(Path(__file__) / "inside-a-file.pdf")
    assert not (tmp_path / "ok.pdf").exists()


def test_bad_layout_options_are_one_line_errors(problem_set, tmp_path):
    with pytest.raises(QuizgenError, match="unknown paper size 'a3'"):
        write_sheet(problem_set, tmp_path / "w.pdf", paper="a3")
    with pytest.raises(QuizgenError, match="columns must be 1 or 2, not 3"):
        write_sheet(problem_set, tmp_path / "w.pdf", columns=3)
    with pytest.raises(QuizgenError, match="working space must be between 0 and 20 cm, not 30"):
        write_sheet(problem_set, tmp_path / "w.pdf", space=30)


def test_template_dir_overrides_by_name(problem_set, tmp_path):
    (tmp_path / "worksheet.html").write_text(
        '{% extends "base.html" %}{% block body %}<p class="mine">{{ items|length }} for you</p>{% endblock %}',
        encoding="utf-8",
    )
    html = build_sheet_html(problem_set, template_dir=tmp_path)
    assert f'<p class="mine">{N} for you</p>' in html
    assert "Name" in html  # base.html still comes from the package
    with pytest.raises(QuizgenError, match="template directory not found"):
        build_sheet_html(problem_set, template_dir=tmp_path / "nope")
    (tmp_path / "worksheet.html").write_text("{{ no_such_value }}", encoding="utf-8")
    with pytest.raises(QuizgenError, match="unknown value"):
        build_sheet_html(problem_set, template_dir=tmp_path)


def test_formula_cache_memory_then_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path))
    formula.clear_memory_cache()
    tex = r"\frac{2 x}{\left(x^{2} + 1\right) \ln 3}"
    first = formula.render(tex)
    assert formula.stats == {"memory": 0, "disk": 0, "rendered": 1}
    assert formula.render(tex) is first
    assert formula.stats["memory"] == 1
    assert len(list((tmp_path / "svg").glob("*.json"))) == 1
    formula.clear_memory_cache()
    again = formula.render(tex)
    assert formula.stats == {"memory": 0, "disk": 1, "rendered": 0}
    assert again == first
    # A fraction reaches below the baseline; the SVG is shifted down by that much.
    assert first.depth > 5 and f"vertical-align:{-first.depth:.2f}px" in first.tag()
    formula.clear_memory_cache()


def test_common_prefix_is_rendered_once_per_sheet(problem_set, tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path))
    formula.clear_memory_cache()
    rendered = []
    real = formula._render_uncached
    monkeypatch.setattr(formula, "_render_uncached", lambda tex, size: rendered.append(tex) or real(tex, size))
    monkeypatch.setattr(formula, "_PARALLEL_MIN", 10**9)  # keep rendering in this process, where we count it
    build_sheet_html(problem_set, key=True)
    assert rendered.count("f'(x) =") == 1 and rendered.count("f(x) =") == 1
    formula.clear_memory_cache()


def test_long_formulas_wrap_between_terms():
    assert formula.split_terms(r"- 3 x^{2} + \frac{a - b}{2} - \left(x + 1\right)") == [
        r"- 3 x^{2}", r"{}+ \frac{a - b}{2}", r"{}- \left(x + 1\right)"]
    assert formula.split_terms(r"\frac{d}{dx}\left[x^{2}\right] = 2 x = - y") == [
        r"\frac{d}{dx}\left[x^{2}\right]", "{}= 2 x", "{}= - y"]
    long = " + ".join(rf"{k} x^{{{k}}} \sin{{\left({k} x \right)}}" for k in range(2, 12))
    html = formula.typeset(long, "long", max_width=300)
    assert html.count("<svg") == 10 and html.count("\u200b") == 9


def test_latex_is_adjusted_for_ziamath_as_tex_would_set_it():
    assert formula.plain_delimiters(r"\left(x^{2} + 1\right)^{3}") == "(x^{2} + 1)^{3}"
    assert formula.plain_delimiters(r"\left(\frac{1}{x}\right)") == r"\left(\frac{1}{x}\right)"
    assert formula.for_ziamath(r"x^{2} \sin{\left(x \right)}") == r"x^{2} \,\operatorname{sin}{(x )}"
    assert formula.for_ziamath(r"\left(-1\right) \cdot 2 x = - 2 x") == r"({-}1) \cdot 2 x = {-} 2 x"
    assert formula.for_ziamath(r"x \ln 3") == r"x \,\operatorname{ln}\,  3"


def test_importing_the_renderer_does_not_import_the_pdf_stack():
    code = ("import sys, quizgen.render.pdf\n"
            "heavy = [m for m in ('weasyprint', 'ziamath', 'sympy') if m in sys.modules]\n"
            "print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         timeout=60).stdout.strip()
    assert out == ""
