"""The outcome of checking one answer, whatever the question asked (quizgen.checker and quizgen.asks build it)."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from .numeric import Equivalence
from .printing import to_text


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one answer; `to_json()` gives the CLI/batch JSON object.

    `expected` is the key in SymPy form (for a line, the right-hand side of y = …); `expected_display` is how a
    student reads it when that is not the key itself ("y = 2x − 1"). `ask` and `point` say what was asked.
    """

    correct: bool
    expected: sp.Expr
    answer: sp.Expr | None
    interpreted_as: str
    mistake: str | None
    feedback: str
    form: dict = field(default_factory=dict)
    domain_mismatch: bool = False
    equivalence: Equivalence = "different"
    ask: str = "derivative"
    point: sp.Expr | None = None
    expected_display: str | None = None
    notes: tuple[str, ...] = ()  # how parts of the answer were read (3e2 as 3·e·2, with Euler's e)
    mistakes: tuple[str, ...] = ()  # every mistake named, most specific first (two for a two-mistake answer)
    notes: tuple[str, ...] = ()  # how parts of the answer were read (3e2 as 3·e·2, with Euler's e)

    @property
    def decided(self) -> bool:
        """False when quizgen could not tell right from wrong: values too large to compute ("unknown"), or the
        time budget ran out ("timeout"). Such an answer is not marked correct, nor is it known to be wrong."""
        return self.equivalence not in ("unknown", "timeout")

    @property
    def expected_text(self) -> str:
        return self.expected_display if self.expected_display is not None else to_text(self.expected)

    def to_json(self) -> dict:
        d = {
            "correct": self.correct,
            "expected": str(self.expected),
            "expected_text": self.expected_text,
            "interpreted_as": self.interpreted_as,
            "mistake": self.mistake,
            "feedback": self.feedback,
            "form": dict(self.form),
        }
        if self.notes:  # only here, so answers without notes keep exactly the keys scripts already read
            d["notes"] = list(self.notes)
        if self.mistake is not None:  # only with a mistake, so correct rows keep exactly the keys they had
            d["mistakes"] = list(self.mistakes) if self.mistakes else [self.mistake]
        if self.notes:  # only here, so answers without notes keep exactly the keys scripts already read
            d["notes"] = list(self.notes)
        if not self.decided:  # only here, so decided rows keep exactly the keys scripts already read
            d["decided"] = False
        if self.ask != "derivative":  # today's f′(x) objects keep exactly the keys scripts already read
            d["ask"] = self.ask
            if self.point is not None:
                d["point"] = str(self.point)
        return d
