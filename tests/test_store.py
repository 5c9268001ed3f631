"""Tests for quizgen.store: the SQLite history (migrations, concurrent writers) and the progress replayed from it."""

from __future__ import annotations

import json
import sqlite3
import threading

import pytest

from quizgen.bank import Family
from quizgen.problems import make_problem
from quizgen.mathparse import parse
from quizgen.errors import StoreError
from quizgen.history.progress import compute_stats, replay
from quizgen.history.store import (
    LEVELS,
    MIGRATIONS,
    SCHEMA_VERSION,
    Attempt,
    History,
    data_dir,
    default_db_path,
)
from quizgen.rules import NAMED_TOPICS, TOPICS

DAY = 86_400.0
T0 = 1_700_000_000.0


def problem(text="(x^2+1)^3", topic="chain", difficulty=2, fid="test-chain"):
    fam = Family(fid, topic, difficulty, "test", text, (), (), "Differentiate with respect to x.",
                 max_answer_length=200, constant_derivative=True)
    return make_problem(fam, parse(text))


class Clock:
    def __init__(self, t=T0):
        self.t = t

    def __call__(self):
        return self.t


def attempt(topic="chain", difficulty=1, correct=True, assisted=False, session=1, t=T0, outcome=None):
    return Attempt(0, session, 1, "p", "fam", topic, difficulty, "x", "x**2", (), "x²", "2x", "2x", 1, correct,
                   assisted, outcome or ("correct" if correct else "wrong"), None, t, t)


# ------------------------------------------------------------------------------------------------------------
# Location


def test_data_dir_follows_quizgen_home(monkeypatch, tmp_path):
    monkeypatch.setenv("QUIZGEN_HOME", str(tmp_path / "h"))
    assert data_dir() == tmp_path / "h"
    assert default_db_path() == tmp_path / "h" / "history.sqlite3"


def test_the_test_run_never_uses_the_real_history_or_cache():
    """tests/conftest.py points both at a private temp folder before any test module is imported."""
    import os
    import tempfile

    import platformdirs

    assert str(data_dir()) != platformdirs.user_data_dir("quizgen", appauthor=False)
    for var in ("QUIZGEN_HOME", "QUIZGEN_CACHE_DIR"):
        assert os.environ[var].startswith(os.path.join(tempfile.gettempdir(), "quizgen-tests-")), var


def test_data_dir_defaults_to_platform_user_data_dir(monkeypatch):
    import platformdirs

    monkeypatch.delenv("QUIZGEN_HOME", raising=False)
    assert str(data_dir()) == platformdirs.user_data_dir("quizgen", appauthor=False)


def test_history_creates_its_directory_and_uses_wal(tmp_path):
    with History(tmp_path / "a" / "b" / "h.db") as h:
        assert h.schema_version() == SCHEMA_VERSION
        assert h.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert h.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


# ------------------------------------------------------------------------------------------------------------
# Writing and reading attempts


def test_retries_update_one_attempt_and_keep_the_final_state(tmp_path):
    clock = Clock()
    p = problem()
    with History(tmp_path / "h.db", clock=clock) as h:
        sid = h.start_session("quiz", 7, {"n": 1}, 1)
        h.record(sid, 1, p, outcome="wrong", correct=False, given="3(x^2+1)^2", tries=1, mistake="chain-missing-inner")
        clock.t += 30
        h.record(sid, 1, p, outcome="correct", correct=True, given="6x(x^2+1)^2", tries=2,
                 mistake="chain-missing-inner")
        [a] = h.attempts()
    assert (a.outcome, a.correct, a.tries, a.given, a.mistake) == ("correct", True, 2, "6x(x^2+1)^2",
                                                                   "chain-missing-inner")
    assert a.answered_at == T0 + 30 and a.started_at == T0
    assert (a.topic, a.difficulty, a.family, a.expr, a.question_text) == ("chain", 2, "test-chain", "(x**2 + 1)**3",
                                                                          "(x² + 1)³")
    assert parse(a.expr) == p.expr


