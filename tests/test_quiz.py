"""The terminal quiz: scripted sessions (exact screens), history written as answered, redo, drill, the CLI, a kill,
and a real pseudo-terminal."""

from __future__ import annotations

import io
import json
import os
import queue
import random
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date

import pytest
import sympy as sp
from click.testing import CliRunner

from quizgen.bank import Family, load_bank
from quizgen.checker import check_answer
from quizgen.cli import main
from quizgen.history.drill import drill_set, plan, rule_plans
from quizgen.draw import DrawRejected, draw
from quizgen.problems import make_problem
from quizgen.mathparse import parse
from quizgen.render.terminal import pipe_io
from quizgen.quiz import (
    QuizSession,
    hint_view,
    preview,
    rebuild_problem,
    redo_problems,
    run_drill,
    step_views,
    wrap,
)
from quizgen.printing import to_text
from quizgen.history.store import Attempt, History

DAY = 86_400.0
T0 = 1_700_000_000.0


def problem(text, topic="chain", difficulty=2, fid="test-chain"):
    fam = Family(fid, topic, difficulty, "test", text, (), (), "Differentiate with respect to x.",
                 max_answer_length=200, constant_derivative=True)
    return make_problem(fam, parse(text))


@dataclass
class FakeVerdict:
    correct: bool
    interpreted_as: str
    mistake: str | None
    feedback: str
    form: dict = field(default_factory=dict)


def fake_checker(expr, text, var="x", expected=None):
    """A checker with fixed wording, so the screens below do not depend on quizgen.checker's messages."""
    a = parse(text, var)
    if sp.simplify(a - expected) == 0:
        return FakeVerdict(True, to_text(a), None, "Correct.", {"simplified": True, "issues": []})
    return FakeVerdict(False, to_text(a), "missing-inner",
                       "You differentiated the outer function but did not multiply by the inner derivative.")


class Ticks:
    """A clock returning the given times in turn, then the last one forever."""

    def __init__(self, *ts):
        self.ts = list(ts)

    def __call__(self):
        return self.ts.pop(0) if len(self.ts) > 1 else self.ts[0]


def play(problems, lines, history=None, checker=fake_checker, **kw):
    out = io.StringIO()
    qio = pipe_io(io.StringIO("".join(line + "\n" for line in lines)), out)
    kw.setdefault("clock", Ticks(0, 75))
    kw.setdefault("title", "quizgen quiz")
    result = QuizSession(problems, qio, history, checker=checker, **kw).run()
    return result, out.getvalue()


TWO = [problem("(x^2+1)^3"), problem("sin(3x)", difficulty=1)]

TRANSCRIPT = """\
quizgen quiz · 2 problems
Type each derivative the way you write it: 6x(x^2+1)^2, 2^x ln 2, -sin(3x).
Commands: ? or hint · skip · steps · 2d · quit · help
Same problems again: quizgen quiz -n 2 --seed 1

Problem 1 of 2  chain · difficulty 2

    d/dx [ (x² + 1)³ ]

  f′(x) = 3(x^2+1)^2
    read as: 3(x² + 1)²
  ✗ Not right.
    You differentiated the outer function but did not multiply by the inner
    derivative.
  Try once more (? for a hint, skip, steps).
  f′(x) = 6x(x^2+1
            ^
  Cannot read that: this parenthesis is never closed (add ')')
  Not counted; fix it and try again.
  f′(x) = 6x(x^2+1)^2
    read as: 6x(x² + 1)²
  ✓ Correct.

Problem 2 of 2  chain · difficulty 1

    d/dx [ sin(3x) ]

  f′(x) = 
  Type the derivative, or ? for a hint (help lists the commands).
  f′(x) = ?
  Hint 1 of 3: Chain rule   (f(g(x)))′ = f′(g(x))·g′(x)
    u = 3x, f(u) = sin(u)
  f′(x) = hint
  Hint 2 of 3: Derivative of sine   (sin x)′ = cos x
    d/du [ sin(u) ] = cos(u)
  f′(x) = skip
  Answer: 3cos(3x)

──────────────────────────────────────────────────────────────────────────────
Score 1/2 (50%) in 1 min 15 s.

  chain       1/2   █████·····  50%

Missed:
   2. d/dx [ sin(3x) ]
      = 3cos(3x)
"""


