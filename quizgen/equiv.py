"""Is b the same function as a? A numeric comparison on a Frame, confirmed by bounded symbolic algebra.

How a comparison decides (see `compare`):
1. Identical SymPy trees are equal at once.
2. Numbers first (quizgen.numeric): up to 8 points inside the domain of the reference; one differing point rejects.
3. A numeric match is confirmed symbolically by a few cheap rewrites (expand, cancel, trig and log rewrites), each
   tried only on small expressions, all of them stopped when their time budget is up (a hard one,
   quizgen.util.budget). If algebra cannot settle it, two more points are checked at 110 digits (relative
   10⁻⁹⁵), points that depend on the two expressions themselves (see `confirm`), so only differences below that
   are taken as equal.
4. The answer undefined where the reference is defined (or defined nowhere there) is a domain mismatch.
5. When the reference has almost no real points (ln(−x² − 1)), the same test runs at complex points.
"""

from __future__ import annotations

import time
from typing import Callable

import sympy as sp

from .functions import by_class
from .util.budget import Budget
from .mathparse import as_expr, symbol
from .numeric import DPS_CONFIRM, RTOL_CONFIRM, Equivalence, frame_for, point_float

__all__ = ["cancelled", "compare", "equivalent", "symbolic_zero", "small"]

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


def cancelled(d, x):
    """d with common factors cancelled, when that is strictly shorter: the derivative of typed input can cancel
    ((x² − 1)/(x − 1) gives (x² − 2x + 1)/(x − 1)² = 1, arctan(1/x) gives −1/(x²(1/x² + 1)) = −1/(x² + 1)).
    For solve's and check's keys of typed problems (bank keys never need it); d itself otherwise."""
    if sp.count_ops(d) >= 80 or not small(d) or not any(f.is_Pow and f.exp.is_negative and f.base.has(x)
                                                         for f in sp.preorder_traversal(d)):
        return d
    try:
        c = sp.cancel(sp.together(d))
    except Exception:  # noqa: BLE001 — the plain derivative is a fine key
        return d
    return c if sp.count_ops(c) < sp.count_ops(d) and sp.count_ops(c) < sp.count_ops(sp.factor_terms(d)) else d


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


# expand_trig turns sin(n·u) into a polynomial of degree n in sin u and cos u: sin(40x) has 40 terms, and the
# product of two such runs for a minute. Only arguments that are a sum of small multiples are expanded.
_MAX_TRIG_MULTIPLE = 4


def _in_sincos(e):
    # Everything in sin and cos, each row by its own sin/cos form.
    for cls, row in _SINCOS:
        e = e.replace(cls, lambda u, row=row: row.sincos(sp, u))
    return e


