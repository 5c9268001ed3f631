"""The one numeric evaluator and the one point-by-point comparison of two functions (on a Frame of sample points).

Expressions are compiled to closures over an mpmath context (arbitrary exponent range, so 6^(3x²+4x−2) or
(x+1)^(10^9) never overflow or build huge integers). Real mode refuses values outside the real domain (SymPy's
principal branches, as the real symbol x means them); complex mode only refuses poles. Course functions are
evaluated as their row in quizgen.functions says.

A Frame holds up to 10 dyadic real points inside the domain of its reference expressions, drawn for those
expressions (seeded by their sha256) at small, moderate and large |x| of both signs (points where a reference is
undefined are redrawn; when fewer than 3 real points exist, as for ln(−x² − 1), complex points instead) and
caches every value. Two functions differ at a point when |a − b| > 10⁻²⁰·max(|a|, |b|) at 30 digits *and* the
difference does not shrink when recomputed at 80 digits (rounding errors shrink, real differences do not).
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Literal

import mpmath
import sympy as sp

from .functions import by_class
from .mathparse import as_expr

__all__ = ["Frame", "MultiFrame", "Tally", "frame_for", "evaluate", "point_float", "Equivalence", "TOO_BIG"]

# "unknown": the numbers cannot be computed (too large); "timeout": the caller's time budget ran out first.
Equivalence = Literal["equal", "different", "domain-mismatch", "unknown", "timeout"]

# ---------------------------------------------------------------------------------------------------------------
# Numeric evaluation: SymPy tree -> closure over an mpmath context. Real mode refuses values outside the real
# domain (SymPy's principal branches, as the real symbol x means them); complex mode only refuses poles.


class Undefined(Exception):
    """The expression has no real value here (ln of a negative, division by zero, arcsin of 2, ...)."""


class TooBig(Exception):
    """The value exists but cannot be computed sensibly here (exp of exp of a big number): skip the point."""


_ARG_MAG_LIMIT = 3000  # bits: exp/trig/log arguments beyond 2^3000 would need that many bits of precision
TOO_BIG = object()  # the value a point gets when it exists but cannot be computed (see TooBig)

Fn = Callable[[mpmath.ctx_mp.MPContext, object, bool], object]


def typed(text: str, var: str = "x", plain=None):
    """The formula as it was typed. SymPy rewrites (√x·sin x)² as x·sin²x and (x/log₅x)·ln x as x·ln 5, defined
    for x < 0 too, and (4 sin 3x)⁴ as 256 sin⁴(3x), which hides the power and chain rules a student applies to it.
    The tree is read with SymPy's evaluation off (its numbers evaluated, its sums flattened).
    Its value is the same; a Frame or an evaluation given it samples only where every part of what was typed is
    defined, and quizgen.mistakes builds the typical mistakes from its structure too. When it holds nothing SymPy's
    form lacks, the plain parse is returned. Raises what quizgen.mathparse.parse raises (it reads the text normally
    first, so every size limit applies before anything is built unevaluated; `plain`, that parse if the caller has
    it)."""
    from .mathparse import parse, symbol

    if plain is None:
        plain = parse(text, var)
    x = symbol(var)
    with sp.evaluate(False):
        raw = parse(text, var)
    if _too_many_nodes(raw, _TYPED_MAX_NODES):
        return plain  # a typed monster ((x+1)(x+2)…(x+60)): SymPy's form, as for its mistakes
    t = _tidy(raw, x)
    if t == plain or _parts(t, True) == _parts(plain, False):
        return plain
    return t


_TYPED_MAX_NODES = 150


def _too_many_nodes(e, limit: int) -> bool:
    for n, _ in enumerate(sp.preorder_traversal(e)):
        if n > limit:
            return True
    return False


def _parts(e, unevaluated: bool) -> set:
    return {_evaluated(n) if unevaluated else n for n in sp.preorder_traversal(e)}


def _quotient(e) -> bool:
    return e.is_Mul and any(f.is_Pow and f.exp.is_negative for f in e.args)


def _tidy(e, x):
    if not e.has(x):
        return _evaluated(e)
    if not e.args:
        return e
    args = [_tidy(a, x) for a in e.args]
    if e.is_Add:
        flat = []
        for a in args:
            flat.extend(a.args if a.is_Add else (a,))
        return e.func(*flat, evaluate=False)
    # Products stay nested as typed ((a·b)·c and a·(b·c)): quizgen.mistakes reads a nest of products both as
    # typed and as one product of all its factors.
    return e.func(*args, evaluate=False)


def _evaluated(e):
    # A constant part of a formula already read (and size-checked) by the parser with evaluation on.
    if not e.args:
        return e
    return e.func(*[_evaluated(a) for a in e.args])


def _real_check(c, v, real: bool):
    # c.mpc, not mpmath.mpc: each context has its own number classes, and ours is a private context.
    if real and isinstance(v, c.mpc):
        if v.imag != 0:
            raise Undefined
        return v.real
    return v


def _guard_arg(c, u):
    """Refuse astronomically large arguments, and record how many bits of relative accuracy this argument's size
    costs (exp(t) or sin(t) turn t's relative error into an absolute one, |t| times larger)."""
    if u != 0:
        m = c.mag(u)
        if m > _ARG_MAG_LIMIT:
            raise TooBig
        if m > c._loss:
            c._loss = m


# Functions whose value spans e^|u|: far out their values (or, for tanh, how close they come to ±1) cover so many
# orders of magnitude that the Frame does not sample there (see _EXP_ARG_LIMIT).
_EXP_LIKE = frozenset({"exp", "sinh", "cosh", "tanh", "sech", "csch", "coth"})


def _note_exp_arg(c, t):
    a = abs(c.re(t))
    if a > c._exparg:
        c._exparg = a


def _course_function(row):
    """The evaluator of one row of quizgen.functions: its mpmath function behind the row's guards."""
    name, big_arg, pole, real_ok = row.mp, row.big_arg, row.pole, row.real_ok
    exp_like = name in _EXP_LIKE

    def f(c, u, real):
        if big_arg:
            _guard_arg(c, u)
        if exp_like:
            _note_exp_arg(c, u)
        if pole is not None and pole(c, u):
            raise Undefined
        if real and real_ok is not None and not real_ok(u):
            raise Undefined
        return getattr(c, name)(u)
    return f


def _f_sign(c, u, real):
    if real:
        return c.mpf(c.sign(u))
    return c.sign(u)


def _f_delta(c, u, real):
    if u == 0:
        raise Undefined
    return c.mpf(0)


def _f_heaviside(c, u, real):
    if u == 0:
        raise Undefined
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
                raise Undefined
            return c.mpf(0) if int_exp > 0 else c.mpf(1)
        bits = abs(int_exp).bit_length()  # b's relative error grows |n| times in b^n
        if bits > c._loss:
            c._loss = bits
        return c.power(b, int_exp)
    if b == 0:
        if rat is not None and rat[0] > 0 or rat is None and e != 0 and (c.re(e) > 0):
            return c.mpf(0)
        raise Undefined
    if real:
        if b < 0:
            if rat is not None and rat[1] % 2:
                # Real odd roots, one reading everywhere: ∛(−8) = −2, (−8)^(2/3) = 4, as in calculus class (and
                # consistent with sympy.diff: (x^(p/q))′ = (p/q)·x^(p/q − 1) holds for x < 0 read this way).
                t = e * c.log(-b)
                _guard_arg(c, t)
                v = c.exp(t)
                return -v if rat[0] % 2 else v
            raise Undefined  # an even root (or an irrational power) of a negative is not real
        t = e * c.log(b)
        _guard_arg(c, t)
        _note_exp_arg(c, t)
        if rat == (1, 2):
            return c.sqrt(b)
        return c.exp(t)
    t = e * c.log(b)
    _guard_arg(c, t)
    _note_exp_arg(c, t)
    return c.exp(t)


def _compile(e, var) -> Fn:
    """Closure computing e at a point; raises Undefined / TooBig. Built once per expression (cached)."""
    return _compile_cached(e, var)


@lru_cache(maxsize=4096)
def _compile_cached(e, var) -> Fn:
    if isinstance(var, tuple):  # several variables (MultiFrame): the point is a tuple, one value per symbol
        if e in var:
            idx = var.index(e)
            return lambda c, x, real: x[idx]
    elif e == var:
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
                raise Undefined
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
    def one(c, x, real):
        if real:
            return sp.Float(mpmath.nstr(x, c.dps + 5), c.dps + 5)
        return (sp.Float(mpmath.nstr(c.re(x), c.dps + 5), c.dps + 5)
                + sp.I * sp.Float(mpmath.nstr(c.im(x), c.dps + 5), c.dps + 5))

    def ev(c, x, real):
        try:
            at = ({v: one(c, xi, real) for v, xi in zip(var, x)} if isinstance(var, tuple)
                  else {var: one(c, x, real)})
            v = sp.N(e.xreplace(at), c.dps)
        except Exception:  # SymPy could not evaluate: treat like an undefined point
            raise Undefined from None
        if v.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not v.is_number:
            raise Undefined
        re_, im_ = v.as_real_imag()
        if real:
            if abs(complex(im_)) > 0:
                raise Undefined
            return c.mpf(str(re_))
        return c.mpc(str(re_), str(im_))
    return ev


_local = threading.local()


def _ctx() -> mpmath.ctx_mp.MPContext:
    c = getattr(_local, "ctx", None)
    if c is None:
        c = _local.ctx = mpmath.MPContext()
        c._loss = 0
        c._exparg = 0
    return c


_MAX_PREC = 6000  # bits; needing more than this to keep `dps` digits means the point is skipped


def _value(fn: Fn, point, dps: int, real: bool):
    """fn at the point (exact dyadic m/2^k, or a pair for a complex point) to about `dps` correct digits.

    Returns None where fn is undefined and TOO_BIG where it cannot be computed. When big exponents or arguments eat
    precision (6^(3x²+…) at x = 100, 2^((2x)^x), (sin x)^(10^9)), the value is recomputed with that many more bits,
    so the digits asked for are still right."""
    c = _ctx()
    c.dps = dps
    want = c.prec
    extra = 0
    for _ in range(3):
        c.prec = want + extra
        c._loss = 0
        c._exparg = 0
        x = _point(c, point)
        try:
            v = fn(c, x, real)
        except Undefined:
            return None
        except TooBig:
            return TOO_BIG
        except (ZeroDivisionError, ValueError, OverflowError, ArithmeticError):
            return None
        if c._loss <= extra + 8:
            break
        extra = c._loss + 16
        if want + extra > _MAX_PREC:
            return TOO_BIG
    else:
        return TOO_BIG
    if real and isinstance(v, c.mpc):
        return None
    if not c.isfinite(v):
        return None
    return v


def _point(c, p):
    if p[0] == "vec":  # several variables: one point per coordinate
        return tuple(_point(c, q) for q in p[1])
    if p[0] == "moved":  # a frame point moved by an irrational amount (quizgen.equiv.confirm_points)
        _, base, h, sign = p
        f = (1 + c.ldexp(h, -32)) * c.ldexp(c.sqrt(2), -14)
        if isinstance(base[0], tuple):
            return _point(c, base) + (1 + c.ldexp(h, -32)) * c.mpc(c.sqrt(2), c.sqrt(3)) * c.ldexp(1, -14)
        b = _point(c, base)
        return b + sign * f * max(1, abs(b))
    if p[0] == "at":  # a SymPy number, read at the working precision (evaluate())
        re_, im_ = p[1].evalf(c.dps + 5).as_real_imag()
        return c.mpf(str(re_)) if im_ == 0 else c.mpc(str(re_), str(im_))
    if isinstance(p[0], tuple):
        (m1, k1), (m2, k2) = p
        return c.mpc(c.ldexp(m1, -k1), c.ldexp(m2, -k2))
    m, k = p
    return c.ldexp(c.mpf(m), -k)


def point_float(p) -> float | complex:
    """A sample point as a Python number (for messages); a tuple of them for several variables."""
    if p[0] == "vec":
        return tuple(point_float(q) for q in p[1])
    """A sample point as a Python number (for messages)."""
    if p[0] == "moved":
        c = _ctx()
        c.dps = 20
        v = _point(c, p)
        return complex(v) if isinstance(v, c.mpc) else float(v)
    if isinstance(p[0], tuple):
        (m1, k1), (m2, k2) = p
        return complex(m1 / 2**k1, m2 / 2**k2)
    return p[0] / 2 ** p[1]


# Candidate points: dyadic (exact in binary at any precision), drawn per frame from a generator seeded with the
# frame's own expressions (sha256), so verdicts reproduce but no answer can be written against one fixed list.
# Each round draws one point in every band: small, moderate and large |x| (up to 5000), both signs, so a difference
# that lives only far out (|x − 50| against x − 50) or only for x < 0 is met; the rounds repeat until N_POINTS lie
# in the domain, so narrow domains such as arcsin(2x + 3) (−2 < x < −1), ln(x − 5) or arcsin(10x) still get points.
_BANDS = (  # (sign, lowest |x|, highest |x|), in the order one round visits them; log-uniform inside a band
    (1, 0.1, 1.0), (-1, 1.0, 4.0), (1, 1.0, 4.0), (1, 4.0, 20.0), (-1, 0.1, 1.0), (1, 20.0, 200.0),
    (-1, 4.0, 20.0), (1, 200.0, 5000.0), (-1, 20.0, 200.0), (-1, 200.0, 5000.0), (1, 0.001, 0.1),
    (-1, 0.001, 0.1),
)
_ROUNDS = 12
_K = 24
# Far out, e^x spreads over so many orders of magnitude that a correct answer written with cancelling terms
# (−1 + eˣ/(1 + eˣ) for −1/(1 + eˣ), 1 − tanh²x for sech²x) could not be told from a wrong one even at 80 digits.
# A point where a reference takes an exponential of more than 92 (e^92 ≈ 10^40), or has a value beyond 10^±300
# (or below 10^-40), is not used; in the bands of large |x| the largest usable |x| below the drawn one is looked for.
_EXP_ARG_LIMIT = 92
_MAX_FAR = 40  # candidates too big or too far out before a frame stops looking
_MAG_HIGH = 1000  # bits, about 10^301
_MAG_LOW = -133   # bits, about 10^-40


def _seed(var, refs) -> bytes:
    import hashlib

    h = hashlib.sha256(str(var).encode())
    for r in refs:  # the first nodes of each tree (srepr of a 60-factor product's derivative takes seconds)
        for i, n in enumerate(sp.preorder_traversal(r)):
            if i > 400:
                break
            h.update((type(n).__name__ if n.args else str(n)).encode() + b"\0")
        h.update(b"\1")
    return h.digest()


def _candidates(seed: bytes):
    """Dyadic candidate points m/2^24, round by round over _BANDS."""
    rng = random.Random(seed)
    seen = set()
    for _ in range(_ROUNDS):
        for sign, lo, hi in _BANDS:
            v = sign * math.exp(rng.uniform(math.log(lo), math.log(hi)))
            m = round(v * 2**_K)
            if m != 0 and m not in seen:
                seen.add(m)
                yield (m, _K)


def _complex_points(seed: bytes, n: int = 8) -> list:
    """Complex points (used when the reference has almost no real points), moduli between 0.3 and 3.5."""
    rng = random.Random(seed[::-1])
    out = []
    for _ in range(n):
        r, t = rng.uniform(0.3, 3.5), rng.uniform(-math.pi, math.pi)
        out.append(((round(r * math.cos(t) * 2**_K), _K), (round(r * math.sin(t) * 2**_K), _K)))
    return out


def _probe(fns, p, c):
    """The references at point p: "out" (one is undefined), "far" (too big, or out of the well-conditioned range
    above) or "ok"."""
    for f in fns:
        v = _value(f, p, DPS, True)
        if v is None:
            return "out"
        if v is TOO_BIG or c._exparg > _EXP_ARG_LIMIT or v != 0 and not _MAG_LOW <= c.mag(v) <= _MAG_HIGH:
            return "far"
    return "ok"


def _largest_usable(fns, c, m: int):
    """A usable point between 20·sign and the far point m/2^K (bisection on a log scale), or None."""
    sign = 1 if m > 0 else -1
    lo, hi = math.log(20.0), math.log(abs(m) / 2**_K)
    best = None
    for _ in range(4):
        mid = (lo + hi) / 2
        p = (sign * round(math.exp(mid) * 2**_K), _K)
        r = _probe(fns, p, c)
        if r == "ok":
            best, lo = p, mid
        else:
            hi = mid
    return best


N_POINTS = 10      # points compared in the first pass
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
        refs = [as_expr(r) for r in refs if r is not None]  # never text (see mathparse.as_formula)
        self.refs = refs
        fns = [_compile(r, var) for r in refs]
        seed = _seed(var, refs)
        pts: list = []
        self.skipped = 0
        c = _ctx()
        for p in _candidates(seed):
            if self.skipped >= _MAX_FAR:
                break  # x^(10^100): almost every point is too big; what was found is all there is
            r = _probe(fns, p, c)
            if r == "far" and abs(p[0]) > 20 * 2**_K and self.skipped < _MAX_FAR // 4:
                q = _largest_usable(fns, c, p[0])
                if q is not None and q not in pts:
                    p, r = q, "ok"
            if r == "out":
                continue
            if r == "far":
                self.skipped += 1
                continue
            pts.append(p)
            if len(pts) >= N_POINTS:
                break
        self.real, self.points = _complex_if_fewer(fns, pts, lambda: _complex_points(seed))
        self._cache: dict = {}

    _UNSET = object()

    def value_at(self, expr, i: int, dps: int = DPS):
        """expr at point i (None: undefined there; TOO_BIG: too big to evaluate); cached per expression/precision."""
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
        """expr at every point (see value_at)."""
        return [self.value_at(expr, i, dps) for i in range(len(self.points))]

    def differs_at(self, a, b, i: int, rtol: float = RTOL, dps: int = DPS, dps_check: int = DPS_CHECK) -> bool | None:
        """True: a genuine difference at point i. False: equal there. None: cannot tell (undefined/too big)."""
        return self._differs(a, b, i, self.value_at(a, i, dps), self.value_at(b, i, dps), rtol, dps_check)

    def _differs(self, a, b, i, va, vb, rtol, dps_check) -> bool | None:
        if va is None or vb is None or va is TOO_BIG or vb is TOO_BIG:
            return None
        d1 = abs(va - vb)
        if d1 <= rtol * max(abs(va), abs(vb)):
            return False
        wa, wb = self.value_at(a, i, dps_check), self.value_at(b, i, dps_check)
        if wa is None or wb is None or wa is TOO_BIG or wb is TOO_BIG:
            return None
        d2 = abs(wa - wb)
        if d2 <= rtol * max(abs(wa), abs(wb)):
            return False
        return d2 >= d1 / 2  # rounding noise shrinks with more digits; a true difference stays

    def tally(self, a, b, *, rtol: float = RTOL, dps: int = DPS, dps_check: int = DPS_CHECK,
              enough: int | None = None, stop_at_domain: bool = False) -> Tally:
        """a against b point by point: where they agree, the first point where they differ (the scan stops
        there), and where only one of them is defined. `enough` agreements end the scan early, so does a domain
        difference with `stop_at_domain`. Every comparison of two functions in quizgen is this loop."""
        t = Tally()
        for i in range(len(self.points)):
            va, vb = self.value_at(a, i, dps), self.value_at(b, i, dps)
            if (va is None) != (vb is None):
                (t.only_a if vb is None else t.only_b).append(i)
                if stop_at_domain:
                    break
                continue
            d = self._differs(a, b, i, va, vb, rtol, dps_check)
            if d is True:
                t.differ = i
                break
            if d is False:
                t.agree += 1
                if enough is not None and t.agree >= enough:
                    break
        return t

    def same(self, a, b) -> bool:
        """Equal at every sample point where both are defined, and at least one such point."""
        if a == b:
            return True
        t = self.tally(a, b)
        return t.differ is None and t.agree > 0

    def compare(self, a, b) -> tuple[Equivalence, dict]:
        """Reference a against b on this frame's points. Returns (verdict, details)."""
        info: dict = {"points": len(self.points), "real": self.real}
        if not self.points:
            return "unknown", info
        t = self.tally(a, b)
        if t.differ is not None:
            info["at"] = point_float(self.points[t.differ])
            return "different", info
        info["agree"] = t.agree
        # b undefined where the reference has a value (a value too big to compute says nothing either way)
        undefined_at = [self.points[i] for i in t.only_a if self.value_at(a, i) is not TOO_BIG]
        if undefined_at:
            info["undefined_at"] = [point_float(p) for p in undefined_at]
            return "domain-mismatch", info
        if t.agree == 0:
            return "unknown", info
        return "equal", info


@dataclass
class Tally:
    """What Frame.tally found: `agree` points equal, `differ` the first differing point (or None), and the points
    where only a (`only_a`) or only b (`only_b`) is defined ("too big to compute" counts as defined)."""

    agree: int = 0
    differ: int | None = None
    only_a: list = field(default_factory=list)
    only_b: list = field(default_factory=list)


class MultiFrame(Frame):
    """A Frame for functions of several variables (`var` a tuple of symbols): each point is ("vec", one dyadic
    coordinate per variable), drawn from a fixed-seed generator over the same scales in every coordinate, so the
    points lie inside the domain of the references in 2-D or 3-D (ln(x² + y²), y at the denominator, ...)."""

    def __init__(self, var, refs: Iterable):
        self.var = var
        refs = [as_expr(r) for r in refs if r is not None]
        self.refs = refs
        fns = [_compile(r, var) for r in refs]
        self.skipped = 0
        pts: list = []
        for p in _vec_candidates(len(var)):
            vals = [_value(f, p, DPS, True) for f in fns]
            if any(v is None for v in vals):
                continue
            if any(v is TOO_BIG for v in vals):
                self.skipped += 1
                continue
            pts.append(p)
            if len(pts) >= N_POINTS:
                break
        self.real, self.points = _complex_if_fewer(fns, pts, lambda: _vec_complex(len(var)))
        self._cache = {}


# Several variables: each coordinate drawn from these windows in turn (both signs, small to large |x|).
_VEC_SCALES = [(0.05, 3.0), (-3.0, -0.05), (-1.0, 1.0), (0.0, 1.0), (1.0, 10.0), (-10.0, -1.0), (-6.0, 6.0),
               (10.0, 100.0), (-100.0, -10.0), (0.0, 0.1), (-0.1, 0.0), (100.0, 1000.0)]


def _complex_if_fewer(fns, pts, candidates) -> tuple[bool, list]:
    """(real, points): the real points, or — when fewer than MIN_REAL are defined — the complex candidates where
    every function is defined, if there are at least as many (one rule for one and for several variables)."""
    if len(pts) >= MIN_REAL:
        return True, pts
    cpts = [p for p in candidates()
            if not any(v is None or v is TOO_BIG for v in (_value(f, p, DPS, False) for f in fns))]
    return (False, cpts) if len(cpts) >= len(pts) else (True, pts)


@lru_cache(maxsize=8)
def _vec_candidates(n: int, count: int = 160, seed: int = 20261202) -> tuple:
    rng = random.Random(f"{seed}:{n}")
    out = []
    while len(out) < count:
        coords = []
        for k in range(n):
            lo, hi = _VEC_SCALES[(len(out) + 5 * k) % len(_VEC_SCALES)]
            m = round(rng.uniform(lo, hi) * 2**_K)
            coords.append((m if m != 0 else 1, _K))
        out.append(("vec", tuple(coords)))
    return tuple(out)


@lru_cache(maxsize=8)
def _vec_complex(n: int) -> tuple:
    out = []
    for i in range(len(_COMPLEX_POINTS)):
        out.append(("vec", tuple(_COMPLEX_POINTS[(i + 3 * k) % len(_COMPLEX_POINTS)] for k in range(n))))
    return tuple(out)


@lru_cache(maxsize=512)
def _frame(var, *refs) -> Frame:
    if isinstance(var, tuple):
        return MultiFrame(var, refs)
    return Frame(var, refs)


def frame_for(var, *refs) -> Frame:
    """The shared (cached) Frame for these reference expressions; `var` a tuple of symbols gives a MultiFrame."""
    return _frame(var, *refs)


def evaluate(expr, var, at, *, dps: int = 15, real: bool = True):
    """expr at var = `at` (a Python or SymPy number) as a Python float (complex when real=False); None where it is
    undefined (or not real, in real mode) or too big to compute. The same engine as every comparison."""
    if isinstance(var, tuple):  # several variables: `at` has one number per variable
        pt = ("vec", tuple(("at", as_expr(a)) for a in at))
        if not all(q[1].is_number for q in pt[1]):
            raise TypeError("evaluate() needs numbers to evaluate at")
        v = _value(_compile(as_expr(expr), var), pt, dps, real)
        if v is None or v is TOO_BIG:
            return None
        return complex(v) if isinstance(v, _ctx().mpc) else float(v)
    if isinstance(at, complex):
        at = sp.Float(at.real) + sp.I * sp.Float(at.imag)
    at = as_expr(at)  # never text: a point is a number
    if not at.is_number:
        raise TypeError(f"evaluate() needs a number to evaluate at, not {at}")
    v = _value(_compile(as_expr(expr), var), ("at", at), dps, real)
    if v is None or v is TOO_BIG:
        return None
    return complex(v) if isinstance(v, _ctx().mpc) else float(v)
