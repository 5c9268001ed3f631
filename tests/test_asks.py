"""What a question asks (quizgen.asks): f″, f′(a), tangent and normal lines — keys from sympy.diff, lines read in
every form, the parser's '=' only for lines, the same problems for the default ask, the CLI's --ask and --at."""

import json
import random
from pathlib import Path

import pytest
import sympy as sp

from quizgen import asks
from quizgen.asks.base import PointError
from quizgen.bank import load_bank
from quizgen.checker import check_text
from quizgen.errors import ParseError
from quizgen.mathparse import parse, parse_equation, parse_sympy_str, symbol
from quizgen.problems import generate_set
from quizgen.solver import solve

BANK = load_bank()
x, y = symbol("x"), symbol("y")
ROOT = Path(__file__).resolve().parents[1]


class Out:
    def __init__(self, r):
        self.returncode, self.stdout, self.stderr = r.exit_code, r.stdout, r.stderr


def run(*args, stdin=None):
    """The command line in this process (click's CliRunner): exit code, stdout and stderr apart."""
    from click.testing import CliRunner

    from quizgen.cli import main

    return Out(CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False))


def _read(text, var="x"):
    return parse_sympy_str(text, var)  # JSON's SymPy syntax, read back by the safe parser


def _line(p):
    """y = f(a) + f′(a)(x − a), and the normal's y = f(a) − (x − a)/f′(a), straight from sympy.diff."""
    a = _read(p["point"])
    f = _read(p["expr"], p["variable"])
    v = symbol(p["variable"])
    fa, m = f.subs(v, a), sp.diff(f, v).subs(v, a)
    return fa, m, a, v, f


# ---------------------------------------------------------------- done-when: generate --ask ... --format json

@pytest.mark.parametrize("ask", ["second", "value", "tangent", "normal"])
def test_generate_json_answers_are_sympy_diff(ask):
    out = run("generate", "-n", "8", "--ask", ask, "--seed", "3", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["options"]["ask"] == ask and len(doc["problems"]) == 8
    for p in doc["problems"]:
        assert p["ask"] == ask
        v = symbol(p["variable"])
        f, answer = _read(p["expr"], p["variable"]), _read(p["answer"], p["variable"])
        if ask == "second":
            truth = sp.diff(f, v, 2)
            assert "point" not in p
        else:
            fa, m, a, v, f = _line(p)
            truth = {"value": m, "tangent": fa + m * (v - a), "normal": fa - (v - a) / m}[ask]
            assert m != 0 or ask != "normal", "a generated normal is never vertical"
        assert sp.simplify(answer - truth) == 0, (p["question_text"], p["answer"])
        assert sp.simplify(_read(p["derivative"], p["variable"]) - sp.diff(f, v)) == 0


def test_value_answers_are_numbers_with_their_decimal():
    ps = generate_set(5, ask="value", seed=5, bank=BANK)
    for p in ps.problems:
        assert p.answer.is_number and p.point.is_number
        assert abs(float(p.answer) - p.to_dict()["decimal"]) < 1e-9


def test_line_answers_read_as_lines():
    for ask in ("tangent", "normal"):
        for p in generate_set(6, ask=ask, seed=9, bank=BANK).problems:
            assert p.answer_text.startswith("y = ")
            assert sp.diff(p.answer, p.var, 2) == 0  # a line
            # the key, typed back as a student would type it, is correct
            assert check_text(p.question_text.replace("−", "-"), p.answer_text, ask=ask, at=str(p.point)).correct \
                or "log" in p.question_text  # log₃ in a question is not typed back the same way


# ---------------------------------------------------------------- done-when: check --ask tangent / second

@pytest.mark.parametrize("answer,rc,mistake", [
    ("y - 1 = 2(x - 1)", 0, None),
    ("y = 2x", 1, "point-uses-derivative"),
    ("y = x + 1", 1, "used-f-of-a"),
])
def test_check_tangent_cli(answer, rc, mistake):
    out = run("check", "x^2", answer, "--ask", "tangent", "--at", "1")
    assert out.returncode == rc, out.stdout + out.stderr
    if mistake:
        assert f"mistake:  {mistake}" in out.stdout
    assert "expected: y = 2x − 1" in out.stdout


def test_check_second_cli():
    ok = run("check", "x^3", "6x", "--ask", "second")
    assert ok.returncode == 0 and ok.stdout.startswith("correct")
    bad = run("check", "x^3", "3x^2", "--ask", "second")
    assert bad.returncode == 1 and "mistake:  gave-first-derivative" in bad.stdout
    assert "That is the first derivative, 3x²; differentiate it once more for the second derivative." in bad.stdout


def test_check_json_names_the_ask_and_point():
    out = run("check", "x^2", "2x - 1", "--ask", "tangent", "--at", "1", "--format", "json")
    j = json.loads(out.stdout)
    assert j == {"correct": True, "expected": "2*x - 1", "expected_text": "y = 2x − 1", "interpreted_as": "y = 2x − 1",
                 "mistake": None, "feedback": "Correct.", "form": {"simplified": None, "issues": []},
                 "ask": "tangent", "point": "1"}


def test_check_needs_a_point_and_a_point_in_the_domain():
    out = run("check", "x^2", "2x - 1", "--ask", "tangent")
    assert out.returncode == 2 and "--ask tangent needs the point: add --at A" in out.stderr
    out = run("check", "ln(x)", "1", "--ask", "value", "--at", "-1")
    assert out.returncode == 2 and out.stderr.startswith("error: --at −1: the function ln(x) is not differentiable")
    out = run("check", "x^2", "1", "--ask", "value", "--at", "x+1")
    assert out.returncode == 2 and "the point must be a real number" in out.stderr
    assert "Traceback" not in out.stderr


def test_batch_with_an_ask():
    rows = "x^2\ty = 2x - 1\nx^3\ty = 3x - 2\nx^2\ty = x\n"
    out = run("check", "--batch", "-", "--ask", "tangent", "--at", "1", stdin=rows)
    got = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["correct"], r["mistake"]) for r in got] == [(True, None), (True, None), (False, "used-f-of-a")]


