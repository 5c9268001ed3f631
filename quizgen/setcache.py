"""A cache of drawn sheet problem sets: re-running `quizgen sheet` with the same selection and seed (to change
--columns, --paper, --space or --title) reuses the drawn problems, keys and steps without importing SymPy; and of
quizzes' first questions and next seeds (below), so a quiz's first screen needs no SymPy either.

A record holds only the strings a sheet is typeset from (question and key text and LaTeX, step rows), keyed by
sha256 of the selection options, the seed, every bank file's bytes and quizgen's own source: any change to them
is a miss. Records live in the cache folder ($QUIZGEN_CACHE_DIR or the user cache); a record that does not have
exactly the expected shape is a miss, and its strings are escaped by the templates like any other text.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .util.files import code_digest

_FORMAT = 1
_MAX_RECORD = 5_000_000
_TEXT_FIELDS = ("variable", "instruction", "topic", "question_latex", "question_text", "answer_latex", "answer_text")


@dataclass
class SheetProblem:
    """A drawn problem as far as a sheet needs it (quizgen.render.pdf reads these names from Problem too)."""

    number: int
    variable: str
    instruction: str
    topic: str
    difficulty: int
    question_latex: str
    question_text: str
    answer_latex: str
    answer_text: str
    step_rows: list | None = None  # solution.step_rows of the steps, when the sheet shows them
    steps: None = None


@dataclass
class SheetSet:
    seed: int
    options: dict
    problems: list = field(default_factory=list)


def folder() -> Path:
    override = os.environ.get("QUIZGEN_CACHE_DIR")
    if override:
        return Path(override).expanduser() / "sets"
    import platformdirs

    return Path(platformdirs.user_cache_dir("quizgen")) / "sets"


def key(selection: dict, banks=()) -> str | None:
    """The cache key of a drawn set, or None when a bank file cannot be read (the normal path then says why)."""
    from .bank import bank_files

    h = hashlib.sha256(f"{_FORMAT}".encode())
    h.update(code_digest())
    h.update(json.dumps(selection, sort_keys=True, default=str).encode())
    try:
        for path in bank_files(None, list(banks)):
            data = Path(str(path)).read_bytes()
            h.update(f"{path}\0{len(data)}\0".encode())
            h.update(data)
    except (OSError, TypeError, ValueError):
        return None
    return h.hexdigest()


def _rows_ok(rows) -> bool:
    return isinstance(rows, list) and all(
        isinstance(r, list) and len(r) == 3 and isinstance(r[0], int) and not isinstance(r[0], bool)
        and isinstance(r[1], str) and isinstance(r[2], list)
        and all(isinstance(f, list) and len(f) == 2 and all(isinstance(s, str) for s in f) for f in r[2])
        for r in rows)


def _problem(d) -> SheetProblem | None:
    if not isinstance(d, dict) or set(d) != {*_TEXT_FIELDS, "number", "difficulty", "step_rows"}:
        return None
    if not all(isinstance(d[k], str) for k in _TEXT_FIELDS):
        return None
    if not all(isinstance(d[k], int) and not isinstance(d[k], bool) for k in ("number", "difficulty")):
        return None
    rows = d["step_rows"]
    if rows is not None and not _rows_ok(rows):
        return None
    if rows is not None:
        rows = [(depth, title, [tuple(f) for f in formulas]) for depth, title, formulas in rows]
    return SheetProblem(d["number"], d["variable"], d["instruction"], d["topic"], d["difficulty"],
                        d["question_latex"], d["question_text"], d["answer_latex"], d["answer_text"], rows)


def load(k: str | None) -> SheetSet | None:
    """The cached set under key `k`, or None (a miss, an unreadable or malformed record)."""
    data = _read(k and f"{k}.json")
    if not (isinstance(data, dict) and set(data) == {"seed", "options", "problems"}
            and isinstance(data["seed"], int) and isinstance(data["options"], dict)
            and isinstance(data["problems"], list) and data["problems"]):
        return None
    problems = [_problem(p) for p in data["problems"]]
    if any(p is None for p in problems):
        return None
    return SheetSet(data["seed"], data["options"], problems)


def store(k: str | None, problem_set, *, steps: bool) -> None:
    """Keep the sheet's strings of a drawn set under key `k` (nothing when k is None; failures only cost speed)."""
    if k is None:
        return
    problems = []
    for p in problem_set.problems:
        rows = None
        if steps:
            from .solution import step_rows

            rows = [[depth, title, [list(f) for f in formulas]] for depth, title, formulas in step_rows(p.steps)]
        problems.append({"number": p.number, "difficulty": int(p.difficulty), "step_rows": rows,
                         **{name: str(getattr(p, name)) for name in _TEXT_FIELDS}})
    _write(f"{k}.json", {"seed": problem_set.seed, "options": problem_set.options, "problems": problems})


