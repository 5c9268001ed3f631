"""The one numeric engine (quizgen.numeric): evaluation, the point-by-point tally on a Frame, and who uses it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sympy as sp

from quizgen.mathparse import parse, symbol
from quizgen.numeric import TOO_BIG, Frame, evaluate, frame_for

x = symbol("x")
PKG = Path(__file__).resolve().parents[1] / "quizgen"


def test_evaluate_real_complex_and_undefined():
    assert evaluate(parse("x^2 + 1"), x, 3) == 10.0
    assert evaluate(parse("sin(x)"), x, sp.pi / 6) == pytest.approx(0.5, rel=1e-14)
    assert evaluate(parse("ln(x)"), x, -1) is None  # not real
    assert evaluate(parse("ln(x)"), x, -1, real=False) == pytest.approx(complex(0, 3.141592653589793))
    assert evaluate(parse("1/x"), x, 0) is None
    assert evaluate(parse("tan(x)"), x, sp.pi / 2) is None or abs(evaluate(parse("tan(x)"), x, sp.pi / 2)) > 1e14
    assert evaluate(parse("arcsin(x)"), x, 2) is None
    with pytest.raises(TypeError):
        evaluate(parse("x"), x, "__import__('os')")


def test_tally_agree_differ_and_domains():
    f = frame_for(x, parse("1/x"))
    assert f.real and len(f.points) == 10
    t = f.tally(parse("-1/x^2"), parse("-x^-2"))
    assert (t.agree, t.differ, t.only_a, t.only_b) == (10, None, [], [])
    t = f.tally(parse("-1/x^2"), parse("1/x^2"))
    assert t.differ == 0 and t.agree == 0  # the scan stops at the first difference
    # ln(x²) = 2 ln x where both are defined, but 2 ln x is undefined for x < 0.
    t = f.tally(parse("ln(x^2)"), parse("2 ln(x)"))
    assert t.differ is None and t.only_a and not t.only_b and t.agree == 10 - len(t.only_a)
    t = f.tally(parse("ln(x^2)"), parse("2 ln(x)"), stop_at_domain=True)
    assert len(t.only_a) == 1
    assert f.tally(parse("x"), parse("x"), enough=2).agree == 2


def test_same_and_compare_read_the_tally():
    f = frame_for(x, parse("ln(x)"))
    assert f.same(parse("1/x"), parse("x^-1"))
    assert not f.same(parse("1/x"), parse("2/x"))
    assert f.compare(parse("1/x"), parse("2/x"))[0] == "different"
    assert f.compare(parse("1/x"), parse("1/x"))[0] == "equal"
    verdict, info = Frame(x, [parse("1/x")]).compare(parse("ln(x^2)"), parse("2 ln(x)"))
    assert verdict == "domain-mismatch" and all(p < 0 for p in info["undefined_at"])


def test_too_big_is_neither_defined_nor_equal():
    f = frame_for(x, parse("x"))
    huge = sp.exp(sp.exp(sp.exp(x + 20)))
    assert TOO_BIG in f.values(huge)
    assert f.differs_at(huge, huge + 1, f.values(huge).index(TOO_BIG)) is None


def test_course_functions_evaluate_with_their_guards():
    # poles (tan at π/2 is never exactly a sample point, but sec/csc/cot/ln share the same guard path)
    assert evaluate(parse("cot(x)"), x, 0) is None
    assert evaluate(parse("csc(x)"), x, 0) is None
    assert evaluate(parse("ln(x)"), x, 0, real=False) is None
    assert evaluate(parse("arccos(x)"), x, 1) == 0.0


def _imports(module: str) -> set[str]:
    """quizgen modules `module` imports anywhere (top level or inside functions)."""
    path = PKG / (module.replace(".", "/") + ".py")
    tree = ast.parse(path.read_text())
    pkg = module.rsplit(".", 1)[0] if "." in module else ""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)] if pkg else []
            target = ".".join([*base, node.module] if node.module else base)
            if node.module is None:
                out.update(f"{target}.{a.name}".strip(".") for a in node.names)
            else:
                out.add(target)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("quizgen."):
            out.add(node.module[len("quizgen."):])
    return out


@pytest.mark.parametrize("module,allowed", [
    ("functions", set()),
    ("rules", {"functions"}),
    ("numeric", {"functions", "mathparse"}),
    ("equiv", {"functions", "mathparse", "numeric", "util.budget"}),
    ("form", {"equiv", "errors", "mathparse"}),
    ("mistakes", {"functions", "mathparse", "numeric", "printing", "rules"}),
    ("steps", {"functions", "mathparse", "numeric", "printing", "rules", "util.budget"}),
    ("util.budget", set()),  # a leaf: the math core may use it
    ("printing", {"functions", "mathparse"}),
    ("mathparse", {"errors", "functions"}),
])
def test_math_core_imports_only_downward(module, allowed):
    """The math core is layered: no cycles (check ↔ mistakes used to import each other) and no render/ or CLI."""
    assert _imports(module) <= allowed, _imports(module) - allowed


def test_check_and_batch_sit_on_top():
    assert "batch" not in _imports("checker") and "checker" in _imports("batch")
    assert not any(m.startswith("render") or m.startswith("cli") for m in _imports("checker") | _imports("batch"))
