"""Is this the derivative? Numeric-first equivalence, domain checks, form ("simplified?") and a verdict with feedback.

How a comparison decides (see `equivalent`):
1. Identical SymPy trees are equal at once.
2. Numbers first: both expressions are evaluated with mpmath (arbitrary exponent range, so 6^(3x²+4x−2) or
   (x+1)^(10^9) never overflow or build huge integers) at up to 8 dyadic real points inside the domain of the
   reference (points where ln/log/√/arcsin arguments are out of range, or the reference is undefined, are
   redrawn). A point differs when |a − b| > 10⁻²⁰·max(|a|, |b|) at 30 digits *and* the difference does not shrink
   when recomputed at 80 digits (rounding errors shrink, real differences do not). One differing point rejects.
3. A numeric match is confirmed symbolically by a few cheap rewrites (expand, cancel, trig and log rewrites), each
   tried only on small expressions and only while a time budget lasts. If algebra cannot settle it, two points are
   re-checked at 110 digits (relative 10⁻⁹⁵), so only differences below that are taken as equal.
4. The answer undefined where the reference is defined (or defined nowhere there) is a domain mismatch.
5. When the reference has almost no real points (ln(−x² − 1)), the same test runs at complex points.
"""

from __future__ import annotations

import csv
import io
import math
import random
import re
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Iterator, Literal

import mpmath
import sympy as sp

from .errors import ParseError, QuizgenError
from .functions import by_class
from .mathparse import as_expr, parse, parse_tree, symbol

__all__ = [
    "Verdict",
    "equivalent",
    "check_answer",
    "check_text",
    "grade_batch",
    "grade_row",
    "form_of",
    "format_verdict",
    "Frame",
]

Equivalence = Literal["equal", "different", "domain-mismatch", "unknown"]

# ---------------------------------------------------------------------------------------------------------------
# Numeric evaluation: SymPy tree -> closure over an mpmath context. Real mode refuses values outside the real
# domain (SymPy's principal branches, as the real symbol x means them); complex mode only refuses poles.


class _Undefined(Exception):
    """The expression has no real value here (ln of a negative, division by zero, arcsin of 2, ...)."""


class _TooBig(Exception):
    """The value exists but cannot be computed sensibly here (exp of exp of a big number): skip the point."""


_ARG_MAG_LIMIT = 3000  # bits: exp/trig/log arguments beyond 2^3000 would need that many bits of precision
_ZERO = object()

Fn = Callable[[mpmath.ctx_mp.MPContext, object, bool], object]


def _real_check(c, v, real: bool):
    if real and isinstance(v, mpmath.mpc):
        if v.imag != 0:
            raise _Undefined
        return v.real
    return v


def _guard_arg(c, u):
    """Refuse astronomically large arguments, and record how many bits of relative accuracy this argument's size
    costs (exp(t) or sin(t) turn t's relative error into an absolute one, |t| times larger)."""
    if u != 0:
        m = c.mag(u)
        if m > _ARG_MAG_LIMIT:
            raise _TooBig
        if m > c._loss:
            c._loss = m


def _course_function(row):
    """The evaluator of one row of quizgen.functions: its mpmath function behind the row's guards."""
    name, big_arg, pole, real_ok = row.mp, row.big_arg, row.pole, row.real_ok

    def f(c, u, real):
        if big_arg:
            _guard_arg(c, u)
        if pole is not None and pole(c, u):
            raise _Undefined
        if real and real_ok is not None and not real_ok(u):
            raise _Undefined
        return getattr(c, name)(u)
    return f


def _f_sign(c, u, real):
    if real:
        return c.mpf(c.sign(u))
    return c.sign(u)


def _f_delta(c, u, real):
    if u == 0:
        raise _Undefined
    return c.mpf(0)


def _f_heaviside(c, u, real):
    if u == 0:
        raise _Undefined
    return c.mpf(1 if u > 0 else 0)


