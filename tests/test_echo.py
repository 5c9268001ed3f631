"""Issue 13: the "read as" echo shows the student's own structure (2(x² + 6), not SymPy's 2x² + 12), made
unambiguous, and parses back to the same value."""

from __future__ import annotations

import json

import pytest
import sympy as sp
from click.testing import CliRunner

from quizgen.cli import main
from quizgen.mathparse import parse
from quizgen.printing import typed_text

ECHOES = [
    ("2(x^2+6)", "2(x² + 6)"),
    ("(x^2+6)^2", "(x² + 6)²"),
    ("2*(x+1)*(x-1)", "2(x + 1)(x − 1)"),
    ("(x+1)(x+1)", "(x + 1)(x + 1)"),
    ("3(2x+1)^2*2", "3(2x + 1)²·2"),
    ("x*x", "xx"),
    ("1/2x", "(1/2)x"),
    ("x/2x", "(x/2)x"),
    ("(1/2)x", "(1/2)x"),
    ("-2x+3", "−2x + 3"),
    ("x + -2", "x + (−2)"),
    ("x-(-2)", "x − (−2)"),
    ("-(x+1)", "−(x + 1)"),
    ("2*-x", "2(−x)"),
    ("x^-2", "x⁻²"),
    ("x**3", "x³"),
    ("e^-x", "e⁻ˣ"),
    ("e^(2x)(x+1)", "e^(2x)(x + 1)"),
    ("e^x sin x", "eˣ sin(x)"),
    ("exp(3x)", "exp(3x)"),
    ("sin^2 x", "sin²(x)"),
    ("sin(x)^2", "sin²(x)"),
    ("ln(x)^2", "(ln(x))²"),
    ("sin x cos x", "sin(x) cos(x)"),
    ("x sin x", "x sin(x)"),
    ("2sin(3x)", "2sin(3x)"),
    ("sin(x)*x", "sin(x)·x"),
    ("sqrt x", "√x"),
    ("sqrt(x)^2", "(√x)²"),
    ("sqrt(x+1)", "√(x + 1)"),
    ("√x·2", "√x·2"),
    ("x^(1/2)", "x^(1/2)"),
    ("x^2^3", "x^(2³)"),
    ("(x^2)^3", "(x²)³"),
    ("ln|x|", "ln|x|"),
    ("2|x|", "2|x|"),
    ("abs(x-1)", "|x − 1|"),
    ("log10 x", "log₁₀(x)"),
    ("log2(x^2+1)", "log₂(x² + 1)"),
    ("log_3(x)", "log₃(x)"),
    ("log(x, 5)", "log₅(x)"),
    ("pi x", "πx"),
    ("2pi", "2π"),
    ("3.5x^2", "3.5x²"),
    ("𝑥^2", "x²"),
    ("cosec x", "csc(x)"),
    ("arctan(1/x)", "arctan(1/x)"),
    ("(x^2-1)/(x-1)", "(x² − 1)/(x − 1)"),
    ("x/(2x+1)^2", "x/(2x + 1)²"),
    ("3e2", "3e·2"),
]


@pytest.mark.parametrize("typed,echo", ECHOES, ids=[t for t, _ in ECHOES])
def test_echo_keeps_the_typed_structure(typed, echo):
    assert typed_text(typed) == echo
    assert parse(echo) == parse(typed)  # the echo reads back to the same value


def test_check_json_echoes_the_typed_form():
    r = CliRunner().invoke(main, ["check", "(x^2+6)^2", "2(x^2+6)", "--format", "json"])
    d = json.loads(r.output)
    assert d["interpreted_as"] == "2(x² + 6)"
    assert d["correct"] is False  # grading still uses the parsed value
    r = CliRunner().invoke(main, ["check", "x^3", "3x*x"])
    assert r.exit_code == 0 and "read as:  3x·x" not in r.output and "read as:  3xx" in r.output


def test_echo_of_sympy_answers_is_still_printed():
    from quizgen import check

    v = check("x^2", sp.Integer(2) * sp.Symbol("x", real=True))
    assert v.interpreted_as == "2x"


def test_a_line_is_echoed_as_typed():
    from quizgen.checker import check_answer as check

    v = check("x^2", "y - 1 = 2(x - 1)", ask="tangent", point=1)
    assert v.correct and v.interpreted_as == "y − 1 = 2(x − 1)"
    assert check("x^2", "2x-1", ask="tangent", point=1).interpreted_as == "y = 2x − 1"
