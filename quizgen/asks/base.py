"""What the asks share: the key of f′ in textbook form, points x = a with exact readable values, reading --at."""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, field

import sympy as sp

from ..draw import DrawRejected
from ..errors import ParseError, QuizgenError
from ..keyform import textbook
from ..mathparse import as_expr, parse
from ..printing import to_latex, to_text


@dataclass(frozen=True)
class Key:
    """An ask's answer from sympy.diff (`answer`, in SymPy form) and the facts on the way there, by name:
    "f'" (the first derivative), "f(a)", "f'(a)", "slope", "decimal", ..."""

    answer: sp.Expr
    facts: dict = field(default_factory=dict)
    point: sp.Expr | None = None
    order: int = 1


@dataclass
class Core:
    """A drawn function as every ask's build() sees it: the family, f, x, sympy.diff(f) and the key of f′."""

    fam: object
    expr: sp.Expr
    x: sp.Symbol
    d: sp.Expr
    key: sp.Expr
    point: sp.Expr | None = None  # given by the caller (--at), else drawn with rng
    order: int | None = None
    rng: random.Random | None = None
    parts: dict | None = None  # a sum's {term: its derivative}, as make_problem differentiated it (d is their sum)


def derivative_key(d, x, rules=()) -> sp.Expr:
    """f′ as a teacher writes it in a key (quizgen.keyform.textbook), in the style the family's rules ask for."""
    return textbook(d, x, prefer_fraction="quotient" in rules, keep_factored="chain" in rules)


def text_of(e, fam=None, terms=None) -> str:
    return to_text(e, neg_powers=bool(getattr(fam, "neg_powers", False)), terms=terms)


# ---------------------------------------------------------------- points x = a

# Small integers first, then simple fractions; multiples of π for trigonometric functions of kx; e where there is
# a logarithm (reached only when the first tiers give too few points).
_POINT_TIERS = ((1, 2, -1, 3, -2), (0, 4, (1, 2), -3, (3, 2), (-1, 2), 5, (1, 3)))
_TRIG_POINTS = ((1, 6), (1, 4), (1, 3), (1, 2), (2, 3), (1, 1))  # times π
MAX_VALUE_TEXT = 40
ENOUGH = 8  # valid candidate points looked at before the simplest wins


def point_tiers(expr, x) -> list[list]:
    tiers = [[sp.Rational(*p) if isinstance(p, tuple) else sp.Integer(p) for p in t] for t in _POINT_TIERS]
    trig_args = [a.args[0] for a in expr.atoms(sp.sin, sp.cos, sp.tan)]
    if trig_args and all(arg.is_polynomial(x) and sp.degree(arg, x) == 1 and arg.subs(x, 0) == 0
                         for arg in trig_args):
        tiers.insert(0, [sp.pi * sp.Rational(*p) for p in _TRIG_POINTS])
    special = _inverse_trig_points(expr, x)
    if special:
        tiers.insert(0, special)
    if expr.has(sp.log):
        tiers.append([sp.E])
    return tiers


# Where arcsin and arccos take the angles of the unit circle (π/6, π/2, 5π/6): inner = ±1/2, 0. (Not arctan: the
# exams' "find f′(a)" points of arctan families stay those of earlier versions.)
_ARC_VALUES = {sp.asin: (sp.Rational(1, 2), sp.Rational(-1, 2), 0), sp.acos: (sp.Rational(1, 2), sp.Rational(-1, 2), 0)}


def _inverse_trig_points(expr, x) -> list:
    """Rational points where an inverse trig function of a linear inner px + q has an exact angle (x = a/2 for
    arcsin(x/a)), so its value and line questions read π/6 rather than arcsin(1/7)."""
    out = []
    for fn, values in _ARC_VALUES.items():
        for atom in expr.atoms(fn):
            inner = atom.args[0]
            if not (inner.is_polynomial(x) and sp.degree(inner, x) == 1):
                continue
            p, q = sp.Poly(inner, x).all_coeffs()
            for c in values:
                a = (c - q) / p
                if a.is_Rational and abs(a) <= 20 and a not in out:
                    out.append(a)
    return out


def pick_point(expr, x, rng: random.Random, evaluate, score, enough: int = ENOUGH):
    """(a, evaluate(a)) for the simplest of the first `enough` points where evaluate(a) is not None, or None.

    Tiers in order, each shuffled with `rng` (the trig-friendly multiples of π first when they apply); `score(a,
    got)` is lower for simpler answers and ties go to the earlier point."""
    found = []
    for tier in point_tiers(expr, x):
        rng.shuffle(tier)
        for a in tier:
            got = evaluate(a)
            if got is not None:
                found.append((score(a, got), len(found), a, got))
            if len(found) >= enough:
                break
        if len(found) >= enough:
            break
    if not found:
        return None
    _, _, a, got = min(found, key=lambda t: (t[0], t[1]))
    return a, got