def test_scripted_session_screen_exactly():
    result, out = play(TWO, ["3(x^2+1)^2", "6x(x^2+1", "6x(x^2+1)^2", "", "?", "hint", "skip"],
                       regen="quizgen quiz -n 2 --seed 1")
    assert out == TRANSCRIPT
    assert [(r.outcome, r.tries, r.assisted, r.hints) for r in result.results] == [
        ("correct", 2, False, 0), ("skipped", 0, True, 2)]
    assert not result.stopped


def test_each_answer_is_in_the_history_as_given(tmp_path):
    with History(tmp_path / "h.db") as h:
        result, out = play(TWO, ["3(x^2+1)^2", "6x(x^2+1", "6x(x^2+1)^2", "?", "skip"], history=h,
                           kind="quiz", seed=1, options={"n": 2})
        rows = h.attempts()
        [s] = h.sessions()
    assert [(a.position, a.outcome, a.correct, a.tries, a.given, a.mistake, a.assisted, a.hints) for a in rows] == [
        (1, "correct", True, 2, "6x(x^2+1)^2", "missing-inner", False, 0),
        (2, "skipped", False, 0, None, None, True, 1)]
    assert (s.kind, s.seed, s.options, s.n_problems) == ("quiz", 1, {"n": 2}, 2)
    assert s.ended_at is not None
    assert out.endswith("Saved. `quizgen stats` shows your progress.\n"
                        "`quizgen quiz --redo-missed` asks the missed ones again.\n")


def test_the_same_advice_is_not_repeated_on_the_second_miss():
    _, out = play(TWO[:1], ["3(x^2+1)^2", "3(x^2+1)^2"])
    assert out.count("You differentiated the outer function") == 1
    assert "    read as: 3(x² + 1)²\n  ✗ Not right.\n  Answer: 6x(x² + 1)²\n" in out


def test_second_wrong_answer_shows_the_answer_and_worked_steps(tmp_path):
    with History(tmp_path / "h.db") as h:
        result, out = play(TWO[:1], ["3(x^2+1)^2", "2(x^2+1)^3"], history=h)
        [a] = h.attempts()
    assert (a.outcome, a.tries, a.given) == ("wrong", 2, "2(x^2+1)^3")
    block = out.split("  f′(x) = 2(x^2+1)^3\n")[1].split("\n──")[0]
    assert block == """\
    read as: 2(x² + 1)³
  ✗ Not right.
  Answer: 6x(x² + 1)²
  Steps:
  · Chain rule   (f(g(x)))′ = f′(g(x))·g′(x)
    u = x² + 1, f(u) = u³, f′(u) = 3(x² + 1)², u′ = 2x
    d/dx [ (x² + 1)³ ] = 6x(x² + 1)²
    · Power rule   (xⁿ)′ = n·xⁿ⁻¹
      n = 3
      d/du [ u³ ] = 3u²
    · Sum rule   (f ± g)′ = f′ ± g′
      d/dx [ x² + 1 ] = 2x
      · Power rule   (xⁿ)′ = n·xⁿ⁻¹
        n = 2
        d/dx [ x² ] = 2x
"""
    assert result.missed[0].problem is TWO[0]


def test_unreadable_answers_are_not_counted(tmp_path):
    with History(tmp_path / "h.db") as h:
        result, out = play(TWO[:1], ["6x(x^2+1", "6x)", "quit"], history=h)
        assert h.attempts() == []
    assert out.count("Not counted; fix it and try again.") == 2
    assert "  f′(x) = 6x)\n            ^\n  Cannot read that: unmatched ')' (remove it or add a matching '(')\n" in out
    assert result.results == [] and result.stopped
    assert "No problem answered." in out


