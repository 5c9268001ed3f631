"""Is this answer the derivative? `check_answer` gives a Verdict: correct or not, the mistake, feedback, form.

The comparison itself is quizgen.equiv (numbers on a quizgen.numeric Frame, then bounded algebra); naming the
mistake is quizgen.mistakes; "is it simplified?" is quizgen.form. Grading many rows is quizgen.batch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import sympy as sp

from . import mistakes
from .equiv import compare, small
from .errors import ParseError
from .form import form_of
from .mathparse import as_formula, parse, symbol
from .numeric import Equivalence, frame_for
from .printing import text_or_str, to_text

__all__ = ["Verdict", "check_answer", "check_text"]



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
        return {
            "correct": self.correct,
            "expected": str(self.expected),
            "expected_text": to_text(self.expected),
            "interpreted_as": self.interpreted_as,
            "mistake": self.mistake,
            "feedback": self.feedback,
            "form": dict(self.form),
        }


def check_answer(problem_expr, answer_text, var: str = "x", *, require_simplified: bool = False,
                 expected=None, timeout: float = 0.15) -> Verdict:
    """Is `answer_text` the derivative of `problem_expr`? Each is text (read by quizgen.mathparse) or a SymPy
    expression in symbol(var); an answer given as SymPy is judged on its value and size, having no typed form.

    `expected` may be given (the key, possibly in display form) to save a differentiation. ParseError/LimitError
    from reading the text propagate (the CLI turns them into exit 2).
    """
    x = symbol(var)
    problem_expr = as_formula(problem_expr, var)
    expected = sp.diff(problem_expr, x) if expected is None else as_formula(expected, var)
    answer = as_formula(answer_text, var)
    if not isinstance(answer_text, str):
        answer_text = None
    interpreted = text_or_str(answer)
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
                       f"the expected answer is {text_or_str(expected)}.", form, equivalence=verdict)
    code, feedback = mistakes.diagnose(problem_expr, x, answer, expected=expected)
    if code is None and answer_text is not None and re.search(r"\d\.\d|\.\d", answer_text) and _close_to(expected, answer, x, problem_expr):
        code, feedback = "rounded-decimals", mistakes.MISTAKE_FEEDBACK["rounded-decimals"]
    return Verdict(False, expected, answer, interpreted, code, feedback, form, equivalence=verdict)


def _fmt_point(p) -> str:
    if isinstance(p, complex):
        return f"{p:.3g}"
    return f"{p:.3g}".replace("-", "−")


def _close_to(expected, answer, x, domain, rtol: float = 1e-3) -> bool:
    """Within rtol at every point: what rounding the constants in an exact answer to a few decimals gives."""
    frame = frame_for(x, *(r for r in (domain, expected) if r is not None))
    t = frame.tally(expected, answer, rtol=rtol)
    return t.differ is None and t.agree > 0


@lru_cache(maxsize=256)
def _problem(problem_text: str, var: str):
    """A typed problem and its key in the same textbook form as bank keys (cached: batches repeat problems)."""
    x = symbol(var)
    expr = parse(problem_text, var)
    d = sp.diff(expr, x)
    try:
        from .keyform import textbook

        if small(d, 300):
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