def _pythagoras_zero(e):
    # Over one denominator, then sin² -> 1 − cos² in the numerator: 1 + tan²u − sec²u is 0 for any u, as is
    # everything else that only needs sin² + cos² = 1 of one argument.
    num, _ = sp.fraction(sp.cancel(sp.together(e)))
    num = sp.expand(num).replace(lambda t: t.is_Pow and isinstance(t.base, sp.sin) and t.exp.is_Integer
                                  and t.exp > 0 and t.exp % 2 == 0,
                                  lambda t: (1 - sp.cos(t.base.args[0]) ** 2) ** (t.exp // 2))
    return sp.expand(num)


def _small_multiples(e) -> bool:
    """Every trig argument a sum of terms with integer coefficients of at most _MAX_TRIG_MULTIPLE (2x, x + 3)."""
    for f in e.atoms(sp.sin, sp.cos):
        for term in sp.Add.make_args(f.args[0]):
            c, _ = term.as_coeff_Mul()
            if not c.is_Rational or abs(c.p) > _MAX_TRIG_MULTIPLE or c.q > _MAX_TRIG_MULTIPLE:
                return False
    return True


def _trig_zero(e):
    e = _in_sincos(e)
    r = _pythagoras_zero(e)
    if r == 0 or not _small_multiples(e):
        return r
    # Angle sums and multiples (sin 2x = 2 sin x cos x), only where that stays small.
    return _pythagoras_zero(sp.expand_trig(e))


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
    # Hard: a rewrite that would run for a minute is stopped at the deadline (quizgen.util.budget), and the
    # numbers below decide.
    with Budget(timeout) as symbolic:
        z = symbolic_zero(expected - answer, deadline)
    if symbolic.expired:
        z = None
    if z is True:
        info["proof"] = "symbolic"
        return "equal", info
    if z is False:
        info["proof"] = "symbolic"
        return "different", info
    if verdict == "unknown":
        return "unknown", info
    # No proof within the budget: insist on agreement to ~95 digits at points of this pair's own.
    verdict, where = confirm(frame, expected, answer, domain)
    if verdict == "different":
        info["at"] = where
    elif verdict == "domain-mismatch":
        info["undefined_at"] = [where]
    if verdict == "equal":
        info["proof"] = "numeric"
    return verdict, info


def confirm(frame, expected, answer, domain=None, enough: int = 2) -> tuple[Equivalence, object]:
    """Agreement to ~95 digits at `enough` points, or the verdict against (and where).

    Not the frame's own points: those are dyadic (m/2^24), where sin(2^24·πx) is exactly 0, so an answer plus
    such a term agrees with the key at every one of them. These points are a frame point moved by an irrational
    amount that depends on the two expressions (sha256), so no answer can be written to vanish at them; being
    exact (a dyadic number plus a rational multiple of √2), they are computed at whatever precision is asked.
    """
    var = frame.var
    refs = [e for e in (domain, expected) if e is not None]
    agree = 0
    for p in confirm_points(frame, expected, answer):
        va = _at(expected, var, p, frame.real)
        if va is None or not all(_at(r, var, p, frame.real) is not None for r in refs):
            continue  # the move left the domain (or the value is too big): try the next point
        vb = _at(answer, var, p, frame.real)
        if vb is None:
            return "domain-mismatch", point_float(p)
        d1 = abs(va - vb)
        if d1 > RTOL_CONFIRM * max(abs(va), abs(vb)):
            wa = _at(expected, var, p, frame.real, 2 * DPS_CONFIRM + 40)
            wb = _at(answer, var, p, frame.real, 2 * DPS_CONFIRM + 40)
            if wa is None or wb is None:
                continue
            d2 = abs(wa - wb)
            if d2 > RTOL_CONFIRM * max(abs(wa), abs(wb)) and d2 >= d1 / 2:
                return "different", point_float(p)
        agree += 1
        if agree >= enough:
            return "equal", None
    return "unknown", None


def confirm_points(frame, expected, answer, n: int = 8) -> list:
    """Up to n points near the frame's points, each moved by (1 + h)·√2·2⁻¹⁴·max(1, |p|) (complex points by
    (1 + h)(√2 + i√3)·2⁻¹⁴), h from sha256 of the pair: ("moved", point, h·2³², sign), which quizgen.numeric
    computes at any precision."""
    import hashlib

    seed = hashlib.sha256(f"{sp.srepr(expected)}\0{sp.srepr(answer)}".encode()).digest()
    # Farthest from the origin first: there a difference that is small beside the value (|x − 20| + x − 20 beside
    # (x + 2)eˣ at x = 73) is below the frame's 10⁻²⁰ but not below these 10⁻⁹⁵; near 0 the frame has looked.
    pts = sorted(frame.points, key=lambda p: -abs(point_float(p)))[:n]
    return [("moved", p, int.from_bytes(seed[4 * i: 4 * i + 4], "big"), 1 if seed[31 - i] % 2 else -1)
            for i, p in enumerate(pts)]


def _at(expr, var, point, real: bool, dps: int = DPS_CONFIRM):
    from .numeric import TOO_BIG, _compile, _value

    v = _value(_compile(expr, var), point, dps, real)
    return None if v is TOO_BIG else v


def equivalent(a, b, var, *, timeout: float = 0.15, domain=None) -> Equivalence:
    """Is b the same function as a (the reference) on a's domain? `var` is a Symbol or a name.

    "domain-mismatch": b agrees with a where both are defined but is undefined at points where a is defined.
    `domain` (e.g. the problem whose derivative a is) further restricts the points to where it is defined.
    """
    if isinstance(var, str):
        var = symbol(var)
    return compare(a, b, var, domain=domain, timeout=timeout)[0]

