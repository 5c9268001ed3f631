"""Ask f″(x) (or f‴(x) where a family allows order 3): differentiate twice, the first derivative shown on the way."""

from __future__ import annotations

import sympy as sp

from .. import mistakes
from ..draw import DrawRejected
from ..keyform import textbook
from ..mathparse import symbol
from ..printing import to_latex, to_text
from .base import Core, Key, derivative_key, judge, read_answer
from .derivative import prime, textbook_option

NAME = "second"
TITLE = "Second derivative"
NOUN = "second derivative"
LABEL = "f″(x)"
INSTRUCTION = "Find the second derivative."
NEEDS_POINT = False
EQUATION = False
ORDERS = (2, 3)
_NAMES = {2: "the second derivative", 3: "the third derivative"}
_MAX_LIFTED = 24  # first-derivative mistakes carried through the second differentiation


def _order(order) -> int:
    n = 2 if order is None else int(order)
    if n not in ORDERS:
        from ..errors import QuizgenError

        raise QuizgenError(f"--order must be 2 or 3 for --ask second, not {n}")
    return n


def derivatives(expr, x, order: int, key=None) -> list:
    """[f′, f″, (f‴)] each in the key's textbook form; f′ as the family writes it when `key` is given."""
    d1 = key if key is not None else derivative_key(sp.diff(expr, x), x)
    out = [d1]
    for _ in range(order - 1):
        out.append(textbook(sp.diff(out[-1], x), x))
    return out


def solve(expr, x, *, point=None, order=None, key=None) -> Key:
    n = _order(order)
    ds = derivatives(expr, x, n, key)
    return Key(ds[-1], {"derivatives": ds}, order=n)


def build(core: Core) -> dict:
    n = _order(core.order)
    if n > getattr(core.fam, "max_order", 2):
        raise DrawRejected(f"the family does not ask derivatives of order {n}")
    ds = derivatives(core.expr, core.x, n, core.key)
    last = ds[-1]
    if last == 0:
        raise DrawRejected(f"{_NAMES[n]} is 0")
    text = to_text(last)
    if len(text) > core.fam.max_answer_length + 20:
        raise DrawRejected(f"{_NAMES[n]} would be too long")
    return {"answer": last, "answer_text": text, "answer_latex": to_latex(last), "order": n,
            "facts": (("derivatives", tuple(ds)),)}


def _ds(p) -> tuple:
    return dict(p.facts).get("derivatives") or tuple(derivatives(p.expr, p.var, p.order, p.derivative))


# ---------------------------------------------------------------- display

def question(p) -> str:
    sup = "²" if p.order == 2 else "³"
    return f"d{sup}/d{p.variable}{sup} [ {p.question_text} ]"


def prompt(p) -> str:
    return f"{prime(p.variable, p.order)} = "


def ask_line(p):
    return "Find", prime(p.variable, p.order, latex=True), prime(p.variable, p.order)


def key_lines(p) -> list[tuple[str, str, str, str]]:
    v = p.variable
    return [(f"{prime(v, k + 1, latex=True)} =", f"{prime(v, k + 1)} =", to_latex(d), to_text(d))
            for k, d in enumerate(_ds(p))]


def show(p, expr) -> tuple[str, str]:
    return to_latex(expr), to_text(expr)


def option_form(p, wrong):
    return textbook_option(wrong, p.var, False)


# ---------------------------------------------------------------- checking and mistakes

def _variants(expr, x, order: int, ds: list) -> list:
    """Second-derivative mistakes: stopping one differentiation short, a rule misapplied in the last
    differentiation, and a first-derivative mistake carried through."""
    last, before = ds[-1], ds[-2]
    # Stopping early: f′ for f″; f″ or f′ for f‴ (one code: a lower derivative than asked, named in the feedback).
    out = [mistakes.Variant("gave-first-derivative", d, 0,
                            (("d1", d), ("name", _NAMES[order]), ("previous", ("first", "second")[k]),
                             ("more", "once more" if k == order - 2 else "twice more")))
           for k, d in reversed(list(enumerate(ds[:-1])))]
    out += mistakes.mistake_details(before, x, sp.diff(before, x))
    for v in mistakes.mistake_details(expr, x, sp.diff(expr, x))[:_MAX_LIFTED]:
        try:
            out.append(mistakes.Variant(v.code, sp.diff(v.wrong, x, order - 1), v.depth + 1, v.parts))
        except Exception:  # noqa: BLE001 — a variant that cannot be differentiated is not offered
            continue
    return _distinct(out, x, expr, last)


def _distinct(variants, x, expr, key) -> list:
    from ..numeric import frame_for

    frame = frame_for(x, expr, key)
    kept = []
    for v in variants:
        w = v.wrong
        if w.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or frame.same(key, w) or any(frame.same(k.wrong, w) for k in kept):
            continue
        kept.append(v)
    return kept


def check(expr, text: str, var: str = "x", *, expected=None, point=None, order=None, require_simplified=False,
          timeout: float = 0.15, domain=None):
    """`domain`: where the problem is defined as typed (quizgen.numeric.typed), when SymPy's form is wider."""
    x = symbol(var)
    domain = expr if domain is None else domain
    n = _order(order)
    ds = derivatives(expr, x, n)
    if expected is not None:
        ds[-1] = expected
    answer, text = read_answer(text, var)
    from ..numeric import frame_for

    def diagnose(a):
        found = mistakes.first_match(frame_for(x, domain, ds[-1]), _variants(expr, x, n, ds), a)
        if found is not None:
            return found.code, found.feedback()
        return None, (f"This is not {_NAMES[n]}; differentiate f′({var}) = {to_text(ds[0])} "
                      f"{'again' if n == 2 else 'twice more'}, one rule at a time.")

    return judge(ds[-1], answer, x, text=text, domain=domain, diagnose=diagnose, what=_NAMES[n],
                 require_simplified=require_simplified, timeout=timeout, ask=NAME)


def variants(p) -> list:
    return _variants(p.expr, p.var, p.order, list(_ds(p)))


def generic(p) -> list:
    d, x = p.answer, p.var
    return [("generic-times-x", d * x), ("generic-double", 2 * d)]


def frame(p):
    from ..numeric import frame_for

    return frame_for(p.var, p.expr, p.answer)


def steps(p):
    from ..steps import Step, trace

    ds = _ds(p)
    log_first = "log-diff" in (p.rules or ())
    traces = [trace(p.expr, p.var, expected=sp.diff(p.expr, p.var), log_first=log_first)]
    for d in ds[:-1]:
        traces.append(trace(d, p.var, expected=sp.diff(d, p.var)))
    parts = tuple((("f" + "'" * (k + 1)), d) for k, d in enumerate(ds))
    return Step("second" if p.order == 2 else "third", p.expr, ds[-1], tuple(traces), parts, p.var)


def to_dict(p) -> dict:
    return {"order": p.order}
