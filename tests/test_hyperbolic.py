"""sinh, cosh, tanh (and sech, the form their derivative is printed in): added as rows of quizgen.functions only,
they work in the parser, solve and its steps, check, the mistake generator, the printers and a PDF sheet."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner
from pypdf import PdfReader

from quizgen.cli import main
from quizgen.mathparse import parse, symbol
from quizgen.mistakes import diagnose, mistake_details
from quizgen.printing import to_latex, to_text
from quizgen.steps import hints, trace, walk

x = symbol("x")
BANK = Path(__file__).parent / "fixtures" / "banks" / "hyperbolic.toml"


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_parser_reads_them_in_every_spelling():
    assert parse("sinh(x^2)") == sp.sinh(x**2)
    assert parse("cosh 3x") == sp.cosh(3 * x)
    assert parse("tanh²x") == sp.tanh(x) ** 2
    assert parse("sech^2(x)") == sp.sech(x) ** 2
    assert parse("xsinhx") == x * sp.sinh(x)  # implicit multiplication splits the longer name first


def test_solve_sinh_with_steps():
    r = run("solve", "sinh(x^2)", "--steps")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == "d/dx [ sinh(x²) ] = 2x cosh(x²)"
    assert "Chain rule: d/dx [sinh(x²)] with u = x²: outer′ · inner′ = cosh(x²) · 2x = 2x cosh(x²)" in r.output
    assert "Derivative of hyperbolic sine: d/du [sinh(u)] = cosh(u)" in r.output


def test_tracer_names_each_rule_and_tanh_gives_sech_squared():
    rules = {"sinh": "Derivative of hyperbolic sine", "cosh": "Derivative of hyperbolic cosine",
             "tanh": "Derivative of hyperbolic tangent", "sech": "Derivative of hyperbolic secant"}
    for name, title in rules.items():
        step = trace(parse(f"{name}(x)"), x)
        assert step.rule == name
        d = json.loads(run("solve", f"{name}(2x)", "--format", "json").output)
        assert [s["title"] for s in d["steps"]][:2] == ["Chain rule", title]
    step = trace(parse("tanh(3x)"), x)
    assert step.result == 3 * sp.sech(3 * x) ** 2
    assert to_text(step.result) == "3sech²(3x)"
    assert [s.rule for s in walk(trace(parse("cosh(x) tanh(x)"), x))] == ["product", "cosh", "tanh"]


@pytest.mark.parametrize("problem,answer", [
    ("cosh(3x)", "3sinh(3x)"),
    ("tanh(x)", "sech^2(x)"),
    ("tanh(x)", "1 - tanh^2 x"),
    ("tanh(x)", "1/cosh(x)^2"),
    ("sinh(x^2)", "2x cosh(x^2)"),
    ("sech(x)", "-sech(x) tanh(x)"),
    ("x^2 sinh x", "2x sinh x + x^2 cosh x"),
])
def test_check_accepts_right_answers(problem, answer):
    r = run("check", problem, answer)
    assert r.exit_code == 0, r.output
    assert r.output.startswith("correct")


def test_check_rejects_a_wrong_answer_and_names_the_sign_error():
    r = run("check", "cosh(3x)", "-3sinh(3x)")
    assert r.exit_code == 1, r.output
    assert "mistake:  sign-error" in r.output
    assert "(cosh u)′ = sinh u · u′" in r.output
    r = run("check", "cosh(3x)", "3cosh(3x)")
    assert r.exit_code == 1 and r.output.startswith("incorrect")


def test_mistake_generator_knows_them():
    details = {v.code: v for v in mistake_details(parse("cosh(3x)"), x)}
    assert details["sign-error"].wrong == -3 * sp.sinh(3 * x)
    assert details["chain-missing-inner"].wrong == sp.sinh(3 * x)
    assert diagnose(parse("tanh(x^2)"), x, parse("sech^2(x^2)")) == (
        "chain-missing-inner",
        "Chain rule: after differentiating the outer function, multiply by the derivative of the inside, (x²)′ = 2x.")
    code, feedback = diagnose(parse("sinh(x) + x^3"), x, parse("cosh(x) + 3x^3"))
    assert code == "exponent-not-lowered"
    _, generic = diagnose(parse("sinh(x) cosh(x)"), x, parse("x"))
    assert "the hyperbolic derivatives" in generic


def test_printers():
    assert to_text(sp.sinh(x)) == "sinh(x)"
    assert to_text(sp.cosh(2 * x) ** 2) == "cosh²(2x)"
    assert to_text(x * sp.tanh(x)) == "x tanh(x)"
    assert to_latex(sp.sinh(x)) == r"\sinh{\left(x \right)}"
    assert to_latex(sp.tanh(x) ** 2) == r"\tanh^{2}{\left(x \right)}"
    assert to_latex(sp.sech(x) ** 2) == r"\operatorname{sech}^{2}{\left(x \right)}"
    d = json.loads(run("solve", "tanh(2x)", "--format", "json").output)
    assert parse(d["derivative_text"]) == parse("2sech^2(2x)") or "tanh" in d["derivative_text"]


def test_formula_spacing_knows_the_hyperbolic_operators():
    from quizgen.render.formula import function_spacing

    assert function_spacing(r"x \tanh{\left(x \right)}") == r"x \,\operatorname{tanh}{\left(x \right)}"
    assert function_spacing(r"\cosh x") == function_spacing(r"\cos x").replace("cos", "cosh")


def test_a_pdf_sheet_with_tanh_renders(tmp_path):
    out = tmp_path / "hyper.pdf"
    r = run("sheet", "--bank", str(BANK), "--family", "hyper-tanh", "--family", "hyper-sinh-cosh", "-n", "4",
            "--seed", "2", "-o", str(out), "--steps")
    assert r.exit_code == 0, r.output
    text = "\n".join(p.extract_text() for p in PdfReader(out).pages)
    key = "\n".join(p.extract_text() for p in PdfReader(tmp_path / "hyper-key.pdf").pages)
    squashed = re.sub(r"\s+", "", text + key)
    assert "tanh(" in squashed and "sinh(" in squashed and "cosh(" in squashed
    assert "Derivativeofhyperbolictangent" in squashed


def test_sech_is_spaced_like_the_operators_latex_has_a_command_for():
    from quizgen.render.formula import function_spacing

    assert function_spacing(r"12 \operatorname{sech}^{2}{\left(3 x \right)}") == \
        function_spacing(r"12 \tanh^{2}{\left(3 x \right)}").replace("tanh", "sech")