def real_finite(e, x, pt) -> bool:
    """e is real, finite and below 10¹² at x = pt (quizgen.numeric's evaluator: the same domain rules as checking)."""
    from ..numeric import evaluate

    try:
        v = evaluate(e, x, pt)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return False
    return v is not None and math.isfinite(v) and abs(v) < 1e12


def inside(expr, x, a) -> bool:
    """f real and finite at a and close by on both sides (not at an edge of its domain, such as √x at 0)."""
    return all(real_finite(expr, x, pt) for pt in (a, a - sp.Rational(1, 100), a + sp.Rational(1, 100)))


def readable(v, limit: int = MAX_VALUE_TEXT, quick: bool = False):
    """(the shortest exact form of the number v, its decimal), or None when v is not real, huge, or long to read.

    `quick`: a form already short (at most 12 characters) is kept without trying the rewrites, and one more than
    twice too long is refused without trying them."""
    if v.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I):
        return None
    if v.is_Rational:  # the usual case, and already as short as it gets
        return (v, float(v)) if abs(v) <= 1e6 and len(to_text(v)) <= limit else None
    cands = [v]
    if quick and len(to_text(v)) > 2 * limit:
        return None  # the rewrites below rarely halve a length: not worth their time when drawing many points
    if quick and len(to_text(v)) <= 12:
        pass
    elif sp.count_ops(v) <= 40:
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
    try:
        dec = complex(sp.N(best, 20))
    except (TypeError, ValueError):
        return None
    if abs(dec.imag) > 1e-12 or not math.isfinite(dec.real) or abs(dec.real) > 1e6:
        return None
    if len(text) > limit:
        return None
    # The displayed exact form must still equal v.
    if abs(complex(sp.N(v, 20)) - dec) > 1e-9 * max(1.0, abs(dec)):
        return None
    return best, dec.real


def exact_derivative_value(expr, d, x, a):
    """(exact f′(a) in its shortest form, its decimal) at a point inside the domain, or None."""
    if not inside(expr, x, a) or not real_finite(d, x, a):
        return None
    return readable(d.subs(x, a))


def value_score(a, exact, dec) -> int:
    """How hard f′(a) is to read: its length; f′(0), a zero value and a huge or tiny one (hard to give to 3
    decimal places) count against a point."""
    return (len(to_text(exact)) + (4 if a == 0 else 0) + (20 if exact == 0 else 0)
            + (6 if abs(dec) > 1000 or 0 < abs(dec) < 0.01 else 0))


# ---------------------------------------------------------------- --at A

class PointError(QuizgenError):
    """A point x = a that is not a number, or where the question has no answer (outside the domain)."""


def read_point(text, var: str = "x") -> sp.Expr:
    """The number in `--at A` (1, -2, 1/2, pi/6, e), read by the safe parser; PointError when it is not a number."""
    if not isinstance(text, str):
        return as_expr(text)  # a SymPy or Python number
    try:
        a = parse(text, var)
    except ParseError as err:
        raise PointError(f"--at {text}: {err.message} (give a number, e.g. --at 1, --at 1/2, --at pi/6)") from None
    if not a.is_number or not real_finite(a, sp.Symbol("_"), 0):
        raise PointError(f"--at {text}: the point must be a real number, e.g. --at 1, --at 1/2, --at pi/6")
    return a


def need_point(name: str, point):
    if point is None:
        raise PointError(f"--ask {name} needs the point: add --at A (for example --at 1)")
    return point


def check_inside(expr, x, a, what: str = "the function") -> None:
    """PointError when f is not defined (real, finite, differentiable) around x = a."""
    d = sp.diff(expr, x)
    if not inside(expr, x, a) or not real_finite(d, x, a):
        raise PointError(f"--at {to_text(a)}: {what} {to_text(expr)} is not differentiable at {x.name} = "
                         f"{to_text(a)} (outside its domain or at an edge of it); choose another point")


def decimal_text(v: float) -> str:
    """A key's decimal: three decimal places (trailing zeros dropped), or three significant digits below 0.01."""
    if v == 0:
        return "0"
    if abs(v) >= 0.01:
        s = f"{v:.3f}".rstrip("0").rstrip(".")
    else:
        s = f"{v:.3g}"
    return s.replace("-", "−")


def point_texts(a) -> tuple[str, str]:
    """(LaTeX, text) of a point."""
    return to_latex(a), to_text(a)


__all__ = ["Core", "DrawRejected", "Key", "PointError", "check_inside", "derivative_key", "exact_derivative_value",
           "inside", "need_point", "pick_point", "point_texts", "read_point", "readable", "real_finite",
           "text_of", "value_score"]