def test_eof_ends_cleanly_with_answers_so_far_saved(tmp_path):
    with History(tmp_path / "h.db") as h:
        result, out = play(TWO, ["6x(x^2+1)^2"], history=h)
        assert [a.outcome for a in h.attempts()] == ["correct"]
        assert h.sessions()[0].ended_at is not None
    assert result.stopped
    assert "Stopped after 1 of 2. Score 1/1 (100%) in 1 min 15 s." in out


def test_eof_after_a_wrong_first_try_keeps_it_as_wrong(tmp_path):
    with History(tmp_path / "h.db") as h:
        result, _ = play(TWO, ["3(x^2+1)^2"], history=h)
        assert [(a.outcome, a.tries) for a in h.attempts()] == [("wrong", 1)]
    assert [r.outcome for r in result.results] == ["wrong"]


def test_hinted_right_answer_counts_as_assisted_and_hints_run_out():
    result, out = play(TWO[1:], ["?", "?", "?", "?", "3cos(3x)"])
    assert [(r.outcome, r.assisted, r.hints) for r in result.results] == [("correct", True, 3)]
    assert "  No more hints; type steps for the whole solution.\n" in out
    assert "  ✓ Correct (with hints).\n" in out
    assert "1 of them with hints (right, but they do not count toward mastery).\n" in out


def test_steps_command_reveals_and_counts_as_missed():
    result, out = play(TWO[1:], ["steps"])
    assert [(r.outcome, r.assisted) for r in result.results] == [("revealed", True)]
    assert "  Answer: 3cos(3x)\n  Steps:\n  · Chain rule" in out


def test_help_and_2d_commands():
    long = problem("(3x^2+2x-1)/(sqrt(x)+e^(2x)) * ln(x^2+1)", "quotient", 3, "test-long")
    _, out = play([long], ["help", "2d", "quit"])
    assert "  skip        show the answer and go on (counts as missed)\n" in out
    assert out.count("────────────────────────────") >= 2  # shown with the question (long) and again for 2d
    assert all(len(line) <= 80 for line in out.splitlines())


def test_key_form_shown_when_a_right_answer_is_not_simplified():
    p = problem("(x^2+1)^3")
    _, out = play([p], ["3(x^2+1)^2 * 2x + 0"], checker=check_answer)
    assert "  ✓ Correct.\n" in out
    assert "    Simplified: 6x(x² + 1)²\n" in out


def test_real_checker_accepts_several_forms_and_names_the_mistake():
    p = problem("(x^2+1)^3")
    for answer in ("6x(x^2+1)^2", "6x^5+12x^3+6x", "6 x (x²+1)²", "(x^2+1)^2*6*x"):
        result, out = play([p], [answer], checker=check_answer)
        assert result.results[0].outcome == "correct", answer
        assert "  ✓ Correct.\n" in out
    verdict = check_answer(p.expr, "3(x^2+1)^2", "x", expected=p.answer)
    assert verdict.mistake == "chain-missing-inner"
    result, out = play([p], ["3(x^2+1)^2", "quit"], checker=check_answer)
    lines = "\n".join(wrap(verdict.feedback, "    "))
    assert f"    read as: 3(x² + 1)²\n  ✗ Not right.\n{lines}\n  Try once more" in out
    assert result.results[0].mistake == "chain-missing-inner"


def test_hints_never_give_the_answer_first():
    p = problem("(x^2+1)^3")
    first, n = hint_view(p.steps, 0)
    assert (first.title, first.parts, first.equation) == ("Chain rule", "u = x² + 1, f(u) = u³", "")
    assert p.answer_text not in first.parts
    assert n == 4 and hint_view(p.steps, 4) is None
    assert [v.rule for v in step_views(p.steps)] == ["chain", "power", "sum", "power"]


