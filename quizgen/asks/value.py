"""Ask f′(a): the value of the derivative at a point inside the domain, exact, with its decimal."""

from __future__ import annotations

import sympy as sp

from .. import mistakes
from ..draw import DrawRejected
from ..mathparse import symbol
from ..printing import to_latex, to_text
from .base import (Core, Key, check_inside, decimal_text, exact_derivative_value, judge, need_point, pick_point,
                   read_answer, read_point, readable, value_score)
from .derivative import prime

NAME = "value"
TITLE = "Value of the derivative"
NOUN = "value of the derivative"
LABEL = "f′(a)"
INSTRUCTION = "Find the exact value of the derivative at the given point."
NEEDS_POINT = True
EQUATION = False
_MAX_LIFTED = 30


def value_at(expr, x, a):
    """(exact f′(a) in its shortest form, decimal) — readable or not (a point given with --at is taken as given)."""
    d = sp.diff(expr, x)
    v = d.subs(x, a)
    got = readable(v, limit=10_000)
    if got is not None:
        return got
    return v, float(sp.N(v, 20))


def draw(expr, x, rng):
    """(a, exact f′(a), decimal) at a point with a short exact value, or None (the exam's "find f′(a)" points)."""
    d = sp.diff(expr, x)
    got = pick_point(expr, x, rng, lambda a: exact_derivative_value(expr, d, x, a),
                     lambda a, g: value_score(a, *g))
    if got is None:
        return None
    a, (exact, dec) = got
    return a, exact, dec


def solve(expr, x, *, point=None, order=None, key=None) -> Key:
    a = read_point(need_point(NAME, point), x.name)
    check_inside(expr, x, a)
    exact, dec = value_at(expr, x, a)
    return Key(exact, {"decimal": dec}, point=a)


def build(core: Core) -> dict:
    if core.point is not None:  # given (--at): any exact value, readable or not, inside the domain
        a = core.point
        if exact_derivative_value(core.expr, core.d, core.x, a) is None and not _defined(core, a):
            raise DrawRejected(f"f′ is not defined at {to_text(a)}")
        exact, dec = value_at(core.expr, core.x, a)
    else:
        got = draw(core.expr, core.x, core.rng)
        if got is None:
            raise DrawRejected("no point with a short exact value of f′")
        a, exact, dec = got
    return {"answer": exact, "answer_text": to_text(exact), "answer_latex": to_latex(exact), "point": a,
            "facts": (("decimal", dec),)}


def _defined(core, a) -> bool:
    from .base import inside, real_finite

    return inside(core.expr, core.x, a) and real_finite(core.d, core.x, a)


def decimal(p) -> float:
    return float(dict(p.facts).get("decimal", float(sp.N(p.answer, 20))))


# ---------------------------------------------------------------- display

def question(p) -> str:
    return f"f({p.variable}) = {p.question_text};  find {prime(p.variable, point=p.point)}"


def prompt(p) -> str:
    return f"{prime(p.variable, point=p.point)} = "


def ask_line(p):
    return "Find", prime(p.variable, point=p.point, latex=True), prime(p.variable, point=p.point)


def value_key(p) -> tuple[str, str]:
    """(LaTeX, text) of the exact value and, when it is not a whole number, ≈ its decimal."""
    tex, txt = p.answer_latex, p.answer_text
    if not p.answer.is_Integer:
        dec = decimal_text(decimal(p))
        # Braces keep a negative decimal's minus sign unary after ≈ (ziamath spaces a bare one as binary).
        tex += rf" \approx {{{dec.replace('−', '-')}}}"
        txt += f" ≈ {dec}"
    return tex, txt


def key_lines(p) -> list[tuple[str, str, str, str]]:
    v = p.variable
    tex, txt = value_key(p)
    return [(f"{prime(v, latex=True)} =", f"{prime(v)} =", to_latex(p.derivative), to_text(p.derivative)),
            (f"{prime(v, point=p.point, latex=True)} =", f"{prime(v, point=p.point)} =", tex, txt)]


