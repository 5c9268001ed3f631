"""Quiz history in SQLite: a row per problem asked (its final state) and a row per answer given, committed as given."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import StoreError

DB_NAME = "history.sqlite3"
DIFFICULTIES = (1, 2, 3)
LEVELS = ("new", "practising", "proficient", "mastered")
BUSY_TIMEOUT_MS = 10_000
WEEK = 7 * 86_400.0

# Forward migrations: MIGRATIONS[k] takes a database from schema version k to k + 1 (PRAGMA user_version).
# Never edit a released entry; append a new one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 0 -> 1: sessions and the problems asked in them
        """CREATE TABLE sessions (
               id INTEGER PRIMARY KEY,
               kind TEXT NOT NULL,
               seed INTEGER,
               options TEXT NOT NULL DEFAULT '{}',
               n_problems INTEGER NOT NULL DEFAULT 0,
               started_at REAL NOT NULL,
               ended_at REAL)""",
        """CREATE TABLE attempts (
               id INTEGER PRIMARY KEY,
               session_id INTEGER NOT NULL REFERENCES sessions(id),
               position INTEGER NOT NULL,
               problem_id TEXT NOT NULL,
               family TEXT NOT NULL,
               topic TEXT NOT NULL,
               difficulty INTEGER NOT NULL,
               variable TEXT NOT NULL DEFAULT 'x',
               expr TEXT NOT NULL,
               params TEXT NOT NULL DEFAULT '[]',
               question_text TEXT NOT NULL,
               answer_text TEXT NOT NULL,
               given TEXT,
               tries INTEGER NOT NULL DEFAULT 0,
               correct INTEGER NOT NULL DEFAULT 0,
               assisted INTEGER NOT NULL DEFAULT 0,
               outcome TEXT NOT NULL,
               mistake TEXT,
               started_at REAL NOT NULL,
               answered_at REAL NOT NULL,
               UNIQUE (session_id, position))""",
        "CREATE INDEX attempts_time ON attempts(answered_at)",
    ),
    (  # 1 -> 2: how many hints were shown, and whether a drill asked the problem as a spaced review
        "ALTER TABLE attempts ADD COLUMN hints INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE attempts ADD COLUMN review INTEGER NOT NULL DEFAULT 0",
        "CREATE INDEX attempts_topic_time ON attempts(topic, answered_at)",
    ),
    (  # 2 -> 3: every answer its own row (a retry used to overwrite the first answer and its mistake code)
        """CREATE TABLE answers (
               id INTEGER PRIMARY KEY,
               attempt_id INTEGER NOT NULL REFERENCES attempts(id),
               try INTEGER NOT NULL,
               given TEXT NOT NULL,
               correct INTEGER NOT NULL,
               mistake TEXT,
               hints INTEGER,
               answered_at REAL NOT NULL,
               UNIQUE (attempt_id, try))""",
        # Schema 2 kept only each problem's last answer: that one becomes a row. Its mistake code is kept only
        # when it surely was that answer's (the only try, and wrong); the hints shown before it were not recorded.
        """INSERT INTO answers (attempt_id, try, given, correct, mistake, hints, answered_at)
               SELECT id, tries, given, correct, CASE WHEN tries = 1 AND NOT correct THEN mistake END, NULL,
                      answered_at
               FROM attempts WHERE given IS NOT NULL AND tries > 0""",
        "CREATE INDEX answers_time ON answers(answered_at)",
    ),
    (  # 3 -> 4: what was asked (issue 10): f′(x) for every earlier row, or f″, f′(a), the tangent or normal line
        "ALTER TABLE attempts ADD COLUMN ask TEXT NOT NULL DEFAULT 'derivative'",
        "ALTER TABLE attempts ADD COLUMN point TEXT",  # x = a in SymPy syntax (value, tangent, normal)
        "ALTER TABLE attempts ADD COLUMN ask_order INTEGER NOT NULL DEFAULT 1",  # 2 or 3 for second
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def data_dir() -> Path:
    """Where quizgen keeps its history: $QUIZGEN_HOME if set, else the platform's user data directory."""
    home = os.environ.get("QUIZGEN_HOME")
    if home:
        return Path(home).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("quizgen", appauthor=False))


