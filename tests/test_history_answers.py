"""Every answer given in a quiz is its own row in the history; stats, mastery and the drill count as before.

The scripted sessions below were also run through the schema-2 code (commit da2bb36, one row per problem whose
retries overwrote the first answer): tests/fixtures/history/stats-before.json is what it computed from them.
"""

from __future__ import annotations

import io
import json
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner

from quizgen.bank import Family
from quizgen.cli import main
from quizgen.history.drill import plan
from quizgen.history.progress import compute_stats
from quizgen.history.store import MIGRATIONS, SCHEMA_VERSION, History
from quizgen.mathparse import parse
from quizgen.printing import to_text
from quizgen.problems import make_problem
from quizgen.quiz import QuizSession
from quizgen.render.terminal import pipe_io

FIXTURES = Path(__file__).parent / "fixtures" / "history"
T0 = 1_700_000_000.0
DAY = 86_400.0


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    # The drill's plan counts calendar days; the fixture was computed in UTC.
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def problem(text, topic, difficulty):
    fam = Family(f"test-{topic}-{difficulty}", topic, difficulty, "test", text, (), (),
                 "Differentiate with respect to x.", max_answer_length=200, constant_derivative=True)
    return make_problem(fam, parse(text))


@dataclass
class Verdict:
    correct: bool
    interpreted_as: str
    mistake: str | None
    feedback: str
    form: dict = field(default_factory=dict)


def checker(expr, text, var="x", expected=None):
    """Fixed wording and a mistake code per answer (its length), so each wrong answer's code can be told apart."""
    a = parse(text, var)
    if sp.simplify(a - expected) == 0:
        return Verdict(True, to_text(a), None, "Correct.", {"simplified": True, "issues": []})
    return Verdict(False, to_text(a), f"mistake-{len(text)}", "Not the derivative.")


class Clock:
    def __init__(self, t=T0):
        self.t = t

    def __call__(self):
        self.t += 7.0
        return self.t


P = [problem("(x^2+1)^3", "chain", 2), problem("sin(3x)", "chain", 1), problem("x^5", "power", 1),
     problem("x^4", "power", 2), problem("x e^x", "product", 2), problem("x^7", "power", 3),
     problem("cos(5x)", "chain", 3)]
# (problems asked, lines typed, day): first tries, retries right and wrong, hints before and after a try, skip,
# steps after a miss, quit in the middle of a problem, and sessions on later days.
SESSIONS = [
    ([0, 1, 2], ["3(x^2+1)^2", "6x(x^2+1)^2", "3cos(3x)", "5x^3", "5x^4"], 0),
    ([3, 4, 5], ["4x^3", "?", "e^x + x e^x", "skip"], 0),
    ([6, 0, 2, 3], ["-5sin(5x)", "1", "2", "5x^4", "4x^3"], 1),
    ([5, 6, 1], ["?", "7x^6", "x", "?", "steps", "3cos(3x)"], 2),
    ([4, 3, 5, 0], ["e^x", "x", "4x^3", "7x^6", "1", "quit"], 3),
    ([2, 2, 6, 6, 5], ["5x^4", "5x^4", "-5sin(5x)", "-5sin(5x)", "7x^6"], 5),
]


def record_all(path, history_cls=History):
    clock = Clock()
    with history_cls(path, clock=clock) as h:
        for idx, lines, day in SESSIONS:
            clock.t = max(clock.t, T0 + day * DAY)
            qio = pipe_io(io.StringIO("".join(line + "\n" for line in lines)), io.StringIO())
            QuizSession([P[i] for i in idx], qio, h, checker=checker, kind="quiz", seed=day).run()
        return h.attempts()


def summary(attempts) -> dict:
    now = T0 + 6 * DAY
    stats = compute_stats(attempts, now=now)
    # Per ask (schema 4) is new: every answer here asked f′(x), so it is the totals again.
    asks = stats.pop("asks")
    assert set(asks) <= {"derivative"} and asks.get("derivative", {}).get("attempts", 0) == stats["total"]["attempts"]
    return {"stats": stats,
            "plan": [[p.topic, p.difficulty, p.reason] for p in plan(attempts, 10, 3, date.fromtimestamp(now))]}


