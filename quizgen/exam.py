"""Teachers' exams: spec files and rosters checked all at once, versions and per-student papers, the three kinds."""

from __future__ import annotations

import csv
import hashlib
import io
import math
import os
import random
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .fields import read_toml
from .errors import GenerationError, QuizgenError, SpecError

KINDS = ("free", "choice", "value")
KIND_TITLES = {"free": "Differentiate", "choice": "Multiple choice", "value": "Value of the derivative"}
TOP_KEYS = ("title", "subtitle", "date", "instructions", "versions", "seed", "steps", "shuffle", "paper", "columns",
            "space", "section")
SECTION_KEYS = ("title", "topic", "family", "count", "difficulty", "points", "kind", "options", "instruction",
                "space")
MAX_VERSIONS = 200
MAX_STUDENTS = 1000
MAX_QUESTIONS = 100
MAX_COUNT = 50
MAX_TEXT = 300
NAME_MAX = 80

# Codes a distractor is drawn from only when the problem offers too few specific mistakes.
_FILLER_CODES = ("sign-error", "not-differentiated")
CHOICE_TRIES = 12  # redraws of a choice problem that has too few distinct real mistakes before generic ones are used


# ================================================================================================ spec


@dataclass(frozen=True)
class SectionSpec:
    """One [[section]] of a spec: which problems, how many, what kind and how many points each."""

    index: int  # 1-based, as in messages
    count: int
    kind: str = "free"
    points: float = 1
    topic: str | None = None
    family: str | None = None
    difficulty: int | None = None
    options: int = 4
    title: str = ""
    instruction: str = ""
    space: float | None = None


@dataclass(frozen=True)
class ExamSpec:
    """A checked exam spec; `source` is the file name as given (used in messages and the footer)."""

    title: str
    sections: tuple[SectionSpec, ...]
    source: str = ""
    subtitle: str = ""
    date: str = ""
    instructions: str = ""
    versions: int = 1
    seed: int | None = None
    steps: bool = False
    shuffle: bool = True
    paper: str = "a4"
    columns: int = 2
    space: float = 3.5

    @property
    def total_points(self) -> float:
        return sum(s.points * s.count for s in self.sections)

    @property
    def question_count(self) -> int:
        return sum(s.count for s in self.sections)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v) -> bool:
    return (_is_int(v) or isinstance(v, float)) and math.isfinite(v)


def _suggest(word: str, choices) -> str:
    import difflib

    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _has_control(text: str) -> bool:
    """Control characters (other than tab and line feed) and line separators: they would end a TeX comment line
    or make an XML export ill-formed, and nobody means one in a title."""
    return any((unicodedata.category(c) == "Cc" and c not in "\n\t") or c in "\u2028\u2029" for c in text)


def load_spec(path, bank=None) -> ExamSpec:
    """Read and check an exam spec (TOML); raise SpecError listing every problem as `file: section[2].kind: reason`."""
    name = str(path)
    data, problem = read_toml(path, name)
    if problem:
        raise SpecError([problem])
    return spec_from_dict(data, name, bank)


def spec_from_dict(data: dict, name: str = "<spec>", bank=None) -> ExamSpec:
    """Check a parsed spec; every problem is collected before SpecError is raised."""
    problems: list[str] = []

    def bad(where: str, reason: str):
        problems.append(f"{name}: {where}: {reason}")

    for k in data:
        if k not in TOP_KEYS:
            bad(k, f"unknown key{_suggest(k, TOP_KEYS)} (allowed: {', '.join(TOP_KEYS)})")
    title = data.get("title")
    if title is None:
        bad("title", "missing (the heading printed on every paper)")
        title = ""
    elif not isinstance(title, str) or not title.strip():
        bad("title", "must be non-empty text")
        title = ""
    texts = {}
    for key in ("title", "subtitle", "instructions", "date"):
        v = data.get(key, "")
        if key == "date" and not isinstance(v, str) and hasattr(v, "isoformat"):
            v = v.isoformat()  # a TOML date such as 2026-03-12
        if not isinstance(v, str):
            if key != "title":
                bad(key, "must be text")
            v = ""
        elif len(v) > MAX_TEXT:
            bad(key, f"too long ({len(v)} characters, at most {MAX_TEXT})")
        elif _has_control(v):
            bad(key, "contains control characters (remove them)")
        texts[key] = " ".join(v.split())
    versions = data.get("versions", 1)
    if not _is_int(versions) or not 1 <= versions <= MAX_VERSIONS:
        bad("versions", f"must be a whole number from 1 to {MAX_VERSIONS}, not {versions!r}")
        versions = 1
    seed = data.get("seed")
    if seed is not None and (not _is_int(seed) or not 0 <= seed < 2**63):
        bad("seed", f"must be a whole number from 0 to 2^63 − 1, not {seed!r}")
        seed = None
    flags = {}
    for key, default in (("steps", False), ("shuffle", True)):
        v = data.get(key, default)
        if not isinstance(v, bool):
            bad(key, f"must be true or false, not {v!r}")
            v = default
        flags[key] = v
    paper = data.get("paper", "a4")
    if paper not in ("a4", "letter"):
        bad("paper", f"must be \"a4\" or \"letter\", not {paper!r}")
        paper = "a4"
    columns = data.get("columns", 2)
    if columns not in (1, 2) or not _is_int(columns):
        bad("columns", f"must be 1 or 2, not {columns!r}")
        columns = 2
    space = data.get("space", 3.5)
    if not _is_num(space) or not 0 <= space <= 25:
        bad("space", f"must be a number of centimetres from 0 to 25, not {space!r}")
        space = 3.5

    raw_sections = data.get("section")
    sections: list[SectionSpec] = []
    if raw_sections is None:
        bad("section", "no [[section]] tables (each says which problems to draw, e.g. topic = \"chain\", count = 3)")
        raw_sections = []
    elif isinstance(raw_sections, dict):
        bad("section", "write [[section]] with double brackets (a list of sections), not [section]")
        raw_sections = []
    elif not isinstance(raw_sections, list) or not all(isinstance(s, dict) for s in raw_sections):
        bad("section", "must be [[section]] tables")
        raw_sections = []
    if bank is None and raw_sections:
        from .bank import load_bank

        bank = load_bank()
    for i, sd in enumerate(raw_sections, 1):
        sec = _read_section(sd, i, bank, lambda where, reason, i=i: bad(f"section[{i}].{where}" if where
                                                                         else f"section[{i}]", reason))
        if sec is not None:
            sections.append(sec)
    total = sum(s.count for s in sections)
    if total > MAX_QUESTIONS:
        bad("section", f"{total} questions in all; at most {MAX_QUESTIONS} per paper")
    if problems:
        raise SpecError(problems)
    return ExamSpec(title=texts["title"], sections=tuple(sections), source=name,
                    subtitle=texts["subtitle"], date=texts["date"], instructions=texts["instructions"],
                    versions=versions, seed=seed, steps=flags["steps"], shuffle=flags["shuffle"], paper=paper,
                    columns=columns, space=float(space))


