"""The bank's data model: parameters, constraints, families and topics as frozen dataclasses (no imports of ours)."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

DEFAULT_INSTRUCTION = "Differentiate with respect to {var}."


@dataclass(frozen=True)
class Param:
    name: str
    values: tuple[Fraction, ...]  # the finite domain, in a fixed order so a seed means the same draw everywhere


@dataclass(frozen=True)
class Constraint:
    text: str
    lhs: str
    op: str
    rhs: str


@dataclass(frozen=True)
class Family:
    id: str
    topic: str
    difficulty: int
    title: str
    template: str
    params: tuple[Param, ...]
    constraints: tuple[Constraint, ...]
    instruction: str
    variable: str = "x"
    neg_powers: bool = False  # show x⁻³ rather than 1/x³ in the question
    constant_derivative: bool = False  # the family means a derivative that is constant (e.g. a line)
    rules: tuple[str, ...] = ()
    max_answer_length: int = 60
    source: str = ""
    max_order: int = 2  # the highest derivative a second-derivative question may ask (3: f‴ too)
    # Several variables: all of them in order (a gradient's order), empty for f(x); `ask` is what the family asks
    # by default (partial, gradient, implicit; "" for f′(x)); `wrt` the variable(s) of a partial, empty: drawn.
    variables: tuple[str, ...] = ()
    ask: str = ""
    wrt: tuple[str, ...] = ()

    @property
    def capacity(self) -> int:
        """Upper bound on the number of distinct draws."""
        n = 1
        for p in self.params:
            n *= len(p.values)
        return n


@dataclass(frozen=True)
class Topic:
    name: str
    title: str
    source: str
    families: tuple[Family, ...] = field(default_factory=tuple)
    mixed: bool = True  # drawn in a set that names no topic (false: only when asked for by name)


@dataclass(frozen=True)
class Bank:
    topics: dict  # name -> Topic, in a stable order

    @property
    def families(self) -> list[Family]:
        return [f for t in self.topics.values() for f in t.families]

    def family(self, fid: str) -> Family:
        for f in self.families:
            if f.id == fid:
                return f
        raise KeyError(fid)
