"""The safe parser: what it accepts, what it refuses, and where it points."""

import pytest
import sympy as sp

from quizgen.errors import LimitError, ParseError
from quizgen.mathparse import parse, symbol

x = symbol("x")

ACCEPT = [
    ("3x^2", 3 * x**2),
    ("3x**2", 3 * x**2),
    ("6x(x^2+1)^2", 6 * x * (x**2 + 1) ** 2),
    ("2^x ln 2", 2**x * sp.log(2)),
    ("x e^x", x * sp.exp(x)),
    ("xe^x", x * sp.exp(x)),
    ("2x ln 3", 2 * x * sp.log(3)),
    ("e^x(2x+2)", sp.exp(x) * (2 * x + 2)),  # the exponent is one atom: e^x times (2x+2)
    ("sin x cos x", sp.sin(x) * sp.cos(x)),
    ("sin 2x", sp.sin(2 * x)),
    ("sin^2(x)", sp.sin(x) ** 2),
    ("sin²x", sp.sin(x) ** 2),
    ("x²", x**2),
    ("x⁻¹", 1 / x),
    ("−x^−2", -(x**-2)),
    ("-x^-2", -(x**-2)),
    ("0.5x^(-0.5)", sp.Rational(1, 2) / sp.sqrt(x)),
    ("ln 10", sp.log(10)),
    ("log(x)", sp.log(x)),
    ("log_3(x)", sp.log(x) / sp.log(3)),
    ("log₃(x)", sp.log(x) / sp.log(3)),
    ("log(x, 3)", sp.log(x) / sp.log(3)),
    ("log_{2}(x^2+1)", sp.log(x**2 + 1) / sp.log(2)),
    ("√x", sp.sqrt(x)),
    ("√(x+1)", sp.sqrt(x + 1)),
    ("∛x", x ** sp.Rational(1, 3)),
    ("cbrt(x)", x ** sp.Rational(1, 3)),
    ("3(x²+1)²·2x", 6 * x * (x**2 + 1) ** 2),
    ("3 × x", 3 * x),
    ("exp(x)", sp.exp(x)),
    ("π x", sp.pi * x),
    ("pi*x", sp.pi * x),
    ("arctan(x) + atan(x)", 2 * sp.atan(x)),
    ("asin(x) + arccos(x)", sp.asin(x) + sp.acos(x)),
    ("sec(x)^2 + csc(x) + cot(x)", sp.sec(x) ** 2 + sp.csc(x) + sp.cot(x)),
    ("2x/((x^2+1) ln 3)", 2 * x / ((x**2 + 1) * sp.log(3))),
    ("1/2x", x / 2),  # left to right, as SymPy and most calculators read it
    ("sinx", sp.sin(x)),
    ("lnx", sp.log(x)),
    ("eˣ", sp.exp(x)),
    ("x^(10^100)", x ** (10**100)),
]


@pytest.mark.parametrize("text,expected", ACCEPT)
def test_accepts(text, expected):
    assert sp.simplify(parse(text) - expected) == 0


def test_other_variable():
    t = symbol("t")
    assert parse("3t^2 + sin t", var="t") == 3 * t**2 + sp.sin(t)


def test_params_for_templates():
    a, n = sp.Symbol("a"), sp.Symbol("n")
    assert parse("a*x^n", params={"a": a, "n": n}) == a * x**n
    assert parse("a*x^n", params={"a": 3, "n": 4}) == 3 * x**4


REJECT = [
    ("", 0, "empty input"),
    ("x+", 1, "'+' needs something after it"),
    ("(x+1", 0, "this parenthesis is never closed"),
    ("x+1)", 3, "unmatched ')'"),
    ("2 3", 2, "two numbers side by side"),
    ("__import__('os').system('ls')", 0, "'__' is not allowed"),
    ("x.real", 1, "unexpected character '.'"),
    ("lambda: 1", 0, "'lambda' is not a supported function"),
    ("'abc'", 0, "unexpected character \"'\""),
    ('"x"', 0, "unexpected character"),
    ("x[0]", 1, "unexpected '['"),
    ("x; y", 1, "unexpected character ';'"),
    ("x\ny", 1, "a formula must be on one line"),
    ("exec(x)", 0, "'exec' is not a supported function"),
    ("eval(x)", 0, "'eval' is not a supported function"),
    ("y^2", 0, "unknown name 'y'"),
    ("Ln x", 0, "unknown name 'Ln'"),
    ("X^2", 0, "unknown name 'X'"),
    ("sin^-1(x)", 3, "sin^-1 is ambiguous"),
    ("x^^2", 2, "unexpected '^'"),
    ("arcsec(x)", 0, "'arcsec' is not a supported function"),
    ("factorial(10^9)", 0, "'factorial' is not a supported function"),
    ("log_1(x)", 0, "a log base must be positive and not 1"),
    ("1/0", 1, "division by zero"),
    ("f(x)", 0, "unknown name 'f'"),
]


@pytest.mark.parametrize("text,offset,message", REJECT)
def test_rejects_with_position(text, offset, message):
    with pytest.raises(ParseError) as e:
        parse(text)
    assert e.value.offset == offset
    assert message in e.value.one_line()
    assert "\n" not in e.value.one_line()


def test_pointer_marks_the_character():
    with pytest.raises(ParseError) as e:
        parse("3x + * 2")
    assert e.value.pointer() == "  3x + * 2\n     ^"  # the + that has nothing after it


LIMITS = [
    ("9^9^9^9", "number too large (limit 10^100)"),
    ("10^1000", "number too large (limit 10^100)"),
    ("exp(10^100)", "exponent too large (limit 10^6 on a constant base)"),
    ("(" * 5000 + "x" + ")" * 5000, "input too long: 10001 characters (limit 1000)"),
    ("(" * 45 + "x" + ")" * 45, "too deeply nested (limit 40 levels)"),
    ("sin(" * 300 + "x" + ")" * 300, "input too long"),
    ("sin(" * 45 + "x" + ")" * 45, "too deeply nested (limit 40 levels)"),
    ("+".join(["x"] * 20000), "input too long: 39999 characters (limit 1000)"),
    ("-" * 900 + "x", "too deeply nested"),
    ("x^" * 300 + "x", "too deeply nested"),
    ("1" * 40, "number literal too long (limit 30 digits)"),
]


@pytest.mark.timeout(10)
@pytest.mark.parametrize("text,message", LIMITS)
def test_limits_are_stated(text, message):
    with pytest.raises(LimitError) as e:
        parse(text)
    assert message in e.value.one_line()
    assert len(e.value.one_line()) < 200


@pytest.mark.timeout(10)
def test_long_flat_sum_is_not_nesting():
    assert parse("+".join(["x^2"] * 240)) == 240 * x**2


def test_canary_never_created(tmp_path):
    canary = tmp_path / "canary"
    for text in [f"__import__('os').system('touch {canary}')", f"open('{canary}','w')",
                 "().__class__.__bases__[0].__subclasses__()", "exec(\"open('c','w')\")"]:
        with pytest.raises(ParseError):
            parse(text)
    assert not canary.exists()


def test_library_printers_and_checker_refuse_raw_text():
    from quizgen.equiv import equivalent
    from quizgen.printing import to_latex, to_text

    for fn in (to_text, to_latex):
        with pytest.raises(TypeError):
            fn("__import__('os')")
    with pytest.raises(TypeError):
        equivalent("x", x, x)
    assert to_text(3) == "3"