def show(p, expr) -> tuple[str, str]:
    return to_latex(expr), to_text(expr)


def option_form(p, wrong):
    if not wrong.is_number:
        return None  # beside numbers, a formula gives itself away
    got = readable(wrong)
    return got[0] if got is not None else None


# ---------------------------------------------------------------- checking and mistakes

def _variants(expr, x, a, exact) -> list:
    d = sp.diff(expr, x)
    fa = expr.subs(x, a)
    parts = (("a", a), ("fa", fa), ("m", exact), ("var", x.name), ("d1", d), ("what", "the value asked for"))
    out = [mistakes.Variant("unevaluated-derivative", d, 0, parts[:-1] + (("what", "Your answer"),)),
           mistakes.Variant("used-f-of-a", fa, 0, parts)]
    for v in mistakes.mistake_details(expr, x, d)[:_MAX_LIFTED]:
        try:
            w = v.wrong.subs(x, a)
        except Exception:  # noqa: BLE001
            continue
        out.append(mistakes.Variant(v.code, w, v.depth + 1, v.parts))
    from ..numeric import frame_for

    frame = frame_for(x, expr, d)
    kept = []
    for v in out:
        w = v.wrong
        if w.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.I) or frame.same(exact, w) or any(frame.same(k.wrong, w)
                                                                                    for k in kept):
            continue
        kept.append(v)
    return kept


def check(expr, text: str, var: str = "x", *, expected=None, point=None, order=None, require_simplified=False,
          timeout: float = 0.15):
    x = symbol(var)
    key = solve(expr, x, point=point)
    a = key.point
    exact = expected if expected is not None else key.answer
    from ..mathparse import scientific_value

    number = scientific_value(text) if isinstance(text, str) else None
    if number is not None:  # a pasted calculator value, 3.25e2: here a number, as the student means it
        from decimal import Decimal

        shown = format(Decimal(text.strip().replace("−", "-")).normalize(), "f").replace("-", "−")
        return judge(exact, number, x, text=None, domain=expr, diagnose=lambda ans: (None, (
                     f"This is not f′({to_text(a)}) = {to_text(exact)}.")), what=f"f′({to_text(a)})",
                     require_simplified=False, timeout=timeout, ask=NAME, point=a, judge_form=False,
                     interpreted=shown, notes=(f"{text.strip()} was read as the number {shown} (scientific notation)",))
    answer, text = read_answer(text, var)
    from ..numeric import frame_for

    def diagnose(ans):
        found = mistakes.first_match(frame_for(x, expr, sp.diff(expr, x)), _variants(expr, x, a, exact), ans)
        if found is not None:
            return found.code, found.feedback()
        if ans.has(x):
            return None, f"The answer is a number: differentiate, then put {var} = {to_text(a)} into f′({var})."
        return None, f"This is not f′({to_text(a)}); differentiate first, then put {var} = {to_text(a)} in."

    return judge(exact, answer, x, text=text, domain=expr, diagnose=diagnose, what=f"f′({to_text(a)})",
                 require_simplified=require_simplified, timeout=timeout, ask=NAME, point=a)


def variants(p) -> list:
    return _variants(p.expr, p.var, p.point, p.answer)


def generic(p) -> list:
    v = p.answer
    return [("generic-double", 2 * v), ("generic-plus-one", v + 1), ("generic-half", v / 2)]


def frame(p):
    from ..numeric import frame_for

    return frame_for(p.var, p.expr, sp.diff(p.expr, p.var))


def steps(p):
    from ..steps import Step, trace

    root = trace(p.expr, p.var, expected=p.derivative, log_first="log-diff" in (p.rules or ()))
    return Step("value", p.expr, p.answer, (root,),
                (("a", p.point), ("f'(x)", p.derivative), ("f'(a)", p.answer)), p.var)


def to_dict(p) -> dict:
    return {"point": str(p.point), "decimal": decimal(p)}
