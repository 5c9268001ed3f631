"""Grading a class's answers in bulk: `problem<TAB>answer` or CSV rows in, one JSON-ready dict per row out."""

from __future__ import annotations

import csv
import io
from typing import Iterable, Iterator

from .checker import check_text
from .errors import QuizgenError

__all__ = ["grade_row", "grade_batch"]



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
    """
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
