"""Exam specs: one small TOML file checked into an ExamSpec, every problem at once (`file: section[2].kind: reason`)."""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from ..errors import SpecError
from ..fields import MAX_SPACE_CM, read_toml
from . import kinds

TOP_KEYS = ("title", "subtitle", "date", "instructions", "versions", "seed", "steps", "shuffle", "paper", "columns",
            "space", "section", "banks")
SECTION_KEYS = ("title", "topic", "family", "count", "difficulty", "points", "kind", "ask", "options", "instruction",
                "space")
MAX_VERSIONS = 200
MAX_QUESTIONS = 100
MAX_COUNT = 50
MAX_TEXT = 300
KINDS = kinds.NAMES


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
    ask: str = "derivative"  # what each question asks (quizgen.asks), with kind free or choice


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
    banks: tuple[str, ...] = ()  # a teacher's own bank files (absolute), added to the shipped banks

    def load_bank(self):
        """The bank this spec draws from: the shipped banks plus the spec's own `banks` (and --bank files)."""
        from ..bank import load_bank

        return load_bank(extra=self.banks)

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


def load_spec(path, bank=None, *, extra_banks=()) -> ExamSpec:
    """Read and check an exam spec (TOML); raise SpecError listing every problem as `file: section[2].kind: reason`.

    `banks = ["my.toml"]` in the spec is relative to the spec's folder; `extra_banks` (the CLI's --bank) are added."""
    from pathlib import Path

    name = str(path)
    data, problem = read_toml(path, name)
    if problem:
        raise SpecError([problem])
    return spec_from_dict(data, name, bank, base_dir=Path(path).parent, extra_banks=extra_banks)


def _bank_paths(data: dict, base_dir, bad) -> list[str]:
    from pathlib import Path

    raw = data.get("banks", [])
    if not isinstance(raw, list) or not all(isinstance(b, str) and b.strip() for b in raw):
        bad("banks", "must be a list of bank file names, e.g. banks = [\"my-bank.toml\"] (relative to the spec)")
        return []
    out = []
    for i, b in enumerate(raw):
        p = Path(b) if Path(b).is_absolute() or base_dir is None else Path(base_dir) / b
        if not p.exists():
            bad(f"banks[{i}]", f"no such file {str(p)!r} (bank files are found relative to the spec's folder)")
        else:
            out.append(str(p.resolve()))
    return out


def spec_from_dict(data: dict, name: str = "<spec>", bank=None, *, base_dir=None, extra_banks=()) -> ExamSpec:
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
    if not _is_num(space) or not 0 <= space <= MAX_SPACE_CM:
        bad("space", f"must be a number of centimetres from 0 to {MAX_SPACE_CM:g}, not {space!r}")
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
    banks = _bank_paths(data, base_dir, bad) + [str(p) for p in extra_banks]
    if bank is None and raw_sections:
        from ..bank import load_bank
        from ..errors import BankError

        try:
            bank = load_bank(extra=banks)
        except BankError as e:
            problems.extend(e.problems)
            raise SpecError(problems) from None
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
                    columns=columns, space=float(space), banks=tuple(banks))


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
        err("kind", f"{kind!r} is not a question kind ({kinds.listing()}){_suggest(kind, KINDS)}")
        kind = "free"
    ask = sd.get("ask", "derivative")
    from .. import asks

    if not isinstance(ask, str) or ask not in asks.NAMES:
        err("ask", f"{ask!r} is not an ask ({asks.listing()}){_suggest(ask, asks.NAMES)}")
        ask = "derivative"
    elif kind == "value" and ask not in ("derivative", "value"):
        err("ask", f"kind = \"value\" asks f′(a) itself; for ask = {ask!r} use kind = \"free\" or \"choice\"")
        ask = "derivative"
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
    if space is not None and (not _is_num(space) or not 0 <= space <= MAX_SPACE_CM):
        err("space", f"must be a number of centimetres from 0 to {MAX_SPACE_CM:g}, not {space!r}")
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
    if fams:
        ask = _several_ask(sd, kind, ask, fams, topic or family, err)
    if fams and count:
        capacity = sum(f.capacity for f in fams)
        if count > capacity:
            err("count", f"{count} questions but {topic or family} can make at most {capacity} distinct ones")
    if errors:
        return None
    return SectionSpec(index=index, count=count, kind=kind, points=points, topic=topic, family=family,
                       difficulty=difficulty, options=options, title=strings["title"],
                       instruction=strings["instruction"], space=space, ask=ask)


def _several_ask(sd: dict, kind: str, ask: str, fams, what: str, err) -> str:
    """The section's ask once its families are known: a topic of several variables asks what its families ask
    (∂f/∂x for `partial`, ∇f, dy/dx) unless the section names another several-variable ask; a one-variable ask on
    several variables, a several-variable ask on one variable, and kind = "value" on several variables are errors."""
    from .. import asks

    name = "topic" if "topic" in sd else "family"
    own = {f.ask for f in fams if f.variables}
    if not own:  # one variable
        if ask in asks.SEVERAL:
            err("ask", f"{ask!r} needs a function of several variables, and {name} {what!r} is in one variable "
                       f"(topics partial, gradient and implicit are in several)")
            return "derivative"
        return ask
    choices = ("implicit",) if own == {"implicit"} else ("partial", "mixed", "gradient")
    if kind == "value":
        err("kind", f"kind = \"value\" asks f′(a) of a function of one variable; {name} {what!r} is in several "
                    f"variables (use kind = \"free\" or \"choice\")")
    if "ask" not in sd or ask == "derivative":
        return own.pop() if len(own) == 1 else "derivative"  # mixed asks: each family its own
    if ask not in choices:
        kind_of = "another kind of question" if ask in asks.SEVERAL else "about a function of one variable"
        err("ask", f"{ask!r} asks {kind_of}, and {name} {what!r} is in several variables "
                   f"(use {' or '.join(choices) if len(choices) < 3 else 'partial, mixed or gradient'})")
        return own.pop() if len(own) == 1 else "derivative"
    return ask


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