def test_live_preview_line():
    assert preview("6x(x^2+1)^2") == " read as: 6x(x² + 1)²"
    assert preview("2(x^2+6)") == " read as: 2(x² + 6)"  # as typed, not 2x² + 12
    assert preview("6x(x^2+1") == " … this parenthesis is never closed"
    assert preview("hint") == " command: hint"
    assert preview("") == " type the answer · ? hint · skip · steps · quit"


# ------------------------------------------------------------------------------------------------------------
# Redo the missed problems: stored as str(expr), read back with our own parser


def _one_draw_per_family():
    bank = load_bank()
    for fam in bank.families:
        rng = random.Random(fam.id)
        for _ in range(100):
            try:
                expr, values = draw(fam, rng)
                yield make_problem(fam, expr, values)
                break
            except DrawRejected:
                continue


def test_every_family_round_trips_through_the_history(tmp_path):
    problems = list(_one_draw_per_family())
    assert len(problems) == len(load_bank().families)
    with History(tmp_path / "h.db") as h:
        sid = h.start_session("quiz")
        for i, p in enumerate(problems):
            h.record(sid, i + 1, p, outcome="wrong", correct=False, tries=2)
        rows = h.attempts()
    bank = load_bank()
    for p, a in zip(problems, rows):
        assert parse(a.expr, a.variable) == p.expr, p.family
        q = rebuild_problem(a, bank)
        assert (q.id, q.family, q.topic, q.difficulty, q.question_text, q.answer_text) == (
            p.id, p.family, p.topic, p.difficulty, p.question_text, p.answer_text)


def test_redo_asks_the_last_sessions_misses_in_order(tmp_path):
    with History(tmp_path / "h.db") as h:
        three = TWO + [problem("e^(2x)", "chain", 1, "test-exp")]
        play(three, ["6x(x^2+1)^2", "skip", "1", "2"], history=h)
        problems, session = redo_problems(h)
        assert [p.question_text for p in problems] == ["sin(3x)", "e^(2x)"]
        assert session.kind == "quiz"
        # A family no longer in the banks is rebuilt from the stored expression alone.
        assert problems[0].answer_text == "3cos(3x)"


def test_redo_without_history_is_a_clean_error(tmp_path):
    from quizgen.errors import QuizgenError

    with History(tmp_path / "h.db") as h, pytest.raises(QuizgenError, match="no quiz in the history yet"):
        redo_problems(h)


# ------------------------------------------------------------------------------------------------------------
# Drill: adaptive selection


def att(topic, correct=True, difficulty=1, session=1, t=T0, assisted=False):
    return Attempt(0, session, 1, "p", "fam", topic, difficulty, "x", "x**2", (), "x²", "2x", "", 1, correct,
                   assisted, "correct" if correct else "wrong", None, t, t)


TODAY = date.fromtimestamp(T0 + DAY / 2)


def history_weak_chain():
    rows = []
    for i in range(8):
        rows.append(att("chain", correct=i % 4 == 0, difficulty=2))
        for t in ("power", "basic", "product", "quotient", "exp-log"):
            rows.append(att(t, correct=True, difficulty=1))
    return rows


def test_drill_favours_weak_rules():
    picks = plan(history_weak_chain(), 30, seed=3, today=TODAY)
    counts = {t: sum(1 for p in picks if p.topic == t) for t in {p.topic for p in picks}}
    assert counts["chain"] == max(counts.values())
    assert counts["chain"] >= 2 * max(v for k, v in counts.items() if k != "chain")
    assert {p.reason for p in picks if p.topic == "chain"} == {"weak"}
    assert {p.difficulty for p in picks if p.topic == "chain"} == {1}
    assert len(picks) == 30


def test_drill_is_deterministic_for_a_seed_and_history():
    rows = history_weak_chain()
    a, pa = drill_set(rows, 6, seed=42, today=TODAY)
    b, pb = drill_set(rows, 6, seed=42, today=TODAY)
    assert [p.id for p in a.problems] == [p.id for p in b.problems] and pa == pb
    assert [p.topic for p in a.problems] == [pk.topic for pk in pa]
    assert [p.difficulty for p in a.problems] == [pk.difficulty for pk in pa]
    assert [p.number for p in a.problems] == list(range(1, 7))
    c, _ = drill_set(rows, 6, seed=43, today=TODAY)
    assert [p.id for p in a.problems] != [p.id for p in c.problems]


