"""Ask dy/dx of a curve given implicitly, F(x, y) = G(x, y): differentiate both sides, collect dy/dx, solve.

The answer is a function of x and y and is compared as one, on points of the plane where the key is defined: being
equal only on the curve is not enough (−x/y for x² + y² = 25, not −x/√(25 − x²)). Any form equal as a function of
x and y passes: −x/y, x/(−y), and (−2x)/(2y) (correct, but "not simplified").
"""

from __future__ import annotations

import re

import sympy as sp

from ..draw import DrawRejected
from ..errors import ParseError, QuizgenError
from ..keyform import textbook
from ..mathparse import parse_equation, symbol
from ..printing import to_latex, to_text
from .base import Core, Key, judge
from .partial import partial_step
from .several import parse_in

NAME = "implicit"
TITLE = "Implicit differentiation"
NOUN = "derivative dy/dx"
LABEL = "dy/dx"
INSTRUCTION = "Find dy/dx by implicit differentiation (in terms of x and y)."
NEEDS_POINT = False
EQUATION = False  # the problem is an equation; the answer is a formula in x and y
SEVERAL = True
NAMES = ("x", "y")


class CurveError(QuizgenError):
    """An implicit problem that is not an equation in x and y (or has no dy/dx)."""


def read_curve(text: str):
    """`x^2 + y^2 = 25` -> (lhs, rhs) in x and y."""
    try:
        lhs, rhs = parse_equation(text, "x")
    except ParseError as err:
        if "needs '='" in err.message:
            raise type(err)("an implicit curve is an equation in x and y", text, None,
                            "e.g. x^2 + y^2 = 25") from None
        raise
    return lhs, rhs


def curve_of(expr):
    """(F, lhs, rhs): F = lhs − rhs for an equation, or an expression meaning F(x, y) = 0."""
    if isinstance(expr, sp.Equality):
        return expr.lhs - expr.rhs, expr.lhs, expr.rhs
    if isinstance(expr, tuple):
        return expr[0] - expr[1], expr[0], expr[1]
    return expr, expr, sp.S.Zero


def dydx(F):
    x, y = symbol("x"), symbol("y")
    fx, fy = sp.diff(F, x), sp.diff(F, y)
    if fy == 0:
        raise CurveError("the equation has no y in it, so there is no dy/dx to find implicitly")
    return fx, fy, key_form(-fx / fy)


def key_form(e):
    """−Fₓ/F_y over one denominator, common factors cancelled (x/(−y) and (−2x)/(2y) both become −x/y)."""
    from ..equiv import small

    x = symbol("x")
    try:
        if small(e, 200):
            e = sp.factor_terms(sp.cancel(sp.together(e)))
        return textbook(e, x, prefer_fraction=True)
    except Exception:  # noqa: BLE001 — the plain quotient is a fine key
        return e


def solve(expr, x, *, point=None, order=None, key=None, variables=(), wrt=()) -> Key:
    F, lhs, rhs = curve_of(expr)
    fx, fy, k = dydx(F)
    return Key(key if key is not None else k, {"Fx": fx, "Fy": fy})


def build(core: Core) -> dict:
    F, lhs, rhs = curve_of(core.equation if getattr(core, "equation", None) is not None else core.expr)
    y = symbol("y")
    if not F.has(y) or not F.has(symbol("x")):
        raise DrawRejected("the curve needs both x and y")
    try:
        fx, fy, key = dydx(F)
    except CurveError as err:
        raise DrawRejected(str(err)) from None
    if key == 0 or not key.has(symbol("x"), y):
        raise DrawRejected("dy/dx is a constant")
    text = to_text(key)
    if len(text) > core.fam.max_answer_length:
        raise DrawRejected("the answer would be too long")
    return {"answer": key, "answer_text": text, "answer_latex": to_latex(key), "variables": NAMES, "wrt": ("x",),
            "variable": "x", "question_text": f"{to_text(lhs)} = {to_text(rhs)}",
            "question_latex": f"{to_latex(lhs)} = {to_latex(rhs)}",
            "facts": (("lhs", lhs), ("rhs", rhs), ("Fx", fx), ("Fy", fy))}


# ---------------------------------------------------------------- display

def question(p) -> str:
    return f"{p.question_text};  find dy/dx"


def sheet_prefixes(p):
    return ("", ""), (r"\frac{dy}{dx} =", "dy/dx =")


def prompt(p) -> str:
    return "dy/dx = "


def ask_line(p):
    return "Find", r"\frac{dy}{dx}", "dy/dx"


def key_lines(p) -> list[tuple[str, str, str, str]]:
    return [(r"\frac{dy}{dx} =", "dy/dx =", p.answer_latex, p.answer_text)]


