"""Everything the command line writes besides the library's own messages: rebuild commands, progress, summaries."""

from __future__ import annotations

import shlex
from pathlib import Path


def shell_word(text: str) -> str:
    """A path or value as one shell word; a long path keeps its folder (the command must still work as printed)."""
    return shlex.quote(str(text))


def _bank_args(banks) -> list[str]:
    return [f"--bank {shell_word(b)}" for b in banks or ()]


def set_args(ps, banks=()) -> str:
    """The selection options that regenerate exactly this problem set."""
    o = ps.options
    parts = [f"-n {o['n']}"]
    for t in o.get("topics") or ():
        parts.append(f"--topic {t}")
    for f in o.get("families") or ():
        parts.append(f"--family {f}")
    if o.get("difficulty"):
        parts.append(f"--difficulty {o['difficulty']}")
    if o.get("ask"):
        parts.append(f"--ask {o['ask']}")
    if o.get("at") is not None:
        parts.append(f"--at {shell_word(o['at'])}")
    if o.get("order"):
        parts.append(f"--order {o['order']}")
    parts += _bank_args(banks)
    parts.append(f"--seed {ps.seed}")
    return " ".join(parts)


def set_command(command: str, ps, banks=()) -> str:
    """`quizgen generate -n 10 --seed 1`: the command that gives this set again."""
    return f"quizgen {command} {set_args(ps, banks)}"


def sheet_command(ps, *, steps: bool = False, page=None, title: str | None = None, banks=()) -> str:
    """The sheet's regeneration command plus the layout options that differ from write_sheet's defaults."""
    from ..render.pdf import DEFAULT_TITLE, DEFAULTS, PageSetup

    code = set_command("sheet", ps, banks)
    page = page or PageSetup()
    extra = []
    if steps:
        extra.append("--steps")
    if page.columns != DEFAULTS["columns"]:
        extra.append(f"--columns {page.columns}")
    if page.paper != DEFAULTS["paper"]:
        extra.append(f"--paper {page.paper}")
    if page.space != DEFAULTS["space"]:
        extra.append(f"--space {page.space:g}")
    if title and title != DEFAULT_TITLE:
        extra.append(f"--title {shlex.quote(title)}")
    return " ".join([code] + extra)


def exam_command(exam, spec_path, roster_path=None, banks=()) -> str:
    """The command that makes these papers again, printed in each footer."""
    spec = exam.spec
    regen = [f"quizgen exam {shell_word(spec_path or 'SPEC')}"]
    if roster_path is not None:
        regen.append(f"--roster {shell_word(roster_path)}")
    elif len(exam.versions) != spec.versions:
        regen.append(f"--versions {len(exam.versions)}")
    regen += _bank_args(banks)
    if exam.seed != spec.seed:
        regen.append(f"--seed {exam.seed}")
    return " ".join(regen)


def parse_formats(text: str | None) -> list[str]:
    """"pdf,tex" -> ["pdf", "tex"]; json is always written, so it need not be listed."""
    from ..errors import QuizgenError
    from ..exam import FORMATS

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
    from ..exam import write_steps

    return papers + write_steps(papers, formats)


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


def describe_run(exam, written: list[Path], folder) -> str:
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
    shown += [nm for nm in ("exam-all.pdf", "exam.moodle.xml", "exam.stack.xml", "exam.qti.zip", "exam.json")
              if nm in names]
    v = exam.versions
    what = (f"{len(v)} personal papers" if v and v[0].student is not None
            else f"{len(v)} version{'s' if len(v) != 1 else ''}")
    per = f"{exam.spec.question_count} questions, {exam.spec.total_points:g} points each"
    files = f"{len(names)} file{'s' if len(names) != 1 else ''}"
    return f"wrote {files} to {folder}: {', '.join(shown)} ({what}; {per}; seed {exam.seed})"


def exam_check_summary(spec, roster) -> str:
    """`ok: quiz3.toml: 3 sections, 12 questions, 35 points per paper, 4 versions` (and the roster's notes)."""
    n = len(spec.sections)
    papers = (f"{len(roster.students)} students" if roster is not None
              else f"{spec.versions} version{'s' if spec.versions != 1 else ''}")
    notes = "".join(f"\nnote: {note}" for note in (roster.notes if roster is not None else []))
    return (f"ok: {spec.source}: {n} section{'s' if n != 1 else ''}, {spec.question_count} questions, "
            f"{spec.total_points:g} points per paper, {papers}{notes}")
