"""Is this answer right? `check_answer` gives a Verdict: correct or not, the mistake, feedback, form.

What is asked (f′(x), f″(x), f′(a), a tangent or normal line) is a quizgen.asks module, which reads and judges
the answer; the comparison itself is quizgen.equiv (numbers on a quizgen.numeric Frame, then bounded algebra);
naming the mistake is quizgen.mistakes; "is it simplified?" is quizgen.form. Grading many rows is quizgen.batch.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .equiv import cancelled, small
from .errors import ParseError
from .mathparse import as_formula, check_variable, parse, symbol
from .numeric import typed
from .verdict import Verdict

__all__ = ["Verdict", "check_answer", "check_problem", "check_text", "BUDGET"]

# Seconds a check may take, everything included (reading, the key, numbers, algebra, naming the mistake): after
# that the verdict is "could not decide in time" (equivalence "timeout"), never a wait.
BUDGET = 2.0


def check_answer(problem_expr, answer_text, var: str = "x", *, require_simplified: bool = False,
                 expected=None, timeout: float = 0.1, ask: str = "derivative", point=None,
                 order: int | None = None, budget: float | None = BUDGET, domain=None) -> Verdict:
    """Is `answer_text` the answer to what `ask` asks about `problem_expr`? Each is text (read by quizgen.mathparse)
    or a SymPy expression in symbol(var); an answer given as SymPy is judged on its value and size, having no typed
    form.

    By default: is it the derivative. `ask` = "second", "value", "tangent" or "normal" asks f″ (f‴ with order=3),
    f′(a), or the line at x = `point` (a number, or text such as "pi/6" read by the safe parser). `expected` may be
    given (the key, possibly in display form) to save a differentiation. ParseError/LimitError from reading the
    answer propagate (the CLI turns them into exit 2); so does asks.base.PointError for a point outside the domain.

    `domain` (SymPy) is where the problem is defined when that is narrower than where SymPy's form of it is: the
    typed problem (quizgen.numeric.typed; check_text passes it). A problem given as text is its own typed domain.

    `budget` bounds the whole call in seconds (None: only an enclosing budget's); when it runs out the verdict is
    not correct, `decided` is False and its equivalence is "timeout". `timeout` is the part the symbolic
    confirmation may use before the numbers decide.
    """
    from . import asks
    from .asks.base import JUDGING
    from .util.budget import Budget

    JUDGING.last = None
    with Budget(budget) as b:
        text = problem_expr if isinstance(problem_expr, str) else None
        problem_expr = as_formula(problem_expr, var)
        if text is not None and domain is None:
            domain = typed(text, var, problem_expr)
        expected = None if expected is None else as_formula(expected, var)
        extra = {"domain": domain} if domain is not None and domain != problem_expr and ask in _TYPED_DOMAIN else {}
        return asks.get(ask).check(problem_expr, answer_text, var, expected=expected, point=point, order=order,
                                   require_simplified=require_simplified, timeout=timeout, **extra)
    return _out_of_time(b, problem_expr, answer_text, var, expected, ask)


# The asks whose answers are functions of x, judged on the problem's domain (the others ask for numbers and lines
# at a point inside it).
_TYPED_DOMAIN = ("derivative", "second")


def _out_of_time(b, problem_expr, answer_text, var, expected, ask) -> Verdict:
    """The verdict when the budget ran out: what judge() was given, if it got that far, else the plain key."""
    from .asks.base import JUDGING
    from .printing import text_or_str

    seen = getattr(JUDGING, "last", None) or {}
    x = symbol(var)
    fields = dict(seen.get("fields") or {})
    fields.setdefault("ask", ask)
    if "expected" in seen:
        expected, answer, interpreted = seen["expected"], seen["answer"], seen["interpreted"]
    else:
        problem_expr = as_formula(problem_expr, var)  # bounded by the parser's own limits
        if expected is None:
            expected = sp.diff(problem_expr, x)
            if ask != "derivative":
                fields["expected_display"] = "not worked out in time"
        answer = as_formula(answer_text, var) if isinstance(answer_text, str) and ask not in ("tangent", "normal") \
            else None
        from .printing import typed_text

        interpreted = (typed_text(answer_text, var) if isinstance(answer_text, str) else None) or (
            text_or_str(answer) if answer is not None else str(answer_text))
    what = seen.get("what", "the derivative")
    shown = fields.get("expected_display") or text_or_str(expected)
    return Verdict(False, expected, answer, interpreted, None,
                   f"quizgen could not decide in time ({b.seconds:g} s) whether this equals {what}; "
                   f"the expected answer is {shown}.", {"simplified": None, "issues": []},
                   equivalence="timeout", **fields)


def check_problem(problem, answer_text: str, **kw) -> Verdict:
    """check_answer for a generated Problem: what it asks, at its point, against its own key."""
    return check_answer(problem.expr, answer_text, problem.variable, expected=problem.answer, ask=problem.ask,
                        point=problem.point, order=problem.order if problem.ask == "second" else None, **kw)


@lru_cache(maxsize=256)
def _problem(problem_text: str, var: str):
    """A typed problem, its key in the same textbook form as bank keys, and its typed domain (cached: batches
    repeat problems)."""
    x = symbol(var)
    expr = parse(problem_text, var)
    domain = typed(problem_text, var, expr)
    d = sp.diff(expr, x)
    from .util.budget import Budget

    with Budget(TIDY_BUDGET):  # the plain derivative is a fine key when tidying it takes too long
        try:
            from .keyform import textbook

            if small(d, 300):
                d = textbook(cancelled(d, x), x)
        except Exception:  # noqa: BLE001 — the plain derivative is a fine key when the tidier fails
            pass
    return expr, d, domain


TIDY_BUDGET = 0.5


def check_text(problem_text: str, answer_text: str, var: str = "x", *, ask: str = "derivative", at=None,
               order: int | None = None, budget: float | None = BUDGET, **kw) -> Verdict:
    """check_answer with the problem typed too (and the point `at` as text); a ParseError names which of the two
    could not be read (or, as field "var", that the variable is not one). `budget` covers both: tidying the
    typed problem's key counts too."""
    check_variable(var)
    from .asks.base import JUDGING
    from .util.budget import Budget

    JUDGING.last = None
    with Budget(budget) as b:
        return _check_text(problem_text, answer_text, var, ask=ask, at=at, order=order, budget=None, **kw)
    try:
        expr = parse(problem_text, var)
    except ParseError as err:
        err.field = "problem"
        raise
    return _out_of_time(b, expr, answer_text, var, None, ask)


def _check_text(problem_text, answer_text, var, *, ask, at, order, **kw) -> Verdict:
    try:
        expr, expected, domain = _problem(problem_text, var)
    except ParseError as err:
        err.field = "problem"
        raise
    if ask != "derivative":
        expected = None  # the ask computes its own key (f″, f′(a), the line)
    try:
        return check_answer(expr, answer_text, var, expected=expected, ask=ask, point=at, order=order,
                            domain=domain, **kw)
    except ParseError as err:
        err.field = "answer"
        raise
