"""Key plans (quizgen.keyplan): a shipped family's keys are searched only among the forms that win for it, and
give the full search's key; a family that differs from the one measured is searched in full."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from quizgen import keyform, keyplan
from quizgen.bank import load_bank
from quizgen.errors import GenerationError
from quizgen.keyplan_table import PLAN
from quizgen.mathparse import symbol
from quizgen.problems import lazy_set

BANK = load_bank()
PLANNED = [f for f in BANK.families if f.id in PLAN]


def test_every_shipped_one_variable_family_has_a_current_plan():
    """A shipped family edited without regenerating the table would quietly lose its plan (full search, slower):
    this names it and the command that fixes it."""
    stale = [f.id for f in BANK.families
             if not (f.variables and len(f.variables) > 1) and "log-diff" not in f.rules
             and keyplan.kinds_for(f) is None]
    assert stale == [], f"no current key plan for {stale}: run `python -m quizgen.keyplan_build`"
    assert len(PLANNED) >= 90


@pytest.mark.parametrize("fam", PLANNED, ids=[f.id for f in PLANNED])
def test_a_plan_gives_the_full_searchs_key(fam):
    """On a seed the table was not measured on (100-104), every key of the plan is the full search's, exactly."""
    x = symbol(fam.variable)
    drawn = []
    try:
        for p in lazy_set(min(4, fam.capacity), seed=9001, bank=BANK, families=[fam.id]).problems:
            drawn.append(p)
    except GenerationError:
        pass
    assert drawn
    for p in drawn:
        d = sp.diff(p.expr, x)
        args = (d, x, "quotient" in fam.rules, "chain" in fam.rules)
        assert keyform.textbook(*args, kinds=keyplan.kinds_for(fam)) == keyform.textbook(*args)
        assert p.derivative == keyform.family_key(p.expr, d, x, fam.rules)


def test_a_family_that_differs_from_the_measured_one_has_no_plan():
    """A teacher's bank may reuse an id with another template: its keys are searched in full."""
    fam = next(f for f in PLANNED if PLAN[f.id][1] == ("raw",))
    assert keyplan.kinds_for(fam) == frozenset({"raw"})
    assert keyplan.kinds_for(dataclasses.replace(fam, template=fam.template + " + x")) is None
    assert keyplan.kinds_for(dataclasses.replace(fam, rules=fam.rules + ("quotient",))) is None
    assert keyplan.kinds_for(dataclasses.replace(fam, id="not-shipped")) is None


def test_a_restricted_search_keeps_only_the_planned_forms():
    """The plan names forms; the search builds those (and what they need) and the raw derivative, nothing else."""
    x = symbol("x")
    d = sp.diff((x ** 2 + 1) / (x - 1), x)
    assert ["raw", "ft", "together", "ftnume"] == [k for k, _ in keyform._candidates(d, x, False, None)]
    only = keyform._candidates(d, x, False, frozenset({"raw", "ftnume"}))
    assert [k for k, _ in only] == ["raw", "ftnume"]
    assert keyform.textbook_kind(d, x, True, False, frozenset({"raw"})) == (d, "raw")


def test_a_plan_whose_forms_this_draw_lacks_keeps_the_raw_derivative():
    """A plan of "together" alone, on a derivative with no fraction inside a factor (no such form): the raw one."""
    x = symbol("x")
    d = sp.diff(x ** 3 * sp.sin(x), x)
    assert keyform.textbook_kind(d, x, False, False, frozenset({"together"})) == (d, "raw")
    tan = sp.diff(sp.tan(3 * x), x)  # the raw form still gets its sec² rewrite
    assert keyform.textbook(tan, x, kinds=frozenset({"together"})) == 3 * sp.sec(3 * x) ** 2