# ------------------------------------------------------------------------------------------------------------
# The schema-2 writer, as it was: one row per problem, a retry replacing the first answer


class SchemaTwoHistory(History):
    """History as of schema version 2: its migrations and its upserting record(), copied from commit da2bb36."""

    def _migrate(self):
        self.conn.execute("BEGIN IMMEDIATE")
        for step in MIGRATIONS[:2]:
            for sql in step:
                self.conn.execute(sql)
        self.conn.execute("PRAGMA user_version = 2")
        self.conn.execute("COMMIT")

    def record(self, session_id, position, problem, *, outcome, correct, given=None, tries=0, assisted=False,
               mistake=None, hints=0, review=False, started_at=None, **_new):
        now = self.clock()
        params = json.dumps([[str(k), str(v)] for k, v in getattr(problem, "params", ()) or ()])
        self.conn.execute(
            """INSERT INTO attempts (session_id, position, problem_id, family, topic, difficulty, variable, expr,
                   params, question_text, answer_text, given, tries, correct, assisted, outcome, mistake, started_at,
                   answered_at, hints, review)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (session_id, position) DO UPDATE SET
                   given = excluded.given, tries = excluded.tries, correct = excluded.correct,
                   assisted = excluded.assisted, outcome = excluded.outcome, mistake = excluded.mistake,
                   answered_at = excluded.answered_at, hints = excluded.hints""",
            (session_id, position, problem.id, problem.family, problem.topic, int(problem.difficulty),
             problem.variable, str(problem.expr), params, problem.question_text, problem.answer_text, given,
             tries, int(bool(correct)), int(bool(assisted)), outcome, mistake,
             now if started_at is None else started_at, now, hints, int(bool(review))))


def old_history(path) -> Path:
    """A schema-2 database holding SESSIONS, written the old way."""
    clock = Clock()
    h = SchemaTwoHistory(path, clock=clock)
    for idx, lines, day in SESSIONS:
        clock.t = max(clock.t, T0 + day * DAY)
        qio = pipe_io(io.StringIO("".join(line + "\n" for line in lines)), io.StringIO())
        QuizSession([P[i] for i in idx], qio, h, checker=checker, kind="quiz", seed=day).run()
    assert h.schema_version() == 2
    h.close()
    return Path(path)


# ------------------------------------------------------------------------------------------------------------
# Each answer is kept


def test_a_retry_keeps_the_first_answer_and_its_mistake(tmp_path):
    with History(tmp_path / "h.db", clock=Clock()) as h:
        qio = pipe_io(io.StringIO("3(x^2+1)^2\n6x(x^2+1)^2\n?\n1\n2\n"), io.StringIO())
        QuizSession([P[0], P[1]], qio, h, checker=checker).run()
        answers = h.answers()
        [first, second] = h.attempts()
    assert [(a.position, a.try_no, a.given, a.correct, a.mistake, a.hints) for a in answers] == [
        (1, 1, "3(x^2+1)^2", False, "mistake-10", 0),
        (1, 2, "6x(x^2+1)^2", True, None, 0),
        (2, 1, "1", False, "mistake-1", 1),
        (2, 2, "2", False, "mistake-1", 1),
    ]
    assert [a.attempt_id for a in answers] == [first.id, first.id, second.id, second.id]
    assert answers[0].answered_at < answers[1].answered_at
    # The problem's row still holds its final state, as stats and the drill read it.
    assert (first.outcome, first.tries, first.given, first.mistake) == ("correct", 2, "6x(x^2+1)^2", "mistake-10")
    assert (second.outcome, second.tries, second.hints, second.assisted) == ("wrong", 2, 1, True)