def _read_section(sd: dict, index: int, bank, bad) -> SectionSpec | None:
    errors = []

    def err(where, reason):
        errors.append(1)
        bad(where, reason)

    for k in sd:
        if k not in SECTION_KEYS:
            err(k, f"unknown key{_suggest(k, SECTION_KEYS)} (allowed: {', '.join(SECTION_KEYS)})")
    kind = sd.get("kind", "free")
    if kind not in KINDS:
        err("kind", f"{kind!r} is not a question kind (free, choice or value){_suggest(kind, KINDS)}")
        kind = "free"
    count = sd.get("count")
    if count is None:
        err("count", "missing (how many questions this section draws)")
    elif not _is_int(count) or not 1 <= count <= MAX_COUNT:
        err("count", f"must be a whole number from 1 to {MAX_COUNT}, not {count!r}")
        count = None
    points = sd.get("points", 1)
    if not _is_num(points) or not 0 < points <= 1000:
        err("points", f"must be a positive number (points per question), not {points!r}")
        points = 1
    if isinstance(points, float) and points.is_integer():
        points = int(points)
    difficulty = sd.get("difficulty")
    if difficulty is not None and (not _is_int(difficulty) or difficulty not in (1, 2, 3)):
        err("difficulty", f"must be 1, 2 or 3, not {difficulty!r}")
        difficulty = None
    options = sd.get("options", 4)
    if "options" in sd and kind != "choice":
        err("options", "only choice sections have options")
    elif not _is_int(options) or options not in (4, 5):
        err("options", f"must be 4 or 5 (the right answer and 3 or 4 typical mistakes), not {options!r}")
        options = 4
    strings = {}
    for key in ("title", "instruction"):
        v = sd.get(key, "")
        if not isinstance(v, str) or len(v) > MAX_TEXT:
            err(key, f"must be text of at most {MAX_TEXT} characters")
            v = ""
        elif _has_control(v):
            err(key, "contains control characters (remove them)")
            v = ""
        strings[key] = " ".join(v.split())
    space = sd.get("space")
    if space is not None and (not _is_num(space) or not 0 <= space <= 25):
        err("space", f"must be a number of centimetres from 0 to 25, not {space!r}")
        space = None

    topic, family = sd.get("topic"), sd.get("family")
    fams = []
    if topic is None and family is None:
        err("", "give topic = \"...\" (a bank topic) or family = \"...\" (one family id)")
    elif topic is not None and family is not None:
        err("family", "give topic or family, not both")
    elif topic is not None:
        if not isinstance(topic, str) or topic not in bank.topics:
            err("topic", f"unknown topic {topic!r}{_suggest(topic, bank.topics)} (topics: {', '.join(bank.topics)})")
        else:
            fams = [f for f in bank.topics[topic].families if difficulty is None or f.difficulty == difficulty]
            if not fams and difficulty is not None:
                levels = sorted({f.difficulty for f in bank.topics[topic].families})
                err("difficulty", f"topic {topic!r} has no family at difficulty {difficulty} "
                                  f"(it has {', '.join(map(str, levels))})")
    else:
        known = {f.id: f for f in bank.families}
        if not isinstance(family, str) or family not in known:
            err("family", f"unknown family {family!r}{_suggest(family, known)} (see `quizgen banks list`)")
        else:
            fam = known[family]
            if difficulty is not None and fam.difficulty != difficulty:
                err("difficulty", f"family {family!r} has difficulty {fam.difficulty}, not {difficulty}")
            fams = [fam]
    if fams and count:
        capacity = sum(f.capacity for f in fams)
        if count > capacity:
            err("count", f"{count} questions but {topic or family} can make at most {capacity} distinct ones")
    if errors:
        return None
    return SectionSpec(index=index, count=count, kind=kind, points=points, topic=topic, family=family,
                       difficulty=difficulty, options=options, title=strings["title"],
                       instruction=strings["instruction"], space=space)