def test_each_answer_is_visible_to_another_connection_at_once(tmp_path):
    path = tmp_path / "h.db"
    writer = History(path)
    reader = History(path)
    sid = writer.start_session("quiz")
    writer.record(sid, 1, problem(), outcome="wrong", correct=False, given="1", tries=1)
    assert [a.outcome for a in reader.attempts()] == ["wrong"]
    writer.close()
    reader.close()


def test_last_session_skips_sessions_without_answers(tmp_path):
    with History(tmp_path / "h.db") as h:
        assert h.last_session() is None
        s1 = h.start_session("quiz", 1)
        h.record(s1, 1, problem(), outcome="skipped", correct=False)
        h.start_session("quiz", 2)  # quit before answering anything
        assert h.last_session().id == s1
        assert [a.outcome for a in h.session_attempts(s1)] == ["skipped"]


def test_attempts_since(tmp_path):
    clock = Clock()
    with History(tmp_path / "h.db", clock=clock) as h:
        sid = h.start_session("quiz")
        h.record(sid, 1, problem(), outcome="correct", correct=True)
        clock.t += 10 * DAY
        h.record(sid, 2, problem("x^3", "power", 1, "test-power"), outcome="correct", correct=True)
        assert [a.topic for a in h.attempts(since=T0 + DAY)] == ["power"]


# ------------------------------------------------------------------------------------------------------------
# Schema versions


def test_migrates_a_version_1_database_forward_keeping_its_rows(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for sql in MIGRATIONS[0]:
        conn.execute(sql)
    conn.execute("INSERT INTO sessions (kind, started_at) VALUES ('quiz', ?)", (T0,))
    conn.execute("""INSERT INTO attempts (session_id, position, problem_id, family, topic, difficulty, expr,
                    question_text, answer_text, given, tries, correct, outcome, started_at, answered_at)
                    VALUES (1, 1, 'p1', 'chain-x', 'chain', 2, 'sin(2*x)', 'sin(2x)', '2cos(2x)', '2cos(2x)', 1, 1,
                    'correct', ?, ?)""", (T0, T0))
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with History(path) as h:
        assert h.schema_version() == SCHEMA_VERSION == 4
        [a] = h.attempts()
        assert (a.problem_id, a.correct, a.hints, a.review) == ("p1", True, 0, False)
        indexes = {r[0] for r in h.conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert "attempts_topic_time" in indexes
        [answer] = h.answers()  # its one answer, kept as a row by the 2 -> 3 step
        assert (answer.attempt_id, answer.try_no, answer.given, answer.correct) == (a.id, 1, "2cos(2x)", True)


def test_refuses_a_database_from_a_newer_quizgen(tmp_path):
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match=rf"schema version {SCHEMA_VERSION + 1}, newer than this quizgen "
                                         rf"understands \({SCHEMA_VERSION}\)"):
        History(path)


def test_a_file_that_is_not_a_database_is_a_clean_error(tmp_path):
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot use the history at"):
        History(path)


@pytest.mark.timeout(60)
def test_two_connections_opening_a_fresh_database_migrate_once(tmp_path):
    path = tmp_path / "h.db"
    errors = []
    barrier = threading.Barrier(4)

    def open_it():
        try:
            barrier.wait()
            History(path).close()
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with History(path) as h:
        assert h.schema_version() == SCHEMA_VERSION


# ------------------------------------------------------------------------------------------------------------
# Concurrency: two quizzes at once


@pytest.mark.timeout(60)
def test_two_writers_at_once_lose_nothing_and_keep_the_file_sound(tmp_path):
    path = tmp_path / "h.db"
    History(path).close()
    p = problem()
    errors = []
    n = 150

    def quiz(kind):
        try:
            with History(path) as h:
                sid = h.start_session(kind)
                for i in range(n):
                    h.record(sid, i + 1, p, outcome="wrong", correct=False, given=str(i), tries=1, answered=True)
                    h.record(sid, i + 1, p, outcome="correct", correct=True, given=str(i), tries=2, answered=True)
                h.end_session(sid)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=quiz, args=(k,)) for k in ("quiz", "drill")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with History(path) as h:
        rows = h.attempts()
        assert len(rows) == 2 * n
        assert all(a.correct and a.tries == 2 for a in rows)
        assert len(h.answers()) == 4 * n  # both tries of every problem, each in one transaction with its problem
        assert sorted({a.session_kind for a in rows}) == ["drill", "quiz"]
        assert h.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert all(s.ended_at is not None for s in h.sessions())


