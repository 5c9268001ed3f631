"""Ask ∂f/∂x: the partial derivative of a function of several variables, the others held constant (`--wrt x`)."""

from __future__ import annotations

import sympy as sp

from ..draw import DrawRejected
from ..mathparse import symbol
from ..printing import to_latex, to_text
from .base import Core, Key, judge, read_answer
from .several import (d_latex, d_symbol, others_text, parse_in, partial_feedback, partial_key, partial_variants,
                      symbols)

NAME = "partial"
TITLE = "Partial derivative"
NOUN = "partial derivative"
LABEL = "∂f/∂x"
INSTRUCTION = "Find the partial derivative; the other variables are constants."
NEEDS_POINT = False
EQUATION = False
SEVERAL = True


def fname(names) -> str:
    """L for a loss in weights (w, b), else f."""
    return "L" if names and set(names) <= {"w", "b"} else "f"


def _wrt(p) -> str:
    return p.wrt[0] if p.wrt else p.variable


def solve(expr, x, *, point=None, order=None, key=None, variables=(), wrt=()) -> Key:
    v = symbol(wrt[0]) if wrt else x
    return Key(key if key is not None else partial_key(expr, v), {})


def choose_wrt(core: Core, names) -> str:
    """The family's `wrt`, else one of the variables the function has, drawn with the problem's own generator."""
    fam = core.fam
    if getattr(fam, "wrt", ()):
        return fam.wrt[0]
    used = [n for n in names if core.expr.has(symbol(n))]
    if not used:
        raise DrawRejected("the function has none of its variables")
    return used[core.rng.randrange(len(used))] if core.rng is not None else used[0]


def build(core: Core) -> dict:
    fam = core.fam
    names = tuple(fam.variables) or (fam.variable,)
    w = choose_wrt(core, names)
    key = partial_key(core.expr, symbol(w), fam.rules)
    if key == 0:
        raise DrawRejected(f"∂/∂{w} is 0")
    if not fam.constant_derivative and not key.free_symbols & set(symbols(names)):
        raise DrawRejected(f"∂/∂{w} is a constant")
    text = to_text(key)
    if len(text) > fam.max_answer_length:
        raise DrawRejected("the answer would be too long")
    return {"answer": key, "answer_text": text, "answer_latex": to_latex(key), "variables": names, "wrt": (w,),
            "variable": w}


# ---------------------------------------------------------------- display

def question(p) -> str:
    return f"∂/∂{_wrt(p)} [ {p.question_text} ]"


def function_prefix(p) -> tuple[str, str]:
    """(LaTeX, text) of "f(x, y) =" (L(w, b) for a loss)."""
    f, names = fname(p.variables), ", ".join(p.variables or (p.variable,))
    return f"{f}({names}) =", f"{f}({names}) ="


def sheet_prefixes(p):
    f = fname(p.variables)
    return function_prefix(p), (f"{d_latex(_wrt(p), f)} =", f"{d_symbol(_wrt(p), f)} =")


def prompt(p) -> str:
    return f"{d_symbol(_wrt(p), fname(p.variables))} = "


def ask_line(p):
    """"Find ∂f/∂x": a function of several variables has several first partials, so the paper names the one asked."""
    f = fname(p.variables)
    return "Find", d_latex(_wrt(p), f), d_symbol(_wrt(p), f)


def key_lines(p) -> list[tuple[str, str, str, str]]:
    f = fname(p.variables)
    return [(f"{d_latex(_wrt(p), f)} =", f"{d_symbol(_wrt(p), f)} =", p.answer_latex, p.answer_text)]


def show(p, expr) -> tuple[str, str]:
    return to_latex(expr), to_text(expr)


def option_form(p, wrong):
    from .derivative import textbook_option

    return textbook_option(wrong, symbol(_wrt(p)), "quotient" in (p.rules or ()))


# ---------------------------------------------------------------- checking and mistakes

def check(expr, text: str, var: str = "x", *, expected=None, point=None, order=None, require_simplified=False,
          timeout: float = 0.15, variables=(), wrt=()):
    """Is `text` ∂f/∂wrt of `expr`? The answer is read with the problem's variables and compared on points of the
    plane (or space) inside the domain; a wrong one is matched against the partial-derivative mistakes."""
    names = tuple(variables) or (var,)
    w = wrt[0] if wrt else names[0]
    vs, v = symbols(names), symbol(w)
    key = expected if expected is not None else partial_key(expr, v)
    answer, text = (parse_in(text, names), text) if isinstance(text, str) else read_answer(text, var)
    return judge_partial(expr, key, answer, text, vs, v, require_simplified=require_simplified, timeout=timeout)


def judge_partial(expr, key, answer, text, vs, v, *, require_simplified=False, timeout=0.15, what=None, **fields):
    from ..mistakes import first_match
    from ..numeric import frame_for

    def diagnose(a):
        found = first_match(frame_for(vs, expr, key), partial_variants(expr, v, vs, key), a)
        if found is not None:
            return found.code, found.feedback()
        return None, partial_feedback(expr, v, vs)

    fields.setdefault("ask", NAME)
    return judge(key, answer, vs, text=text, domain=expr, diagnose=diagnose, what=what or f"∂f/∂{v.name}",
                 require_simplified=require_simplified, timeout=timeout, **fields)


def variants(p) -> list:
    names = tuple(p.variables) or (p.variable,)
    return partial_variants(p.expr, symbol(_wrt(p)), symbols(names), p.answer)


def generic(p) -> list:
    a, v = p.answer, symbol(_wrt(p))
    return [("generic-double", 2 * a), ("generic-times-x", a * v), ("generic-plus-one", a + 1)]


def frame(p):
    from ..numeric import frame_for

    return frame_for(symbols(tuple(p.variables) or (p.variable,)), p.expr, p.answer)


def partial_step(expr, v, names, result):
    """∂f/∂v as a step: "treat the others as constants", then the course's rules in v."""
    from ..steps import Step, trace

    others = tuple(symbol(n) for n in names if n != v.name and expr.has(symbol(n)))
    inner = trace(expr, v, expected=sp.diff(expr, v))
    return Step("partial", expr, result, (inner,), (("constants", sp.Tuple(*others)),), v)


def steps(p):
    names = tuple(p.variables) or (p.variable,)
    return partial_step(p.expr, symbol(_wrt(p)), names, p.answer)


def to_dict(p) -> dict:
    return {"variables": list(p.variables), "wrt": _wrt(p)}


__all__ = ["NAME", "build", "check", "judge_partial", "others_text", "partial_step", "solve"]