# ---------------------------------------------------------------- lines in every form

SAME_LINE = ["y = 2x - 1", "y - 1 = 2(x - 1)", "2x - y = 1", "y = -1 + 2x", "2x - 1", "(y + 1)/2 = x",
             "-y = 1 - 2x", "y = 2(x - 1) + 1", "4x - 2y = 2"]


@pytest.mark.parametrize("answer", SAME_LINE)
def test_every_way_of_writing_the_tangent_is_accepted(answer):
    v = check_text("x^2", answer, ask="tangent", at="1")
    assert v.correct, (answer, v.feedback)


@pytest.mark.parametrize("answer", ["y = 2x + 1", "y = 3x - 2", "y - 1 = 2(x + 1)", "x = 1", "xy = 2x^2 - x"])
def test_a_different_line_is_rejected(answer):
    assert not check_text("x^2", answer, ask="tangent", at="1").correct


def test_the_parser_reads_equals_and_y_only_for_lines():
    assert parse_equation("y - 1 = 2(x - 1)") == (y - 1, 2 * x - 2)
    assert parse_equation("2x - 1") == (y, 2 * x - 1)
    for text in ("y = 2x - 1", "2x = 1", "y"):
        with pytest.raises(ParseError):
            parse(text)
    with pytest.raises(ParseError, match="position 6: unknown name 'y'"):
        check_text("x^2", "2x + y")  # the default ask: y is no letter of a derivative
    with pytest.raises(ParseError, match="unexpected character '='"):
        check_text("x^3", "6x = 6x", ask="second")
    with pytest.raises(ParseError, match="an equation has one '='"):
        parse_equation("y = 2x = 3")
    with pytest.raises(ParseError, match="an equation needs '='"):
        parse_equation("y - 2x")


# ---------------------------------------------------------------- normal where f′(a) = 0 (the decision)

def test_generated_normals_skip_horizontal_tangents_and_check_expects_the_vertical_line():
    # x² + 3 has f′(0) = 0: generate never asks the normal there ...
    ps = generate_set(30, families=["power-plus-constant", "power-quadratic"], ask="normal", seed=4, bank=BANK)
    assert all(dict(p.facts)["f'(a)"] != 0 for p in ps.problems)
    # ... and `check --ask normal --at 0` expects (and accepts) x = 0
    v = check_text("x^2 + 3", "x = 0", ask="normal", at="0")
    assert v.correct and v.expected_text == "x = 0"
    w = check_text("x^2 + 3", "y = 3", ask="normal", at="0")
    assert not w.correct and "the normal is the vertical line x = 0" in w.feedback


# ---------------------------------------------------------------- same seeds, same problems

def test_every_family_keeps_its_problems_with_the_default_ask():
    # /work/wt/baseline_families.txt from before the ask axis: `generate --family ID -n 3 --seed 7`, expr | answer
    lines = (ROOT / "tests" / "fixtures" / "baseline_families.txt").read_text().splitlines()
    families = list(dict.fromkeys(line.split()[0] for line in lines))
    got = [f"{fid} {p.expr} | {p.answer}" for fid in families
           for p in generate_set(3, families=[fid], seed=7, bank=BANK).problems]
    assert got == lines


def test_an_ask_keeps_the_functions_of_the_default_ask():
    plain = generate_set(5, topics=["product"], seed=21, bank=BANK)
    for ask in ("second", "tangent"):
        asked = generate_set(5, topics=["product"], seed=21, bank=BANK, ask=ask)
        same = sum(a.expr == b.expr for a, b in zip(plain.problems, asked.problems))
        assert same >= 3, ask  # the point is drawn apart; only functions without a good point are redrawn
    again = generate_set(5, topics=["product"], seed=21, bank=BANK, ask="tangent")
    assert [p.to_dict() for p in asked.problems] == [p.to_dict() for p in again.problems]


