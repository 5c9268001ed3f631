"""Ask a second partial derivative: ∂²f/∂x² (`--wrt x,x`) or the mixed ∂²f/∂x∂y (`--wrt x,y`).

Leibniz order: ∂²f/∂x∂y = ∂/∂x (∂f/∂y), so `--wrt x,y` differentiates by y first, then by x. For every course
function the two mixed partials are equal (Clairaut's theorem), and the key says so.
"""

from __future__ import annotations

import sympy as sp

from ..draw import DrawRejected
from ..errors import QuizgenError
from ..mathparse import symbol
from ..printing import to_latex, to_text
from .base import Core, Key
from .partial import fname, judge_partial, partial_step
from .several import parse_in, partial_key, partial_variants, symbols

NAME = "mixed"
TITLE = "Second partial derivative"
NOUN = "second partial derivative"
LABEL = "∂²f/∂x∂y"
INSTRUCTION = "Find the second partial derivative."
NEEDS_POINT = False
EQUATION = False
SEVERAL = True


def _pair(wrt) -> tuple[str, str]:
    if not wrt or len(wrt) != 2:
        raise QuizgenError("--ask mixed needs two variables: --wrt x,y for ∂²f/∂x∂y, or --wrt x,x for ∂²f/∂x²")
    return wrt[0], wrt[1]


def keys(expr, a: str, b: str, rules=()) -> tuple:
    """(∂f/∂b, ∂²f/∂a∂b = ∂/∂a of it), each in textbook form."""
    first = partial_key(expr, symbol(b), rules)
    return first, partial_key(first, symbol(a))


def symbol_text(a: str, b: str, f: str = "f") -> str:
    return f"∂²{f}/∂{a}²" if a == b else f"∂²{f}/∂{a}∂{b}"


def symbol_latex(a: str, b: str, f: str = "f") -> str:
    if a == b:
        return rf"\frac{{\partial^{{2}} {f}}}{{\partial {a}^{{2}}}}"
    return rf"\frac{{\partial^{{2}} {f}}}{{\partial {a}\,\partial {b}}}"


def solve(expr, x, *, point=None, order=None, key=None, variables=(), wrt=()) -> Key:
    a, b = _pair(wrt)
    first, second = keys(expr, a, b)
    return Key(key if key is not None else second, {"first": first})


def build(core: Core) -> dict:
    fam = core.fam
    names = tuple(fam.variables) or (fam.variable,)
    if fam.wrt and len(fam.wrt) == 2:
        a, b = fam.wrt
    else:
        used = [n for n in names if core.expr.has(symbol(n))]
        if len(used) < 1:
            raise DrawRejected("the function has none of its variables")
        rng = core.rng
        a = used[rng.randrange(len(used))] if rng else used[0]
        b = used[rng.randrange(len(used))] if rng else used[-1]
    first, second = keys(core.expr, a, b, fam.rules)
    if second == 0:
        raise DrawRejected("the second partial is 0")
    text = to_text(second)
    if len(text) > fam.max_answer_length + 20:
        raise DrawRejected("the answer would be too long")
    facts = [("first", first)]
    if a != b:
        facts.append(("clairaut", sp.simplify(partial_key(partial_key(core.expr, symbol(a)), symbol(b)) - second)
                      == 0))
    return {"answer": second, "answer_text": text, "answer_latex": to_latex(second), "variables": names,
            "wrt": (a, b), "variable": a, "order": 2, "facts": tuple(facts)}


# ---------------------------------------------------------------- display

def question(p) -> str:
    a, b = p.wrt
    return f"{symbol_text(a, b).replace('f', '', 1)} [ {p.question_text} ]"


def sheet_prefixes(p):
    from .partial import function_prefix

    f = fname(p.variables)
    return function_prefix(p), (f"{symbol_latex(*p.wrt, f)} =", f"{symbol_text(*p.wrt, f)} =")


def prompt(p) -> str:
    return f"{symbol_text(*p.wrt, fname(p.variables))} = "


def ask_line(p):
    """"Find ∂²f/∂x∂y": which second partial is asked."""
    a, b = p.wrt
    f = fname(p.variables)
    return "Find", symbol_latex(a, b, f), symbol_text(a, b, f)


