"""Generation: reproducible, distinct, balanced, never degenerate, and every key equal to sympy.diff."""

import math
import os
import re

import pytest
import sympy as sp

from quizgen.bank import load_bank
from quizgen.errors import GenerationError
from quizgen.problems import generate_set
from quizgen.steps import trace

BANK = load_bank()
# One-variable families; those of several variables have their own checks (tests/test_several.py, stress test).
FAMILIES = [f.id for f in BANK.families if not f.variables]
SEEDS = range(50)
# QUIZGEN_STRESS_SEEDS=60 for a shorter run of the stress tests (500 seeds × every family × 5 asks is hours).
STRESS_SEEDS = int(os.environ.get("QUIZGEN_STRESS_SEEDS", "500"))
POINTS = (0.37, 0.81, 1.23, 1.77, 2.41, 3.13, 3.71, 4.57, 5.93, -0.53, -1.31)


def _real(f, x0):
    try:
        v = complex(f(x0))
    except (ValueError, ZeroDivisionError, OverflowError, TypeError):
        return None
    if abs(v.imag) > 1e-9 * max(1.0, abs(v.real)) or not math.isfinite(v.real):
        return None
    return v.real


def _verify(problem):
    """Key == sympy.diff == steps' result at points inside the domain, and == a finite difference of f."""
    x = problem.var
    d = sp.diff(problem.expr, x)
    f = sp.lambdify(x, problem.expr, "cmath")
    key = sp.lambdify(x, problem.answer, "cmath")
    truth = sp.lambdify(x, d, "cmath")
    traced = sp.lambdify(x, trace(problem.expr, x, expected=d).result, "cmath")
    checked = 0
    for x0 in POINTS:
        k, t, s = _real(key, x0), _real(truth, x0), _real(traced, x0)
        fa, fb = _real(f, x0 - 1e-6), _real(f, x0 + 1e-6)
        if None in (k, t, s, fa, fb):
            continue
        tol = 1e-9 * max(1.0, abs(t))
        assert abs(k - t) <= tol, (problem.question_text, problem.answer_text, x0)
        assert abs(s - t) <= tol, (problem.question_text, "steps", x0)
        fd = (fb - fa) / 2e-6
        assert abs(fd - t) <= 1e-4 * max(1.0, abs(t)), (problem.question_text, "finite difference", x0, fd, t)
        checked += 1
    assert checked >= 2, f"{problem.question_text}: too few points inside the domain"


@pytest.mark.parametrize("family", FAMILIES)
def test_every_key_is_the_derivative_over_50_seeds(family):
    from sympy.core.cache import clear_cache

    clear_cache()  # keys must not depend on what SymPy happens to have cached (see the sec² regression below)
    for seed in SEEDS:
        ps = generate_set(1, families=[family], seed=seed, bank=BANK)
        _verify(ps.problems[0])


@pytest.mark.slow
@pytest.mark.timeout(1800)  # 500 draws of a log-diff family take minutes on a loaded machine
@pytest.mark.parametrize("family", FAMILIES)
def test_stress_500_seeds(family):
    from sympy.core.cache import clear_cache

    clear_cache()
    for seed in range(STRESS_SEEDS):
        _verify(generate_set(1, families=[family], seed=seed, bank=BANK).problems[0])


def _verify_ask(problem):
    """The ask's answer equals what sympy.diff says it is: f″ (or f‴), f′(a), or the line through (a, f(a)) with
    slope f′(a) (tangent) or −1/f′(a) (normal), at points inside the domain; the point is inside it too."""
    from quizgen.asks.base import inside
    from quizgen.numeric import frame_for

    x, f = problem.var, problem.expr
    if problem.ask == "second":
        truth = sp.diff(f, x, problem.order)
    else:
        a = problem.point
        assert inside(f, x, a), (problem.question_text, a)
        fa, m = f.subs(x, a), sp.diff(f, x).subs(x, a)
        if problem.ask == "normal":
            assert m != 0, problem.question_text
        truth = {"value": m, "tangent": fa + m * (x - a), "normal": fa - (x - a) / m}[problem.ask]
    t = frame_for(x, f, truth).tally(problem.answer, truth, enough=4)
    assert t.differ is None and t.agree >= 1, (problem.question_text, problem.ask, problem.answer_text)
    # The f′ shown on the way is the derivative.
    t = frame_for(x, f).tally(problem.derivative, sp.diff(f, x), enough=4)
    assert t.differ is None and t.agree >= 2, (problem.question_text, "f′", problem.derivative)


ASKS = ("second", "value", "tangent", "normal")


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.parametrize("ask", ASKS)
@pytest.mark.parametrize("family", FAMILIES)
def test_stress_asks_500_seeds(family, ask):
    """Every family with every ask over 500 seeds (a seed whose draws give no good point for the ask may raise the
    "produced only 0" error: at most a few in a hundred)."""
    from sympy.core.cache import clear_cache

    clear_cache()
    made = 0
    for seed in range(STRESS_SEEDS):
        try:
            ps = generate_set(1, families=[family], seed=seed, bank=BANK, ask=ask)
        except GenerationError:
            continue
        _verify_ask(ps.problems[0])
        made += 1
    assert made >= 0.95 * STRESS_SEEDS, f"{family} --ask {ask}: only {made} of {STRESS_SEEDS} seeds made a problem"


