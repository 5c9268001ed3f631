"""Is b the same function as a? A numeric comparison on a Frame, confirmed by bounded symbolic algebra.

How a comparison decides (see `compare`):
1. Identical SymPy trees are equal at once.
2. Numbers first (quizgen.numeric): up to 8 points inside the domain of the reference; one differing point rejects.
3. A numeric match is confirmed symbolically by a few cheap rewrites (expand, cancel, trig and log rewrites), each
   tried only on small expressions and only while a time budget lasts. If algebra cannot settle it, two points are
   re-checked at 110 digits (relative 10⁻⁹⁵), so only differences below that are taken as equal.
4. The answer undefined where the reference is defined (or defined nowhere there) is a domain mismatch.
5. When the reference has almost no real points (ln(−x² − 1)), the same test runs at complex points.
"""

from __future__ import annotations

import time
from typing import Callable

import sympy as sp

from .functions import by_class
from .mathparse import as_expr, symbol
from .numeric import DPS_CONFIRM, RTOL_CONFIRM, Equivalence, frame_for, point_float

__all__ = ["compare", "equivalent", "symbolic_zero", "small"]

_MAX_OPS_SYMBOLIC = 120
_MAX_INT_EXP = 24


def small(e, limit: int = _MAX_OPS_SYMBOLIC) -> bool:
    """Safe to hand to expand/cancel: few operations, no big integer powers of sums, no huge numbers."""
    n = 0
    for node in sp.preorder_traversal(e):
        n += 1
        if n > limit:
            return False
        if node.is_Pow and node.exp.is_Number:
            if abs(node.exp) > _MAX_INT_EXP and not node.base.is_Symbol:
                return False
            if abs(node.exp) > 10**4:
                return False
        if node.is_Integer and abs(int(node)) > 10**40:
            return False
        if node.is_Pow and not node.exp.is_Number and node.base.is_Number and node.exp.has(sp.Pow):
            return False
    return True


def _is_zero_number(d) -> bool | None:
    """Decide a constant difference: exact zero, or provably nonzero at 60 digits."""
    if d == 0:
        return True
    if d.is_Rational:
        return False
    try:
        v = sp.N(d, 60)
    except Exception:  # noqa: BLE001 — an unevaluable constant decides nothing
        return None
    if v.is_number and v.is_comparable and abs(v) > sp.Float("1e-50", 60):
        return False
    return None


# Rows that have a form in sin and cos, other than sin and cos themselves.
_SINCOS = [(cls, row) for cls, row in by_class().items() if row.sincos is not None and cls not in (sp.sin, sp.cos)]


def _trig_zero(e):
    # Everything in sin and cos (each row's own sin/cos form), over one denominator, then sin² -> 1 − cos² in
    # the numerator.
    for cls, row in _SINCOS:
        e = e.replace(cls, lambda u, row=row: row.sincos(sp, u))
    num, _ = sp.fraction(sp.cancel(sp.together(sp.expand_trig(e))))
    num = sp.expand(num).replace(lambda t: t.is_Pow and isinstance(t.base, sp.sin) and t.exp.is_Integer
                                  and t.exp > 0 and t.exp % 2 == 0,
                                  lambda t: (1 - sp.cos(t.base.args[0]) ** 2) ** (t.exp // 2))
    return sp.expand(num)


def symbolic_zero(d, deadline: float) -> bool | None:
    """True if d simplifies to 0, False if it is a nonzero constant, None when bounded algebra cannot tell."""
    if d == 0:
        return True
    if d.is_number:
        return _is_zero_number(d)
    if not small(d):
        return None
    steps: list[Callable] = [
        lambda e: sp.expand(e),
        lambda e: sp.cancel(sp.together(e)),
        lambda e: sp.expand(sp.expand_log(sp.powsimp(sp.expand_power_exp(sp.expand(e, power_base=False))),
                                          force=True)),
    ]
    if d.has(sp.sin, sp.cos, *(cls for cls, _ in _SINCOS)):
        steps.append(_trig_zero)
    for k, step in enumerate(steps):
        if time.monotonic() > deadline:
            return None
        try:
            r = step(d)
        except Exception:  # noqa: BLE001 — a rewrite that fails proves nothing
            continue
        if r == 0:
            return True
        if r.is_number and k < 2:  # the forced log/power rewrites may only confirm, never refute
            z = _is_zero_number(r)
            if z is not None:
                return z
    return None




_REAL_ONLY = (sp.Abs, sp.sign, sp.re, sp.im, sp.arg, sp.conjugate, sp.Heaviside, sp.DiracDelta)


def compare(expected, answer, var, *, domain=None, timeout: float = 0.15) -> tuple[Equivalence, dict]:
    """`equivalent` with details: {"points", "real", "agree", "at" (a differing point), "undefined_at", "proof"}."""
    expected, answer = as_expr(expected), as_expr(answer)
    if expected == answer:
        return "equal", {"proof": "identical"}
    deadline = time.monotonic() + timeout
    frame = frame_for(var, *(r for r in (domain, expected) if r is not None))
    verdict, info = frame.compare(expected, answer)
    if verdict == "different" and not frame.real and (expected.has(*_REAL_ONLY) or answer.has(*_REAL_ONLY)):
        # SymPy rewrote something using x real ((−x²)^x -> (−1)^x·|x|^(2x)): at complex points that identity
        # fails, so a difference there proves nothing.
        verdict = "unknown"
    if verdict == "different":
        return verdict, info
    if verdict == "domain-mismatch":
        return verdict, info
    z = symbolic_zero(expected - answer, deadline)
    if z is True:
        info["proof"] = "symbolic"
        return "equal", info
    if z is False:
        info["proof"] = "symbolic"
        return "different", info
    if verdict == "unknown":
        return "unknown", info
    # No proof within the budget: insist on agreement to ~95 digits at two points.
    t = frame.tally(expected, answer, rtol=RTOL_CONFIRM, dps=DPS_CONFIRM, dps_check=2 * DPS_CONFIRM + 40, enough=2)
    if t.differ is not None:
        info["at"] = point_float(frame.points[t.differ])
        return "different", info
    info["proof"] = "numeric"
    return "equal", info


def equivalent(a, b, var, *, timeout: float = 0.15, domain=None) -> Equivalence:
    """Is b the same function as a (the reference) on a's domain? `var` is a Symbol or a name.

    "domain-mismatch": b agrees with a where both are defined but is undefined at points where a is defined.
    `domain` (e.g. the problem whose derivative a is) further restricts the points to where it is defined.
    """
    if isinstance(var, str):
        var = symbol(var)
    return compare(a, b, var, domain=domain, timeout=timeout)[0]