def test_drill_gets_harder_as_a_rule_improves():
    shaky = [att("power", correct=i % 2 == 0) for i in range(6)]
    good = [att("power", correct=True, difficulty=1) for _ in range(8)]
    assert {p.topic: p.difficulty for p in rule_plans(shaky, TODAY)}["power"] == 2
    assert {p.topic: p.difficulty for p in rule_plans([att("power", False)] * 4, TODAY)}["power"] == 1
    assert {p.topic: p.difficulty for p in rule_plans(good, TODAY)}["power"] == 3


def _mastered(topic="power"):
    return [att(topic, difficulty=2, session=1)] * 3 + [att(topic, difficulty=3, session=2)] * 3


def test_mastered_rules_come_back_after_growing_intervals():
    rows = _mastered()
    by = {p.topic: p for p in rule_plans(rows, date.fromtimestamp(T0 + 1 * DAY))}
    assert by["power"].mastery == "mastered" and not by["power"].due and by["power"].weight == 0
    by = {p.topic: p for p in rule_plans(rows, date.fromtimestamp(T0 + 3 * DAY))}
    assert by["power"].due and by["power"].interval_days == 3
    picks = plan(rows, 5, seed=1, today=date.fromtimestamp(T0 + 3 * DAY))
    assert [p for p in picks if p.topic == "power"][0].reason == "review"
    # A passed review doubles the interval.
    t1 = T0 + 3 * DAY
    rows2 = rows + [att("power", difficulty=3, session=3, t=t1)]
    by = {p.topic: p for p in rule_plans(rows2, date.fromtimestamp(t1 + 4 * DAY))}
    assert by["power"].interval_days == 6 and not by["power"].due
    by = {p.topic: p for p in rule_plans(rows2, date.fromtimestamp(t1 + 6 * DAY))}
    assert by["power"].due


def test_all_mastered_and_nothing_due_still_makes_a_drill():
    rows = [r for t in ("power", "basic", "product", "quotient", "chain", "exp-log") for r in _mastered(t)]
    picks = plan(rows, 4, seed=2, today=date.fromtimestamp(T0 + DAY))
    assert len(picks) == 4 and {p.reason for p in picks} == {"extra"} and {p.difficulty for p in picks} == {3}


def test_run_drill_shows_the_plan_and_marks_reviews(tmp_path):
    clock_t = [T0]
    with History(tmp_path / "h.db", clock=lambda: clock_t[0]) as h:
        sid = h.start_session("quiz")
        p2 = problem("x^3", "power", 2, "test-power2")
        p3 = problem("x^5", "power", 3, "test-power3")
        for i, p in enumerate([p2, p2, p2]):
            h.record(sid, i + 1, p, outcome="correct", correct=True, tries=1)
        sid = h.start_session("quiz")
        for i, p in enumerate([p3, p3, p3]):
            h.record(sid, i + 1, p, outcome="correct", correct=True, tries=1)
        clock_t[0] = T0 + 5 * DAY
        out = io.StringIO()
        run_drill(pipe_io(io.StringIO("skip\n" * 3), out), 3, 9, history=h, checker=fake_checker,
                  today=date.fromtimestamp(T0 + 5 * DAY))
    text = out.getvalue()
    assert "Planned from your history (seed 9):\n" in text
    assert re.search(r"  power     ×1  due for review \(mastered\)\n", text)
    assert "power · difficulty 3 · review" in text


# ------------------------------------------------------------------------------------------------------------
# The commands, through CliRunner with a private QUIZGEN_HOME


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZGEN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path / "home"


