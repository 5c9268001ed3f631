"""The domain of a problem is the domain of what was typed, not of SymPy's rewritten form; real odd roots are read
one way everywhere (issue 13, domains)."""

from __future__ import annotations

import pytest

from quizgen.checker import check_text
from quizgen.mathparse import parse, symbol
from quizgen.numeric import evaluate, typed

x = symbol("x")


@pytest.mark.parametrize("problem,answer", [
    # SymPy rewrites (√x·sin x)² as x·sin²x, defined for x < 0 too; the typed problem is not.
    ("(sqrt(x)*sin(x))^2", "2sqrt(x) sin(x) (sin(x)/(2sqrt(x)) + sqrt(x) cos(x))"),
    ("(sqrt(x)*sin(x))^2", "sin(x)^2 + 2x sin(x) cos(x)"),
    ("(sqrt(x)/(x+1))^2", "2 sqrt(x)/(x+1) * (1/(2 sqrt(x)(x+1)) - sqrt(x)/(x+1)^2)"),
    ("(sqrt(x) e^x)^2", "2 sqrt(x) e^x (e^x/(2 sqrt(x)) + sqrt(x) e^x)"),
    ("((5x+7)^(1/3)/sqrt(x))^2",
     "2 (5x+7)^(1/3)/sqrt(x) * (5/(3 (5x+7)^(2/3) sqrt(x)) - (5x+7)^(1/3)/(2 x sqrt(x)))"),
    ("(x/log_5(x))*ln(x)", "ln(5)"),
    ("(x/log_5(x))*ln(x)", "(1/log_5(x) - 1/(ln(5) log_5(x)^2)) ln(x) + 1/log_5(x)"),
    # real odd roots: ∛(x²) and x^(2/3) are the same function, and so are their derivatives
    ("cbrt(x^2)", "2/(3 cbrt(x))"),
    ("x^(2/3)", "2/(3 cbrt(x))"),
    ("cbrt(x^2)", "2/(3 x^(1/3))"),
    ("x^(2/3)", "2/3 x^(-1/3)"),
    ("cbrt(x)", "1/(3 cbrt(x^2))"),
    ("x^(1/3)", "1/(3 x^(2/3))"),
    ("(x^3 - 1)^(1/3)", "x^2/(x^3-1)^(2/3)"),
])
def test_correct_answers_on_the_typed_domain_are_accepted(problem, answer):
    v = check_text(problem, answer)
    assert (v.correct, v.mistake, v.equivalence) == (True, None, "equal"), (problem, answer, v.feedback)


def test_an_answer_undefined_where_the_typed_problem_is_defined_is_still_a_domain_mismatch():
    v = check_text("ln(x^2)", "2 sqrt(x)/sqrt(x^3)")  # 2/x, but only for x > 0
    assert (v.correct, v.mistake) == (False, "domain-mismatch")
    v = check_text("(sqrt(x)*sin(x))^2", "sin(x)^2 + 2 sqrt(x^3)/sqrt(x) sin(x) cos(x)")
    assert v.correct  # √(x³)/√x = x wherever √x·sin x is defined


def test_wrong_answers_on_the_typed_domain_are_still_wrong():
    v = check_text("(sqrt(x)*sin(x))^2", "2sqrt(x) sin(x) (sin(x)/(2sqrt(x)) - sqrt(x) cos(x))")
    assert (v.correct, v.equivalence) == (False, "different")


def test_the_typed_form_keeps_what_sympy_rewrites():
    t = typed("(sqrt(x)*sin(x))^2", "x")
    assert evaluate(t, x, -1) is None and evaluate(parse("(sqrt(x)*sin(x))^2"), x, -1) is not None
    assert evaluate(t, x, 2) == pytest.approx(evaluate(parse("x sin(x)^2"), x, 2), rel=1e-14)
    assert typed("2/3 x - 5", "x") == parse("2/3 x - 5")  # numbers are numbers; nothing else to keep


@pytest.mark.parametrize("text,at,value", [
    ("cbrt(x)", -8, -2.0),
    ("x^(1/3)", -8, -2.0),
    ("x^(2/3)", -8, 4.0),
    ("x^(-1/3)", -8, -0.5),
    ("cbrt(x^2)", -8, 4.0),
    ("x^(5/3)", -8, -32.0),
])
def test_odd_roots_of_negatives_are_real(text, at, value):
    assert evaluate(parse(text), x, at) == pytest.approx(value, rel=1e-14)


@pytest.mark.parametrize("text,at", [("sqrt(x)", -4), ("x^(1/4)", -16), ("x^(3/2)", -1), ("x^(1/6)", -1)])
def test_even_roots_of_negatives_stay_undefined(text, at):
    assert evaluate(parse(text), x, at) is None