def key_lines(p) -> list[tuple[str, str, str, str]]:
    a, b = p.wrt
    f = fname(p.variables)
    first = dict(p.facts).get("first")
    lines = []
    if first is not None:
        lines.append((rf"\frac{{\partial {f}}}{{\partial {b}}} =", f"∂{f}/∂{b} =", to_latex(first), to_text(first)))
    lines.append((f"{symbol_latex(a, b, f)} =", f"{symbol_text(a, b, f)} =", p.answer_latex, p.answer_text))
    return lines


def show(p, expr) -> tuple[str, str]:
    return to_latex(expr), to_text(expr)


def option_form(p, wrong):
    return wrong


def clairaut_note(p) -> str | None:
    a, b = p.wrt
    if a == b or not dict(p.facts).get("clairaut"):
        return None
    return f"The mixed partials are equal (Clairaut): ∂²f/∂{b}∂{a} gives the same."


# ---------------------------------------------------------------- checking and mistakes

def mixed_variants(expr, a, b, vs, first, second) -> list:
    """The first partial given (either one), ∂²f/∂a² or ∂²f/∂b² for the mixed one, and the partial mistakes of the
    second differentiation (∂/∂a of the right ∂f/∂b)."""
    from .. import mistakes
    from ..numeric import frame_for

    sa, sb = symbol(a), symbol(b)
    out = [mistakes.Variant("gave-first-partial", first, 0, (("d1", first), ("v", a)))]
    other_first = partial_key(expr, sa)
    if other_first != first:
        out.append(mistakes.Variant("gave-first-partial", other_first, 0, (("d1", other_first), ("v", b))))
    if a != b:
        for u in (sa, sb):
            out.append(mistakes.Variant("pure-for-mixed", sp.diff(expr, u, 2), 0,
                                        (("v", symbol_text(a, b)), ("u", u.name))))
    out += partial_variants(first, sa, vs, second)
    frame = frame_for(tuple(vs), expr, second)
    kept = []
    for m in out:
        w = m.wrong
        if w.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or frame.same(second, w) or any(frame.same(k.wrong, w) for k in kept):
            continue
        kept.append(m)
    return kept


def check(expr, text, var: str = "x", *, expected=None, point=None, order=None, require_simplified=False,
          timeout: float = 0.15, variables=(), wrt=()):
    from ..mistakes import first_match
    from ..numeric import frame_for

    a, b = _pair(wrt)
    names = tuple(variables) or (var,)
    vs = symbols(names)
    first, second = keys(expr, a, b)
    if expected is not None:
        second = expected
    answer, text = (parse_in(text, names), text) if isinstance(text, str) else (text, None)
    v = judge_partial(expr, second, answer, text, vs, symbol(a), require_simplified=require_simplified,
                      timeout=timeout, what=symbol_text(a, b), ask=NAME)
    if v.correct or not v.decided or v.mistake == "domain-mismatch":
        return v
    found = first_match(frame_for(vs, expr, second), mixed_variants(expr, a, b, vs, first, second), answer)
    if found is None:
        from dataclasses import replace

        return replace(v, mistake=None, feedback=f"This is not {symbol_text(a, b)}: first ∂f/∂{b} = "
                                                 f"{to_text(first)}, then differentiate that with respect to {a}.")
    from dataclasses import replace

    return replace(v, mistake=found.code, feedback=found.feedback())


def variants(p) -> list:
    a, b = p.wrt
    vs = symbols(p.variables or (p.variable,))
    return mixed_variants(p.expr, a, b, vs, dict(p.facts).get("first", partial_key(p.expr, symbol(b))), p.answer)


def generic(p) -> list:
    return [("generic-double", 2 * p.answer), ("generic-plus-one", p.answer + 1)]


def frame(p):
    from ..numeric import frame_for

    return frame_for(symbols(p.variables or (p.variable,)), p.expr, p.answer)


def steps(p):
    from ..steps import Step

    a, b = p.wrt
    names = tuple(p.variables) or (p.variable,)
    first = dict(p.facts).get("first", partial_key(p.expr, symbol(b)))
    subs = (partial_step(p.expr, symbol(b), names, first), partial_step(first, symbol(a), names, p.answer))
    return Step("mixed", p.expr, p.answer, subs, (("by", sp.Tuple(symbol(b), symbol(a))), ("first", first)),
                symbol(a))


def to_dict(p) -> dict:
    d = {"variables": list(p.variables), "wrt": list(p.wrt), "first": str(dict(p.facts).get("first"))}
    note = clairaut_note(p)
    if note:
        d["clairaut"] = note
    return d