# ------------------------------------------------------------------------------------------------------------
# Mastery and stats


def test_mastery_rises_with_unassisted_right_answers_at_rising_difficulty():
    rows = [attempt(difficulty=1, session=1)] * 5
    assert replay(rows)["chain"].mastery == "practising"  # easy problems alone do not make it proficient
    rows += [attempt(difficulty=2, session=1)]
    assert replay(rows)["chain"].mastery == "proficient"
    rows += [attempt(difficulty=3, session=1)] * 3
    assert replay(rows)["chain"].mastery == "proficient"  # mastery needs a later session (a review)
    rows += [attempt(difficulty=3, session=2)]
    assert replay(rows)["chain"].mastery == "mastered"
    assert replay(rows)["power"].mastery == "new"


def test_hinted_answers_do_not_earn_mastery_and_misses_in_review_lose_it():
    hinted = [attempt(difficulty=3, assisted=True, session=s) for s in (1, 2, 3)] * 3
    assert replay(hinted)["chain"].mastery == "practising"
    earned = [attempt(difficulty=2)] * 3 + [attempt(difficulty=3, session=2)] * 3
    assert replay(earned)["chain"].mastery == "mastered"
    lost = earned + [attempt(difficulty=1, correct=False, session=3)]
    assert replay(lost)["chain"].mastery == "proficient"
    assert replay(lost + [attempt(correct=False, outcome="skipped", session=3)])["chain"].mastery == "practising"
    assert replay(lost)["chain"].streak == 0
    assert replay(lost)["chain"].best_streak == 6


def test_stats_document_shape_and_counts():
    now = T0 + 30 * DAY
    rows = [
        attempt("chain", 2, True, t=T0),  # a month ago
        attempt("chain", 2, False, t=now - DAY),
        attempt("chain", 3, True, t=now - DAY),
        attempt("power", 1, True, t=now - 2 * DAY),
    ]
    doc = compute_stats(rows, now=now)
    assert set(doc) == {"total", "rules", "difficulties", "asks"}
    assert doc["total"] == {"attempts": 4, "correct": 3}
    # the derivative unit's topics (only in sets that name them) are listed once answered in, as the drill takes them
    assert list(doc["rules"]) == [t for t in TOPICS if t not in NAMED_TOPICS]
    assert "ml" in compute_stats(rows + [attempt("ml", 1, True, t=now)], now=now)["rules"]
    chain = doc["rules"]["chain"]
    assert chain == {"attempts": 3, "correct": 2, "accuracy": 0.667, "streak": 1, "best_streak": 1,
                     "mastery": "practising",
                     "last_7_days": {"attempts": 2, "correct": 1, "accuracy": 0.5}}
    assert doc["rules"]["quotient"] == {"attempts": 0, "correct": 0, "accuracy": None, "streak": 0,
                                        "best_streak": 0, "mastery": "new",
                                        "last_7_days": {"attempts": 0, "correct": 0, "accuracy": None}}
    assert doc["difficulties"]["2"] == {"attempts": 2, "correct": 1, "accuracy": 0.5,
                                        "last_7_days": {"attempts": 1, "correct": 0, "accuracy": 0.0}}
    assert set(doc["difficulties"]) == {"1", "2", "3"}
    assert all(r["mastery"] in LEVELS for r in doc["rules"].values())
    json.dumps(doc)