def cli(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_quiz_with_a_seed_asks_exactly_what_generate_gives(home):
    gen = json.loads(cli("generate", "-n", "4", "--topic", "chain", "--seed", "5", "--format", "json").output)
    r = cli("quiz", "-n", "4", "--topic", "chain", "--seed", "5", input="skip\n" * 4)
    assert r.exit_code == 0
    asked = re.findall(r"^    d/dx \[ (.*) \]$", r.output, re.M)
    assert asked == [p["question_text"] for p in gen["problems"]]
    answers = re.findall(r"^  Answer: (.*)$", r.output, re.M)
    assert answers == [p["answer_text"] for p in gen["problems"]]
    assert "Same problems again: quizgen quiz -n 4 --topic chain --seed 5\n" in r.output
    assert "\x1b[" not in r.output  # plain text when not a terminal


def test_quiz_stats_and_redo_through_the_cli(home):
    gen = json.loads(cli("generate", "-n", "3", "--topic", "power", "--seed", "8", "--format", "json").output)
    p1 = gen["problems"][0]
    r = cli("quiz", "-n", "3", "--topic", "power", "--seed", "8", input=f"{p1['answer']}\nskip\n")
    assert r.exit_code == 0
    assert "  ✓ Correct.\n" in r.output
    assert "Stopped after 2 of 3. Score 1/2 (50%) in" in r.output
    doc = json.loads(cli("stats", "--format", "json").output)
    assert doc["total"] == {"attempts": 2, "correct": 1}
    assert doc["rules"]["power"]["attempts"] == 2 and doc["rules"]["power"]["mastery"] == "practising"
    assert sum(d["attempts"] for d in doc["difficulties"].values()) == 2
    text = cli("stats").output
    assert text.startswith("quizgen stats · 2 answered, 1 right (50%) · last 7 days: 2 answered, 50% right\n")
    assert re.search(r"^power +●○○ practising +2 +1  █████····· +50% +0 +2 +50%$", text, re.M)
    assert all(len(line) <= 80 for line in text.splitlines())
    redo = cli("quiz", "--redo-missed", input="skip\n")
    assert redo.exit_code == 0
    assert re.findall(r"^    d/dx \[ (.*) \]$", redo.output, re.M) == [gen["problems"][1]["question_text"]]
    assert (home / "history.sqlite3").exists()


def test_redo_when_nothing_was_missed(home):
    gen = json.loads(cli("generate", "-n", "1", "--topic", "power", "--seed", "8", "--format", "json").output)
    cli("quiz", "-n", "1", "--topic", "power", "--seed", "8", input=gen["problems"][0]["answer"] + "\n")
    r = cli("quiz", "--redo-missed")
    assert r.output == "Nothing to redo: your last session had no missed problems. Well done!\n"


def test_redo_and_stats_with_empty_history(home):
    r = CliRunner().invoke(main, ["quiz", "--redo-missed"])
    assert r.exit_code == 2
    assert r.output == "error: no quiz in the history yet; start one with `quizgen quiz`\n"
    assert cli("stats").output.startswith("No answers yet. Start with: quizgen quiz   (or quizgen drill)\n")
    assert json.loads(cli("stats", "--format", "json").output)["total"] == {"attempts": 0, "correct": 0}


def test_drill_through_the_cli_is_deterministic(home):
    a = cli("drill", "-n", "3", "--seed", "4", input="")
    b = cli("drill", "-n", "3", "--seed", "4", input="")
    assert a.exit_code == 0 and a.output == b.output  # nothing answered, so the history did not change
    assert "Planned from your history (seed 4" in a.output
    assert "No problem answered." in a.output


def test_corrupt_history_is_a_one_line_error(home):
    home.mkdir(parents=True)
    (home / "history.sqlite3").write_bytes(b"garbage" * 200)
    r = CliRunner().invoke(main, ["stats"])
    assert r.exit_code == 2
    assert r.output.startswith("error: cannot use the history at ") and r.output.count("\n") == 1


# ------------------------------------------------------------------------------------------------------------
# Real processes: a kill mid-quiz, and a real pseudo-terminal

QUIZGEN = [sys.executable, "-c", "from quizgen.cli import main; main()"]


def _reader(stream, q):
    for line in iter(stream.readline, ""):
        q.put(line)
    q.put(None)


def _wait_for(q, needle, timeout=60):
    seen = []
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            line = q.get(timeout=max(0.1, end - time.monotonic()))
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if needle in line:
            return seen
    raise AssertionError(f"never saw {needle!r} in:\n{''.join(seen)}")


@pytest.mark.timeout(180)  # longer than the waits inside, so those report what they saw first
def test_killed_quiz_keeps_every_answer_given(home):
    gen = json.loads(cli("generate", "-n", "4", "--topic", "chain", "--seed", "12", "--format", "json").output)
    env = {**os.environ, "QUIZGEN_HOME": str(home)}
    proc = subprocess.Popen(QUIZGEN + ["quiz", "-n", "4", "--topic", "chain", "--seed", "12"], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            encoding="utf-8")
    q: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, q), daemon=True).start()
    try:
        proc.stdin.write(gen["problems"][0]["answer"] + "\n")
        proc.stdin.flush()
        _wait_for(q, "Correct")
        proc.stdin.write("1\n")  # wrong: a first try, saved as wrong before the second
        proc.stdin.flush()
        _wait_for(q, "Try once more")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    doc = json.loads(cli("stats", "--format", "json").output)
    assert doc["total"] == {"attempts": 2, "correct": 1}
    with History() as h:
        assert [(a.position, a.outcome, a.given) for a in h.attempts()] == [
            (1, "correct", gen["problems"][0]["answer"]), (2, "wrong", "1")]
        assert [(a.position, a.try_no, a.given) for a in h.answers()] == [
            (1, 1, gen["problems"][0]["answer"]), (2, 1, "1")]


