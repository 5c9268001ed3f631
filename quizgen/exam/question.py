"""One question of one paper, whatever its kind: the problem, and the options or point and value the kind adds."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..asks.base import decimal_text


@dataclass
class Option:
    """One multiple-choice option; `code` is "correct" or the mistake (quizgen.mistakes code) it stands for."""

    expr: object
    code: str
    latex: str
    text: str
    feedback: str = ""

    @property
    def correct(self) -> bool:
        return self.code == "correct"


@dataclass
class Question:
    """One question of one paper: the problem and, by kind, its options or its point and value."""

    number: int
    section: int
    kind: str
    points: float
    problem: object  # quizgen.problems.Problem
    options: list[Option] = field(default_factory=list)
    correct: int | None = None  # index into options
    point: object = None  # sympy number a of "find f′(a)"
    value: object = None  # exact f′(a)
    value_latex: str = ""
    value_text: str = ""
    decimal: float | None = None
    generic: bool = False  # a choice question that needed generic distractors
    steps: list = field(default_factory=list)  # (depth, title, [(latex, text)]) rows for keys with steps

    @property
    def variable(self) -> str:
        return self.problem.variable

    @property
    def correct_letter(self) -> str:
        return "ABCDE"[self.correct] if self.correct is not None else ""

    @property
    def point_latex(self) -> str:
        from ..printing import to_latex

        return to_latex(self.point)

    @property
    def point_text(self) -> str:
        from ..printing import to_text

        return to_text(self.point)

    @property
    def decimal_text(self) -> str:
        return decimal_text(self.decimal) if self.decimal is not None else ""

    @property
    def value_is_decimal(self) -> bool:
        """True when the exact value is a whole number, so a key needs no "≈ decimal" after it."""
        return bool(self.value is not None and self.value.is_Integer)

    def to_dict(self) -> dict:
        """The fields every kind has; the kind adds its own (see Version.to_dict)."""
        d = {"number": self.number, "section": self.section, "kind": self.kind, "points": self.points,
             "variable": self.variable, "family": self.problem.family, "expr": str(self.problem.expr),
             "answer": str(self.problem.answer)}
        return d
