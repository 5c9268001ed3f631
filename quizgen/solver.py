"""`quizgen solve`: differentiate a typed expression, with its key in textbook form and rule-by-rule steps."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .keyform import textbook
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

    @property
    def derivative_text(self) -> str:
        return to_text(self.derivative)

    @property
    def derivative_latex(self) -> str:
        return to_latex(self.derivative)

    def to_dict(self) -> dict:
        return {
            "input": self.input, "variable": self.variable, "expr": str(self.expr), "expr_text": to_text(self.expr),
            "derivative": str(self.derivative), "derivative_text": self.derivative_text,
            "derivative_latex": self.derivative_latex, "steps": steps_list(self.steps, str),
        }


def solve(text: str, var: str = "x") -> SolveResult:
    """Parse with the safe parser, differentiate, and trace the rules; the key is sympy.diff in textbook form."""
    return solve_expr(parse(text, var), var, text)


def solve_expr(expr, var: str = "x", text: str | None = None) -> SolveResult:
    """solve() for a SymPy expression already built (by the parser or by a script)."""
    x = symbol(var)
    d = sp.diff(expr, x)
    return SolveResult(text if text is not None else to_text(expr), var, expr, textbook(d, x),
                       trace(expr, x, expected=d))
