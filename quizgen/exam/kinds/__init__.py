"""Question kinds, one module each: how a kind is drawn from a problem, described, and serialised.

A kind module has NAME, TITLE (a section's default heading), INSTRUCTION (printed under it), LABEL (its name in
Moodle categories), RELAXED (whether a problem that failed can be retried with relaxed rules), GIVE_UP_AFTER
(failed problems of one family before the relaxed retry), `make(sec, problem, rng, relaxed=False)` -> Question or
None, and `to_dict(q)` -> the kind's fields in exam.json. Renderers ask the kind, never a table of their own.
"""

from __future__ import annotations

from . import choice, free, value

_KINDS = {m.NAME: m for m in (free, choice, value)}
NAMES = tuple(_KINDS)


def get(name: str):
    """The module of a question kind (KeyError for an unknown name; specs are checked before this is asked)."""
    return _KINDS[name]


def listing() -> str:
    """"free, choice or value", for messages."""
    return ", ".join(NAMES[:-1]) + " or " + NAMES[-1]