# ---------------------------------------------------------------- judging an answer

def fmt_point(p) -> str:
    if isinstance(p, tuple):  # several variables
        return "(" + ", ".join(fmt_point(q) for q in p) + ")"
    if isinstance(p, complex):
        return f"{p:.3g}"
    return f"{p:.3g}".replace("-", "−")


def close_to(expected, answer, x, domain, rtol: float = 1e-3) -> bool:
    """Within rtol at every point: what rounding the constants in an exact answer to a few decimals gives."""
    from ..numeric import frame_for

    frame = frame_for(x, *(r for r in (domain, expected) if r is not None))
    t = frame.tally(expected, answer, rtol=rtol)
    return t.differ is None and t.agree > 0


def read_answer(text, var: str):
    """(SymPy answer, the typed text or None): an answer may come as text (read by the safe parser) or as SymPy."""
    from ..mathparse import as_formula

    return as_formula(text, var), (text if isinstance(text, str) else None)


# What judge() was last asked (set before any comparison): when the caller's budget runs out during the
# comparison, the mistake search or the form check, quizgen.checker still names the key and the answer as read.
JUDGING = threading.local()


def judge(expected, answer, x, *, text: str | None, diagnose, domain=None, what: str = "the derivative",
          interpreted: str | None = None, require_simplified: bool = False, timeout: float = 0.15,
          judge_form: bool = True, **verdict_fields):
    """The verdict on `answer` (parsed from `text`) against `expected`, both functions of x (numbers are constant
    functions): equal (then how simplified, quizgen.form), a domain mismatch, undecided, or wrong — then
    `diagnose(answer)` gives (mistake code or None, feedback). `what` names the expected thing in messages."""
    import re

    from ..equiv import compare
    from ..form import form_of
    from ..mistakes import MISTAKE_FEEDBACK
    from ..printing import text_or_str
    from ..verdict import Verdict

    if interpreted is None and text is not None:
        from ..printing import typed_text

        if isinstance(x, (tuple, list)):  # several variables: the first is the parser's variable, the rest names
            names = tuple(v.name for v in x)
            interpreted = typed_text(text, names[0], names[1:])
        else:
            interpreted = typed_text(text, x.name)  # as typed: 2(x² + 6), not SymPy's 2x² + 12
    interpreted = interpreted if interpreted is not None else text_or_str(answer)
    JUDGING.last = dict(expected=expected, answer=answer, interpreted=interpreted, what=what, fields=verdict_fields)
    verdict, info = compare(expected, answer, x, domain=domain, timeout=timeout)

    if text is not None and "notes" not in verdict_fields:
        from ..mathparse import reading_notes

        verdict_fields["notes"] = reading_notes(text)

    def v(correct, mistake, feedback, form, **kw):
        return Verdict(correct, expected, answer, interpreted, mistake, feedback, form, equivalence=verdict,
                       **kw, **verdict_fields)

    if verdict == "equal":
        if not judge_form:
            return v(True, None, "Correct.", {"simplified": None, "issues": []})
        form = form_of(text, answer, expected, x if not isinstance(x, tuple) else x[0])
        if form["simplified"]:
            return v(True, None, "Correct.", form)
        detail = ", ".join(form["issues"])
        if require_simplified:
            return v(False, "not-simplified", f"Your answer is equal to {what} but not simplified ({detail}).", form)
        return v(True, None, f"Correct, but not simplified ({detail}).", form)
    form = {"simplified": None, "issues": []}
    if verdict == "domain-mismatch":
        where = info.get("undefined_at") or []
        name = x.name if not isinstance(x, tuple) else "(" + ", ".join(v.name for v in x) + ")"
        at = f" (for example at {name} = {fmt_point(where[0])})" if where else ""
        return v(False, "domain-mismatch",
                 f"Your answer agrees with {what} where both are defined, but it is undefined where "
                 f"{what} exists{at}; check roots, logarithms and cancelled factors.", form, domain_mismatch=True)
    if verdict == "unknown":
        shown = verdict_fields.get("expected_display") or text_or_str(expected)
        return v(False, None, f"quizgen could not decide whether this equals {what} (too large to evaluate); "
                              f"the expected answer is {shown}.", form)
    found = diagnose(answer)
    code, feedback = found[0], found[1]
    codes = tuple(found[2]) if len(found) > 2 else ()
    if code is None and text is not None and re.search(r"\d\.\d|\.\d", text) and close_to(expected, answer, x,
                                                                                             domain):
        code, feedback = "rounded-decimals", MISTAKE_FEEDBACK["rounded-decimals"]
    return v(False, code, feedback, form, **({"mistakes": codes} if codes else {}))