def default_db_path() -> Path:
    return data_dir() / DB_NAME


@dataclass(frozen=True)
class Attempt:
    """One problem asked: its final state (retries update the row; correct means finally right). Each answer
    given to it is an Answer of its own."""

    id: int
    session_id: int
    position: int
    problem_id: str
    family: str
    topic: str
    difficulty: int
    variable: str
    expr: str  # str(expr): SymPy syntax that quizgen.mathparse.parse reads back to the same expression
    params: tuple  # ((name, value text), ...)
    question_text: str
    answer_text: str
    given: str | None
    tries: int
    correct: bool
    assisted: bool
    outcome: str  # correct | wrong | skipped | revealed
    mistake: str | None
    started_at: float
    answered_at: float
    hints: int = 0
    review: bool = False
    session_kind: str = "quiz"
    ask: str = "derivative"  # quizgen.asks name (schema 4; earlier rows asked f′(x))
    point: str | None = None  # x = a in SymPy syntax, read back with quizgen.mathparse
    order: int = 1


@dataclass(frozen=True)
class Answer:
    """One answer typed and graded: the try-th for the problem asked as attempt `attempt_id`."""

    id: int
    attempt_id: int
    session_id: int
    position: int
    try_no: int  # 1 for the first answer to the problem, 2 for the retry
    given: str
    correct: bool
    mistake: str | None  # this answer's mistake code
    hints: int | None  # hints shown before it (None: an answer kept from schema 2, which did not record it)
    answered_at: float


@dataclass(frozen=True)
class Session:
    id: int
    kind: str
    seed: int | None
    options: dict
    n_problems: int
    started_at: float
    ended_at: float | None


_ATTEMPT_COLS = ("id, session_id, position, problem_id, family, topic, difficulty, variable, expr, params, "
                 "question_text, answer_text, given, tries, correct, assisted, outcome, mistake, started_at, "
                 "answered_at, hints, review")
_ASK_COLS = ", ask, point, ask_order"  # schema 4
OUTCOMES = ("correct", "wrong", "skipped", "revealed")
# Schema 2 has every column the attempts are read from: a read-only history that old is still read as it is.
READABLE_FROM = 2
_MOVE_AWAY = "move the file away to start a new history, or put back a copy"


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class _Row:
    """Checks one stored row's fields; the first bad one is a StoreError naming the file, the row and the field."""

    def __init__(self, history: "History", what: str):
        self.history, self.what = history, what

    def bad(self, field: str, value, expected: str) -> StoreError:
        return StoreError(f"the history at {self.history.path} is damaged: {self.what}: {field} {value!r} is not "
                          f"{expected} ({_MOVE_AWAY})")

    def int(self, field, value, allowed=None, low=0):
        if allowed is not None:
            if not _is_int(value) or value not in allowed:
                raise self.bad(field, value, ", ".join(map(str, allowed[:-1])) + f" or {allowed[-1]}")
        elif not _is_int(value) or value < low:
            raise self.bad(field, value, f"a whole number from {low}")
        return value

    def flag(self, field, value) -> bool:
        if value not in (0, 1) or isinstance(value, float):
            raise self.bad(field, value, "0 or 1")
        return bool(value)

    def time(self, field, value):
        if not _is_num(value):
            raise self.bad(field, value, "a time")
        return float(value)

    def text(self, field, value, optional=False, allowed=None):
        if value is None and optional:
            return None
        if not isinstance(value, str) or (allowed is not None and value not in allowed):
            raise self.bad(field, value, f"one of {', '.join(allowed)}" if allowed else "text")
        return value


