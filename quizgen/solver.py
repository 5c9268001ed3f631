"""`quizgen solve`: differentiate a typed expression, with its key in textbook form and rule-by-rule steps."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .equiv import cancelled
from .keyform import question_order, textbook
from .problems import steps_list
from .mathparse import parse, symbol
from .printing import to_latex, to_text
from .steps import Step, trace


@dataclass(frozen=True)
class SolveResult:
    input: str
    variable: str
    expr: sp.Expr
    derivative: sp.Expr
    steps: Step
    ask: str = "derivative"
    problem: object = None  # for any other ask: the Problem holding its answer, point and key lines

    @property
    def _terms(self):
        """A sum's terms in the order of the typed function's terms (keyform.question_order)."""
        from .mathparse import symbol

        return question_order(self.expr, self.derivative, symbol(self.variable))

    @property
    def derivative_text(self) -> str:
        return to_text(self.derivative, terms=self._terms)

    @property
    def derivative_latex(self) -> str:
        return to_latex(self.derivative, self._terms)

    def to_dict(self) -> dict:
        return {
            "input": self.input, "variable": self.variable, "expr": str(self.expr), "expr_text": to_text(self.expr),
            "derivative": str(self.derivative), "derivative_text": self.derivative_text,
            "derivative_latex": self.derivative_latex, "steps": steps_list(self.steps, str),
            **self._ask_fields(),
        }

    def _ask_fields(self) -> dict:
        if self.problem is None:
            return {}
        p = self.problem
        return {"ask": p.ask, "answer": str(p.answer), "answer_text": p.answer_text, "answer_latex": p.answer_latex,
                **p.asked.to_dict(p)}


# Seconds a solve may take, parsing, the key's textbook form and the checked steps included.
BUDGET = 2.0


def solve(text: str, var: str = "x", *, ask: str = "derivative", at=None, order: int | None = None,
          budget: float | None = BUDGET) -> SolveResult:
    """Parse with the safe parser, differentiate, and trace the rules; the key is sympy.diff in textbook form.

    Another `ask` (quizgen.asks) answers that question instead: f″ (order 3: f‴), or f′(a) and the tangent or
    normal line at x = `at`. TimeLimitError when it cannot finish within `budget` seconds (None: no limit)."""
    from .util.budget import Budget

    with Budget(budget) as b:
        return solve_expr(parse(text, var), var, text, ask=ask, at=at, order=order, budget=None)
    raise _too_slow(b, text)


def _too_slow(b, text):
    from .errors import TimeLimitError
    from .util.text import visible

    shown = text if len(text) <= 60 else text[:57] + "…"
    return TimeLimitError(f"could not finish {visible(shown)!r} within the time limit ({b.seconds:g} s)")


def solve_expr(expr, var: str = "x", text: str | None = None, *, ask: str = "derivative", at=None,
               order: int | None = None, budget: float | None = BUDGET) -> SolveResult:
    """solve() for a SymPy expression already built (by the parser or by a script)."""
    from .util.budget import Budget

    with Budget(budget) as b:
        return _solve_expr(expr, var, text, ask=ask, at=at, order=order)
    raise _too_slow(b, text if text is not None else to_text(expr))


def _solve_expr(expr, var, text, *, ask, at, order) -> SolveResult:
    x = symbol(var)
    d = sp.diff(expr, x)
    shown = text if text is not None else to_text(expr)
    if ask == "derivative":
        return SolveResult(shown, var, expr, textbook(cancelled(d, x), x), trace(expr, x, expected=d))
    p = ask_problem(expr, var, ask, at=at, order=order)
    return SolveResult(shown, var, expr, p.derivative, p.steps, ask, p)


def ask_problem(expr, var: str, ask: str, *, at=None, order: int | None = None):
    """A Problem asking `ask` about a typed function (at the point `at`, text or number), as solve and the
    checker's callers need it; QuizgenError when the question has no answer there."""
    from . import asks
    from .asks.base import check_inside, need_point, read_point
    from .bank import Family
    from .draw import DrawRejected
    from .errors import GenerationError
    from .problems import make_problem

    mod = asks.get(ask)
    x = symbol(var)
    point = None
    if mod.NEEDS_POINT:
        point = read_point(need_point(ask, at), var)
        check_inside(expr, x, point)
    fam = Family("typed", "typed", 0, "Typed", to_text(expr), (), (), "Differentiate with respect to {var}.", var,
                 constant_derivative=True, max_answer_length=10_000, max_order=3)
    try:
        return make_problem(fam, expr, ask=ask, point=point, order=order)
    except DrawRejected as err:
        raise GenerationError(f"{ask}: {err}") from None
