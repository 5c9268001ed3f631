"""Ask f′(x): the derivative itself, as quizgen has always asked (the default)."""

from __future__ import annotations

import sympy as sp

from .. import mistakes
from ..mathparse import symbol
from ..keyform import question_order
from ..printing import to_latex, to_text
from .base import Core, Key, derivative_key, judge, read_answer, text_of

NAME = "derivative"
TITLE = "Differentiate"
NOUN = "derivative"
LABEL = "f′(x)"
INSTRUCTION = "Find the derivative."
NEEDS_POINT = False
EQUATION = False


def prime(var: str, order: int = 1, point=None, latex: bool = False) -> str:
    """f′(x), f″(x), f‴(x) or f′(a), in text or LaTeX."""
    at = var if point is None else (to_latex(point) if latex else to_text(point))
    if latex:
        marks = "'" * order
        return rf"f{marks}\left({at}\right)" if point is not None else f"f{marks}({at})"
    return f"f{'′″‴'[order - 1]}({at})"


def solve(expr, x, *, point=None, order=None, key=None) -> Key:
    d = sp.diff(expr, x)
    return Key(key if key is not None else derivative_key(d, x), {"f'": key})


def build(core: Core) -> dict:
    # A sum keyed in the order of the question's terms.
    terms = question_order(core.expr, core.key, core.x, getattr(core, "parts", None))
    return {"answer": core.key, "answer_text": text_of(core.key, core.fam, terms), "answer_latex": to_latex(core.key, terms)}


# ---------------------------------------------------------------- display

def question(p) -> str:
    return f"d/d{p.variable} [ {p.question_text} ]"


def prompt(p) -> str:
    return f"{prime(p.variable)} = "


def ask_line(p):
    return None


def key_lines(p) -> list[tuple[str, str, str, str]]:
    """(LaTeX prefix, text prefix, LaTeX, text) of each line of the key."""
    return [(f"{prime(p.variable, latex=True)} =", f"{prime(p.variable)} =", p.answer_latex, p.answer_text)]


def show(p, expr) -> tuple[str, str]:
    terms = question_order(p.expr, expr, p.var)
    return to_latex(expr, terms), to_text(expr, terms=terms)


def option_form(p, wrong):
    """A distractor in the style of the key, so its form does not give it away (see exam.kinds.choice)."""
    return textbook_option(wrong, p.var, "quotient" in (p.rules or ()))


def textbook_option(wrong, x, prefer_fraction: bool):
    """Quotient keys have an expanded numerator over a factored denominator, (2x² + 24x + 7)/(x + 6)²; a wrong
    quotient built from the rule's pieces, (−2x² + 4x(x + 6) + 7)/(x + 6)², is put in that form too (unless that
    is clearly longer or brings in e⁻¹)."""
    from ..keyform import textbook

    try:
        shown = textbook(wrong, x, prefer_fraction=prefer_fraction)
    except Exception:  # noqa: BLE001 — a display-form failure must not lose a valid distractor
        return wrong
    if not prefer_fraction:
        return shown
    try:
        num, den = sp.fraction(sp.together(wrong))
        if den == 1 or sp.count_ops(num) > 80:
            return shown
        alt = textbook(sp.factor_terms(sp.expand(num)) / sp.factor_terms(den), x, prefer_fraction=True)
    except Exception:  # noqa: BLE001
        return shown
    if alt.has(sp.exp(-1)) or len(to_text(alt)) > len(to_text(shown)) + 4:
        return shown
    return alt


# ---------------------------------------------------------------- checking

def check(expr, text: str, var: str = "x", *, expected=None, point=None, order=None, require_simplified=False,
          timeout: float = 0.15, domain=None):
    """Is `text` the derivative of `expr`? Numbers first, bounded algebra, then the typical mistakes by name.
    `domain`: where the problem is defined as typed (quizgen.numeric.typed), when SymPy's form is wider."""
    x = symbol(var)
    domain = expr if domain is None else domain
    if expected is None:
        expected = sp.diff(expr, x)
    answer, text = read_answer(text, var)
    return judge(expected, answer, x, text=text, domain=domain, require_simplified=require_simplified,
                 timeout=timeout, diagnose=lambda a: mistakes.diagnose_all(expr, x, a, expected=expected, domain=domain))


def variants(p) -> list:
    return mistakes.mistake_details(p.expr, p.var, sp.diff(p.expr, p.var))


def generic(p) -> list:
    """Power-rule-shaped wrong answers for problems with too few specific mistakes (marked generic in keys)."""
    d, x = sp.diff(p.expr, p.var), p.var
    return [("generic-times-x", d * x), ("generic-over-x", d / x), ("generic-double", 2 * d)]


def frame(p):
    from ..numeric import frame_for

    return frame_for(p.var, p.expr, sp.diff(p.expr, p.var))


def steps(p):
    from ..steps import trace

    raw = getattr(p, "raw", None)  # sympy.diff's own form: the tracer's result is often exactly it
    return trace(p.expr, p.var, expected=p.derivative, log_first="log-diff" in (p.rules or ()),
                 forms=(raw,) if raw is not None else ())


def to_dict(p) -> dict:
    return {}