# Course functions from their table; the others are SymPy's own functions that can appear in a derivative (of
# |x| from √(x²), ...), which no row describes.
_FUNCS: dict = {
    **{cls: _course_function(row) for cls, row in by_class().items() if row.mp},
    sp.Abs: lambda c, u, real: abs(u),
    sp.sign: _f_sign,
    sp.DiracDelta: _f_delta,
    sp.Heaviside: _f_heaviside,
}


def _pow(c, b, e, real: bool, int_exp: int | None, rat: tuple[int, int] | None):
    if int_exp is not None:
        if b == 0:
            if int_exp < 0:
                raise _Undefined
            return c.mpf(0) if int_exp > 0 else c.mpf(1)
        bits = abs(int_exp).bit_length()  # b's relative error grows |n| times in b^n
        if bits > c._loss:
            c._loss = bits
        return c.power(b, int_exp)
    if b == 0:
        if rat is not None and rat[0] > 0 or rat is None and e != 0 and (c.re(e) > 0):
            return c.mpf(0)
        raise _Undefined
    if real:
        if b < 0:
            raise _Undefined  # principal root of a negative is not real, as SymPy reads x**(1/3)
        t = e * c.log(b)
        _guard_arg(c, t)
        if rat == (1, 2):
            return c.sqrt(b)
        return c.exp(t)
    t = e * c.log(b)
    _guard_arg(c, t)
    return c.exp(t)


def _compile(e, var) -> Fn:
    """Closure computing e at a point; raises _Undefined / _TooBig. Built once per expression (cached)."""
    return _compile_cached(e, var)


@lru_cache(maxsize=4096)
def _compile_cached(e, var) -> Fn:
    if e == var:
        return lambda c, x, real: x
    if e.is_Integer:
        n = int(e)
        return lambda c, x, real: c.mpf(n)
    if e.is_Rational:
        p, q = int(e.p), int(e.q)
        return lambda c, x, real: c.mpf(p) / q
    if e.is_Float:
        return lambda c, x, real: c.mpf(e)
    if e is sp.E:
        return lambda c, x, real: c.e
    if e is sp.pi:
        return lambda c, x, real: c.pi
    if e is sp.I:
        def imaginary_unit(c, x, real):
            if real:
                raise _Undefined
            return c.mpc(0, 1)
        return imaginary_unit
    if e.is_Add:
        fs = [_compile_cached(a, var) for a in e.args]

        def add(c, x, real):
            total = fs[0](c, x, real)
            for f in fs[1:]:
                total = total + f(c, x, real)
            return total
        return add
    if e.is_Mul:
        fs = [_compile_cached(a, var) for a in e.args]

        def mul(c, x, real):
            total = fs[0](c, x, real)
            for f in fs[1:]:
                total = total * f(c, x, real)
            return total
        return mul
    if e.is_Pow:
        fb = _compile_cached(e.base, var)
        fe = _compile_cached(e.exp, var)
        int_exp = int(e.exp) if e.exp.is_Integer else None
        rat = (int(e.exp.p), int(e.exp.q)) if e.exp.is_Rational and not e.exp.is_Integer else None

        def pw(c, x, real):
            b = fb(c, x, real)
            ex = None if int_exp is not None else fe(c, x, real)
            return _real_check(c, _pow(c, b, ex, real, int_exp, rat), real)
        return pw
    if isinstance(e, sp.UnevaluatedExpr):
        return _compile_cached(e.args[0], var)
    func = _FUNCS.get(type(e))
    if func is not None and len(e.args) == 1:
        fa = _compile_cached(e.args[0], var)

        def call(c, x, real):
            return _real_check(c, func(c, fa(c, x, real), real), real)
        return call
    return _fallback(e, var)