def section_families(spec_section: SectionSpec, bank) -> list:
    """The bank families a section draws from."""
    if spec_section.family:
        return [bank.family(spec_section.family)]
    return [f for f in bank.topics[spec_section.topic].families
            if spec_section.difficulty is None or f.difficulty == spec_section.difficulty]


def section_title(sec: SectionSpec, bank) -> str:
    if sec.title:
        return sec.title
    if sec.family:
        return bank.family(sec.family).title
    return bank.topics[sec.topic].title


# ================================================================================================ roster


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
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise SpecError([f"{name}: cannot read file: {e.strerror or e}"]) from None
    try:
        text = raw.decode("utf-8-sig")  # spreadsheet exports often start with a byte-order mark
    except UnicodeDecodeError:
        raise SpecError([f"{name}: not UTF-8 text (save the class list as CSV UTF-8)"]) from None
    return roster_from_text(text, name)


def roster_from_text(text: str, name: str = "<roster>") -> Roster:
    problems: list[str] = []
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    # Spreadsheets in many locales export with ";" (or tabs); the header line tells which.
    delimiter = max((",", ";", "\t"), key=lambda d: (first.count(d), d == ","))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in row]
                header_line = reader.line_num
                continue
            rows.append((reader.line_num, row))
    except csv.Error as e:
        raise SpecError([f"{name}: line {reader.line_num}: {e}"]) from None
    if header is None:
        raise SpecError([f"{name}: empty file (expected a header line such as: name,id)"])
    if "name" not in header:
        raise SpecError([f"{name}: line {header_line}: the header needs a 'name' column "
                         f"(found: {', '.join(h or '(empty)' for h in header)})"])
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        problems.append(f"{name}: line {header_line}: column {dupes[0]!r} appears twice in the header")
    ni, ii = header.index("name"), (header.index("id") if "id" in header else None)
    if not rows:
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


def _name_students(rows: list[tuple[int, str, str | None]], name: str) -> Roster:
    """Seed keys and file names, telling apart students who share a name (by id, else by order)."""
    notes = []
    by_name: dict[str, list[int]] = {}
    for i, (_line, student, _sid) in enumerate(rows):
        by_name.setdefault(student.casefold(), []).append(i)
    used_slugs: set[str] = set()
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
        while slug in used_slugs:  # two different names with the same file name ("Ann-Marie" and "Ann Marie")
            slug = f"{slug}-{line}"
        used_slugs.add(slug)
        out.append(Student(student, sid, line, slug, key))
    return Roster(out, notes)


# ================================================================================================ questions


@dataclass
class Option:
    """One multiple-choice option; `code` is "correct" or the mistake (quizgen.mistakes code) it stands for."""

    expr: object
    code: str
    latex: str
    text: str
    feedback: str = ""

    @property
    def correct(self) -> bool:
        return self.code == "correct"


@dataclass
class Question:
    """One question of one paper: the problem and, by kind, its options or its point and value."""

    number: int
    section: int
    kind: str
    points: float
    problem: object  # quizgen.problems.Problem
    options: list[Option] = field(default_factory=list)
    correct: int | None = None  # index into options
    point: object = None  # sympy number a of "find f′(a)"
    value: object = None  # exact f′(a)
    value_latex: str = ""
    value_text: str = ""
    decimal: float | None = None
    generic: bool = False  # a choice question that needed generic distractors
    steps: list = field(default_factory=list)  # (depth, title, [(latex, text)]) rows for keys with steps

    @property
    def variable(self) -> str:
        return self.problem.variable

    @property
    def correct_letter(self) -> str:
        return "ABCDE"[self.correct] if self.correct is not None else ""

    @property
    def point_latex(self) -> str:
        from .printing import to_latex

        return to_latex(self.point)

    @property
    def point_text(self) -> str:
        from .printing import to_text

        return to_text(self.point)

    @property
    def decimal_text(self) -> str:
        return decimal_text(self.decimal) if self.decimal is not None else ""

    @property
    def value_is_decimal(self) -> bool:
        """True when the exact value is a whole number, so a key needs no "≈ decimal" after it."""
        return bool(self.value is not None and self.value.is_Integer)

    def to_dict(self) -> dict:
        d = {"number": self.number, "section": self.section, "kind": self.kind, "points": self.points,
             "variable": self.variable, "family": self.problem.family, "expr": str(self.problem.expr),
             "answer": str(self.problem.answer)}
        if self.kind == "choice":
            d["options"] = [str(o.expr) for o in self.options]
            d["option_mistakes"] = [o.code for o in self.options]
            d["correct_option"] = self.correct_letter
        if self.kind == "value":
            d["point"] = str(self.point)
            d["value"] = str(self.value)
            d["decimal"] = self.decimal
        return d


def decimal_text(v: float) -> str:
    """A key's decimal: three decimal places (trailing zeros dropped), or three significant digits below 0.01."""
    if v == 0:
        return "0"
    if abs(v) >= 0.01:
        s = f"{v:.3f}".rstrip("0").rstrip(".")
    else:
        s = f"{v:.3g}"
    return s.replace("-", "−")


def _textbook_option(wrong, x, prefer_fraction: bool):
    """A distractor in the style of the key, so its form does not give it away.

    Quotient keys have an expanded numerator over a factored denominator, (2x² + 24x + 7)/(x + 6)²; a wrong
    quotient built from the rule's pieces, (−2x² + 4x(x + 6) + 7)/(x + 6)², is put in that form too (unless that
    is clearly longer or brings in e⁻¹).
    """
    import sympy as sp

    from .keyform import textbook
    from .printing import to_text

    try:
        shown = textbook(wrong, x, prefer_fraction=prefer_fraction)
    except Exception:  # noqa: BLE001 — a display-form failure must not lose a valid distractor
        return wrong
    if not prefer_fraction:
        return shown
    try:
        num, den = sp.fraction(sp.together(wrong))
        if den == 1 or sp.count_ops(num) > 80:
            return shown
        alt = textbook(sp.factor_terms(sp.expand(num)) / sp.factor_terms(den), x, prefer_fraction=True)
    except Exception:  # noqa: BLE001
        return shown
    if alt.has(sp.exp(-1)) or len(to_text(alt)) > len(to_text(shown)) + 4:
        return shown
    return alt


