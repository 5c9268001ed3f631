"""Class lists: a CSV of names (and ids) read into students with stable seeds and safe file names."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SpecError

MAX_STUDENTS = 1000
NAME_MAX = 80
# Slugs a student may not have: exam-all.pdf is the combined file of every paper, written in the same folder.
RESERVED_SLUGS = frozenset({"all"})


@dataclass(frozen=True)
class Student:
    """A roster row: `key` seeds the paper (the id, else the name), `slug` names its files."""

    name: str
    id: str | None
    line: int
    slug: str
    key: str


@dataclass
class Roster:
    students: list[Student]
    notes: list[str] = field(default_factory=list)
    source: str = ""


def slugify(text: str) -> str:
    """A file-name-safe form of a name: "José Núñez" -> "jose-nunez"; scripts without an ASCII form keep letters."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    if not slug:
        slug = re.sub(r"[^\w]+", "-", text.lower(), flags=re.UNICODE).strip("-_")
    return slug[:60].strip("-")


def load_roster(path) -> Roster:
    """Read a class list (CSV with a header: name, optional id); raise SpecError listing every bad row."""
    from ..fields import MAX_FILE_BYTES, read_capped

    name = str(path)
    try:
        raw = read_capped(Path(path), MAX_FILE_BYTES)  # a class list is a few kB; /dev/zero must end
    except OSError as e:
        raise SpecError([f"{name}: cannot read file: {e.strerror or e}"]) from None
    if raw is None:
        raise SpecError([f"{name}: file too large (limit {MAX_FILE_BYTES // 1_000_000} MB): is this the right file?"])
    try:
        text = raw.decode("utf-8-sig")  # spreadsheet exports often start with a byte-order mark
    except UnicodeDecodeError:
        raise SpecError([f"{name}: not UTF-8 text (save the class list as CSV UTF-8)"]) from None
    return roster_from_text(text, name)


def roster_from_text(text: str, name: str = "<roster>") -> Roster:
    problems: list[str] = []
    # Old Mac exports end lines with CR alone; the csv module would call that a "new-line character seen in
    # unquoted field". No name holds a line break, so every kind of line end is one.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    first = next((ln for ln in lines if ln.strip()), "")
    # Spreadsheets in many locales export with ";" (or tabs); the header line tells which.
    delimiter = max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    end = 0
    try:
        for row in reader:
            start, end = end + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if any("\n" in cell for cell in row):
                problems.append(_open_quote(name, lines, start, end, row, header))
                continue
            if header is None:
                header = [cell.strip().lower() for cell in row]
                header_line = end
                continue
            rows.append((end, row))
    except csv.Error as e:
        raise SpecError([f"{name}: line {reader.line_num}: {e}"]) from None
    if header is None and problems:
        raise SpecError(problems)
    if header is None:
        raise SpecError([f"{name}: empty file (expected a header line such as: name,id)"])
    if "name" not in header:
        raise SpecError([f"{name}: line {header_line}: the header needs a 'name' column "
                         f"(found: {', '.join(h or '(empty)' for h in header)})"])
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        problems.append(f"{name}: line {header_line}: column {dupes[0]!r} appears twice in the header")
    ni, ii = header.index("name"), (header.index("id") if "id" in header else None)
    if not rows and not problems:
        problems.append(f"{name}: no students (only a header)")
    if len(rows) > MAX_STUDENTS:
        problems.append(f"{name}: {len(rows)} students; at most {MAX_STUDENTS} per run")
        rows = rows[:MAX_STUDENTS]
    students: list[tuple[int, str, str | None]] = []
    seen_ids: dict[str, int] = {}
    for line, row in rows:
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            problems.append(f"{name}: line {line}: {len(row)} fields but the header has {len(header)} "
                            f"(a name with a comma needs quotes: \"Kim, Alex\")")
            continue
        row = row + [""] * (len(header) - len(row))
        student = " ".join(row[ni].split())
        sid = " ".join(row[ii].split()) if ii is not None else ""
        if not student:
            problems.append(f"{name}: line {line}: name: empty")
            continue
        if len(student) > NAME_MAX:
            problems.append(f"{name}: line {line}: name: too long ({len(student)} characters, at most {NAME_MAX})")
            continue
        if any(unicodedata.category(c) in ("Cc", "Cf") for c in student + sid):
            problems.append(f"{name}: line {line}: contains control characters")
            continue
        if sid:
            if len(sid) > 40:
                problems.append(f"{name}: line {line}: id: too long (at most 40 characters)")
                continue
            if sid in seen_ids:
                problems.append(f"{name}: line {line}: id: {sid!r} already used on line {seen_ids[sid]}")
                continue
            seen_ids[sid] = line
        students.append((line, student, sid or None))
    if problems:
        raise SpecError(problems)
    roster = _name_students(students, name)
    roster.source = name
    return roster


def _open_quote(name: str, lines: list[str], start: int, end: int, row: list[str], header) -> str:
    """The problem line for a record the csv module ran over several lines: a quote opened on `start` took every
    line up to the one where a quote closed it (or up to the end of the file), merging those students into one."""
    column = "field"
    if header is not None:
        spread = next(i for i, cell in enumerate(row) if "\n" in cell)
        if spread < len(header) and header[spread]:
            column = header[spread]
    fix = "remove the stray \" or close it"
    if sum(line.count('"') for line in lines[start - 1:end]) % 2:
        return (f"{name}: line {start}: a quote opens here and is never closed, so lines {start}-{end} were read "
                f"as one {column} ({fix})")
    return (f"{name}: line {start}: a quote opens here and is closed only on line {end}, so lines {start}-{end} "
            f"were read as one {column} ({fix} on line {start})")


def _name_students(rows: list[tuple[int, str, str | None]], name: str) -> Roster:
    """Seed keys and file names, telling apart students who share a name (by id, else by order)."""
    notes = []
    by_name: dict[str, list[int]] = {}
    for i, (_line, student, _sid) in enumerate(rows):
        by_name.setdefault(student.casefold(), []).append(i)
    used_slugs: set[str] = set(RESERVED_SLUGS)  # compared casefolded: file systems that ignore case exist
    out = []
    for i, (line, student, sid) in enumerate(rows):
        same = by_name[student.casefold()]
        base = slugify(student) or f"student-{line}"
        key = f"id:{sid}" if sid else f"name:{student}"
        if len(same) > 1:
            if sid:
                slug = f"{base}-{slugify(sid) or line}"
            else:
                nth = same.index(i) + 1
                slug = f"{base}-{nth}"
                if nth > 1:
                    key = f"name:{student}#{nth}"
                    notes.append(f"{name}: line {line}: {student!r} appears {len(same)} times; this one gets its own "
                                 f"paper ({slug}); add an id column to tell them apart for good")
        else:
            slug = base
        reserved = slug in RESERVED_SLUGS
        while slug.casefold() in used_slugs:  # two names, one file name ("Ann-Marie" and "Ann Marie"), or ours
            slug = f"{slug}-{line}"
        used_slugs.add(slug.casefold())
        if reserved:
            notes.append(f"{name}: line {line}: {student!r} gets exam-{slug}.pdf and key-{slug}.pdf (exam-all.pdf "
                         f"is every paper in one file)")
        out.append(Student(student, sid, line, slug, key))
    return Roster(out, notes)