def _fallback(e, var) -> Fn:
    """Anything the table does not know is evaluated by SymPy itself (slow, but never seen for course functions)."""
    def ev(c, x, real):
        try:
            v = sp.N(e.xreplace({var: sp.Float(mpmath.nstr(x, c.dps + 5), c.dps + 5)} if real
                                else {var: sp.Float(mpmath.nstr(c.re(x), c.dps + 5), c.dps + 5)
                                      + sp.I * sp.Float(mpmath.nstr(c.im(x), c.dps + 5), c.dps + 5)}), c.dps)
        except Exception:  # SymPy could not evaluate: treat like an undefined point
            raise _Undefined from None
        if v.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not v.is_number:
            raise _Undefined
        re_, im_ = v.as_real_imag()
        if real:
            if abs(complex(im_)) > 0:
                raise _Undefined
            return c.mpf(str(re_))
        return c.mpc(str(re_), str(im_))
    return ev


_local = threading.local()


def _ctx() -> mpmath.ctx_mp.MPContext:
    c = getattr(_local, "ctx", None)
    if c is None:
        c = _local.ctx = mpmath.MPContext()
        c._loss = 0
    return c


_MAX_PREC = 6000  # bits; needing more than this to keep `dps` digits means the point is skipped


def _value(fn: Fn, point, dps: int, real: bool):
    """fn at the point (exact dyadic m/2^k, or a pair for a complex point) to about `dps` correct digits.

    Returns None where fn is undefined and _ZERO where it cannot be computed. When big exponents or arguments eat
    precision (6^(3x²+…) at x = 100, 2^((2x)^x), (sin x)^(10^9)), the value is recomputed with that many more bits,
    so the digits asked for are still right."""
    c = _ctx()
    c.dps = dps
    want = c.prec
    extra = 0
    for _ in range(3):
        c.prec = want + extra
        c._loss = 0
        x = _point(c, point)
        try:
            v = fn(c, x, real)
        except _Undefined:
            return None
        except _TooBig:
            return _ZERO
        except (ZeroDivisionError, ValueError, OverflowError, ArithmeticError):
            return None
        if c._loss <= extra + 8:
            break
        extra = c._loss + 16
        if want + extra > _MAX_PREC:
            return _ZERO
    else:
        return _ZERO
    if real and isinstance(v, mpmath.mpc):
        return None
    if not c.isfinite(v):
        return None
    return v


def _point(c, p):
    if isinstance(p[0], tuple):
        (m1, k1), (m2, k2) = p
        return c.mpc(c.ldexp(m1, -k1), c.ldexp(m2, -k2))
    m, k = p
    return c.ldexp(c.mpf(m), -k)


def point_float(p) -> float | complex:
    """A sample point as a Python number (for messages)."""
    if isinstance(p[0], tuple):
        (m1, k1), (m2, k2) = p
        return complex(m1 / 2**k1, m2 / 2**k2)
    return p[0] / 2 ** p[1]


# Candidate points: dyadic (exact in binary at any precision) from a fixed-seed generator, spread over scales so
# narrow domains like arcsin(2x + 3) (−2 < x < −1) or ln(x − 5) still get points.
_SCALES = [(0.05, 3.0), (-3.0, -0.05), (-1.0, 1.0), (0.0, 1.0), (1.0, 10.0), (-10.0, -1.0), (-6.0, 6.0),
           (10.0, 100.0), (-100.0, -10.0), (0.0, 0.1), (-0.1, 0.0), (100.0, 1000.0)]
_K = 24


def _candidates(n: int, seed: int = 20240611) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        lo, hi = _SCALES[len(out) % len(_SCALES)]
        v = rng.uniform(lo, hi)
        m = round(v * 2**_K)
        if m != 0 and (m, _K) not in out:
            out.append((m, _K))
    return out


_CANDIDATES = _candidates(96)
_COMPLEX_POINTS = [((round(rng_v[0] * 2**_K), _K), (round(rng_v[1] * 2**_K), _K))
                   for rng_v in [(0.41, 0.37), (1.7, -0.6), (-0.83, 1.21), (2.3, 0.9), (-1.9, -0.45),
                                 (0.29, -1.6), (3.1, 2.2), (-2.7, 0.33)]]

N_POINTS = 8       # points compared in the first pass
MIN_REAL = 3       # fewer real points than this -> compare at complex points instead
DPS = 30
DPS_CHECK = 80     # recompute a differing point at this precision: a real difference does not shrink
RTOL = 1e-20
DPS_CONFIRM = 110
RTOL_CONFIRM = 1e-95


