"""Text given to any public function of the math core is read by the one safe parser, never by sympify.

A problem or answer that is Python code raises our ParseError (or, for functions that take only SymPy objects,
TypeError) and never runs: the canary file is not created.
"""

from __future__ import annotations

import os

import pytest

from quizgen.errors import ParseError
from quizgen.mathparse import parse, symbol

x = symbol("x")
CODE = "__import__('os').system('touch CANARY')"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    yield
    assert not (tmp_path / "CANARY").exists(), "a formula was executed"
    assert not os.path.exists("CANARY")


def _calls():
    from quizgen import checker as check
    from quizgen import form, mistakes

    p, d = parse("sin(x^2)"), parse("2x cos(x^2)")
    return {
        "check_answer(problem)": lambda: check.check_answer(CODE, "2x cos(x^2)"),
        "check_answer(answer)": lambda: check.check_answer(p, CODE),
        "check_answer(expected)": lambda: check.check_answer(p, "2x cos(x^2)", expected=CODE),
        "check_text(problem)": lambda: check.check_text(CODE, "1"),
        "check_text(answer)": lambda: check.check_text("x^2", CODE),
        "mistake_details": lambda: mistakes.mistake_details(CODE, "x"),
        "mistake_details(expected)": lambda: mistakes.mistake_details(p, x, CODE),
        "mistake_variants": lambda: mistakes.mistake_variants(CODE, x),
        "diagnose(problem)": lambda: mistakes.diagnose(CODE, x, d),
        "diagnose(answer)": lambda: mistakes.diagnose(p, x, CODE),
        "rules_needed": lambda: mistakes.rules_needed(CODE, "x"),
        "form_of(answer)": lambda: form.form_of(CODE, CODE, d, x),
    }


@pytest.mark.parametrize("name", list(_calls()))
def test_text_goes_through_the_parser(name):
    with pytest.raises(ParseError):
        _calls()[name]()


def test_functions_that_take_sympy_objects_refuse_text():
    from quizgen.equiv import compare, equivalent
    from quizgen.numeric import evaluate, frame_for
    from quizgen.printing import to_latex, to_text
    from quizgen.steps import trace

    for call in (lambda: equivalent(CODE, x, x), lambda: compare(CODE, x, x), lambda: frame_for(x, CODE),
                 lambda: evaluate(CODE, x, 1), lambda: to_text(CODE), lambda: to_latex(CODE),
                 lambda: trace(CODE, x), lambda: trace(x**2, x, expected=CODE)):
        with pytest.raises(TypeError):
            call()


def test_text_and_sympy_give_the_same_verdict():
    from quizgen.checker import check_answer
    from quizgen.mistakes import diagnose, mistake_variants

    by_text = check_answer("sin(x^2)", "cos(x^2)")
    by_expr = check_answer(parse("sin(x^2)"), parse("cos(x^2)"))
    assert (by_text.correct, by_text.mistake) == (by_expr.correct, by_expr.mistake) == (False, "chain-missing-inner")
    assert check_answer("x^3", "3x^2", expected="3x^2").correct
    assert diagnose("sin(x^2)", "x", "cos(x^2)")[0] == "chain-missing-inner"
    assert mistake_variants("e^(2x)", "x") == mistake_variants(parse("e^(2x)"), x)
