"""Issue 13, the parser's side: what students and teachers type is read as they mean it, or refused with a question.

log10/log2 are base-10/base-2 logs, lg is refused naming both meanings; a letter+digit run (x2) is ambiguous and
refused offering both readings; a word holding a function name with extra letters is never split silently."""

from __future__ import annotations

import string

import pytest
import sympy as sp
from click.testing import CliRunner

from quizgen.cli import main
from quizgen.errors import ParseError
from quizgen.functions import FUNCTIONS
from quizgen.mathparse import parse, symbol

x = symbol("x")


def run(*args):
    return CliRunner().invoke(main, list(args))


# ------------------------------------------------------------------ 1. log10, log2, lg

@pytest.mark.parametrize("text,want", [
    ("log10(x)", sp.log(x) / sp.log(10)),
    ("log10 x", sp.log(x) / sp.log(10)),
    ("log10x", sp.log(x) / sp.log(10)),
    ("log2(x)", sp.log(x) / sp.log(2)),
    ("log2 x", sp.log(x) / sp.log(2)),
    ("3log10(x^2+1)", 3 * sp.log(x**2 + 1) / sp.log(10)),
    ("x log2(x)", x * sp.log(x) / sp.log(2)),
    ("log_10(x)", sp.log(x) / sp.log(10)),
    ("ln2", sp.log(2)),
    ("ln 10 x", sp.log(10 * x)),
    ("sin2x", sp.sin(2 * x)),
])
def test_log10_and_log2_are_based_logs(text, want):
    assert parse(text) == want


def test_log10_everywhere_solve_and_check():
    r = run("solve", "log10(x)")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == "d/dx [ log₁₀(x) ] = 1/(x ln 10)"
    r = run("solve", "log2 x")
    assert r.output.splitlines()[0] == "d/dx [ log₂(x) ] = 1/(x ln 2)"
    assert run("check", "log10(x)", "1/(x ln 10)").exit_code == 0
    assert run("check", "log10(x)", "1/(x ln(10))").output.startswith("correct")


def test_log_glued_to_another_number_is_ambiguous():
    with pytest.raises(ParseError) as e:
        parse("log3(x)")
    assert "'log3' is ambiguous" in str(e.value)
    assert "log_3(x)" in str(e.value) and "log(3x)" in str(e.value)


def test_lg_names_both_meanings():
    r = run("solve", "lg(x)")
    assert r.exit_code == 2
    assert "log base 10" in r.output and "log base 2" in r.output
    assert "log10(x)" in r.output and "log2(x)" in r.output
    assert "Traceback" not in r.output


def test_log10_in_a_bank_template(tmp_path):
    bank = tmp_path / "b.toml"
    bank.write_text('topic = "exp-log"\ntitle = "Logs"\n[[family]]\nid = "l10"\ndifficulty = 1\ntitle = "log10"\n'
                    'template = "a*log10(x) + log2(x^2 + 1)"\nparams.a = { int = [2, 5] }\n'
                    'rules = ["constant-multiple", "log-base", "chain", "sum"]\n', encoding="utf-8")
    r = run("banks", "check", str(bank))
    assert r.exit_code == 0, r.output
    r = run("generate", "--bank", str(bank), "--family", "l10", "-n", "2", "--seed", "1")
    assert r.exit_code == 0, r.output
    assert "log₁₀(x)" in r.output and "log₂(x² + 1)" in r.output


# ------------------------------------------------------------------ 2. letter+digit runs

def test_x2_is_ambiguous_on_the_command_line():
    r = run("check", "x^2", "x2")
    assert r.exit_code == 2, r.output
    assert "'x2' is ambiguous" in r.output
    assert "2x" in r.output and "x^2" in r.output
    assert "Traceback" not in r.output


@pytest.mark.parametrize("letter", [c for c in string.ascii_lowercase if c != "e"])
@pytest.mark.parametrize("digits", ["2", "3", "10"])
def test_every_letter_digit_run_is_ambiguous(letter, digits):
    with pytest.raises(ParseError) as e:
        parse(f"3{letter}{digits} + 1", letter)
    msg = str(e.value)
    assert f"'{letter}{digits}' is ambiguous" in msg
    assert f"{digits}{letter}" in msg and f"{letter}^{digits}" in msg


