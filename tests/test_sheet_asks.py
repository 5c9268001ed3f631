"""Worksheets and keys for every ask (issue 10): `quizgen sheet --ask tangent|normal|second|value` puts each question,
its point and its answer in the PDF's text layer; the key shows f′(a) and the line, or f′ then f″."""

import re
import shutil
import subprocess
import sys

import pytest

from quizgen.printing import to_text

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")


FA = "f'(a)"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdftotext(path) -> str:
    return squash(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, timeout=60).stdout)


def run_sheet(tmp_path, *args):
    out = tmp_path / "ws.pdf"
    r = subprocess.run([sys.executable, "-m", "quizgen", "sheet", "-o", str(out), *args], capture_output=True,
                       text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    return out, tmp_path / "ws-key.pdf", r.stderr + r.stdout


def problems(*args):
    from quizgen.problems import generate_set

    n = int(args[args.index("-n") + 1])
    ask = args[args.index("--ask") + 1]
    seed = int(args[args.index("--seed") + 1])
    return generate_set(n, seed=seed, ask=ask).problems


@pytest.mark.timeout(300)
@pytest.mark.parametrize("ask", ["tangent", "normal"])
def test_line_sheet_and_key_hold_every_question_point_and_line(tmp_path, ask):
    args = ("-n", "12", "--ask", ask, "--seed", "4")
    sheet, key, said = run_sheet(tmp_path, *args)
    assert f"--ask {ask}" in said  # the regeneration command keeps the ask
    ps = problems(*args)
    sheet_text, key_text = pdftotext(sheet), pdftotext(key)
    title = "Tangentlineat" if ask == "tangent" else "Normallineat"
    for p in ps:
        a = to_text(p.point)
        facts = dict(p.facts)
        for text in (sheet_text, key_text):
            assert squash(f"f({p.variable})={p.question_text}") in text
            assert squash(f"{title}{p.variable}={a}") in text
        assert squash(p.answer_text) in key_text and p.answer_text.startswith("y = ")
        assert squash(f"f′({a})={to_text(facts[FA])}") in key_text
        assert squash(p.answer_text) not in sheet_text
        if ask == "normal":
            assert squash(f"m=−1/f′({a})={to_text(facts['slope'])}") in key_text
    assert squash(f"quizgen sheet -n 12 --ask {ask} --seed 4") in sheet_text


@pytest.mark.timeout(300)
def test_second_derivative_key_shows_f_prime_then_f_double_prime(tmp_path):
    args = ("-n", "12", "--ask", "second", "--seed", "4")
    sheet, key, _ = run_sheet(tmp_path, *args)
    sheet_text, key_text = pdftotext(sheet), pdftotext(key)
    for p in problems(*args):
        d1 = squash(f"f′({p.variable})={to_text(p.derivative)}")
        d2 = squash(f"f″({p.variable})={p.answer_text}")
        assert squash(f"f({p.variable})={p.question_text}") in sheet_text
        assert squash(f"Findf″({p.variable})") in sheet_text
        assert d1 in key_text and d2 in key_text
        assert key_text.index(d1) < key_text.index(d2)  # f′ on the way, then f″
        assert d2 not in sheet_text


@pytest.mark.timeout(300)
def test_value_sheet_asks_f_prime_at_the_point(tmp_path):
    args = ("-n", "6", "--ask", "value", "--seed", "4")
    sheet, key, _ = run_sheet(tmp_path, *args)
    sheet_text, key_text = pdftotext(sheet), pdftotext(key)
    for p in problems(*args):
        a = to_text(p.point)
        assert squash(f"Findf′({a})") in sheet_text
        assert squash(f"f′({a})={p.answer_text}") in key_text


def test_the_default_ask_sheet_is_unchanged():
    """--ask derivative keeps the sheet of earlier versions: one answer line f′(x) = …, no ask line."""
    from quizgen.problems import generate_set
    from quizgen.render.pdf import build_sheet_html

    ps = generate_set(3, seed=5)
    html = build_sheet_html(ps, key=True)
    assert 'class="line ask"' not in html
    assert html.count('class="line answer"') == 3


@pytest.mark.timeout(300)
def test_second_derivative_steps_longer_than_a_page_lose_nothing(tmp_path):
    """A second derivative's worked solution traces f and then f′: a grid row taller than a page lost what the
    page break cut off (WeasyPrint) and left page 1 empty; such keys are set in breakable blocks."""
    from quizgen.problems import generate_set
    from quizgen.render.pdf import write_sheet; LONG_STEP_LINES = 12
    from quizgen.solution import step_rows

    ps = generate_set(4, seed=4, ask="second")
    assert any(sum(len(f) for _d, _t, f in step_rows(p.steps)) > LONG_STEP_LINES for p in ps.problems)
    out = tmp_path / "s.pdf"
    _sheet, key = write_sheet(ps, out, tmp_path / "s-key.pdf", steps=True)
    text = pdftotext(key)
    for p in ps.problems:
        for _depth, title, formulas in step_rows(p.steps):
            assert squash(title) in text
            for _tex, txt in formulas:
                # The start of each line: the invisible text layer of a formula wider than ~3 lines of text runs
                # past the page edge, where pdftotext stops reading (formula.py's text layer, not this layout).
                assert squash(txt)[:80] in text, txt
    first_page = squash(subprocess.run(["pdftotext", "-l", "1", str(key), "-"], capture_output=True, text=True,
                                       timeout=60).stdout)
    assert squash(f"f″(x)={ps.problems[0].answer_text}") in first_page