# ---------------------------------------------------------------- a quiz's first question, and the next seed
# A quiz shows its first question before SymPy loads when it was kept here: the question as the student sees it
# (plain strings, under the same key as a sheet: selection, seed, banks, code) and, for `quizgen quiz` without
# --seed, the seed of the next quiz with these options, drawn while the previous one ran. Only display strings are
# kept; the problem itself is drawn from its seed as always, and checked against what was shown.

_VIEW_FIELDS = ("topic", "question", "pretty", "prompt")
_MAX_TEXT = 4000


def _text_ok(s, newlines: bool = False) -> bool:
    """A string a terminal may be given: no control or format characters (an escape sequence in a tampered record
    would otherwise reach the terminal), line breaks only where the 2-D form has them."""
    import unicodedata

    return isinstance(s, str) and len(s) <= _MAX_TEXT and all(
        (c == "\n" and newlines) or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn") for c in s)


def _plain(v) -> bool:
    if v is None or (isinstance(v, int) and not isinstance(v, bool)):
        return True
    if isinstance(v, str):
        return _text_ok(v)
    return isinstance(v, list) and len(v) <= 100 and all(_text_ok(s) for s in v)


@dataclass
class QuizStart:
    """What the first screen of a kept quiz needs: its seed and options, its asks, and its first question's view."""

    seed: int
    options: dict
    asks: list
    first: dict


def load_quiz(k: str | None) -> QuizStart | None:
    data = _read(k and f"{k}.quiz.json")
    if not (isinstance(data, dict) and set(data) == {"seed", "options", "asks", "first"}):
        return None
    seed, options, asks, first = data["seed"], data["options"], data["asks"], data["first"]
    if not (isinstance(seed, int) and not isinstance(seed, bool) and isinstance(options, dict)
            and all(_text_ok(k) and _plain(v) for k, v in options.items()) and options.get("seed") == seed
            and isinstance(asks, list) and asks and all(_text_ok(a) for a in asks)
            and isinstance(first, dict) and set(first) == {*_VIEW_FIELDS, "difficulty"}
            and all(_text_ok(first[f], newlines=f == "pretty") for f in _VIEW_FIELDS)
            and first["difficulty"] in (1, 2, 3) and not isinstance(first["difficulty"], bool)):
        return None
    return QuizStart(seed, options, asks, first)


def store_quiz(k: str | None, seed: int, options: dict, asks, first: dict) -> None:
    _write(k and f"{k}.quiz.json", {"seed": seed, "options": options, "asks": sorted(asks), "first": first})


def take_seed(k: str | None) -> int | None:
    """The seed kept for the next quiz under `k`, removed as it is read (two quizzes never share it), or None."""
    data = _read(k and f"{k}.next.json", take=True)
    ok = isinstance(data, dict) and set(data) == {"seed"} and isinstance(data["seed"], int) and not isinstance(
        data["seed"], bool) and 0 < data["seed"] < 10 ** 12
    return data["seed"] if ok else None


def store_seed(k: str | None, seed: int) -> None:
    _write(k and f"{k}.next.json", {"seed": seed})


def _read(name: str | None, take: bool = False):
    """The JSON record `name` in the cache folder, or None: missing, too big, unreadable. `take`: claimed first by
    renaming it to a name of this process's own (atomic), so of two runs reading at once only one gets it."""
    if not name:
        return None
    path = folder() / name
    try:
        if take:
            claimed = path.with_name(f".{path.name}.{os.getpid()}.taken")
            os.replace(path, claimed)
            path = claimed
        if path.stat().st_size > _MAX_RECORD:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    finally:
        if take and path.name.endswith(".taken"):
            try:
                path.unlink()
            except OSError:
                pass


def _write(name: str | None, record: dict) -> None:
    if not name:
        return
    from .errors import OutputError
    from .util.files import write_text

    try:
        folder().mkdir(parents=True, exist_ok=True)
        write_text(folder() / name, json.dumps(record, ensure_ascii=False, default=str), durable=False)
    except (OSError, OutputError, TypeError, ValueError):
        pass  # a read-only or full cache only costs speed
