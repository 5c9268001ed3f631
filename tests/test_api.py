"""The Python façade: the README's "Python" section runs as written, and no formula string can run code."""

import doctest
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import quizgen

ROOT = Path(__file__).resolve().parents[1]
EVIL = "__import__('os').system('touch CANARY')"


def test_readme_python_section_runs_as_shown():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python", 1)[1].split("\n## ", 1)[0]
    code = "\n".join(re.findall(r"```python\n(.*?)```", section, re.S))
    assert ">>> import quizgen" in code
    parser = doctest.DocTestParser()
    test = parser.get_doctest(code, {}, "README.md#python", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0 and runner.tries >= 6


def test_facade_calls_work_together():
    ps = quizgen.generate(n=5, seed=1)
    assert len(ps.problems) == 5 and ps.seed == 1
    assert [p.question_text for p in ps.problems] == [p.question_text for p in quizgen.generate(n=5, seed=1).problems]
    assert quizgen.solve("x^2 e^x").derivative_text == "x(x + 2)eˣ"
    assert quizgen.check("(x^2+1)^3", "6x(x^2+1)^2").correct
    v = quizgen.check("(x^2+1)^3", "3(x^2+1)^2")
    assert not v.correct and v.mistake == "chain-missing-inner"


def test_facade_takes_sympy_expressions_as_they_are():
    import sympy as sp

    x = sp.Symbol("x")
    assert str(quizgen.solve(sp.sin(x) ** 2).derivative) == str(sp.diff(sp.sin(x) ** 2, x))
    with pytest.raises(quizgen.ParseError, match="unknown name .y."):
        quizgen.solve(x * sp.Symbol("y"))
    assert quizgen.check(x**3, 3 * x**2).correct
    assert not quizgen.check(x**3, 3 * x).correct


def test_facade_exam_round_trip(tmp_path):
    spec = quizgen.load_spec(ROOT / "examples" / "quiz3.toml")
    exam = quizgen.build_exam(spec, versions=2)
    written = quizgen.write_exam(exam, tmp_path, ["json"])
    assert [p.name for p in written] == ["exam.json"]
    assert [v.label for v in exam.versions] == ["A", "B"]
    # A script's exam names no command line: the library writes none.
    assert "quizgen exam" not in (tmp_path / "exam.json").read_text(encoding="utf-8")


def test_facade_error_types_are_exported():
    assert issubclass(quizgen.BankError, quizgen.ValidationError)
    assert issubclass(quizgen.SpecError, quizgen.ValidationError)
    assert issubclass(quizgen.ParseError, quizgen.QuizgenError)
    assert issubclass(quizgen.StoreError, quizgen.QuizgenError)


@pytest.mark.parametrize("call", [
    lambda: quizgen.solve(EVIL),
    lambda: quizgen.check(EVIL, "2x"),
    lambda: quizgen.check("x^2", EVIL),
    lambda: quizgen.check(EVIL, EVIL),
], ids=["solve", "check-problem", "check-answer", "check-both"])
def test_a_formula_string_never_runs(call, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(quizgen.ParseError) as err:
        call()
    assert "'__' is not allowed in a formula" in str(err.value)
    assert not (tmp_path / "CANARY").exists()


def test_import_quizgen_is_light():
    # The façade imports its parts when called: `import quizgen` must not pull in SymPy or WeasyPrint.
    code = "import sys, quizgen; print(sorted(m for m in ('sympy', 'weasyprint', 'jinja2', 'click') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.strip() == "[]", out.stderr