class Frame:
    """Sample points inside the domain of reference expressions, plus cached values; reused for every answer and
    every mistake variant of one problem (so diagnosing costs one evaluation per variant)."""

    def __init__(self, var, refs: Iterable):
        self.var = var
        refs = [r for r in refs if r is not None]
        self.refs = refs
        fns = [_compile(r, var) for r in refs]
        self.real = True
        pts: list = []
        self.skipped = 0
        for p in _CANDIDATES:
            vals = [_value(f, p, DPS, True) for f in fns]
            if any(v is None for v in vals):
                continue
            if any(v is _ZERO for v in vals):
                self.skipped += 1
                continue
            pts.append(p)
            if len(pts) >= N_POINTS:
                break
        if len(pts) < MIN_REAL:
            cpts = []
            for p in _COMPLEX_POINTS:
                vals = [_value(f, p, DPS, False) for f in fns]
                if any(v is None or v is _ZERO for v in vals):
                    continue
                cpts.append(p)
            if len(cpts) >= len(pts):
                self.real = False
                pts = cpts
        self.points = pts
        self._cache: dict = {}

    _UNSET = object()

    def value_at(self, expr, i: int, dps: int = DPS):
        """expr at point i (None: undefined there; _ZERO: too big to evaluate); cached per expression/precision."""
        key = (expr, dps)
        row = self._cache.get(key)
        if row is None:
            if len(self._cache) > 512:
                self._cache.clear()
            row = self._cache[key] = [Frame._UNSET] * len(self.points)
        v = row[i]
        if v is Frame._UNSET:
            v = row[i] = _value(_compile(expr, self.var), self.points[i], dps, self.real)
        return v

    def values(self, expr, dps: int = DPS) -> list:
        return [self.value_at(expr, i, dps) for i in range(len(self.points))]

    def differs_at(self, a, b, i: int, rtol: float = RTOL, dps: int = DPS, dps_check: int = DPS_CHECK) -> bool | None:
        """True: a genuine difference at point i. False: equal there. None: cannot tell (undefined/too big)."""
        va, vb = self.value_at(a, i, dps), self.value_at(b, i, dps)
        if va is None or vb is None or va is _ZERO or vb is _ZERO:
            return None
        d1 = abs(va - vb)
        if d1 <= rtol * max(abs(va), abs(vb)):
            return False
        wa, wb = self.value_at(a, i, dps_check), self.value_at(b, i, dps_check)
        if wa is None or wb is None or wa is _ZERO or wb is _ZERO:
            return None
        d2 = abs(wa - wb)
        if d2 <= rtol * max(abs(wa), abs(wb)):
            return False
        return d2 >= d1 / 2  # rounding noise shrinks with more digits; a true difference stays

    def compare(self, a, b, *, deadline: float | None = None) -> tuple[Equivalence, dict]:
        """Reference a against b on this frame's points. Returns (verdict, details)."""
        info: dict = {"points": len(self.points), "real": self.real}
        if not self.points:
            return "unknown", info
        agree = 0
        undefined_at = []
        for i in range(len(self.points)):
            va = self.value_at(a, i)
            if va is None or va is _ZERO:
                continue
            vb = self.value_at(b, i)
            if vb is None:
                undefined_at.append(self.points[i])
                continue
            if vb is _ZERO:
                continue
            d = self.differs_at(a, b, i)
            if d is True:
                info["at"] = point_float(self.points[i])
                return "different", info
            if d is False:
                agree += 1
        info["agree"] = agree
        if undefined_at:
            info["undefined_at"] = [point_float(p) for p in undefined_at]
            return "domain-mismatch", info
        if agree == 0:
            return "unknown", info
        return "equal", info


@lru_cache(maxsize=512)
def _frame(var, *refs) -> Frame:
    return Frame(var, refs)


def frame_for(var, *refs) -> Frame:
    """The shared (cached) Frame for these reference expressions."""
    return _frame(var, *refs)


