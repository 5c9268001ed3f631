"""Writing an exam: every requested file staged beside its final name, renamed into place only when all succeed.

The only exam module that imports quizgen.render.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import QuizgenError
from ..util.files import Staging
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


def prepare_dir(out_dir) -> Path:
    """The output folder, created if needed; OutputError when it cannot hold our files."""
    from ..errors import OutputError
    from ..util.files import check_folder

    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write into {folder}: it is a file, not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        check_folder(folder / "exam.json")
    except OSError as err:
        raise OutputError(f"cannot write into {folder}: {err.strerror or err}") from None
    return folder


# ------------------------------------------------------------------------------------------------------------
# Files of an earlier run in the same folder
#
# A folder holds one run: exam.json lists the files its run wrote, with their SHA-256. A later run into the folder
# removes those it does not write again (an old exam-C.pdf beside a 2-version run would be taken for this exam's),
# but only while each is exactly what that run wrote: a file changed since, or not listed, is the user's and is
# kept, and said so. Everything removed can be made again from the command in its footer.

MANIFEST = "exam.json"
MAX_MANIFEST_BYTES = 64_000_000  # 1,000 personal papers' questions are a few MB
_OUR_NAME = re.compile(r"(?:exam|key)-[^/\\\x00]+\.(?:pdf|html|tex)|exam\.(?:moodle|stack)\.xml|exam\.qti\.zip")


class Written(list):
    """The files a run wrote (a list of paths, the manifest last), and what it did about an earlier run's files:
    `removed` (unchanged files of ours it did not write again) and `kept` (ours by name, but changed since or not
    listed with their content: left alone)."""

    def __init__(self, paths=(), removed=(), kept=()):
        super().__init__(paths)
        self.removed: list[Path] = list(removed)
        self.kept: list[Path] = list(kept)

    def notes(self, folder) -> list[str]:
        out = []
        if self.removed:
            out.append(f"removed {_count(self.removed)} of the earlier run in {folder} that this run does not "
                       f"write: {', '.join(p.name for p in self.removed)}")
        if self.kept:
            out.append(f"kept {_count(self.kept)} of an earlier run in {folder}, changed since or not listed in its "
                       f"exam.json: {', '.join(p.name for p in self.kept)} (not part of this run; remove them if "
                       f"they are stale)")
        return out


def _count(paths) -> str:
    return f"{len(paths)} file{'s' if len(paths) != 1 else ''}"


def _sha256(path) -> str | None:
    import hashlib

    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _earlier_run(folder: Path) -> dict[str, str | None]:
    """{file name: its SHA-256, or None when not recorded} for the run whose exam.json is in `folder` (empty when
    there is none, or it is not ours)."""
    import json

    from ..fields import read_capped

    if not (folder / MANIFEST).is_file():  # a FIFO or a device would block or never end
        return {}
    try:
        raw = read_capped(folder / MANIFEST, MAX_MANIFEST_BYTES)
        doc = json.loads(raw) if raw is not None else None
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or not isinstance(doc.get("versions"), list):
        return {}
    files = doc.get("files")
    if isinstance(files, dict):
        return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}
    # Written before exam.json listed its files: the names its versions would have had, in every format.
    names: dict[str, str | None] = {}
    for v in doc["versions"]:
        label = v.get("label") if isinstance(v, dict) else None
        if isinstance(label, str):
            for ext in ("pdf", "html", "tex"):
                names[f"exam-{label}.{ext}"] = None
            for ext in ("pdf", "html"):
                names[f"key-{label}.{ext}"] = None
    for name in ("exam-all.pdf", "exam.moodle.xml", "exam.stack.xml", "exam.qti.zip"):
        names[name] = None
    return names


def _clear_earlier(folder: Path, earlier: dict[str, str | None], now: set[str]) -> tuple[list[Path], list[Path]]:
    removed, kept = [], []
    for name in sorted(earlier):
        path = folder / name
        if name in now or not _OUR_NAME.fullmatch(name) or Path(name).name != name:
            continue
        if not path.is_symlink() and not path.exists():
            continue
        if path.is_symlink() or not path.is_file():  # not the plain file we wrote: someone put it there
            kept.append(path)
            continue
        recorded = earlier[name]
        if recorded is not None and _sha256(path) == recorded:
            try:
                path.unlink()
                removed.append(path)
                continue
            except OSError:
                pass
        kept.append(path)
    return removed, kept


def write_exam(exam: Exam, out_dir, formats=("pdf",), *, jobs: int | None = 1, progress=None,
               template_dir=None, bank=None) -> Written:
    """Write every requested file (and exam.json) into out_dir; nothing appears there unless all of them succeed.

    Files of an earlier run there that this run does not write again are removed when unchanged, else kept (see
    Written, and the note above _earlier_run); any other file in the folder is never touched.
    """
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
        if "moodle" in formats:
            from ..render.moodle import moodle_xml

            staging.write_text("exam.moodle.xml", moodle_xml(exam, titles=titles))
            tick("exam.moodle.xml")
        if "stack" in formats:
            from ..render.stack import stack_xml

            staging.write_text("exam.stack.xml", stack_xml(exam, titles=titles))
            tick("exam.stack.xml")
            from ..render.stack import left_out

            left = [f"section[{sec.index}] (ask = {sec.ask!r})" for sec in left_out(exam.spec) if sec.kind == "free"]
            note = (f"exam.stack.xml leaves out {', '.join(left)}: its STACK questions check f′(x), f′(a), "
                    f"partial derivatives, gradients and dy/dx; those parts are in exam.moodle.xml")
            if left and note not in exam.notes:
                exam.notes.append(note)
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
        # The manifest comes last, listing what was staged before it, and is renamed into place last.
        doc = exam.to_dict()
        doc["files"] = {final.name: _sha256(tmp) for tmp, final in staging.pending}
        staging.write_text(MANIFEST, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
        tick(MANIFEST)
        earlier = _earlier_run(folder)
        written = staging.commit()
    except BaseException:
        staging.discard()
        raise
    removed, kept = _clear_earlier(folder, earlier, {p.name for p in written})
    return Written(written, removed, kept)