def _generic_variants(d, x) -> list:
    """Power-rule-shaped wrong answers for problems with too few specific mistakes (marked generic in keys)."""
    return [("generic-times-x", d * x), ("generic-over-x", d / x), ("generic-double", 2 * d)]


def choice_options(problem, n_options: int, rng: random.Random, allow_generic: bool):
    """(options, correct index, generic used) or None when the problem has too few real distinct mistakes.

    Distractors are quizgen.mistakes variants (pairwise different and different from the derivative at every
    sample point); rule-specific ones first, at most one per code before a second of the same code, then sign
    errors; generic ones only when `allow_generic`.
    """
    import sympy as sp

    from .numeric import frame_for
    from .mistakes import mistake_details
    from .printing import to_latex, to_text

    x = problem.var
    d = sp.diff(problem.expr, x)
    prefer_fraction = "quotient" in (problem.rules or ())
    details = mistake_details(problem.expr, x, d)
    specific = [v for v in details if v.code not in _FILLER_CODES]
    fillers = [v for v in details if v.code == "sign-error"]
    # One per code first (in a seeded order), so the options show different mistakes.
    by_code: dict[str, list] = {}
    for v in specific:
        by_code.setdefault(v.code, []).append(v)
    codes = list(by_code)
    rng.shuffle(codes)
    ordered = []
    depth = 0
    while any(len(by_code[c]) > depth for c in codes):
        ordered += [by_code[c][depth] for c in codes if len(by_code[c]) > depth]
        depth += 1
    ordered += fillers
    frame = frame_for(x, problem.expr, d)
    chosen: list[Option] = [Option(problem.answer, "correct", problem.answer_latex, problem.answer_text)]
    texts = {problem.answer_text}
    exprs = [d]

    answer_constant = x not in d.free_symbols

    def take(code, wrong, feedback=""):
        shown = _textbook_option(wrong, x, prefer_fraction)
        text = to_text(shown)
        if text in texts or len(text) > max(70, 2 * len(problem.answer_text)):
            return False
        if x not in shown.free_symbols and not answer_constant:
            return False  # a bare number beside derivatives that depend on x gives itself away
        if any(not _differs(frame, shown, e) for e in exprs):
            return False
        chosen.append(Option(shown, code, to_latex(shown), text, feedback))
        texts.add(text)
        exprs.append(shown)
        return True

    for v in ordered:
        if len(chosen) == n_options:
            break
        take(v.code, v.wrong, v.feedback())
    generic = False
    if len(chosen) < n_options:
        if not allow_generic:
            return None
        for code, wrong in _generic_variants(d, x):
            if len(chosen) == n_options:
                break
            if take(code, wrong, "A generic wrong answer (this problem has few typical mistakes)."):
                generic = True
        nd = [v for v in details if v.code == "not-differentiated"]
        for v in nd:
            if len(chosen) < n_options:
                take(v.code, v.wrong, v.feedback())
        if len(chosen) < n_options:
            return None
    order = list(range(n_options))
    rng.shuffle(order)
    options = [chosen[i] for i in order]
    return options, order.index(0), generic


def _differs(frame, a, b) -> bool:
    """a and b are different functions: they differ at some sample point (checked numerically, quizgen.check)."""
    if a == b:
        return False
    return any(frame.differs_at(a, b, i) is True for i in range(len(frame.points)))


# Points for "find f′(a)": small integers first, then simple fractions; multiples of π for trigonometric functions.
_POINT_TIERS = ((1, 2, -1, 3, -2), (0, 4, (1, 2), -3, (3, 2), (-1, 2), 5, (1, 3)))
_TRIG_POINTS = ((1, 6), (1, 4), (1, 3), (1, 2), (2, 3), (1, 1))  # times π
MAX_VALUE_TEXT = 40


def value_point(problem, rng: random.Random):
    """(a, exact f′(a), decimal) at a point inside the domain of f with a short exact value, or None."""
    import sympy as sp

    from .printing import to_text

    x = problem.var
    expr = problem.expr
    d = sp.diff(expr, x)
    trig_args = [a.args[0] for a in expr.atoms(sp.sin, sp.cos, sp.tan)]
    tiers = [[sp.Rational(*p) if isinstance(p, tuple) else sp.Integer(p) for p in t] for t in _POINT_TIERS]
    if trig_args and all(arg.is_polynomial(x) and sp.degree(arg, x) == 1 and arg.subs(x, 0) == 0
                         for arg in trig_args):
        tiers.insert(0, [sp.pi * sp.Rational(*p) for p in _TRIG_POINTS])
    # The first few valid points in a seeded order (trig-friendly multiples of π first when they apply, then
    # small integers, then simple fractions); the one with the simplest exact value wins. f′(0), a zero value
    # and a huge or tiny value (hard to give to 3 decimal places) win only when clearly simpler.
    found = []
    for tier in tiers:
        rng.shuffle(tier)
        for a in tier:
            got = _exact_value(expr, d, x, a)
            if got is not None:
                exact, dec = got
                score = (len(to_text(exact)) + (4 if a == 0 else 0) + (20 if exact == 0 else 0)
                         + (6 if abs(dec) > 1000 or 0 < abs(dec) < 0.01 else 0))
                found.append((score, len(found), a, exact, dec))
            if len(found) >= 8:
                break
        if len(found) >= 8:
            break
    if not found:
        return None
    _, _, a, exact, dec = min(found)
    return a, exact, dec


