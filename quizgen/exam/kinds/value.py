"""Value of the derivative: f′(a) at a drawn point inside the domain, with a short exact value and its decimal."""

from __future__ import annotations

import random

from ..question import Question

NAME = "value"
TITLE = "Value of the derivative"
INSTRUCTION = "Find the exact value of the derivative at the given point."
LABEL = "value of f′"
RELAXED = False
GIVE_UP_AFTER = 0


def make(sec, problem, rng, relaxed: bool = False) -> Question | None:
    from ...printing import to_latex, to_text

    got = value_point(problem, rng)
    if got is None:
        return None
    a, exact, dec = got
    return Question(0, sec.index, NAME, sec.points, problem, point=a, value=exact,
                    value_latex=to_latex(exact), value_text=to_text(exact), decimal=dec)


def to_dict(q) -> dict:
    return {"point": str(q.point), "value": str(q.value), "decimal": q.decimal}

def value_point(problem, rng: random.Random):
    """(a, exact f′(a), decimal) at a point inside the domain of f with a short exact value, or None."""
    from ...asks.value import draw

    return draw(problem.expr, problem.var, rng)