# ---------------------------------------------------------------------------------------------------------------
# Bounded symbolic confirmation.

_MAX_OPS_SYMBOLIC = 120
_MAX_INT_EXP = 24


def _small(e, limit: int = _MAX_OPS_SYMBOLIC) -> bool:
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
    if not _small(d):
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


# ---------------------------------------------------------------------------------------------------------------
# Equivalence.


_REAL_ONLY = (sp.Abs, sp.sign, sp.re, sp.im, sp.arg, sp.conjugate, sp.Heaviside, sp.DiracDelta)


def compare(expected, answer, var, *, domain=None, timeout: float = 0.15) -> tuple[Equivalence, dict]:
    """`equivalent` with details: {"points", "real", "agree", "at" (a differing point), "undefined_at", "proof"}."""
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
    checked = 0
    for i in range(len(frame.points)):
        d = frame.differs_at(expected, answer, i, RTOL_CONFIRM, DPS_CONFIRM, 2 * DPS_CONFIRM + 40)
        if d is True:
            info["at"] = point_float(frame.points[i])
            return "different", info
        if d is False:
            checked += 1
            if checked >= 2:
                break
    info["proof"] = "numeric"
    return "equal", info


def equivalent(a, b, var, *, timeout: float = 0.15, domain=None) -> Equivalence:
    """Is b the same function as a (the reference) on a's domain? `var` is a Symbol or a name.

    "domain-mismatch": b agrees with a where both are defined but is undefined at points where a is defined.
    `domain` (e.g. the problem whose derivative a is) further restricts the points to where it is defined.
    """
    if isinstance(var, str):
        var = symbol(var)
    return compare(as_expr(a), as_expr(b), var, domain=domain, timeout=timeout)[0]


# ---------------------------------------------------------------------------------------------------------------
# Form: is a correct answer written as simply as a teacher expects?
#
# Not simplified when the typed formula (its parse tree, before SymPy tidies anything) has
#   * arithmetic on plain numbers left undone: two numbers in one product (3(x²+1)²·2x), 2+3, a fraction of
#     integers not in lowest terms (4/6), 1·f, f/1, exponents 0 or 1, +0;
#   * like terms not combined (2x + 3x), the same base twice in one product (x·x²);
# or when its SymPy form is none of the key's textbook shapes (as given, expanded, factored, over one denominator)
# and is more than 2 operations longer (count_ops) than the shortest of them — so 6x(x² + 1)², 6x⁵ + 12x³ + 6x,
# (x² + 2x)eˣ and 2xeˣ + x²eˣ count as simplified, and sec²x, 1/cos²x, 1 + tan²x all do, but
# (2x(x + 1) − x²)/(x + 1)² does not.

FORM_SLACK = 2


def _flatten(node, kinds: tuple[str, ...]) -> list:
    """Operands of a chain of the same operations (through parentheses), with the op that introduced each."""
    out: list = []

    def walk(n, op):
        while n[0] == "paren" and n[1][0] in kinds:
            n = n[1]
        if n[0] in kinds:
            walk(n[1], op)
            walk(n[2], n[0] if op in (None, kinds[0]) else _flip(n[0], op))
        else:
            out.append((op, n))
    walk(node, None)
    return out


def _flip(kind: str, outer: str) -> str:
    pair = {"add": "sub", "sub": "add", "mul": "div", "div": "mul"}
    return pair[kind] if outer in ("sub", "div") else kind


def _strip(n):
    while n[0] == "paren":
        n = n[1]
    return n


def _num_value(n):
    n = _strip(n)
    if n[0] == "num":
        return sp.Rational(n[1])
    if n[0] == "neg":
        v = _num_value(n[1])
        return -v if v is not None else None
    return None


