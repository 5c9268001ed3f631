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


def _attempt(row, kind="quiz") -> Attempt:
    (aid, sid, pos, pid, fam, topic, diff, var, expr, params, qt, at, given, tries, correct, assisted, outcome,
     mistake, t0, t1, hints, review) = row
    try:
        ptuple = tuple(tuple(p) for p in json.loads(params))
    except (ValueError, TypeError):
        ptuple = ()
    return Attempt(aid, sid, pos, pid, fam, topic, int(diff), var, expr, ptuple, qt, at, given, int(tries),
                   bool(correct), bool(assisted), outcome, mistake, float(t0), float(t1), int(hints), bool(review),
                   kind)


class History:
    """The history database. Every write is its own transaction, committed before the method returns."""

    def __init__(self, path: str | Path | None = None, clock=time.time):
        self.path = Path(path) if path is not None else default_db_path()
        self.clock = clock
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: autocommit, so each statement is durable at once; transactions are explicit.
            self.conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"cannot open the history at {self.path}: {e}") from None
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._wal()
            self.conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as e:
            self.conn.close()
            raise StoreError(f"cannot use the history at {self.path}: {e}") from None

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
            raise StoreError(f"the history at {self.path} has schema version {version}, newer than this quizgen "
                             f"understands ({SCHEMA_VERSION}); upgrade quizgen")
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
            raise StoreError(f"cannot write the history at {self.path}: {e}") from None

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
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise StoreError(f"cannot write the history at {self.path}: {e}") from None
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
        self._write(
            f"""INSERT INTO attempts ({_ATTEMPT_COLS.replace('id, ', '', 1)})
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (session_id, position) DO UPDATE SET
                    given = excluded.given, tries = excluded.tries, correct = excluded.correct,
                    assisted = excluded.assisted, outcome = excluded.outcome, mistake = excluded.mistake,
                    answered_at = excluded.answered_at, hints = excluded.hints""",
            (session_id, position, problem.id, problem.family, problem.topic, int(problem.difficulty),
             problem.variable, str(problem.expr), params, problem.question_text, problem.answer_text, given,
             tries, int(bool(correct)), int(bool(assisted)), outcome, mistake,
             now if started_at is None else started_at, now, hints, int(bool(review))))

    # -- reads ----------------------------------------------------------------------------------------------

    def attempts(self, since: float | None = None) -> list[Attempt]:
        """Every attempt in the order answered (oldest first), optionally only those answered at or after `since`."""
        sql = (f"SELECT {', '.join('a.' + c.strip() for c in _ATTEMPT_COLS.split(','))}, s.kind "
               "FROM attempts a JOIN sessions s ON s.id = a.session_id")
        args: tuple = ()
        if since is not None:
            sql += " WHERE a.answered_at >= ?"
            args = (since,)
        sql += " ORDER BY a.answered_at, a.id"
        try:
            rows = self.conn.execute(sql, args).fetchall()
        except sqlite3.Error as e:
            raise StoreError(f"cannot read the history at {self.path}: {e}") from None
        return [_attempt(r[:-1], r[-1]) for r in rows]

    def sessions(self) -> list[Session]:
        rows = self.conn.execute("SELECT id, kind, seed, options, n_problems, started_at, ended_at FROM sessions "
                                 "ORDER BY id").fetchall()
        return [Session(r[0], r[1], r[2], json.loads(r[3] or "{}"), r[4], r[5], r[6]) for r in rows]

    def last_session(self) -> Session | None:
        """The most recent session in which at least one problem was answered, skipped or revealed."""
        row = self.conn.execute(
            "SELECT s.id, s.kind, s.seed, s.options, s.n_problems, s.started_at, s.ended_at FROM sessions s "
            "WHERE EXISTS (SELECT 1 FROM attempts a WHERE a.session_id = s.id) ORDER BY s.id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        return Session(row[0], row[1], row[2], json.loads(row[3] or "{}"), row[4], row[5], row[6])

    def session_attempts(self, session_id: int) -> list[Attempt]:
        cols = ", ".join("a." + c.strip() for c in _ATTEMPT_COLS.split(","))
        rows = self.conn.execute(f"SELECT {cols}, s.kind FROM attempts a JOIN sessions s ON s.id = a.session_id "
                                 "WHERE a.session_id = ? ORDER BY a.position", (session_id,)).fetchall()
        return [_attempt(r[:-1], r[-1]) for r in rows]

    def answers(self, session_id: int | None = None) -> list[Answer]:
        """Every answer given (optionally in one session), in the order given."""
        sql = ("SELECT n.id, n.attempt_id, a.session_id, a.position, n.try, n.given, n.correct, n.mistake, n.hints, "
               "n.answered_at FROM answers n JOIN attempts a ON a.id = n.attempt_id")
        args: tuple = ()
        if session_id is not None:
            sql += " WHERE a.session_id = ?"
            args = (session_id,)
        sql += " ORDER BY n.answered_at, n.id"
        try:
            rows = self.conn.execute(sql, args).fetchall()
        except sqlite3.Error as e:
            raise StoreError(f"cannot read the history at {self.path}: {e}") from None
        return [Answer(r[0], r[1], r[2], r[3], int(r[4]), r[5], bool(r[6]), r[7],
                       None if r[8] is None else int(r[8]), float(r[9])) for r in rows]