@pytest.mark.parametrize("text", ["sinx2", "e2", "pi2", "2x3", "x2(x+1)", "e^x2"])
def test_letter_digit_runs_inside_formulas(text):
    with pytest.raises(ParseError, match="is ambiguous"):
        parse(text)


@pytest.mark.parametrize("text,want", [
    ("x 2", 2 * x), ("x*2", 2 * x), ("x^2", x**2), ("2x", 2 * x), ("x²", x**2), ("sin 2x", sp.sin(2 * x)),
    ("ln2 x", sp.log(2 * x)), ("3e2", 6 * sp.E),
])
def test_separated_digits_still_read(text, want):
    assert parse(text) == want


def test_bank_parameters_beside_digits_are_refused_too():
    with pytest.raises(ParseError, match="'a2' is ambiguous"):
        parse("a2 x", "x", {"a": 3})
    assert parse("a x^2 + b", "x", {"a": 3, "b": 1}) == 3 * x**2 + 1


# ------------------------------------------------------------------ 3. no silent word-splitting

NEW_WORDS = {"sech": sp.sech, "coth": sp.coth, "csch": sp.csch, "asinh": sp.asinh, "acosh": sp.acosh,
             "atanh": sp.atanh, "cosec": sp.csc, "arsinh": sp.asinh, "arcosh": sp.acosh, "artanh": sp.atanh,
             "cosech": sp.csch, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh}


@pytest.mark.parametrize("letter", [c for c in string.ascii_lowercase if c != "e"])
def test_function_words_read_as_functions_for_every_variable_letter(letter):
    v = symbol(letter)
    for word, fn in NEW_WORDS.items():
        forms = [f"{word}({letter})", f"{word} {letter}", f"2{word}({letter}^2)"]
        if not any((letter + word).startswith(w) for w in ("acos", "asin", "atan", "asec", "acsc", "acot")):
            forms.append(f"{letter}{word}({letter})")
        for text in forms:
            got = parse(text, letter)
            want = {f"{word}({letter})": fn(v), f"{word} {letter}": fn(v), f"2{word}({letter}^2)": 2 * fn(v**2),
                    f"{letter}{word}({letter})": v * fn(v)}[text]
            assert got == want, (letter, text, got)


def test_a_letter_before_a_function_word_that_makes_a_longer_one():
    """a + cosh is acosh, a + sech is asech: the longer word wins, never a product; a word the course does not have
    (acot) is refused, not split."""
    a = symbol("a")
    assert parse("acosh(a)", "a") == sp.acosh(a)
    assert parse("a cosh(a)", "a") == a * sp.cosh(a)
    assert parse("asech(a)", "a") == sp.asech(a)
    with pytest.raises(ParseError, match="'acot' is not a supported function"):
        parse("acot(a)", "a")


@pytest.mark.parametrize("letter", [c for c in string.ascii_lowercase if c != "e"])
def test_no_course_word_is_split_into_a_product(letter):
    """Every spelling in the table, and every refused function word, either reads as that function or is refused:
    never as a product of a shorter function and letters."""
    from quizgen.functions import NOT_IN_COURSE

    v = symbol(letter)
    for row in FUNCTIONS:
        for s in row.spellings:
            assert parse(f"{s}({letter}+1)", letter) == row.apply(v + 1)
    for word in sorted(NOT_IN_COURSE):
        with pytest.raises(ParseError) as e:
            parse(f"{word}({letter})", letter)
        assert "not" in str(e.value) or "ambiguous" in str(e.value)
        with pytest.raises(ParseError):
            parse(f"{letter}{word}({letter})", letter)


def test_cosec_with_variable_x_is_csc():
    r = run("solve", "cosec(x)")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == "d/dx [ csc(x) ] = −cot(x) csc(x)"


# ------------------------------------------------------------------ 5. scientific notation

def test_scientific_notation_keeps_euler_e_and_says_so():
    r = run("check", "x^2", "3e2", "--format", "json")
    import json

    d = json.loads(r.output)
    assert d["interpreted_as"] == "3e·2"
    assert d["notes"] == ["3e2 was read as 3·e·2, with e = Euler's number 2.718…; for the number 3×10^2, "
                          "type 300 or 3*10^2"]
    d = json.loads(run("check", "3x^2", "1e+3", "--format", "json").output)
    assert d["notes"][0].startswith("1e+3 was read as 1·e + 3, with e = Euler's number")
    assert "notes" not in json.loads(run("check", "x^2", "2x", "--format", "json").output)
    r = run("check", "x^2", "3e2")
    assert "  note:     3e2 was read as 3·e·2" in r.output