def test_answers_are_kept_through_the_cli(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZGEN_HOME", str(tmp_path / "home"))
    gen = json.loads(CliRunner().invoke(main, ["generate", "-n", "1", "--topic", "power", "--seed", "5",
                                               "--format", "json"]).output)
    right = gen["problems"][0]["answer"]
    r = CliRunner().invoke(main, ["quiz", "-n", "1", "--topic", "power", "--seed", "5"], input=f"x\n{right}\n")
    assert r.exit_code == 0, r.output
    with History() as h:
        assert [(a.try_no, a.given, a.correct) for a in h.answers()] == [(1, "x", False), (2, right, True)]


def test_only_graded_answers_are_rows(tmp_path):
    """An unreadable line is not counted (no try), nor are hints, skips and steps: they stay on the problem's row."""
    with History(tmp_path / "h.db", clock=Clock()) as h:
        qio = pipe_io(io.StringIO("6x(x^2+1\n?\nskip\nsteps\n"), io.StringIO())
        QuizSession([P[0], P[1]], qio, h, checker=checker).run()
        assert h.answers() == []
        assert [(a.outcome, a.hints) for a in h.attempts()] == [("skipped", 1), ("revealed", 0)]


def test_answers_of_one_session(tmp_path):
    path = tmp_path / "h.db"
    record_all(path)
    with History(path) as h:
        everything = h.answers()
        per_session = [a for s in h.sessions() for a in h.answers(session_id=s.id)]
        assert sorted(a.id for a in per_session) == sorted(a.id for a in everything)
        assert len(everything) == 25
        # every try of every problem has its row: the rows of one problem number 1, 2, ... up to its tries
        for att in h.attempts():
            tries = [a.try_no for a in everything if a.attempt_id == att.id]
            assert tries == list(range(1, att.tries + 1))


# ------------------------------------------------------------------------------------------------------------
# Stats, mastery and the drill count exactly as before


def test_stats_mastery_and_drill_plan_are_what_the_schema_2_code_computed(tmp_path):
    before = json.loads((FIXTURES / "stats-before.json").read_text("utf-8"))
    assert summary(record_all(tmp_path / "h.db")) == before


def test_the_old_writer_and_the_new_one_give_the_same_stats(tmp_path):
    new = summary(record_all(tmp_path / "new.db"))
    with History(old_history(tmp_path / "old.db")) as h:  # migrated on opening
        assert h.schema_version() == SCHEMA_VERSION
        assert summary(h.attempts()) == new


# ------------------------------------------------------------------------------------------------------------
# Migration from schema 2


def test_migrating_a_schema_2_history_keeps_every_row_readable(tmp_path):
    path = old_history(tmp_path / "old.db")
    conn = sqlite3.connect(path)
    before = conn.execute("SELECT * FROM attempts ORDER BY id").fetchall()
    conn.close()
    with History(path) as h:
        assert h.schema_version() == SCHEMA_VERSION == 4
        after = h.conn.execute("SELECT * FROM attempts ORDER BY id").fetchall()
        # Schema 4 adds what was asked: f′(x), no point, order 1 for every earlier row.
        assert [row[:-3] for row in after] == before
        assert {row[-3:] for row in after} == {("derivative", None, 1)}
        answers = h.answers()
        attempts = {a.id: a for a in h.attempts()}
    # The old file kept only each problem's last answer: that one becomes a row (as its try number), the earlier
    # ones were overwritten before this version and cannot come back.
    answered = [a for a in attempts.values() if a.tries]
    assert len(answers) == len(answered) == 21
    for ans in answers:
        att = attempts[ans.attempt_id]
        assert (ans.try_no, ans.given, ans.correct) == (att.tries, att.given, att.correct)
        assert ans.hints is None  # not recorded then
        # a code is kept only when it surely belongs to that answer (the only try, and wrong)
        assert ans.mistake == (att.mistake if att.tries == 1 and not att.correct else None)


def test_a_migrated_history_takes_new_answers(tmp_path):
    path = old_history(tmp_path / "old.db")
    with History(path, clock=Clock(T0 + 10 * DAY)) as h:
        n = len(h.answers())
        qio = pipe_io(io.StringIO("1\n3cos(3x)\n"), io.StringIO())
        QuizSession([P[1]], qio, h, checker=checker).run()
        assert [(a.try_no, a.given) for a in h.answers()[n:]] == [(1, "1"), (2, "3cos(3x)")]
        assert h.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert h.conn.execute("PRAGMA foreign_key_check").fetchall() == []