def _tree_issues(tree, text: str, var) -> list[str]:
    from .mathparse import _build  # the parser's own builder, so sub-terms are read exactly as the whole was

    env = {var.name: var}
    issues: list[str] = []

    def build(n):
        try:
            return _build(n, text, env)
        except Exception:  # noqa: BLE001 — a piece that cannot be built alone is not judged
            return None

    def add(msg):
        if msg not in issues:
            issues.append(msg)

    def visit(n):
        kind = n[0]
        if kind in ("add", "sub"):
            terms = _flatten(n, ("add", "sub"))
            nums = [t for _, t in terms if _num_value(t) is not None]
            if len(nums) >= 2:
                add("numbers left to add up")
            built = [build(t) for _, t in terms]
            if any(b == 0 for b in built if b is not None):
                add("a term that is zero")
            seen = {}
            for b in built:
                if b is None or b.is_number:
                    continue
                key = b.as_coeff_Mul()[1]
                if key in seen:
                    add("like terms not combined")
                seen[key] = True
            for _, t in terms:
                visit(t)
            return
        if kind in ("mul", "div"):
            factors = _flatten(n, ("mul", "div"))
            numer = [_num_value(t) for op, t in factors if op in (None, "mul")]
            denom = [_num_value(t) for op, t in factors if op == "div"]
            numer_n = [v for v in numer if v is not None]
            denom_n = [v for v in denom if v is not None]
            if len(numer_n) >= 2 or len(denom_n) >= 2:
                add("numbers left to multiply")
            elif numer_n and denom_n:
                p, q = numer_n[0], denom_n[0]
                if p.is_Integer and q.is_Integer and (math.gcd(int(p), int(q)) > 1 or q == 1):
                    add("a fraction not in lowest terms")
                elif not (p.is_Integer and q.is_Integer):
                    add("numbers left to divide")
            if any(v == 1 for v in numer_n) and len(factors) - len(denom) > 1 or any(v == 1 for v in denom_n):
                add("a factor 1")
            bases = {}
            for op, t in factors:
                b = build(t)
                if b is None or b.is_number:
                    continue
                base = b.base if b.is_Pow else b
                if base in bases:
                    add("the same base multiplied twice")
                bases[base] = True
            for _, t in factors:
                visit(t)
            return
        if kind == "pow":
            ev = _num_value(n[2])
            if ev is not None and ev in (0, 1):
                add(f"an exponent {ev}")
            bv = _num_value(n[1])
            if bv is not None and ev is not None and bv != 10 and ev.is_Integer and 1 < ev <= 12:
                add("a power of a number left to work out")
            visit(n[1])
            visit(n[2])
            return
        if kind == "neg":
            if _strip(n[1])[0] == "neg":
                add("a double minus")
            visit(n[1])
            return
        if kind == "paren":
            visit(n[1])
            return
        if kind == "call":
            visit(n[2])
            if n[3] is not None and isinstance(n[3], tuple):
                visit(n[3])
            return

    visit(tree)
    return issues


@lru_cache(maxsize=512)
def _key_forms(expected) -> tuple[frozenset, int]:
    """The key's usual textbook shapes (as given, expanded, factored, over one denominator) — each tried only when
    cheap — and the fewest operations among them."""
    forms = {expected}
    if _small(expected, 80):
        for f in (sp.expand, sp.factor, sp.cancel, sp.together):
            try:
                forms.add(f(expected))
            except Exception:  # noqa: BLE001 — a failed rewrite just isn't a candidate
                continue
    return frozenset(forms), min(sp.count_ops(f) for f in forms)


def form_of(answer_text: str, answer, expected, var) -> dict:
    """{"simplified": bool, "issues": [short phrases]} for a correct answer; see the rule above."""
    try:
        tree = parse_tree(answer_text, var.name)
        issues = _tree_issues(tree, answer_text, var)
    except (ParseError, RecursionError):
        issues = []
    if not issues and _small(answer, 200):
        ops = sp.count_ops(answer)
        # Only an answer longer than the key itself needs the key's other shapes (factor() is the costly part).
        if ops > sp.count_ops(expected) + FORM_SLACK:
            forms, best = _key_forms(expected)
            if answer not in forms and ops > best + FORM_SLACK:
                issues.append("longer than needed")
    return {"simplified": not issues, "issues": issues}