@pytest.mark.parametrize("topic", ["power", "product", "quotient", "chain", "exp-log", "basic"])
@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_twelve_distinct_problems_per_topic_and_difficulty(topic, difficulty):
    ps = generate_set(12, topics=[topic], difficulty=difficulty, seed=3, bank=BANK)
    assert len(ps.problems) == 12
    assert len({str(p.expr) for p in ps.problems}) == 12
    assert all(p.topic == topic and p.difficulty == difficulty for p in ps.problems)
    again = generate_set(12, topics=[topic], difficulty=difficulty, seed=3, bank=BANK)
    assert [p.to_dict(with_steps=False) for p in ps.problems] == [p.to_dict(with_steps=False) for p in again.problems]


def test_different_seeds_differ_and_seed_is_recorded():
    a = generate_set(10, seed=1, bank=BANK)
    b = generate_set(10, seed=2, bank=BANK)
    assert [p.question_text for p in a.problems] != [p.question_text for p in b.problems]
    from quizgen.cli.text import set_command

    assert a.seed == 1 and set_command("generate", a) == "quizgen generate -n 10 --seed 1"


def test_without_seed_a_seed_is_chosen_and_reproduces():
    a = generate_set(5, bank=BANK)
    b = generate_set(5, seed=a.seed, bank=BANK)
    assert [p.id for p in a.problems] == [p.id for p in b.problems]


def test_mixed_set_is_balanced_across_topics():
    ps = generate_set(10, topics=["chain", "power"], seed=4, bank=BANK)
    assert sorted(p.topic for p in ps.problems) == ["chain"] * 5 + ["power"] * 5
    ps = generate_set(12, seed=4, bank=BANK)
    assert {p.topic for p in ps.problems} == {t for t, v in BANK.topics.items() if v.mixed}


@pytest.mark.timeout(30)
def test_too_many_distinct_problems_is_a_clear_error():
    with pytest.raises(GenerationError) as e:
        generate_set(20, families=["explog-exp-base-of-sin"], seed=1, bank=BANK)
    assert str(e.value) == "asked for 20 distinct problems but exp-log can make at most 4"


def test_unknown_topic_and_family():
    with pytest.raises(GenerationError, match="unknown topic 'trig'"):
        generate_set(3, topics=["trig"], bank=BANK)
    with pytest.raises(GenerationError, match="unknown family 'nope'"):
        generate_set(3, families=["nope"], bank=BANK)


def test_display_forms_are_as_a_teacher_writes():
    ps = generate_set(200, seed=11, bank=BANK)
    for p in ps.problems:
        for text in (p.question_text, p.answer_text):
            assert not re.search(r"(?<![\d.])1x|\^1\b|¹(?!\d)|\*\*|\*", text), text
            assert "log(" not in text, text
        assert "log(" not in p.question_latex and r"\log{" not in p.question_latex


def test_base_a_logs_stay_base_a_in_questions():
    ps = generate_set(4, families=["explog-log-base"], seed=2, bank=BANK)
    for p in ps.problems:
        assert re.match(r"^−?\d*log[₂₃₅₁₀]+\(x\)$", p.question_text), p.question_text
        assert r"\log_{" in p.question_latex
        assert "ln" in p.answer_text and "log" not in p.answer_text


@pytest.mark.parametrize("text,expected", [
    ("(x^2+1)^3", "6x(x² + 1)²"),
    ("x^2 e^x", "x(x + 2)eˣ"),
    ("log_3(x^2+1)", "2x/((x² + 1) ln 3)"),
    ("2^x", "2ˣ ln 2"),
    ("tan(x)", "sec²(x)"),
    ("sqrt(x)", "1/(2√x)"),
])
def test_textbook_keys(text, expected):
    from quizgen.solver import solve

    assert solve(text).derivative_text == expected


def test_json_shape():
    d = generate_set(2, topics=["chain"], seed=5, bank=BANK).to_dict()
    assert set(d) == {"seed", "options", "problems"}
    p = d["problems"][0]
    assert {"id", "family", "topic", "difficulty", "variable", "question_text", "question_latex", "expr", "answer",
            "answer_text", "answer_latex", "steps"} <= set(p)
    assert p["steps"][0]["depth"] == 0 and "chain" in {s["rule"] for s in p["steps"]}
    assert {"rule", "title", "expr", "result", "parts"} <= set(p["steps"][0])


def test_sec_squared_rewrite_survives_a_cleared_sympy_cache():
    # Regression: terms were matched by identity, and after clear_cache() an equal 3 is another object,
    # so 8x + 3tan²x + 3 became 8x + 3sec²x + 3 (a wrong key).
    from sympy.core.cache import clear_cache

    from quizgen.keyform import textbook
    from quizgen.mathparse import symbol

    x = symbol("x")
    clear_cache()
    d = sp.Add(8 * x, sp.Mul(sp.Integer(3), sp.tan(x) ** 2), sp.Integer(3))
    key = textbook(d, x)
    assert key == 8 * x + 3 * sp.sec(x) ** 2
    assert sp.simplify(key - d) == 0


def test_a_sum_differentiated_term_by_term_is_sympys_derivative():
    """make_problem differentiates a sum term by term (question_order reuses the terms' derivatives): that must be
    sympy.diff's very result, for every family's functions."""
    from quizgen.mathparse import symbol

    for fam in BANK.families:
        if fam.variables and len(fam.variables) > 1:
            continue
        x = symbol(fam.variable)
        for p in generate_set(min(3, fam.capacity), families=[fam.id], seed=13, bank=BANK).problems:
            if p.expr.is_Add:
                assert sp.Add(*[sp.diff(t, x) for t in p.expr.args]) == sp.diff(p.expr, x), fam.id
