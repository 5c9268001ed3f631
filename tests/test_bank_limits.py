"""Hostile banks: `banks check` ends quickly with a clear message on towers of powers, huge fraction ranges and
huge choice lists (each run in a subprocess with a timeout: a hang in C-level integer arithmetic cannot be
interrupted from inside)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

FAMILY = textwrap.dedent("""\
    topic = "power"

    [[family]]
    id = "{id}"
    difficulty = 1
    title = "Hostile"
    template = "{template}"
    {params}
""")

HOSTILE = {
    # 9^(9^9) has 370 million digits: drawing it was a hang
    "tower": ("x^(a^(a^a))", 'params.a = { int = [8, 9] }',
              "f.toml: family tower: params: no acceptable draw in 40 tries (most common reason: a number in the drawn "
              "function is too large (over 10^100)); widen the domains or relax the constraints"),
    "fraction": ("a*x^2", 'params.a = { fraction = { num = [1, 300], den = [2, 300] } }',
                 "f.toml: family fraction: params.a.fraction: too many values (300 × 299 = 89700; at most 10000)"),
    "choice": ("a*x^2", "params.a = { choice = [" + ", ".join(str(i) for i in range(1, 30001)) + "] }",
               "f.toml: family choice: params.a.choice: too many values (30000; at most 10000)"),
    "constraint": ("a*x^2", 'params.a = { int = [8, 9] }\nconstraints = ["a^(a^a) > 2"]',
                   "f.toml: family constraint: params: no acceptable draw in 40 tries (most common reason: a number in "
                   "a constraint is too large (over 10^100)); widen the domains or relax the constraints"),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_banks_check_refuses_hostile_banks_quickly(tmp_path, name):
    template, params, message = HOSTILE[name]
    (tmp_path / "f.toml").write_text(FAMILY.format(id=name, template=template, params=params), encoding="utf-8")
    try:
        r = subprocess.run([sys.executable, "-m", "quizgen.cli", "banks", "check", "f.toml"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"banks check on the {name} bank did not end within 60 s")
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr.splitlines() == [message, "1 problem found"]


def test_draws_of_a_tower_are_rejected_not_computed():
    from quizgen.bank.model import Family, Param
    from quizgen.draw import DrawRejected, draw
    from fractions import Fraction
    import random

    fam = Family("t", "power", 1, "T", "x^(a^(a^a))", (Param("a", (Fraction(9),)),), (), "", "x")
    with pytest.raises(DrawRejected, match="too large"):
        draw(fam, random.Random(0))
    ok = Family("u", "power", 1, "U", "x^(a^a)", (Param("a", (Fraction(3),)),), (), "", "x")
    expr, _ = draw(ok, random.Random(0))
    assert str(expr) == "x**27"


def test_drawing_never_clears_sympys_cache(monkeypatch):
    """Measuring a tower with SymPy's evaluation off (`with evaluate(False)`) cleared SymPy's whole cache twice per
    draw (setting the switch does that), so every derivative after a draw started cold: 1,000 keys took twice the
    diff time they need (issue 14). Drawing from every family that has powers of parameters clears nothing."""
    import random

    import sympy.core.parameters as params

    from quizgen.bank import load_bank
    from quizgen.draw import DrawRejected, _template, draw

    clears = []
    real = params.clear_cache

    def counted():
        clears.append(1)
        real()  # still cleared: unevaluated objects left in the cache would break later evaluated ones

    monkeypatch.setattr(params, "clear_cache", counted)
    towers = [f for f in load_bank().families if _template(f)[4]]
    assert len(towers) >= 10
    drawn = 0
    for fam in towers:
        rng = random.Random(fam.id)
        for _ in range(20):
            try:
                draw(fam, rng)
                drawn += 1
            except DrawRejected:
                pass
    assert drawn > 100
    assert clears == []


def test_an_unevaluated_tower_is_measured_as_before():
    """The tower measure builds the drawn powers unevaluated without SymPy's global switch: 9^(9^9) is still too
    large, (3^3)^... still fine, and a parameter inside a function (e^(a^a)) is measured too."""
    from fractions import Fraction

    import sympy as sp

    from quizgen.draw import _oversized

    a, x = sp.Symbol("a"), sp.Symbol("x")
    nine, three = {a: sp.Integer(9)}, {a: sp.Integer(3)}
    assert _oversized(x ** (a ** (a ** a)), nine)
    assert not _oversized(x ** (a ** (a ** a)), three)
    assert _oversized(sp.exp(x) * a ** (a ** a) + 1, nine)
    assert not _oversized(sp.sin(a ** a * x), {a: sp.Rational(Fraction(1, 2).numerator, 2)})
