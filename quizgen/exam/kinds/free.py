"""Free response: "find the derivative", graded by a person (or by STACK) against the key."""

from __future__ import annotations

from ..question import Question

NAME = "free"
TITLE = "Differentiate"
INSTRUCTION = "Find the derivative."
LABEL = "free response"
RELAXED = False
GIVE_UP_AFTER = 0


def make(sec, problem, rng, relaxed: bool = False) -> Question:
    return Question(0, sec.index, NAME, sec.points, problem)


def to_dict(q) -> dict:
    return {}
