"""Grading a class's answers in bulk: `problem<TAB>answer` or CSV rows in, one JSON-ready dict per row out."""

from __future__ import annotations

import csv
import io
from typing import Iterable, Iterator

from .checker import check_text
from .errors import InputError, QuizgenError

__all__ = ["grade_row", "grade_batch", "batch_lines"]

# A row is a problem and an answer of at most 1,000 characters each (mathparse.MAX_LENGTH), 4 bytes a character at
# most in UTF-8, plus separators and quotes: a longer line is not a batch row (/dev/zero, a binary file).
MAX_LINE_BYTES = 16 * 1024
_CHUNK = 64 * 1024


def batch_lines(stream, name: str = "<batch>") -> Iterator[bytes]:
    """The lines of a binary stream, without their ends, read a chunk at a time: LF, CRLF and CR alone all end a
    line (a CR-only file is many rows, not one). A line longer than MAX_LINE_BYTES raises InputError naming it
    after the lines before it were given, so at most that much plus a chunk is ever held."""
    read = getattr(stream, "read1", None) or stream.read
    buf = b""
    n = 0
    pending_cr = False  # the last chunk ended with CR: a LF opening the next one belongs to it
    while True:
        chunk = read(_CHUNK)
        if not chunk:
            break
        if pending_cr and chunk.startswith(b"\n"):
            chunk = chunk[1:]
        pending_cr = chunk.endswith(b"\r")
        buf += chunk
        parts = buf.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        buf = parts.pop()
        for line in parts:
            n += 1
            if len(line) > MAX_LINE_BYTES:
                raise _too_long(name, n)
            yield line
        if len(buf) > MAX_LINE_BYTES:
            raise _too_long(name, n + 1)
    if buf:
        yield buf


def _too_long(name: str, n: int) -> InputError:
    return InputError(f"{name}: line {n} is longer than {MAX_LINE_BYTES // 1024} kB (a row is a problem and an answer "
                      f"of at most 1,000 characters each): is this a batch file?")



def _split_row(line: str) -> list[str]:
    if "\t" in line:
        return [c.strip() for c in line.split("\t")]
    return [c.strip() for c in next(csv.reader(io.StringIO(line), skipinitialspace=True), [])]


def grade_row(problem: str, answer: str, var: str = "x", **kw) -> dict:
    """One batch row as a JSON-ready dict (verdict keys, or "error"); never raises."""
    try:
        v = check_text(problem, answer, var, **kw)
    except QuizgenError as err:
        which = getattr(err, "field", None)
        msg = str(err)
        return {"error": f"{which}: {msg}" if which else msg}
    except (RecursionError, MemoryError):
        return {"error": "input too complex to check"}
    except Exception as err:  # noqa: BLE001 — one bad row must never stop a class's batch
        return {"error": f"internal error while checking this row ({type(err).__name__})"}
    return v.to_json()


def grade_batch(lines: Iterable[str | bytes], var: str = "x", **kw) -> Iterator[dict]:
    """Grade `problem<TAB>answer` (or CSV `problem,answer`) lines in order, one dict per non-blank line; never raises.

    Each dict has "line" (1-based) and, when the row could be split, "problem" and "answer"; then the verdict's
    JSON keys, or "error". Lines may be bytes (decoded as UTF-8; an undecodable line is an error row). Blank lines
    and lines starting with '#' are skipped; a first row `problem<sep>answer` is a header. Formulas containing
    commas (log(x, 3)) need double quotes in CSV, or use tabs.

    `lines` may also be a binary file, read through batch_lines() (any line end; InputError for a line beyond
    MAX_LINE_BYTES, the one thing that stops a batch: such a file is not a batch).
    """
    if hasattr(lines, "read"):
        lines = batch_lines(lines, getattr(lines, "name", "<batch>"))
    header_possible = True
    for n, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                yield {"line": n, "error": f"not UTF-8 text (byte {err.start + 1})"}
                header_possible = False
                continue
        line = raw.rstrip("\r\n")
        if n == 1:
            line = line.lstrip("\ufeff")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            cells = _split_row(line)
        except csv.Error as err:
            yield {"line": n, "error": f"unreadable row: {err}"}
            header_possible = False
            continue
        if header_possible and [c.lower() for c in cells] == ["problem", "answer"]:
            header_possible = False
            continue
        header_possible = False
        while len(cells) > 2 and cells[-1] == "":
            cells.pop()
        if len(cells) != 2:
            hint = "" if "\t" in line else "; in CSV put formulas that contain commas in double quotes"
            yield {"line": n, "error": f"expected 2 columns (problem, answer), found {len(cells)}{hint}"}
            continue
        row = {"line": n, "problem": cells[0], "answer": cells[1]}
        row.update(grade_row(cells[0], cells[1], var, **kw))
        yield row
