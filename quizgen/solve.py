"""`quizgen solve`: differentiate a typed expression, with its key in textbook form and rule-by-rule steps."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .generate import textbook
from .mathparse import parse, symbol
from .render.mathtext import to_latex, to_text
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


def steps_list(root: Step, fmt=str) -> list[dict]:
    """The derivation flattened parent-first, each step with its depth, for JSON consumers."""
    from .steps import RULE_TITLES

    out: list[dict] = []

    def visit(s: Step, depth: int):
        out.append({"rule": s.rule, "title": RULE_TITLES.get(s.rule, s.rule), "depth": depth,
                    "wrt": fmt(s.wrt) if s.wrt is not None else None, "expr": fmt(s.expr), "result": fmt(s.result),
                    "parts": {k: fmt(v) for k, v in s.parts}})
        for sub in s.substeps:
            visit(sub, depth + 1)

    visit(root, 0)
    return out


def solve(text: str, var: str = "x") -> SolveResult:
    """Parse with the safe parser, differentiate, and trace the rules; the key is sympy.diff in textbook form."""
    x = symbol(var)
    expr = parse(text, var)
    d = sp.diff(expr, x)
    return SolveResult(text, var, expr, textbook(d, x), trace(expr, x, expected=d))
