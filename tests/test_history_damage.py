"""A damaged, read-only or foreign history, and bytes that are not UTF-8 on the quiz's input: one line, exit 2."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner

from quizgen.cli import main
from quizgen.errors import StoreError
from quizgen.history.store import History

QUIZGEN = [sys.executable, "-c", "from quizgen.cli import main; main()"]


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZGEN_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


def one_line_error(r, *needles):
    assert r.exit_code == 2, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert r.output.startswith("error: ") and r.output.count("\n") == 1, r.output
    for needle in needles:
        assert needle in r.output, r.output
    return r.output


def quiz_two(home):
    """A session of two problems, both missed: something for stats, drill and --redo-missed to read."""
    r = run("quiz", "-n", "2", "--topic", "power", "--seed", "5", input="x\nx\nskip\n")
    assert r.exit_code == 0, r.output
    return home / "history.sqlite3"


def damage(path, sql, *args):
    conn = sqlite3.connect(path)
    conn.execute(sql, args)
    conn.commit()
    conn.close()


# ------------------------------------------------------------------------------------------------------------
# Damaged rows


@pytest.mark.parametrize("command", [["stats"], ["stats", "--format", "json"], ["drill", "-n", "2"],
                                     ["quiz", "--redo-missed"]])
def test_a_difficulty_that_is_not_a_number(home, command):
    db = quiz_two(home)
    damage(db, "UPDATE attempts SET difficulty = 'hard' WHERE position = 1")
    one_line_error(run(*command, input=""), str(db), "damaged", "attempt 1", "difficulty 'hard'")


@pytest.mark.parametrize("column, value", [("tries", "two"), ("answered_at", "yesterday"), ("difficulty", 7),
                                           ("difficulty", 2.5), ("hints", -1), ("correct", "maybe")])
def test_other_damaged_fields_are_named(home, column, value):
    db = quiz_two(home)
    damage(db, f"UPDATE attempts SET {column} = ? WHERE position = 2", value)
    one_line_error(run("stats"), str(db), "damaged", "attempt 2", column)


def test_redo_of_a_stored_problem_that_cannot_be_read(home):
    db = quiz_two(home)
    damage(db, "UPDATE attempts SET expr = '((' WHERE position = 1")
    one_line_error(run("quiz", "--redo-missed", input=""), str(db), "damaged", "attempt 1", "'(('")


def test_redo_with_a_stored_variable_that_is_not_one(home):
    db = quiz_two(home)
    damage(db, "UPDATE attempts SET variable = 'xy' WHERE position = 2")
    one_line_error(run("quiz", "--redo-missed", input=""), str(db), "damaged", "attempt 2", "'xy'")


def test_redo_when_the_session_options_are_not_json(home):
    db = quiz_two(home)
    damage(db, "UPDATE sessions SET options = '{bad'")
    one_line_error(run("quiz", "--redo-missed", input=""), str(db), "damaged", "session 1", "options")


def test_malformed_pages_are_one_line_on_every_command(home):
    db = quiz_two(home)
    for seed in range(2, 5):  # rows on more than one page
        assert run("quiz", "-n", "10", "--seed", str(seed), input="x\n" * 20).exit_code == 0
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    roots = [r for (r,) in conn.execute("SELECT rootpage FROM sqlite_master WHERE tbl_name IN ('attempts', "
                                        "'sessions') AND rootpage > 1")]
    conn.close()
    raw = bytearray(db.read_bytes())
    for root in roots:  # no valid b-tree page type: every read of these tables and their indexes fails
        raw[(root - 1) * page] = 0xFF
    db.write_bytes(bytes(raw))
    for command in (["stats"], ["drill", "-n", "1"], ["quiz", "--redo-missed"]):
        one_line_error(run(*command, input=""), str(db), "malformed")


def test_library_reads_raise_store_error_naming_the_file(tmp_path):
    path = tmp_path / "h.db"
    with History(path) as h:
        sid = h.start_session("quiz")
    damage(path, "UPDATE sessions SET options = 'nope'")
    with History(path) as h:
        with pytest.raises(StoreError, match=rf"the history at {path} is damaged: session {sid}: options"):
            h.sessions()


# ------------------------------------------------------------------------------------------------------------
# A read-only history: stats reads it; writing commands say what is wrong


def _old_journal(db):
    """The file as an older quizgen left it: rollback journal, not WAL (switching needs a write)."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()