@pytest.mark.parametrize("typed,value", [("1.2e1", "12"), ("12e0", "12"), ("1.2E1", "12"), ("120e-1", "12")])
def test_scientific_notation_is_a_number_in_a_value_answer(typed, value):
    import json

    d = json.loads(run("check", "x^3", typed, "--ask", "value", "--at", "2", "--format", "json").output)
    assert d["correct"] is True, d
    assert d["interpreted_as"] == value
    assert d["notes"] == [f"{typed} was read as the number {value} (scientific notation)"]


def test_scientific_value_is_exact_and_bounded():
    from quizgen.mathparse import scientific_value

    assert scientific_value("2.5e-3") == sp.Rational(1, 400)
    assert scientific_value("-3e2") == -300
    assert scientific_value("3e999") is None and scientific_value("x") is None and scientific_value("3e") is None


# ------------------------------------------------------------------ 8. complex constants, real odd roots

@pytest.mark.parametrize("problem,what", [
    ("x ln(-2)", "ln(−2)"), ("x sqrt(-3)", "√(−3)"), ("asin(2) x", "arcsin(2)"), ("log_3(-2)x", "log of −2"),
    ("x*(-2)^(1/2)", "−2 to the power 1/2"), ("x + acosh(0)", "arcosh(0)"),
])
def test_complex_constants_in_a_problem_exit_2(problem, what):
    r = run("solve", problem)
    assert r.exit_code == 2, r.output
    assert f"{what} is not a real number" in r.output
    assert "Traceback" not in r.output


@pytest.mark.parametrize("text,want", [
    ("(-8)^(1/3)", -2), ("∛(-8)", -2), ("cbrt(-27)", -3), ("(-8)^(2/3)", 4), ("(-32)^(1/5)", -2),
    ("(-8)^(-1/3)", sp.Rational(-1, 2)),
])
def test_odd_roots_of_negative_constants_are_real(text, want):
    assert parse(text) == want


# ------------------------------------------------------------------ 4. abs, cosec, hyperbolic, math letters

@pytest.mark.parametrize("problem,answer", [
    ("ln|x|", "1/x"), ("ln(abs(x))", "1/x"), ("|x|", "x/|x|"), ("x|x|", "2|x|"), ("|x^2-4|", "2x(x^2-4)/|x^2-4|"),
    ("cosec(2x)", "-2cosec(2x)cot(2x)"), ("coth x", "-csch(x)^2"), ("csch x", "-csch x coth x"),
    ("asinh(x)", "1/sqrt(x^2+1)"), ("arcosh(2x)", "2/sqrt(4x^2-1)"), ("artanh(x/2)", "2/(4-x^2)"),
    ("sech(x)", "-sech(x)tanh(x)"), ("𝑥^2 + ℯ^𝑥", "2x + e^x"), ("ℯ^(2𝑥)", "2ℯ^(2𝑥)"),
])
def test_new_functions_are_differentiated_and_checked(problem, answer):
    r = run("check", problem, answer)
    assert r.exit_code == 0, (problem, answer, r.output)
    assert r.output.startswith("correct"), r.output


def test_ln_abs_is_checked_on_both_sides_of_zero():
    """ln|x| is defined for x < 0 too: 1/x is correct, and ln(x)'s domain does not stand in for it."""
    from quizgen.equiv import equivalent

    assert run("check", "ln|x|", "1/|x|").output.startswith("incorrect")
    assert equivalent(parse("1/x"), parse("1/|x|"), x) == "different"
    r = run("solve", "ln|x|")
    assert r.output.splitlines()[0] == "d/dx [ ln(|x|) ] = 1/x"


@pytest.mark.timeout(10)
@pytest.mark.parametrize("text", ["|" * 999, "(|" * 200 + "x" + "|)" * 200, "|" * 41 + "x" + "|" * 41])
def test_nested_bars_are_bounded_like_parentheses(text):
    from quizgen.errors import LimitError

    with pytest.raises(LimitError, match="too deeply nested"):
        parse(text)
    assert parse("|" * 20 + "x" + "|" * 20) == sp.Abs(x)