def _exact_value(expr, d, x, a):
    import sympy as sp

    from .printing import to_text

    # Inside the domain: f real and finite at a and close by on both sides (not at an edge such as √x at 0).
    for pt in (a, a - sp.Rational(1, 100), a + sp.Rational(1, 100)):
        if not _real_finite(expr, x, pt):
            return None
    if not _real_finite(d, x, a):
        return None
    v = d.subs(x, a)
    if v.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I):
        return None
    cands = [v]
    if sp.count_ops(v) <= 40:
        # Not sympy.simplify: it folds coefficients into logarithms (−9375 ln 5 -> −ln(5^9375)).
        for rewrite in (sp.factor_terms, sp.radsimp, sp.expand, sp.together):
            try:
                c = rewrite(v)
            except Exception:  # noqa: BLE001 — a rewrite that fails is just not a candidate
                continue
            if not c.has(sp.I):
                cands.append(c)
    cands = [c for c in cands if not any(n.is_Integer and abs(n) > 10**12 for n in sp.preorder_traversal(c))]
    if not cands:
        return None
    best = min(cands, key=lambda c: (len(to_text(c)), sp.count_ops(c)))
    text = to_text(best)
    dec = complex(sp.N(best, 20))
    if abs(dec.imag) > 1e-12 or not math.isfinite(dec.real) or abs(dec.real) > 1e6:
        return None
    if len(text) > MAX_VALUE_TEXT:
        return None
    # The displayed exact form must still equal f′(a).
    if abs(complex(sp.N(v, 20)) - dec) > 1e-9 * max(1.0, abs(dec)):
        return None
    return best, dec.real


def _real_finite(e, x, pt) -> bool:
    import sympy as sp

    try:
        v = complex(sp.N(e.subs(x, pt), 15))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return False
    return abs(v.imag) <= 1e-12 * max(1.0, abs(v.real)) and math.isfinite(v.real) and abs(v.real) < 1e12


# ================================================================================================ versions


@dataclass
class Version:
    """One paper: its label (A, B, ... or the student's file name), seed, optional student, and questions."""

    label: str
    seed: int
    questions: list[Question]
    student: Student | None = None

    @property
    def total_points(self) -> float:
        return sum(q.points for q in self.questions)

    @property
    def paper_name(self) -> str:
        return f"exam-{self.label}"

    @property
    def key_name(self) -> str:
        return f"key-{self.label}"

    def to_dict(self) -> dict:
        d = {"label": self.label}
        if self.student is not None:
            d["student"] = {"name": self.student.name, **({"id": self.student.id} if self.student.id else {})}
        d["seed"] = self.seed
        d["total_points"] = self.total_points
        d["questions"] = [q.to_dict() for q in self.questions]
        return d


@dataclass
class Exam:
    """Every paper of one run, reproducible from (spec, seed, versions or roster)."""

    spec: ExamSpec
    seed: int
    versions: list[Version]
    notes: list[str] = field(default_factory=list)
    steps: bool = False
    regen: str = ""  # the command that makes these papers again, printed in each footer

    def to_dict(self) -> dict:
        return {"title": self.spec.title, "seed": self.seed, "total_points": self.spec.total_points,
                "sections": [{"section": s.index, "kind": s.kind, "count": s.count, "points": s.points,
                              **({"topic": s.topic} if s.topic else {"family": s.family}),
                              **({"difficulty": s.difficulty} if s.difficulty else {})}
                             for s in self.spec.sections],
                "versions": [v.to_dict() for v in self.versions]}


