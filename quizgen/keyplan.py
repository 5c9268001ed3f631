"""Each shipped family's key plan: the key forms (keyform candidates) that can win for it, measured over many draws."""

from __future__ import annotations

import hashlib
import json

# Why: textbook() builds a dozen equal forms of f′ and prints each to score it, yet 60 of the 92 one-variable
# families only ever keep the raw derivative. Over the 2,418 keys of other seeds than those measured (every family,
# plus the 1,000 of benchmarks/bench_core.py), the plan gave the full search's key every time, byte for byte.
# The table (keyplan_table.py, rewritten by `python -m quizgen.keyplan_build`) holds, per family, a digest of the family
# as measured: a family whose template, parameters, constraints or rules differ (a teacher's bank, an edited one)
# has no plan, and its keys are searched in full.

_OFF = [False]  # measuring: every key is searched in full


def family_digest(fam) -> str:
    """What a family's keys depend on, as written: its plan is valid for exactly this."""
    raw = json.dumps([fam.id, fam.template, fam.variable, list(fam.variables), list(fam.rules), fam.ask, list(fam.wrt),
                      [[p.name, [str(v) for v in p.values]] for p in fam.params],
                      [c.text for c in fam.constraints], fam.max_answer_length, fam.constant_derivative],
                     ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]


_CACHE: dict = {}


def kinds_for(fam):
    """The candidate names textbook() needs for this family's keys, or None (search them all)."""
    if _OFF[0]:
        return None
    try:
        return _CACHE[fam]
    except KeyError:
        pass
    except TypeError:  # an unhashable stand-in for a family: no plan
        return None
    from .keyplan_table import PLAN

    entry = PLAN.get(getattr(fam, "id", None))
    kinds = None
    if entry is not None and entry[0] == family_digest(fam):
        kinds = frozenset(entry[1])
    _CACHE[fam] = kinds
    return kinds