def show(p, expr) -> tuple[str, str]:
    return to_latex(expr), to_text(expr)


def option_form(p, wrong):
    return key_form(wrong)


# ---------------------------------------------------------------- checking and mistakes

_PREFIX = re.compile(r"^\s*(dy\s*/\s*dx|y\s*['′]|y_x)\s*=")


def read_implicit_answer(text: str):
    """A formula in x and y; a leading `dy/dx =` or `y' =` is allowed (blanked, so positions stay the text's)."""
    m = _PREFIX.match(text)
    if m:
        text = " " * m.end() + text[m.end():]
    return parse_in(text, NAMES)


def implicit_variants(F, key) -> list:
    """dx/dy for dy/dx (inverted), the sign, dy/dx left off one y-term, and a course rule misapplied inside Fₓ or
    F_y (each other letter held constant there)."""
    from .. import mistakes
    from ..numeric import frame_for

    x, y = symbol("x"), symbol("y")
    fx, fy = sp.diff(F, x), sp.diff(F, y)
    out = [mistakes.Variant("implicit-inverted", -fy / fx, 0, (("fy", fy),)) if fx != 0 else None,
           mistakes.Variant("sign-error", fx / fy, 0, ())]
    for term in sp.Add.make_args(F):
        if not term.has(y):
            continue
        s = sp.diff(term, y)
        if fy - s != 0:
            out.append(mistakes.Variant("implicit-missing-dy-dx", -(fx + s) / (fy - s), 0,
                                        (("term", term), ("dterm", s))))
    raw_x, _ = mistakes._raw_variants(F, x)
    raw_y, _ = mistakes._raw_variants(F, y)
    out += [mistakes.Variant(m.code, -m.wrong / fy, m.depth + 1, m.parts) for m in list(raw_x)[:20]]
    out += [mistakes.Variant(m.code, -fx / m.wrong, m.depth + 1, m.parts) for m in list(raw_y)[:20] if m.wrong != 0]
    frame = frame_for((x, y), F, key)
    kept = []
    for m in out:
        if m is None:
            continue
        w = m.wrong
        if w.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or frame.same(key, w) or any(frame.same(k.wrong, w) for k in kept):
            continue
        kept.append(m)
    return kept


def check(expr, text, var: str = "x", *, expected=None, point=None, order=None, require_simplified=False,
          timeout: float = 0.15, variables=(), wrt=()):
    from ..mistakes import first_match
    from ..numeric import frame_for

    F, _, _ = curve_of(expr)
    fx, fy, key = dydx(F)
    if expected is not None:
        key = expected
    vs = (symbol("x"), symbol("y"))
    if isinstance(text, str):
        answer = read_implicit_answer(text)
    else:
        answer, text = text, None

    def diagnose(a):
        found = first_match(frame_for(vs, F, key), implicit_variants(F, key), a)
        if found is not None:
            return found.code, found.feedback()
        return None, (f"This is not dy/dx: differentiate both sides with respect to x (each y-term gets a factor "
                      f"dy/dx), collect the dy/dx terms and solve; here {to_text(fx)} + {_paren(fy)}·dy/dx = 0.")

    return judge(key, answer, vs, text=text, domain=F, diagnose=diagnose, what="dy/dx",
                 require_simplified=require_simplified, timeout=timeout, ask=NAME)


def _paren(e) -> str:
    return f"({to_text(e)})" if e.is_Add else to_text(e)


def _F(p):
    facts = dict(p.facts)
    if "lhs" in facts:
        return facts["lhs"] - facts["rhs"]
    return p.expr


def variants(p) -> list:
    return implicit_variants(_F(p), p.answer)


def generic(p) -> list:
    a = p.answer
    return [("generic-double", 2 * a), ("generic-plus-one", a + 1)]


def frame(p):
    from ..numeric import frame_for

    return frame_for((symbol("x"), symbol("y")), _F(p), p.answer)


def steps(p):
    from ..steps import Step

    F = _F(p)
    x, y = symbol("x"), symbol("y")
    fx, fy = sp.diff(F, x), sp.diff(F, y)
    subs = (partial_step(F, x, NAMES, fx), partial_step(F, y, NAMES, fy))
    return Step("implicit", F, p.answer, subs, (("F", F), ("Fx", fx), ("Fy", fy)), x)


def to_dict(p) -> dict:
    facts = dict(p.facts)
    d = {"variables": list(NAMES), "wrt": "x"}
    if "lhs" in facts:
        d["equation"] = {"lhs": str(facts["lhs"]), "rhs": str(facts["rhs"])}
    return d