def _read_only(target, argv, env):
    """Run argv with `target` (a file or folder) read-only, as an unprivileged user would find it."""
    if os.geteuid() != 0:
        mode = 0o555 if os.path.isdir(target) else 0o444
        os.chmod(target, mode)
        try:
            return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        finally:
            os.chmod(target, 0o755 if os.path.isdir(target) else 0o644)
    if shutil.which("unshare") is None:
        pytest.skip("root without unshare: cannot make a file read-only for root")
    script = 'mount --bind -o ro "$0" "$0" && exec "$@"'
    probe = subprocess.run(["unshare", "-m", "sh", "-c", script, str(target), "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("root without mount namespaces: cannot make a file read-only for root")
    return subprocess.run(["unshare", "-m", "sh", "-c", script, str(target), *argv], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("what", ["file", "folder"])
def test_stats_reads_a_read_only_history(home, what):
    db = quiz_two(home)
    expected = json.loads(run("stats", "--format", "json").output)
    _old_journal(db)
    before = db.read_bytes()
    env = {**os.environ, "QUIZGEN_HOME": str(home)}
    target = db if what == "file" else home
    r = _read_only(target, QUIZGEN + ["stats", "--format", "json"], env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == expected
    assert db.read_bytes() == before


@pytest.mark.timeout(300)
def test_a_quiz_on_a_read_only_history_says_so(home):
    db = quiz_two(home)
    _old_journal(db)
    env = {**os.environ, "QUIZGEN_HOME": str(home)}
    r = _read_only(db, QUIZGEN + ["quiz", "-n", "1", "--seed", "1"], env)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"error: the history at {db} is read-only"), r.stderr
    assert "attempt to write a readonly database" not in r.stderr


def test_stats_without_a_history_creates_none(home):
    r = run("stats", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.output)["total"] == {"attempts": 0, "correct": 0}
    assert not (home / "history.sqlite3").exists()


def test_stats_on_a_schema_2_history_reads_it_without_migrating(tmp_path):
    from quizgen.history.store import MIGRATIONS

    path = tmp_path / "h.db"
    conn = sqlite3.connect(path)
    for step in MIGRATIONS[:2]:
        for sql in step:
            conn.execute(sql)
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with History(path, readonly=True) as h:
        assert h.attempts() == [] and h.answers() == []
        assert h.schema_version() == 2


# ------------------------------------------------------------------------------------------------------------
# Bytes that are not UTF-8 on the quiz's input


@pytest.mark.timeout(120)
@pytest.mark.parametrize("env", [{"LC_ALL": "C"}, {"LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"},
                                 {"LC_ALL": "C", "PYTHONIOENCODING": "utf-8:strict"}, {"LC_ALL": "C.UTF-8"}])
def test_quiz_input_that_is_not_utf8(home, env):
    full = {**os.environ, "QUIZGEN_HOME": str(home), **env}
    full.pop("LANG", None)
    r = subprocess.run(QUIZGEN + ["quiz", "-n", "2", "--topic", "power", "--seed", "5"], env=full,
                       input=b"x\n\xff\xfe\n", capture_output=True, timeout=120)
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 2, (r.stdout, err)
    assert err == "error: standard input: line 2: not UTF-8 text (byte 1 is 0xff); type answers in UTF-8\n"
    assert b"\xff" not in r.stdout  # the bytes are never echoed back to the terminal raw
    assert "quizgen quiz · 2 problems" in r.stdout.decode("utf-8")
    with History(home / "history.sqlite3") as h:  # the answer before the bad line is kept
        assert [a.given for a in h.answers()] == ["x"]
        assert all(s.ended_at is not None for s in h.sessions())


def test_pipe_io_names_the_line(tmp_path):
    import io

    from quizgen.errors import QuizgenError
    from quizgen.render.terminal import pipe_io

    qio = pipe_io(io.BytesIO(b"ok\n\xc3(\n"), io.StringIO())
    assert qio.read("> ") == "ok"
    with pytest.raises(QuizgenError, match=r"^standard input: line 2: not UTF-8 text \(byte 1 is 0xc3\)"):
        qio.read("> ")