def _spawn(pexpect, home, *args, color=True):
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update({"QUIZGEN_HOME": str(home), "TERM": "xterm", "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": "80",
                "LINES": "24"})
    if not color:
        env["NO_COLOR"] = "1"
    return pexpect.spawn(QUIZGEN[0], QUIZGEN[1:] + list(args), env=env, dimensions=(24, 80), encoding="utf-8",
                         timeout=60)


@pytest.mark.timeout(180)
def test_real_terminal_session(home):
    """Right, unreadable, wrong, a hint and quit, in a real pseudo-terminal (prompt_toolkit's line editor)."""
    import click

    pexpect = pytest.importorskip("pexpect")
    gen = json.loads(cli("generate", "-n", "3", "--topic", "chain", "--seed", "21", "--format", "json").output)
    child = _spawn(pexpect, home, "quiz", "-n", "3", "--topic", "chain", "--seed", "21")
    try:
        child.expect_exact("f′(x) =")
        child.sendline(gen["problems"][0]["answer"])  # right
        child.expect_exact(click.style("✓ Correct.", fg="green", bold=True))  # coloured on a terminal
        child.expect_exact("Problem 2 of 3")
        child.sendline("1+")  # unreadable
        child.expect_exact("Not counted; fix it and try again.")
        child.sendline("0")  # wrong
        child.expect_exact("✗ Not right.")
        child.expect_exact("Try once more")
        child.sendline("?")  # a hint
        child.expect_exact("Hint 1 of ")
        child.sendline("quit")
        child.expect_exact("Stopped after 2 of 3.")
        child.expect_exact("Score 1/2 (50%)")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    with History() as h:
        assert [(a.outcome, a.tries, a.assisted) for a in h.attempts()] == [("correct", 1, False),
                                                                             ("wrong", 1, True)]


@pytest.mark.timeout(180)
def test_no_color_on_a_terminal(home):
    pexpect = pytest.importorskip("pexpect")
    child = _spawn(pexpect, home, "quiz", "-n", "1", "--seed", "3", color=False)
    try:
        child.expect_exact("f′(x) =")
        screen = child.before
        child.sendline("quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert "d/dx [" in screen and "\x1b[36m" not in screen and "\x1b[1m" not in screen
