"""The derivative unit's own topics (issue 10): log-diff, inverse-trig and ml — their banks, keys, steps and asks."""

import json

import pytest
import sympy as sp

from quizgen.bank import load_bank
from quizgen.mathparse import parse, parse_sympy_str, symbol
from quizgen.problems import generate_set
from quizgen.rules import TOPICS

BANK = load_bank()
NEW = ("log-diff", "inverse-trig", "ml")
x = symbol("x")


def run(*args, stdin=None):
    from click.testing import CliRunner

    from quizgen.cli import main

    r = CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def test_the_new_topics_are_topics_and_stay_out_of_mixed_sets():
    from quizgen.rules import SEVERAL_TOPICS

    assert set(NEW) <= set(TOPICS) and [t for t in BANK.topics if t not in SEVERAL_TOPICS] == list(TOPICS)
    for t in NEW:
        assert not BANK.topics[t].mixed, t
    assert {p.topic for p in generate_set(40, seed=2, bank=BANK).problems}.isdisjoint(NEW)


@pytest.mark.parametrize("topic", NEW)
@pytest.mark.parametrize("difficulty", [1, 2, 3])
@pytest.mark.parametrize("seed", [1, 3])
def test_twelve_distinct_problems_per_difficulty(topic, difficulty, seed):
    ps = generate_set(12, topics=[topic], difficulty=difficulty, seed=seed, bank=BANK)
    assert len({str(p.expr) for p in ps.problems}) == 12
    assert all(p.topic == topic and p.difficulty == difficulty for p in ps.problems)
    for p in ps.problems:
        assert _equal(p.answer, sp.diff(p.expr, p.var), p.var, p.expr), (p.question_text, p.answer_text)


@pytest.mark.parametrize("topic", NEW)
def test_generate_topic_on_the_command_line(topic):
    rc, out, err = run("generate", "--topic", topic, "-n", "12", "--difficulty", "2", "--seed", "5", "--format",
                       "json")
    assert rc == 0, err
    doc = json.loads(out)
    assert len({p["expr"] for p in doc["problems"]}) == 12


# ---------------------------------------------------------------- log-diff: keys y·(ln y)′, steps ln first

def test_log_diff_keys_are_multiplied_back():
    from quizgen.keyform import log_diff_key
    from quizgen.printing import to_text

    assert to_text(log_diff_key(parse("x^(sin(2x))"), x)) == "x^(sin(2x))(2ln(x) cos(2x) + sin(2x)/x)"
    assert to_text(log_diff_key(parse("3x^(2x)"), x)) == "6x^(2x)(ln(x) + 1)"
    e = parse("x^2 (x+1)^3/(x-1)^4")
    k = log_diff_key(e, x)
    assert to_text(k) == "x²(x + 1)³(3/(x + 1) − 4/(x − 1) + 2/x)/(x − 1)⁴"
    assert sp.simplify(k - sp.diff(e, x)) == 0
    assert log_diff_key(parse("(x^2+1)^3"), x) is None  # one power: the chain rule, not ln first


def test_log_diff_steps_show_ln_differentiate_and_multiply_back():
    from quizgen.solution import step_rows

    for fam in [f for f in BANK.topics["log-diff"].families]:
        p = generate_set(1, families=[fam.id], seed=4, bank=BANK).problems[0]
        rows = step_rows(p.steps)
        assert rows[0][1] in ("Logarithmic differentiation", "Constant multiple rule"), fam.id
        texts = [t for _, t in next(r for r in rows if r[1] == "Logarithmic differentiation")[2]]
        assert texts[0].startswith("ln y = "), (fam.id, texts)
        assert texts[1].startswith("y′/y = (ln y)′ = "), (fam.id, texts)
        assert texts[2].startswith("y′ = y·(ln y)′ = "), (fam.id, texts)


# ---------------------------------------------------------------- every ask on every topic

def _truth(p):
    """What the ask's answer must be, straight from sympy.diff (the line through (a, f(a)) for lines)."""
    v = symbol(p["variable"])
    f = parse_sympy_str(p["expr"], p["variable"])
    if p["ask"] == "second":
        return sp.diff(f, v, 2), f, v
    a = parse_sympy_str(p["point"], p["variable"])
    fa, m = f.subs(v, a), sp.diff(f, v).subs(v, a)
    assert m != 0 or p["ask"] != "normal", "a generated normal is never vertical"
    return {"value": m, "tangent": fa + m * (v - a), "normal": fa - (v - a) / m}[p["ask"]], f, v


def _equal(a, b, v, f) -> bool:
    if sp.simplify(a - b) == 0:
        return True
    from quizgen.numeric import frame_for

    t = frame_for(v, f, b).tally(a, b, enough=6)
    return t.differ is None and t.agree >= 6


# The unit's topics in every run; the earlier six (also drawn by test_asks' mixed sets) with --runslow.
@pytest.mark.parametrize("topic", [t if t in NEW else pytest.param(t, marks=pytest.mark.slow) for t in TOPICS])
@pytest.mark.parametrize("ask", ["second", "value", "tangent", "normal"])
def test_every_ask_on_every_topic(topic, ask):
    rc, out, err = run("generate", "-n", "8", "--ask", ask, "--topic", topic, "--seed", "3", "--format", "json")
    assert rc == 0, err
    doc = json.loads(out)
    assert len(doc["problems"]) == 8
    for p in doc["problems"]:
        truth, f, v = _truth(p)
        answer = parse_sympy_str(p["answer"], p["variable"])
        assert _equal(answer, truth, v, f), (p["question_text"], p["answer"], p.get("point"))
        if "point" in p:
            from quizgen.asks.base import inside

            assert inside(f, v, parse_sympy_str(p["point"], p["variable"])), (p["question_text"], p["point"])


# ---------------------------------------------------------------- drill: the unit's topics once practised

def test_drill_takes_the_units_topics_only_once_practised():
    from datetime import date

    from quizgen.history.drill import plan
    from quizgen.history.store import Attempt
    from quizgen.rules import NAMED_TOPICS

    from quizgen.rules import SEVERAL_TOPICS

    assert set(NAMED_TOPICS) | set(SEVERAL_TOPICS) == {t for t, v in BANK.topics.items() if not v.mixed}
    fresh = plan([], 12, seed=1, today=date(2026, 1, 5))
    assert {p.topic for p in fresh}.isdisjoint(NAMED_TOPICS)  # a first drill is the drill it always was
    t = 1767600000.0
    a = Attempt(0, 1, 1, "p", "logdiff-constant-times-x-to-x", "log-diff", 1, "x", "x**x", (), "xˣ",
                "xˣ(ln(x) + 1)", "", 1, False, False, "wrong", None, t, t)
    picks = plan([a], 12, seed=1, today=date(2026, 1, 5))
    assert "log-diff" in {p.topic for p in picks}


def test_readme_shows_the_units_topics_as_they_are():
    import re
    import shlex
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("### The derivative unit's topics", 1)[1].split("\n**`quizgen banks", 1)[0]
    block = re.search(r"```console\n(.*?)```", section, re.S).group(1)
    runs = re.split(r"^\$ ", block, flags=re.M)[1:]
    assert len(runs) == 2
    for r in runs:
        command, _, expected = r.partition("\n")
        args = shlex.split(command)
        assert args[0] == "quizgen"
        rc, out, err = run(*args[1:])
        assert out == expected, command
