"""Value of the derivative: f′(a) at a drawn point inside the domain, with a short exact value and its decimal."""

from __future__ import annotations

import math
import random

from ..question import Question

NAME = "value"
TITLE = "Value of the derivative"
INSTRUCTION = "Find the exact value of the derivative at the given point."
LABEL = "value of f′"
RELAXED = False
GIVE_UP_AFTER = 0


def make(sec, problem, rng, relaxed: bool = False) -> Question | None:
    from ...printing import to_latex, to_text

    got = value_point(problem, rng)
    if got is None:
        return None
    a, exact, dec = got
    return Question(0, sec.index, NAME, sec.points, problem, point=a, value=exact,
                    value_latex=to_latex(exact), value_text=to_text(exact), decimal=dec)


def to_dict(q) -> dict:
    return {"point": str(q.point), "value": str(q.value), "decimal": q.decimal}

# Points for "find f′(a)": small integers first, then simple fractions; multiples of π for trigonometric functions.
_POINT_TIERS = ((1, 2, -1, 3, -2), (0, 4, (1, 2), -3, (3, 2), (-1, 2), 5, (1, 3)))
_TRIG_POINTS = ((1, 6), (1, 4), (1, 3), (1, 2), (2, 3), (1, 1))  # times π
MAX_VALUE_TEXT = 40


def value_point(problem, rng: random.Random):
    """(a, exact f′(a), decimal) at a point inside the domain of f with a short exact value, or None."""
    import sympy as sp

    from ...printing import to_text

    x = problem.var
    expr = problem.expr
    d = sp.diff(expr, x)
    trig_args = [a.args[0] for a in expr.atoms(sp.sin, sp.cos, sp.tan)]
    tiers = [[sp.Rational(*p) if isinstance(p, tuple) else sp.Integer(p) for p in t] for t in _POINT_TIERS]
    if trig_args and all(arg.is_polynomial(x) and sp.degree(arg, x) == 1 and arg.subs(x, 0) == 0
                         for arg in trig_args):
        tiers.insert(0, [sp.pi * sp.Rational(*p) for p in _TRIG_POINTS])
    # The first few valid points in a seeded order (trig-friendly multiples of π first when they apply, then
    # small integers, then simple fractions); the one with the simplest exact value wins. f′(0), a zero value
    # and a huge or tiny value (hard to give to 3 decimal places) win only when clearly simpler.
    found = []
    for tier in tiers:
        rng.shuffle(tier)
        for a in tier:
            got = _exact_value(expr, d, x, a)
            if got is not None:
                exact, dec = got
                score = (len(to_text(exact)) + (4 if a == 0 else 0) + (20 if exact == 0 else 0)
                         + (6 if abs(dec) > 1000 or 0 < abs(dec) < 0.01 else 0))
                found.append((score, len(found), a, exact, dec))
            if len(found) >= 8:
                break
        if len(found) >= 8:
            break
    if not found:
        return None
    _, _, a, exact, dec = min(found)
    return a, exact, dec


def _exact_value(expr, d, x, a):
    import sympy as sp

    from ...printing import to_text

    # Inside the domain: f real and finite at a and close by on both sides (not at an edge such as √x at 0).
    for pt in (a, a - sp.Rational(1, 100), a + sp.Rational(1, 100)):
        if not _real_finite(expr, x, pt):
            return None
    if not _real_finite(d, x, a):
        return None
    v = d.subs(x, a)
    if v.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I):
        return None
    cands = [v]
    if sp.count_ops(v) <= 40:
        # Not sympy.simplify: it folds coefficients into logarithms (−9375 ln 5 -> −ln(5^9375)).
        for rewrite in (sp.factor_terms, sp.radsimp, sp.expand, sp.together):
            try:
                c = rewrite(v)
            except Exception:  # noqa: BLE001 — a rewrite that fails is just not a candidate
                continue
            if not c.has(sp.I):
                cands.append(c)
    cands = [c for c in cands if not any(n.is_Integer and abs(n) > 10**12 for n in sp.preorder_traversal(c))]
    if not cands:
        return None
    best = min(cands, key=lambda c: (len(to_text(c)), sp.count_ops(c)))
    text = to_text(best)
    dec = complex(sp.N(best, 20))
    if abs(dec.imag) > 1e-12 or not math.isfinite(dec.real) or abs(dec.real) > 1e6:
        return None
    if len(text) > MAX_VALUE_TEXT:
        return None
    # The displayed exact form must still equal f′(a).
    if abs(complex(sp.N(v, 20)) - dec) > 1e-9 * max(1.0, abs(dec)):
        return None
    return best, dec.real


def _real_finite(e, x, pt) -> bool:
    import sympy as sp

    try:
        v = complex(sp.N(e.subs(x, pt), 15))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return False
    return abs(v.imag) <= 1e-12 * max(1.0, abs(v.real)) and math.isfinite(v.real) and abs(v.real) < 1e12