def test_regenerate_command_carries_the_ask():
    out = run("generate", "-n", "2", "--ask", "normal", "--seed", "4")
    assert out.stdout.startswith("# quizgen: 2 problems · seed 4 · regenerate: quizgen generate -n 2 --ask normal "
                                 "--seed 4")


def test_a_given_point_is_used_for_every_problem():
    ps = generate_set(5, topics=["power"], ask="tangent", at="2", seed=1, bank=BANK)
    assert {str(p.point) for p in ps.problems} == {"2"}
    with pytest.raises(PointError):
        generate_set(2, ask="tangent", at="x", seed=1, bank=BANK)


# ---------------------------------------------------------------- second and third derivatives

def test_second_derivative_key_shows_f_prime_then_f_double_prime():
    p = generate_set(1, families=["power-cubic"], ask="second", seed=2, bank=BANK).problems[0]
    lines = p.asked.key_lines(p)
    assert [pre for _, pre, _, _ in lines] == ["f′(x) =", "f″(x) ="]
    assert sp.simplify(p.answer - sp.diff(p.expr, p.var, 2)) == 0
    assert p.steps.rule == "second" and len(p.steps.substeps) == 2


def test_third_derivative_needs_a_family_that_allows_it():
    from quizgen.errors import GenerationError

    with pytest.raises(GenerationError, match="allows derivatives of order 3"):
        generate_set(2, topics=["power"], ask="second", order=3, seed=1, bank=BANK)
    v = check_text("x^4", "24x", ask="second", order=3)
    assert v.correct
    assert solve("sin(2x)", ask="second", order=3).problem.answer == -8 * sp.cos(2 * x)


# ---------------------------------------------------------------- solve --ask, steps

def test_solve_tangent_with_steps():
    out = run("solve", "x^2 e^x", "--ask", "tangent", "--at", "1", "--steps")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "f(x) = x²eˣ;  the tangent line at x = 1"
    assert lines[1] == "  f(1) = e, f′(1) = 3e"
    assert lines[2] == "  y = 3ex − 2e"
    assert "  1. Tangent line: a = 1, f(a) = e, f′(a) = 3e; y = f(a) + m(x − a) = e + 3e(x − 1) = 3ex − 2e" in lines


def test_log_differentiation_steps_take_ln_first():
    from quizgen.solution import step_rows
    from quizgen.steps import trace

    rows = step_rows(trace(parse("x^x"), x))
    assert rows[0][1] == "Logarithmic differentiation"
    assert [t for _, t in rows[0][2]] == ["ln y = x ln(x)", "y′/y = (ln y)′ = ln(x) + 1",
                                     "y′ = y·(ln y)′ = xˣ·(ln(x) + 1) = xˣ(ln(x) + 1)"]
    # a product of powers, when the family asks for it: ln y = Σ k ln u, term by term, multiplied back
    e = parse("x^2 (x+1)^3/(x-1)^4")
    root = trace(e, x, log_first=True)
    assert root.rule == "log-diff" and dict(root.parts)["ln y"] == 2 * sp.log(x) + 3 * sp.log(x + 1) - 4 * sp.log(x - 1)
    assert sp.simplify(root.result - sp.diff(e, x)) == 0


def test_ask_modules_share_one_interface():
    needed = ("NAME", "TITLE", "NOUN", "LABEL", "INSTRUCTION", "NEEDS_POINT", "EQUATION", "solve", "build",
              "question", "prompt", "ask_line", "key_lines", "show", "option_form", "check", "variants", "generic",
              "frame", "steps", "to_dict")
    for name in asks.NAMES:
        mod = asks.get(name)
        assert mod.NAME == name
        assert [n for n in needed if not hasattr(mod, n)] == []
    assert asks.LINES == tuple(n for n in asks.NAMES if asks.get(n).EQUATION)
    assert asks.AT_A_POINT == tuple(n for n in asks.NAMES if asks.get(n).NEEDS_POINT)


def test_value_points_keep_the_exams_policy():
    # the exam's "find f′(a)" points (exam.value_point) are the value ask's: same tiers, same seeded order
    from quizgen.asks.value import draw

    f = parse("x^2 sin(x)")
    a, exact, dec = draw(f, x, random.Random(0))
    assert a in (sp.pi / 6, sp.pi / 4, sp.pi / 3, sp.pi / 2, 2 * sp.pi / 3, sp.pi)
    assert abs(float(sp.diff(f, x).subs(x, a)) - dec) < 1e-9 and sp.simplify(exact - sp.diff(f, x).subs(x, a)) == 0
