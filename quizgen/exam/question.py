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
    def ask(self) -> str:
        """What the question asks (quizgen.asks): "derivative" unless its section says `ask = "…"`."""
        return getattr(self.problem, "ask", "derivative") or "derivative"

    @property
    def ask_line(self):
        """(label, LaTeX, text) shown under the function ("Tangent line at", "x = 1"), or None for f′(x)."""
        return self.problem.asked.ask_line(self.problem) if self.ask != "derivative" else None

    @property
    def ask_sentence(self) -> tuple[str, str, str] | None:
        """(words, LaTeX, text) of the request in a sentence: ("Find the tangent line at", "x = 1", …)."""
        line = self.ask_line
        if line is None:
            return None
        mod = self.problem.asked
        words = f"Find the {mod.NOUN} at" if mod.NEEDS_POINT and mod.NAME != "value" else line[0]
        return words, line[1], line[2]

    @property
    def key_rows(self) -> list[tuple[str, str, str, str]]:
        """(LaTeX prefix, text prefix, LaTeX, text) of each line of the key: f′(x) = … or the ask's lines."""
        p = self.problem
        if self.ask != "derivative":
            return p.asked.key_lines(p)
        return [(f"f'({p.variable}) =", f"f′({p.variable}) =", p.answer_latex, p.answer_text)]

    @property
    def key_text(self) -> str:
        """The key on one line of text: "f′(x) = 6x(x² + 1)²", "f(1) = 3, f′(1) = 2; y = 2x + 1"."""
        return "; ".join(f"{pre} {txt}".strip() for _pt, pre, _t, txt in self.key_rows)

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
        if self.ask != "derivative":
            d["ask"] = self.ask
            d.update(self.problem.asked.to_dict(self.problem))
        return d