def _attempt(history, row, kind="quiz") -> Attempt:
    (aid, sid, pos, pid, fam, topic, diff, var, expr, params, qt, at, given, tries, correct, assisted, outcome,
     mistake, t0, t1, hints, review) = row[:22]
    ask, point, order = row[22:] if len(row) > 22 else ("derivative", None, 1)
    r = _Row(history, f"attempt {aid}")
    try:
        ptuple = tuple(tuple(p) for p in json.loads(params))
    except (ValueError, TypeError):
        ptuple = ()
    return Attempt(aid, r.int("session_id", sid), r.int("position", pos), r.text("problem_id", pid),
                   r.text("family", fam), r.text("topic", topic), r.int("difficulty", diff, DIFFICULTIES),
                   r.text("variable", var), r.text("expr", expr), ptuple, r.text("question_text", qt),
                   r.text("answer_text", at), r.text("given", given, optional=True), r.int("tries", tries),
                   r.flag("correct", correct), r.flag("assisted", assisted), r.text("outcome", outcome,
                   allowed=OUTCOMES), r.text("mistake", mistake, optional=True), r.time("started_at", t0),
                   r.time("answered_at", t1), r.int("hints", hints), r.flag("review", review), kind,
                   r.text("ask", ask, allowed=_ask_names()), r.text("point", point, optional=True),
                   r.int("ask_order", order, (1, 2, 3)))


def _ask_names() -> tuple:
    from ..asks import NAMES

    return NAMES


def _session(history, row) -> Session:
    sid, kind, seed, options, n, t0, t1 = row
    r = _Row(history, f"session {sid}")
    try:
        opts = json.loads(options or "{}")
    except (ValueError, TypeError):
        opts = None
    if not isinstance(opts, dict):
        raise r.bad("options", options, "a JSON object")
    if seed is not None and not _is_int(seed):
        raise r.bad("seed", seed, "a whole number")
    return Session(sid, r.text("kind", kind), seed, opts, r.int("n_problems", n), r.time("started_at", t0),
                   None if t1 is None else r.time("ended_at", t1))


def _answer(history, row) -> Answer:
    nid, aid, sid, pos, try_no, given, correct, mistake, hints, t = row
    r = _Row(history, f"answer {nid}")
    return Answer(nid, aid, sid, pos, r.int("try", try_no, low=1), r.text("given", given), r.flag("correct", correct),
                  r.text("mistake", mistake, optional=True), None if hints is None else r.int("hints", hints),
                  r.time("answered_at", t))


