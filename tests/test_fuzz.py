"""Property tests: random text and random formulas never crash the parser or the checker; keys pass, mistakes don't."""

import re

import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
import pytest

from quizgen.batch import grade_batch
from quizgen.checker import Verdict, check_answer, check_text
from quizgen.equiv import equivalent
from quizgen.numeric import frame_for
from quizgen.errors import ParseError, QuizgenError
from quizgen.mathparse import parse, symbol
from quizgen.mistakes import diagnose, mistake_variants
from quizgen.printing import to_text

x = symbol("x")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MATHY = "x0123456789+-*/^().,  eπ√²³⁻·−×sincotalgexpqrtbuf_{}[]'\"\\;=!|%&@#$`~<>?\t\n"


def checked(problem: str, answer: str):
    """check_text's only allowed outcomes: a Verdict or one of our own errors."""
    try:
        v = check_text(problem, answer)
    except QuizgenError as e:
        # Typed text can only be unreadable: a ParseError that says which of the two it was, on one line.
        assert isinstance(e, ParseError), f"{type(e).__name__}: {e}"
        assert e.field in ("problem", "answer"), e.field
        msg = str(e)
        assert msg.startswith("cannot read ") and "\n" not in msg and "Traceback" not in msg, msg
        assert msg == e.one_line()
        return None
    assert isinstance(v, Verdict)
    assert isinstance(v.correct, bool) and isinstance(v.feedback, str) and v.feedback
    v.to_json()
    return v


@FAST
@given(st.text(alphabet=MATHY, max_size=40), st.text(alphabet=MATHY, max_size=40))
def test_random_math_like_text_never_crashes(problem, answer):
    checked(problem, answer)


@FAST
@given(st.text(max_size=30))
def test_random_unicode_never_crashes(text):
    checked(text, "1")
    checked("x^2", text)


@FAST
@given(st.lists(st.one_of(st.text(max_size=20), st.binary(max_size=20)), max_size=6))
def test_grade_batch_never_raises(lines):
    rows = list(grade_batch(lines))
    for r in rows:
        assert "line" in r and (("error" in r) != ("correct" in r))


# Well-formed formulas built from the course's functions.
LEAF = st.sampled_from(["x", "x", "x", "2", "3", "5", "1/2", "e", "pi", "0.5", "x^2", "x^3"])
FUNCS = ["sin", "cos", "tan", "ln", "exp", "sqrt", "arctan", "sec", "arcsin", "log_2", "cbrt"]


def _grow(children):
    return st.one_of(
        st.tuples(st.sampled_from(FUNCS), children).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(lambda t: f"({t[0]}){t[1]}({t[2]})"),
        st.tuples(children, st.sampled_from(["2", "3", "-1", "1/2", "-2", "x"])).map(lambda t: f"({t[0]})^{t[1]}"),
        st.tuples(st.sampled_from(["2", "3", "10", "e"]), children).map(lambda t: f"{t[0]}^({t[1]})"),
        st.tuples(st.sampled_from(["2", "3", "-1", "5"]), children).map(lambda t: f"{t[0]}({t[1]})"),
    )


FORMULA = st.recursive(LEAF, _grow, max_leaves=6)


def _problem(text):
    try:
        expr = parse(text)
    except QuizgenError:
        assume(False)
    # cos(2)^x (a negative base) and √(x²) = |x| (absolute values) are outside the course's functions.
    key = sp.diff(expr, x)
    assume(expr.has(x) and not key.has(sp.I, sp.Abs, sp.sign, sp.zoo, sp.nan))
    assume(frame_for(x, expr, key).real)  # (−x²)^x is real nowhere: its "derivative" is not a course question
    return expr


@FAST
@given(FORMULA, FORMULA)
def test_random_formulas_never_crash_the_checker(problem, answer):
    checked(problem, answer)


@FAST
@given(FORMULA)
def test_the_key_of_a_random_formula_is_accepted(text):
    expr = _problem(text)
    key = sp.diff(expr, x)
    assert equivalent(key, sp.expand(key) if sp.count_ops(key) < 60 else key, x, domain=expr) == "equal"
    typed = str(key).replace("**", "^").replace("E", "e")
    assume(not re.search(r"\d{31}", typed))  # longer literals are refused by the parser's stated limit
    assert check_answer(expr, typed, expected=key).correct


@FAST
@given(FORMULA)
def test_mistake_variants_of_a_random_formula_are_rejected_with_their_code(text):
    expr = _problem(text)
    key = sp.diff(expr, x)
    for code, wrong in mistake_variants(expr, x, key):
        assert equivalent(key, wrong, x, domain=expr) != "equal"
        assert diagnose(expr, x, wrong, expected=key)[0] == code


@FAST
@given(FORMULA)
def test_unicode_printing_reads_back_as_the_same_function(text):
    expr = _problem(text)
    key = sp.diff(expr, x)
    shown = to_text(key)
    try:
        back = parse(shown)
    except QuizgenError as e:  # a printer/parser mismatch would be a bug in one of them
        pytest.fail(f"{shown!r} (printed from {key}) cannot be read back: {e}")
    assert equivalent(key, back, x, domain=expr) == "equal", (shown, key, back)


def test_radical_coefficient_reads_back():
    e = sp.sqrt(2) * x
    assert equivalent(e, parse(to_text(e)), x) == "equal"


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["power", "basic", "product", "quotient", "chain", "exp-log"]), st.integers(1, 3),
       st.integers(0, 10**6))
def test_generated_problems_key_accepted_and_variants_rejected(topic, difficulty, seed):
    from quizgen.problems import generate_set

    for p in generate_set(2, topics=[topic], difficulty=difficulty, seed=seed).problems:
        v = check_answer(p.expr, p.answer_text, p.variable, expected=p.answer)
        assert v.correct and v.form["simplified"], (p.question_text, p.answer_text, v.form)
        for code, wrong in mistake_variants(p.expr, p.var, p.answer):
            v = check_answer(p.expr, to_text(wrong), p.variable, expected=p.answer)
            assert (v.correct, v.mistake) == (False, code), (p.question_text, code, to_text(wrong))


@pytest.mark.slow
@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FORMULA, FORMULA)
def test_many_random_formulas_never_crash_the_checker(problem, answer):
    checked(problem, answer)


@FAST
@given(st.recursive(LEAF, _grow, max_leaves=12))
def test_count_ops_is_at_most_two_a_node(text):
    """keyform skips SymPy's count_ops on trees of at most 200 nodes, since its 400-operation limit needs more: that
    holds only if no node counts for more than two operations (a negative fraction: a minus and a division)."""
    try:
        expr = parse(text)
    except QuizgenError:
        assume(False)
    for e in (expr, sp.diff(expr, x)):
        assert sp.count_ops(e) <= 2 * sum(1 for _ in sp.preorder_traversal(e))