# ---------------------------------------------------------------------------------------------------------------
# Verdicts.


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one answer; `to_json()` gives the CLI/batch JSON object."""

    correct: bool
    expected: sp.Expr
    answer: sp.Expr | None
    interpreted_as: str
    mistake: str | None
    feedback: str
    form: dict = field(default_factory=dict)
    domain_mismatch: bool = False
    equivalence: Equivalence = "different"

    def to_json(self) -> dict:
        from .printing import to_text

        return {
            "correct": self.correct,
            "expected": str(self.expected),
            "expected_text": to_text(self.expected),
            "interpreted_as": self.interpreted_as,
            "mistake": self.mistake,
            "feedback": self.feedback,
            "form": dict(self.form),
        }


def _text(e) -> str:
    from .printing import to_text

    try:
        return to_text(e)
    except Exception:  # noqa: BLE001 — a printer gap must not lose the verdict
        return str(e)


def check_answer(problem_expr, answer_text: str, var: str = "x", *, require_simplified: bool = False,
                 expected=None, timeout: float = 0.15) -> Verdict:
    """Is `answer_text` the derivative of `problem_expr` (a SymPy expression in symbol(var))?

    `expected` may be given (the key, possibly in display form) to save a differentiation. ParseError/LimitError
    from reading the answer propagate (the CLI turns them into exit 2).
    """
    from . import mistakes

    x = symbol(var)
    if expected is None:
        expected = sp.diff(problem_expr, x)
    answer = parse(answer_text, var)
    interpreted = _text(answer)
    verdict, info = compare(expected, answer, x, domain=problem_expr, timeout=timeout)
    if verdict == "equal":
        form = form_of(answer_text, answer, expected, x)
        if form["simplified"]:
            return Verdict(True, expected, answer, interpreted, None, "Correct.", form, equivalence=verdict)
        detail = ", ".join(form["issues"])
        if require_simplified:
            return Verdict(False, expected, answer, interpreted, "not-simplified",
                           f"Your answer is equal to the derivative but not simplified ({detail}).", form,
                           equivalence=verdict)
        return Verdict(True, expected, answer, interpreted, None, f"Correct, but not simplified ({detail}).", form,
                       equivalence=verdict)
    form = {"simplified": None, "issues": []}
    if verdict == "domain-mismatch":
        where = info.get("undefined_at") or []
        at = f" (for example at {var} = {_fmt_point(where[0])})" if where else ""
        return Verdict(False, expected, answer, interpreted, "domain-mismatch",
                       "Your answer agrees with the derivative where both are defined, but it is undefined where "
                       f"the derivative exists{at}; check roots, logarithms and cancelled factors.",
                       form, domain_mismatch=True, equivalence=verdict)
    if verdict == "unknown":
        return Verdict(False, expected, answer, interpreted, None,
                       "quizgen could not decide whether this equals the derivative (too large to evaluate); "
                       f"the expected answer is {_text(expected)}.", form, equivalence=verdict)
    code, feedback = mistakes.diagnose(problem_expr, x, answer, expected=expected)
    if code is None and re.search(r"\d\.\d|\.\d", answer_text) and _close_to(expected, answer, x, problem_expr):
        code, feedback = "rounded-decimals", mistakes.MISTAKE_FEEDBACK["rounded-decimals"]
    return Verdict(False, expected, answer, interpreted, code, feedback, form, equivalence=verdict)


def _fmt_point(p) -> str:
    if isinstance(p, complex):
        return f"{p:.3g}"
    return f"{p:.3g}".replace("-", "−")


def _close_to(expected, answer, x, domain, rtol: float = 1e-3) -> bool:
    """Within rtol at every point: what rounding the constants in an exact answer to a few decimals gives."""
    frame = frame_for(x, *(r for r in (domain, expected) if r is not None))
    va, vb = frame.values(expected), frame.values(answer)
    n = 0
    for a, b in zip(va, vb):
        if a is None or b is None or a is _ZERO or b is _ZERO:
            continue
        if abs(a - b) > rtol * max(abs(a), abs(b)):
            return False
        n += 1
    return n > 0


@lru_cache(maxsize=256)
def _problem(problem_text: str, var: str):
    """A typed problem and its key in the same textbook form as bank keys (cached: batches repeat problems)."""
    x = symbol(var)
    expr = parse(problem_text, var)
    d = sp.diff(expr, x)
    try:
        from .keyform import textbook

        if _small(d, 300):
            d = textbook(d, x)
    except Exception:  # noqa: BLE001 — the plain derivative is a fine key when the tidier fails
        pass
    return expr, d


def check_text(problem_text: str, answer_text: str, var: str = "x", **kw) -> Verdict:
    """check_answer with the problem typed too; a ParseError names which of the two could not be read."""
    try:
        expr, expected = _problem(problem_text, var)
    except ParseError as err:
        err.field = "problem"
        raise
    try:
        return check_answer(expr, answer_text, var, expected=expected, **kw)
    except ParseError as err:
        err.field = "answer"
        raise


# ---------------------------------------------------------------------------------------------------------------
# Batch grading.


def _split_row(line: str) -> list[str]:
    if "\t" in line:
        return [c.strip() for c in line.split("\t")]
    return [c.strip() for c in next(csv.reader(io.StringIO(line), skipinitialspace=True), [])]


def grade_row(problem: str, answer: str, var: str = "x", **kw) -> dict:
    """One batch row as a JSON-ready dict (verdict keys, or "error"); never raises."""
    try:
        v = check_text(problem, answer, var, **kw)
    except QuizgenError as err:
        which = getattr(err, "field", None)
        msg = str(err)
        return {"error": f"{which}: {msg}" if which else msg}
    except (RecursionError, MemoryError):
        return {"error": "input too complex to check"}
    except Exception as err:  # noqa: BLE001 — one bad row must never stop a class's batch
        return {"error": f"internal error while checking this row ({type(err).__name__})"}
    return v.to_json()


def grade_batch(lines: Iterable[str | bytes], var: str = "x", **kw) -> Iterator[dict]:
    """Grade `problem<TAB>answer` (or CSV `problem,answer`) lines in order, one dict per non-blank line; never raises.

    Each dict has "line" (1-based) and, when the row could be split, "problem" and "answer"; then the verdict's
    JSON keys, or "error". Lines may be bytes (decoded as UTF-8; an undecodable line is an error row). Blank lines
    and lines starting with '#' are skipped; a first row `problem<sep>answer` is a header. Formulas containing
    commas (log(x, 3)) need double quotes in CSV, or use tabs.
    """
    header_possible = True
    for n, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                yield {"line": n, "error": f"not UTF-8 text (byte {err.start + 1})"}
                header_possible = False
                continue
        line = raw.rstrip("\r\n")
        if n == 1:
            line = line.lstrip("\ufeff")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            cells = _split_row(line)
        except csv.Error as err:
            yield {"line": n, "error": f"unreadable row: {err}"}
            header_possible = False
            continue
        if header_possible and [c.lower() for c in cells] == ["problem", "answer"]:
            header_possible = False
            continue
        header_possible = False
        while len(cells) > 2 and cells[-1] == "":
            cells.pop()
        if len(cells) != 2:
            hint = "" if "\t" in line else "; in CSV put formulas that contain commas in double quotes"
            yield {"line": n, "error": f"expected 2 columns (problem, answer), found {len(cells)}{hint}"}
            continue
        row = {"line": n, "problem": cells[0], "answer": cells[1]}
        row.update(grade_row(cells[0], cells[1], var, **kw))
        yield row


def format_verdict(v: Verdict) -> str:
    """Several lines for a terminal: the verdict, how the answer was read, the key, and the feedback."""
    head = "correct" if v.correct else "incorrect"
    lines = [head, f"  read as:  {v.interpreted_as}", f"  expected: {_text(v.expected)}"]
    if v.mistake:
        lines.append(f"  mistake:  {v.mistake}")
    lines.append(f"  {v.feedback}")
    return "\n".join(lines)
