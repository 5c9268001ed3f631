"""Tests for quizgen.functions: every row of the one function table works in the parser, tracer, mistake generator,
numeric evaluator and printers, because each of them reads the table (no list of its own)."""

from __future__ import annotations

import re

import pytest
import sympy as sp

from quizgen.equiv import equivalent
from quizgen.errors import ParseError
from quizgen.functions import FUNCTIONS, NOT_IN_COURSE, by_class, latex_operator_names, listed_names
from quizgen.mathparse import parse, symbol
from quizgen.mistakes import mistake_variants, rules_needed
from quizgen.printing import to_latex, to_text
from quizgen.rules import CATEGORIES, CHAIN_FORMULAS, RULE_FORMULAS, RULE_TITLES
from quizgen.steps import trace, walk

x = symbol("x")
ROWS = [f for f in FUNCTIONS if f.sympy]  # functions SymPy keeps as a class of their own (not √, ∛)
IDS = [f.name for f in ROWS]

# An inner function whose values stay inside every row's domain at the frame's sample points is not needed:
# the frame draws points inside the domain of the reference.
INNER = 2 * x + 1


def test_spellings_are_unique_and_not_refused():
    spellings = [s for f in FUNCTIONS for s in f.spellings]
    assert len(spellings) == len(set(spellings))
    assert not set(spellings) & NOT_IN_COURSE
    assert set(listed_names()) <= set(spellings)


@pytest.mark.parametrize("row", FUNCTIONS, ids=[f.name for f in FUNCTIONS])
def test_every_spelling_parses_to_the_row(row):
    for s in row.spellings:
        assert parse(f"{s}(x^2 + 1)") == row.apply(x**2 + 1)
    if row.prefix:
        assert parse(f"{row.prefix}(x^2 + 1)") == row.apply(x**2 + 1)


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_tracer_names_the_rows_rule(row):
    assert row.rule in RULE_TITLES and RULE_TITLES[row.rule] == row.title
    assert RULE_FORMULAS[row.rule] == row.formula and CHAIN_FORMULAS[row.rule] == row.chain_formula
    f = row.apply(x)
    step = trace(f, x)
    assert step.rule == row.rule
    assert sp.simplify(step.result - sp.diff(f, x)) == 0
    chain = trace(row.apply(INNER), x)
    assert chain.rule == "chain" and chain.substeps[0].rule == row.rule
    assert [s.rule for s in walk(chain)][:2] == ["chain", row.rule]


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_evaluator_agrees_with_sympy(row):
    f = row.apply(INNER)
    # The table's derivative rule and SymPy's agree numerically (and so the evaluator knows the function).
    assert equivalent(sp.diff(f, x), row.d(INNER) * 2, x) == "equal"
    assert equivalent(sp.diff(f, x), row.d(INNER), x, domain=f) == "different"


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_printers_spell_the_row(row):
    f = row.apply(INNER)
    text = to_text(f)
    assert parse(text) == f  # the printed form reads back
    if row.unicode:
        assert text.startswith(row.unicode)
    assert row.latex in to_latex(f) or row.latex == r"\exp"  # SymPy writes exp(u) as e^{u}
    if row.power_on_name:
        assert to_text(f**2).startswith(row.unicode + "²")


def test_latex_operator_pattern_is_built_from_the_table():
    from quizgen.render.formula import _FUNCTION, function_spacing

    for row in ROWS:
        name = row.latex.lstrip("\\")
        if name.isalpha():
            assert name in latex_operator_names()
            assert function_spacing(row.latex + r"{\left(x \right)}").startswith(rf"\operatorname{{{name}}}")
    assert _FUNCTION.pattern.count("|") == 2 * len(latex_operator_names()) - 1
    assert re.fullmatch(_FUNCTION, r"\log")


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_mistake_generator_uses_the_rows_mistakes(row):
    codes = [c for c, _ in mistake_variants(row.apply(INNER), x)]
    assert "chain-missing-inner" in codes
    for code in row.mistakes:
        assert code in codes
    assert row.category in CATEGORIES
    assert row.category in rules_needed(row.apply(INNER), x)


def test_every_row_with_a_class_is_found_by_class():
    assert {f.name for f in by_class().values()} == set(IDS)


def test_not_in_course_names_are_refused_by_name():
    for name in sorted(NOT_IN_COURSE):
        with pytest.raises(ParseError, match=f"'{name}' is not a supported function"):
            parse(f"{name}(x)")


@pytest.mark.parametrize("row", ROWS, ids=IDS)
def test_maxima_export_writes_and_reads_every_row(row):
    from quizgen.maxima import from_maxima, to_maxima

    f = row.apply(INNER)
    assert from_maxima(to_maxima(f)) == f
    from quizgen.printing import readable_signs

    assert from_maxima(to_maxima(row.d(INNER))) == readable_signs(row.d(INNER))  # sign u is written u/|u|
