"""Writing an exam: every requested file staged beside its final name, renamed into place only when all succeed.

The only exam module that imports quizgen.render.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import QuizgenError
from ..util.parallel import cpu_count
from .build import Exam
from .spec import section_title

FORMATS = ("pdf", "tex", "moodle", "stack", "qti", "json", "html")


def write_steps(n: int, formats) -> int:
    """Progress steps of writing n papers in these formats (one per file, two per PDF paper and key)."""
    return (("pdf" in formats) * (2 * n + 2) + ("tex" in formats) * n + ("html" in formats) * 2 * n
            + ("moodle" in formats) + ("stack" in formats) + ("qti" in formats) + 1)


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
    if "stack" in formats:
        names.append("exam.stack.xml")
    if "qti" in formats:
        names.append("exam.qti.zip")
    names.append("exam.json")
    return names


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

    from ..errors import OutputError

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


def write_exam(exam: Exam, out_dir, formats=("pdf",), *, jobs: int | None = 1, progress=None,
               template_dir=None, bank=None) -> list[Path]:
    """Write every requested file (and exam.json) into out_dir; nothing appears there unless all of them succeed."""
    import json

    formats = list(formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise QuizgenError(f"unknown exam format {unknown[0]!r} (choose from {', '.join(FORMATS)})")
    folder = prepare_dir(out_dir)
    bank = bank or exam.spec.load_bank()
    titles = [section_title(sec, bank) for sec in exam.spec.sections]
    jobs = cpu_count() if jobs is None else max(1, int(jobs))
    n = len(exam.versions)
    if progress is not None:
        progress.add(write_steps(n, formats))
    staging = Staging(folder)

    def tick(label):
        if progress is not None:
            progress.advance(label)

    try:
        staging.write_text("exam.json", json.dumps(exam.to_dict(), ensure_ascii=False, indent=2) + "\n")
        tick("exam.json")
        if "moodle" in formats:
            from ..render.moodle import moodle_xml

            staging.write_text("exam.moodle.xml", moodle_xml(exam, titles=titles))
            tick("exam.moodle.xml")
        if "stack" in formats:
            from ..render.stack import stack_xml

            staging.write_text("exam.stack.xml", stack_xml(exam, titles=titles))
            tick("exam.stack.xml")
        if "qti" in formats:
            from ..render.qti import write_qti

            write_qti(exam, staging.path("exam.qti.zip"), titles=titles)
            tick("exam.qti.zip")
        if "tex" in formats:
            from ..render.tex import exam_tex

            for v in exam.versions:
                staging.write_text(f"{v.paper_name}.tex", exam_tex(exam, v, titles=titles, template_dir=template_dir))
                tick(f"{v.paper_name}.tex")
        if "html" in formats:
            from ..render.exam_pdf import html_files

            for html, path in html_files(exam, folder, titles=titles, template_dir=template_dir, jobs=jobs):
                staging.write_text(path.name, html)
                tick(path.name)
        if "pdf" in formats:
            from ..render.exam_pdf import write_pdfs

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