def version_label(i: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, ..."""
    label = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        label = chr(65 + r) + label
    return label


def derive_seed(*parts) -> int:
    """A stable seed from the exam seed and a version label or student key (same inputs, same paper)."""
    raw = "quizgen-exam\0" + "\0".join(str(p) for p in parts)
    return int(hashlib.sha256(raw.encode("utf-8")).hexdigest()[:12], 16) % 1_000_000_000


def family_mix(spec: ExamSpec, bank, seed: int) -> list[list]:
    """For each section, the family of every question slot: the same for all versions (a fair comparison)."""
    mixes = []
    for sec in spec.sections:
        fams = section_families(sec, bank)
        rng = random.Random(f"quizgen-exam:{seed}:mix:{sec.index}")
        order = rng.sample(fams, len(fams))
        mixes.append([order[i % len(order)] for i in range(sec.count)])
    return mixes


def _make_question(sec: SectionSpec, fam, rng: random.Random, seen: set, alternatives: list):
    """Draw one question of a section's kind from `fam` (another family of the section if it runs dry)."""
    from .draw import DrawRejected, draw
    from .problems import make_problem

    best_partial = None
    for family in [fam] + [f for f in alternatives if f is not fam]:
        choice_tries = 0
        for _ in range(60):
            try:
                expr, values = draw(family, rng)
                if str(expr) in seen:
                    continue
                problem = make_problem(family, expr, values)
            except DrawRejected:
                continue
            if sec.kind == "free":
                return Question(0, sec.index, sec.kind, sec.points, problem)
            if sec.kind == "value":
                got = value_point(problem, rng)
                if got is None:
                    continue
                a, exact, dec = got
                from .printing import to_latex, to_text

                return Question(0, sec.index, sec.kind, sec.points, problem, point=a, value=exact,
                                value_latex=to_latex(exact), value_text=to_text(exact), decimal=dec)
            choice_tries += 1
            got = choice_options(problem, sec.options, rng, allow_generic=False)
            if got is not None:
                options, correct, _ = got
                return Question(0, sec.index, sec.kind, sec.points, problem, options=options, correct=correct)
            if best_partial is None:
                best_partial = problem
            if choice_tries >= CHOICE_TRIES:
                break
        if best_partial is not None:
            break
    if best_partial is not None:
        got = choice_options(best_partial, sec.options, rng, allow_generic=True)
        if got is not None:
            options, correct, generic = got
            return Question(0, sec.index, sec.kind, sec.points, best_partial, options=options, correct=correct,
                            generic=generic)
    return None


def _version_questions(spec: ExamSpec, mixes, pools, vseed: int, steps: bool) -> list[Question]:
    rng = random.Random(f"quizgen-exam:{vseed}")
    seen: set[str] = set()
    out: list[Question] = []
    for sec, mix, pool in zip(spec.sections, mixes, pools):
        qs = []
        for fam in mix:
            q = _make_question(sec, fam, rng, seen, pool)
            if q is None:
                raise GenerationError(f"{spec.source}: section[{sec.index}]: cannot draw a {sec.kind} question from "
                                      f"family {fam.id}")
            seen.add(str(q.problem.expr))
            qs.append(q)
        if spec.shuffle:
            rng.shuffle(qs)
        out.extend(qs)
    for i, q in enumerate(out, 1):
        q.number = i
        if steps:
            q.steps = _step_rows(q.problem)
    return out


def _step_rows(problem) -> list:
    from .render.pdf import step_rows

    return step_rows(problem.steps)


# Generation jobs run in forked workers that read these (set just before the pool starts).
_GEN: dict = {}


def _gen_task(task):
    i, label, vseed, student = task
    spec, mixes, pools, steps = _GEN["spec"], _GEN["mixes"], _GEN["pools"], _GEN["steps"]
    return i, Version(label, vseed, _version_questions(spec, mixes, pools, vseed, steps), student)


def build_exam(spec: ExamSpec, *, versions: int | None = None, roster: Roster | None = None, seed: int | None = None,
               steps: bool | None = None, jobs: int | None = None, bank=None, progress=None) -> Exam:
    """Every paper: lettered versions (A, B, ...) or one per roster student, each reproducible from the seed.

    Lettered versions draw different problems from each other (a repeat is redrawn); a student's paper depends
    only on the exam seed and that student's id (or name), so adding a student never changes anyone else's paper.
    """
    from .bank import load_bank
    from .problems import new_seed

    bank = bank or load_bank()
    notes: list[str] = []
    if seed is None:
        seed = spec.seed
    if seed is None:
        seed = new_seed()
        notes.append(f"seed {seed} chosen; add `seed = {seed}` to {spec.source or 'the spec'} to reproduce these papers")
    steps = spec.steps if steps is None else steps
    if roster is not None:
        tasks = [(i, s.slug, derive_seed(seed, "student", s.key), s) for i, s in enumerate(roster.students)]
        notes.extend(roster.notes)
    else:
        k = versions or spec.versions
        if not 1 <= k <= MAX_VERSIONS:
            raise QuizgenError(f"versions must be from 1 to {MAX_VERSIONS}, not {k}")
        tasks = [(i, version_label(i), derive_seed(seed, "version", version_label(i)), None) for i in range(k)]
    mixes = family_mix(spec, bank, seed)
    pools = [section_families(sec, bank) for sec in spec.sections]
    if progress is not None:
        progress.add(len(tasks))
    _GEN.update(spec=spec, mixes=mixes, pools=pools, steps=steps)
    results: list[Version | None] = [None] * len(tasks)
    try:
        for i, version in _map(_gen_task, tasks, jobs):
            results[i] = version
            if progress is not None:
                progress.advance(f"drawing {version.label}")
    finally:
        _GEN.clear()
    out = [v for v in results if v is not None]
    if roster is None:
        _redraw_repeats(spec, out, pools, steps, notes, jobs)
    generic = sum(q.generic for v in out for q in v.questions)
    if generic:
        notes.append(f"{generic} multiple-choice question{'s' if generic != 1 else ''} had too few typical mistakes "
                     "and also use generic distractors (marked in the key)")
    regen = [f"quizgen exam {_shell_word(spec.source or 'SPEC')}"]
    if roster is not None:
        regen.append(f"--roster {_shell_word(roster.source or 'ROSTER')}")
    elif len(out) != spec.versions:
        regen.append(f"--versions {len(out)}")
    if seed != spec.seed:
        regen.append(f"--seed {seed}")
    return Exam(spec, seed, out, notes, steps, " ".join(regen))


def _shell_word(text: str) -> str:
    import shlex

    return shlex.quote(Path(text).name if os.sep in text and len(text) > 40 else text)


def _redraw_repeats(spec, versions: list[Version], pools, steps: bool, notes: list[str], jobs) -> None:
    """A problem already used by an earlier version (or earlier in its own) is drawn again, so versions differ.

    In rounds: find the repeats, redraw them all (in worker processes) avoiding every problem of the exam, and
    look again; each redraw's seed depends only on its version, question and round, so the result does not depend
    on the number of processes.
    """
    for round_ in range(1, 6):
        seen: set[str] = set()
        repeats = []
        for vi, v in enumerate(versions):
            for qi, q in enumerate(v.questions):
                key = str(q.problem.expr)
                if key in seen:
                    repeats.append((vi, qi))
                else:
                    seen.add(key)
        if not repeats:
            return
        everything = seen | {str(q.problem.expr) for v in versions for q in v.questions}
        _GEN.update(spec=spec, pools=pools, steps=steps, versions=versions, exclude=everything)
        try:
            tasks = [(vi, qi, round_) for vi, qi in repeats]
            for (vi, qi), new in _map(_redraw_task, tasks, jobs):
                if new is not None:
                    versions[vi].questions[qi] = new
        finally:
            _GEN.clear()
    left = len(repeats)
    notes.append(f"{left} question{'s' if left != 1 else ''} repeat between versions: the families cannot make "
                 "enough distinct problems for this many versions")


def _redraw_task(task):
    vi, qi, round_ = task
    spec, pools, steps, versions = _GEN["spec"], _GEN["pools"], _GEN["steps"], _GEN["versions"]
    v = versions[vi]
    q = v.questions[qi]
    pool = pools[q.section - 1]
    rng = random.Random(f"quizgen-exam:{v.seed}:redraw:{q.number}:{round_}")
    new = _make_question(spec.sections[q.section - 1], _family_of(q, pool), rng, _GEN["exclude"], pool)
    if new is not None:
        new.number = q.number
        if steps:
            new.steps = _step_rows(new.problem)
    return (vi, qi), new


def _family_of(q: Question, pool):
    for f in pool:
        if f.id == q.problem.family:
            return f
    return pool[0]


def default_jobs() -> int:
    return os.cpu_count() or 1


def _map(fn, tasks: list, jobs: int | None):
    """Results of fn over tasks (in completion order), in forked worker processes when jobs > 1."""
    import multiprocessing

    jobs = default_jobs() if jobs is None else jobs
    if jobs <= 1 or len(tasks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for t in tasks:
            yield fn(t)
        return
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [pool.submit(fn, t) for t in tasks]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


# ================================================================================================ writing


FORMATS = ("pdf", "tex", "moodle", "json", "html")


def parse_formats(text: str | None) -> list[str]:
    """"pdf,tex" -> ["pdf", "tex"]; json is always written, so it need not be listed."""
    if not text:
        return ["pdf"]
    out = []
    for part in str(text).split(","):
        name = part.strip().lower()
        if not name:
            continue
        if name not in FORMATS:
            raise QuizgenError(f"unknown format {name!r} in --format (choose from {', '.join(FORMATS)})")
        if name not in out:
            out.append(name)
    return out or ["pdf"]


def run_steps(papers: int, formats) -> int:
    """Progress steps of a whole run: one per paper drawn and one per file written."""
    return papers + _write_steps(papers, formats)


def _write_steps(n: int, formats) -> int:
    return (("pdf" in formats) * (2 * n + 2) + ("tex" in formats) * n + ("html" in formats) * 2 * n
            + ("moodle" in formats) + 1)


def output_files(exam: Exam, formats) -> list[str]:
    """Names of the files a run writes, in the order they are listed."""
    names = []
    for v in exam.versions:
        if "pdf" in formats:
            names += [f"{v.paper_name}.pdf", f"{v.key_name}.pdf"]
        if "html" in formats:
            names += [f"{v.paper_name}.html", f"{v.key_name}.html"]
        if "tex" in formats:
            names.append(f"{v.paper_name}.tex")
    if "pdf" in formats:
        names.append("exam-all.pdf")
    if "moodle" in formats:
        names.append("exam.moodle.xml")
    names.append("exam.json")
    return names


class Progress:
    """A one-line progress bar (on a terminal) for long runs; `advance` once per finished step."""

    def __init__(self, stream=None, enabled: bool = True, width: int = 24, total: int | None = None):
        import sys

        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.width = width
        # A total known up front (see run_steps) stays put; otherwise each phase adds its own steps.
        self.fixed = total is not None
        self.total = total or 0
        self.done = 0
        self._last = 0.0
        self._shown = False

    def add(self, n: int) -> None:
        if not self.fixed:
            self.total += n

    def advance(self, label: str = "") -> None:
        import time

        self.done += 1
        now = time.monotonic()
        if self.enabled and (now - self._last > 0.08 or self.done >= self.total):
            self._last = now
            frac = min(1.0, self.done / self.total) if self.total else 1.0
            fill = int(frac * self.width)
            bar = "█" * fill + "░" * (self.width - fill)
            line = f"\r{bar} {self.done}/{self.total} {label}"[: 100]
            self.stream.write(line.ljust(80) + "\r" if len(line) < 80 else line + "\r")
            self.stream.flush()
            self._shown = True

    def close(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r" + " " * 80 + "\r")
            self.stream.flush()


class Staging:
    """Temp files beside their final names, renamed into place only when every file of the run is written."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.pending: list[tuple[str, Path]] = []

    def path(self, name: str) -> str:
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.", suffix=".tmp")
        os.close(fd)
        self.pending.append((tmp, self.folder / name))
        return tmp

    def write_text(self, name: str, text: str) -> None:
        with open(self.path(name), "w", encoding="utf-8", newline="\n") as out:
            out.write(text)

    def commit(self) -> list[Path]:
        done = []
        for tmp, final in self.pending:
            os.chmod(tmp, 0o644)
            os.replace(tmp, final)
            done.append(final)
        self.pending = []
        return done

    def discard(self) -> None:
        for tmp, _final in self.pending:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        self.pending = []


def prepare_dir(out_dir) -> Path:
    """The output folder, created if needed; OutputError when it cannot hold our files."""
    import tempfile

    from .errors import OutputError

    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write into {folder}: it is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".quizgen-", suffix=".tmp"):
            pass
    except OSError as err:
        raise OutputError(f"cannot write into {folder}: {err.strerror or err}") from None
    return folder


def write_exam(exam: Exam, out_dir, formats=("pdf",), *, jobs: int | None = None, progress: Progress | None = None,
               template_dir=None, bank=None) -> list[Path]:
    """Write every requested file (and exam.json) into out_dir; nothing appears there unless all of them succeed."""
    import json

    from .bank import load_bank

    formats = list(formats)
    folder = prepare_dir(out_dir)
    bank = bank or load_bank()
    titles = [section_title(sec, bank) for sec in exam.spec.sections]
    jobs = default_jobs() if jobs is None else max(1, int(jobs))
    n = len(exam.versions)
    if progress is not None:
        progress.add(_write_steps(n, formats))
    staging = Staging(folder)

    def tick(label):
        if progress is not None:
            progress.advance(label)

    try:
        staging.write_text("exam.json", json.dumps(exam.to_dict(), ensure_ascii=False, indent=2) + "\n")
        tick("exam.json")
        if "moodle" in formats:
            from .render.moodle import moodle_xml

            staging.write_text("exam.moodle.xml", moodle_xml(exam, titles=titles))
            tick("exam.moodle.xml")
        if "tex" in formats:
            from .render.tex import exam_tex

            for v in exam.versions:
                staging.write_text(f"{v.paper_name}.tex", exam_tex(exam, v, titles=titles, template_dir=template_dir))
                tick(f"{v.paper_name}.tex")
        if "html" in formats:
            from .render.exam_pdf import html_files

            for html, path in html_files(exam, folder, titles=titles, template_dir=template_dir):
                staging.write_text(path.name, html)
                tick(path.name)
        if "pdf" in formats:
            from .render.exam_pdf import write_pdfs

            targets = {}
            for i, v in enumerate(exam.versions):
                targets[("paper", i)] = staging.path(f"{v.paper_name}.pdf")
                targets[("key", i)] = staging.path(f"{v.key_name}.pdf")
            targets[("all", 0)] = staging.path("exam-all.pdf")
            write_pdfs(exam, targets, titles=titles, jobs=jobs, progress=progress, template_dir=template_dir)
        return staging.commit()
    except BaseException:
        staging.discard()
        raise


def check_files(spec_path, roster_path=None, bank=None) -> str:
    """Check a spec (and a roster) the way a run would, drawing one paper; a one-line summary, or SpecError."""
    from .bank import load_bank

    bank = bank or load_bank()
    problems = []
    spec = roster = None
    try:
        spec = load_spec(spec_path, bank)
    except SpecError as e:
        problems += e.problems
    if roster_path is not None:
        try:
            roster = load_roster(roster_path)
        except SpecError as e:
            problems += e.problems
    if spec is not None:
        try:
            build_exam(spec, versions=1, seed=spec.seed if spec.seed is not None else 0, jobs=1, bank=bank)
        except GenerationError as e:
            problems.append(str(e))
    if problems:
        raise SpecError(problems)
    n = len(spec.sections)
    papers = (f"{len(roster.students)} students" if roster is not None
              else f"{spec.versions} version{'s' if spec.versions != 1 else ''}")
    notes = "".join(f"\nnote: {note}" for note in (roster.notes if roster is not None else []))
    return (f"ok: {spec.source}: {n} section{'s' if n != 1 else ''}, {spec.question_count} questions, "
            f"{spec.total_points:g} points per paper, {papers}{notes}")


def describe_run(exam: Exam, written: list[Path], folder) -> str:
    """What a run wrote, in one line: "wrote 11 files to out/: exam-A.pdf … exam-D.pdf, ... (seed 2026)"."""
    names = [p.name for p in written]

    def group(prefix, suffix):
        hits = [nm for nm in names if nm.startswith(prefix) and nm.endswith(suffix) and nm != "exam-all.pdf"]
        if len(hits) > 2:
            return [f"{hits[0]} … {hits[-1]}"]
        return hits

    shown = []
    for prefix, suffix in (("exam-", ".pdf"), ("key-", ".pdf"), ("exam-", ".html"), ("key-", ".html"),
                           ("exam-", ".tex")):
        shown += group(prefix, suffix)
    shown += [nm for nm in ("exam-all.pdf", "exam.moodle.xml", "exam.json") if nm in names]
    v = exam.versions
    what = (f"{len(v)} personal papers" if v and v[0].student is not None
            else f"{len(v)} version{'s' if len(v) != 1 else ''}")
    per = f"{exam.spec.question_count} questions, {exam.spec.total_points:g} points each"
    files = f"{len(names)} file{'s' if len(names) != 1 else ''}"
    return f"wrote {files} to {folder}: {', '.join(shown)} ({what}; {per}; seed {exam.seed})"


__all__ = ["check_files", "describe_run", "run_steps", "FORMATS", "parse_formats", "output_files", "Progress", "Staging", "write_exam", "prepare_dir",
           "ExamSpec", "SectionSpec", "load_spec", "spec_from_dict", "Roster", "Student", "load_roster",
           "roster_from_text", "Question", "Option", "Version", "Exam", "build_exam", "choice_options", "value_point",
           "version_label", "derive_seed", "family_mix", "slugify", "section_title", "section_families", "KINDS", "decimal_text"]