class History:
    """The history database. Every write is its own transaction, committed before the method returns.

    `readonly`: for commands that only read (stats). Nothing is written, so a history on a read-only file or
    folder is still read; a missing one reads as empty and is not created.
    """

    def __init__(self, path: str | Path | None = None, clock=time.time, *, readonly: bool = False):
        self.path = Path(path) if path is not None else default_db_path()
        self.clock = clock
        self.readonly = readonly
        if readonly:
            self._open_readonly()
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: autocommit, so each statement is durable at once; transactions are explicit.
            self.conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (OSError, sqlite3.Error) as e:
            raise self._error("open", e) from None
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._wal()
            self.conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as e:
            self.conn.close()
            raise self._error("use", e) from None

    def _error(self, verb: str, e: Exception) -> StoreError:
        """SQLite's words for a read-only file or folder are "attempt to write a readonly database" and "unable to
        open database file"; say what it means for the user instead."""
        code = getattr(e, "sqlite_errorname", "")
        folder = self.path.parent
        if code.startswith("SQLITE_READONLY") or (code == "SQLITE_CANTOPEN" and self.path.exists()
                                                  and not os.access(folder, os.W_OK)):
            return StoreError(f"the history at {self.path} is read-only: answers cannot be saved there (make it "
                              f"and its folder writable, or set QUIZGEN_HOME to a folder you can write to)")
        return StoreError(f"cannot {verb} the history at {self.path}: {getattr(e, 'strerror', None) or e}")

    def _open_readonly(self) -> None:
        import urllib.parse

        if not self.path.exists():
            self.conn = sqlite3.connect(":memory:", isolation_level=None)
            self._migrate()
            return
        uri = "file:" + urllib.parse.quote(str(self.path.resolve()))
        # A WAL file in a folder we cannot write needs its -shm index, which SQLite cannot create there;
        # immutable=1 then reads the main file alone (nobody can be writing to that folder anyway).
        for query in ("?mode=ro", "?mode=ro&immutable=1"):
            try:
                self.conn = sqlite3.connect(uri + query, uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                                            isolation_level=None)
                version = self.schema_version()
                break
            except sqlite3.DatabaseError as e:
                try:
                    self.conn.close()
                except (AttributeError, sqlite3.Error):
                    pass
                if query.endswith("immutable=1") or getattr(e, "sqlite_errorname", "") != "SQLITE_CANTOPEN":
                    raise self._error("use", e) from None
        if version == 0:  # an empty file: nothing to read, and nothing may be created in it
            self.conn.close()
            self.conn = sqlite3.connect(":memory:", isolation_level=None)
            self._migrate()
            return
        if version > SCHEMA_VERSION:
            self.conn.close()
            raise self._too_new(version)
        if version < READABLE_FROM:
            self.conn.close()
            try:  # an old history is brought up to date once, if it can be written
                History(self.path).close()
            except StoreError:
                raise StoreError(f"the history at {self.path} is from an older quizgen (schema {version}) and "
                                 f"read-only: make it writable once so it can be updated") from None
            self._open_readonly()

    def _too_new(self, version: int) -> StoreError:
        return StoreError(f"the history at {self.path} has schema version {version}, newer than this quizgen "
                          f"understands ({SCHEMA_VERSION}); upgrade quizgen")

    def _wal(self) -> None:
        # Switching a fresh file to WAL needs an exclusive lock, and SQLite answers "database is locked" at once
        # there instead of waiting on the busy timeout; two quizzes starting together retry for a while.
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self.conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    # -- schema ---------------------------------------------------------------------------------------------

    def _migrate(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise self._too_new(version)
        if version == SCHEMA_VERSION:
            return
        # IMMEDIATE takes the write lock first, so two quizzes starting at once cannot both migrate.
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            version = self.schema_version()
            for step in MIGRATIONS[version:]:
                for sql in step:
                    self.conn.execute(sql)
            self.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _write(self, sql: str, args=()):
        try:
            return self.conn.execute(sql, args)
        except sqlite3.Error as e:
            raise self._error("write", e) from None

    # -- writes ---------------------------------------------------------------------------------------------

    def start_session(self, kind: str, seed: int | None = None, options: dict | None = None,
                      n_problems: int = 0) -> int:
        cur = self._write("INSERT INTO sessions (kind, seed, options, n_problems, started_at) VALUES (?, ?, ?, ?, ?)",
                          (kind, seed, json.dumps(options or {}, sort_keys=True), n_problems, self.clock()))
        return int(cur.lastrowid)

    def end_session(self, session_id: int) -> None:
        self._write("UPDATE sessions SET ended_at = ? WHERE id = ?", (self.clock(), session_id))

    def record(self, session_id: int, position: int, problem, *, outcome: str, correct: bool, given: str | None = None,
               tries: int = 0, assisted: bool = False, mistake: str | None = None, hints: int = 0,
               review: bool = False, started_at: float | None = None, answered: bool = False,
               answer_mistake: str | None = None) -> None:
        """Write the problem's current state; a later call for the same (session, position) replaces it.

        `answered`: this call follows a new answer (`given`, try number `tries`, right if `correct`, with its own
        `answer_mistake`), which is added as a row of its own in the same transaction; no later call replaces it.
        """
        now = self.clock()
        params = json.dumps([[str(k), str(v)] for k, v in getattr(problem, "params", ()) or ()])
        if answered and (given is None or tries < 1):
            raise ValueError("an answer needs the text given and its try number")
        self._write("BEGIN IMMEDIATE")
        try:
            self._upsert(now, session_id, position, problem, params, outcome, correct, given, tries, assisted,
                         mistake, hints, review, started_at)
            if answered:
                self._write("""INSERT INTO answers (attempt_id, try, given, correct, mistake, hints, answered_at)
                               SELECT id, ?, ?, ?, ?, ?, ? FROM attempts WHERE session_id = ? AND position = ?""",
                            (tries, given, int(bool(correct)), answer_mistake, hints, now, session_id, position))
            self._write("COMMIT")
        except BaseException:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            raise

    def _upsert(self, now, session_id, position, problem, params, outcome, correct, given, tries, assisted, mistake,
                hints, review, started_at) -> None:
        point = getattr(problem, "point", None)
        self._write(
            f"""INSERT INTO attempts ({_ATTEMPT_COLS.replace('id, ', '', 1)}{_ASK_COLS})
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (session_id, position) DO UPDATE SET
                    given = excluded.given, tries = excluded.tries, correct = excluded.correct,
                    assisted = excluded.assisted, outcome = excluded.outcome, mistake = excluded.mistake,
                    answered_at = excluded.answered_at, hints = excluded.hints""",
            (session_id, position, problem.id, problem.family, problem.topic, int(problem.difficulty),
             problem.variable, str(problem.expr), params, problem.question_text, problem.answer_text, given,
             tries, int(bool(correct)), int(bool(assisted)), outcome, mistake,
             now if started_at is None else started_at, now, hints, int(bool(review)),
             getattr(problem, "ask", "derivative"), None if point is None else str(point),
             int(getattr(problem, "order", 1) or 1)))

    # -- reads ----------------------------------------------------------------------------------------------

    def _rows(self, sql: str, args=()) -> list:
        try:
            return self.conn.execute(sql, args).fetchall()
        except sqlite3.Error as e:
            raise self._error("read", e) from None

    def _has_answers(self) -> bool:
        return self.schema_version() >= 3  # a read-only schema-2 history has no table for them

    def _cols(self) -> str:
        """The attempt columns to read, prefixed a.: a read-only history older than schema 4 has no ask columns."""
        cols = _ATTEMPT_COLS + (_ASK_COLS if self.schema_version() >= 4 else "")
        return ", ".join("a." + c.strip() for c in cols.split(","))

    def attempts(self, since: float | None = None) -> list[Attempt]:
        """Every attempt in the order answered (oldest first), optionally only those answered at or after `since`."""
        sql = (f"SELECT {self._cols()}, s.kind "
               "FROM attempts a JOIN sessions s ON s.id = a.session_id")
        args: tuple = ()
        if since is not None:
            sql += " WHERE a.answered_at >= ?"
            args = (since,)
        sql += " ORDER BY a.answered_at, a.id"
        return [_attempt(self, r[:-1], r[-1]) for r in self._rows(sql, args)]

    def sessions(self) -> list[Session]:
        rows = self._rows("SELECT id, kind, seed, options, n_problems, started_at, ended_at FROM sessions ORDER BY id")
        return [_session(self, r) for r in rows]

    def last_session(self) -> Session | None:
        """The most recent session in which at least one problem was answered, skipped or revealed."""
        rows = self._rows(
            "SELECT s.id, s.kind, s.seed, s.options, s.n_problems, s.started_at, s.ended_at FROM sessions s "
            "WHERE EXISTS (SELECT 1 FROM attempts a WHERE a.session_id = s.id) ORDER BY s.id DESC LIMIT 1")
        return _session(self, rows[0]) if rows else None

    def session_attempts(self, session_id: int) -> list[Attempt]:
        cols = self._cols()
        rows = self._rows(f"SELECT {cols}, s.kind FROM attempts a JOIN sessions s ON s.id = a.session_id "
                          "WHERE a.session_id = ? ORDER BY a.position", (session_id,))
        return [_attempt(self, r[:-1], r[-1]) for r in rows]

    def answers(self, session_id: int | None = None) -> list[Answer]:
        """Every answer given (optionally in one session), in the order given."""
        if not self._has_answers():
            return []
        sql = ("SELECT n.id, n.attempt_id, a.session_id, a.position, n.try, n.given, n.correct, n.mistake, n.hints, "
               "n.answered_at FROM answers n JOIN attempts a ON a.id = n.attempt_id")
        args: tuple = ()
        if session_id is not None:
            sql += " WHERE a.session_id = ?"
            args = (session_id,)
        sql += " ORDER BY n.answered_at, n.id"
        return [_answer(self, r) for r in self._rows(sql, args)]
