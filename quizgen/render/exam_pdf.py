"""Exam papers and keys as HTML/PDF: exam data -> items -> templates/exam/*.html -> WeasyPrint, in worker processes.

The look (fonts, formulas, header, footer) is the worksheets' own: this module only builds exam items and reuses
quizgen.render.pdf (PageSetup, render_page, step rows) and quizgen.render.formula (typeset with its SVG cache).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quizgen.render.formula import FORMULA_PX, prefetch, render, typeset
from quizgen.render.pdf import NUMBER_PX, STEP_INDENT_PX, STEP_PAD_PX, STEP_PX, PageSetup, StepRow, render_page

# Room kept at the right of a question line for its "2 pts" tag (CSS px).
POINTS_PX = 46.0
# Width of an option's "(A)" label (CSS px) and the gap between option columns.
LETTER_PX = 30.0
OPTION_GAP_PX = 14.0
CHOICE_SPACE_FACTOR = 0.5  # multiple choice needs less working space than free response


@dataclass
class ChoiceItem:
    letter: str
    math: Any
    correct: bool = False
    label: str = ""  # in keys: the mistake this option stands for


@dataclass
class ExamItem:
    """One question as templates/exam/*.html see it."""

    number: int
    kind: str
    points: str
    question: Any
    ask: Any = ""
    ask_words: str = "Find"  # "Find" f′(a), "Find the tangent line at" x = 1
    answers: list = field(default_factory=list)  # the key's lines when the question asks more than f′(x)
    options: list = field(default_factory=list)
    option_columns: int = 1
    answer: Any = ""
    answer_note: str = ""
    steps: list = field(default_factory=list)
    space: str = ""
    question_text: str = ""
    # Left padding of the question / answer line (number box plus "f(x) ="), where wrapped lines continue.
    question_indent: str = ""
    answer_indent: str = ""


@dataclass
class SectionBlock:
    number: int
    title: str
    meta: str
    instruction: str
    first_number: int
    items: list
    kind: str = "free"
    rows: list = field(default_factory=list)  # items grouped by the page's columns


def points_text(p: float) -> str:
    n = f"{p:g}"
    return f"{n} pt" if p == 1 else f"{n} pts"


def points_words(p: float) -> str:
    n = f"{p:g}"
    return f"{n} point" if p == 1 else f"{n} points"


def kind_instruction(kind: str, ask: str = "derivative") -> str:
    """The line printed under a section heading: the question kind's own instruction, or the ask's."""
    from quizgen.exam import kinds

    if ask != "derivative" and kind != "value":
        from quizgen import asks

        mod = asks.get(ask)
        return mod.INSTRUCTION if kind == "free" else f"Circle the letter of the correct {mod.NOUN}."
    return kinds.get(kind).INSTRUCTION


def _prefixes(var: str):
    return (f"f({var}) =", f"f({var}) ="), (f"f'({var}) =", f"f′({var}) =")


def _question_prefixes(q):
    """f(x) = and f′(x) =, or what a several-variable ask prints: f(x, y) = and ∂f/∂x =, ∇f =, dy/dx =."""
    from .pdf import _problem_prefixes

    return _problem_prefixes(q.problem, q.variable)


def _ask(q) -> tuple[str, str]:
    return rf"f'\left({q.point_latex}\right)", f"f′({q.point_text})"


def _value_key(q) -> tuple[str, str]:
    tex_a, txt_a = _ask(q)
    tex, txt = f"{tex_a} = {q.value_latex}", f"{txt_a} = {q.value_text}"
    if not q.value_is_decimal:
        dec = q.decimal_text
        # Braces keep a negative decimal's minus sign unary after ≈ (ziamath spaces a bare one as binary).
        tex += rf" \approx {{{dec.replace('−', '-')}}}"
        txt += f" ≈ {dec}"
    return tex, txt


def formula_requests(exam, *, key: bool = True, papers: bool = True) -> list[tuple[str, float]]:
    """Every (LaTeX, size) the papers and keys of `exam` typeset, to render in one batch before any layout."""
    out: list[tuple[str, float]] = []
    for version in exam.versions:
        for q in version.questions:
            p = q.problem
            (q_tex, _), (a_tex, _) = _question_prefixes(q)
            out += [(q_tex, FORMULA_PX), (p.question_latex, FORMULA_PX)]
            if q.kind == "choice":
                out += [(o.latex, FORMULA_PX) for o in q.options]
            if q.ask_line is not None:
                out.append((q.ask_line[1], FORMULA_PX))
                if key and q.kind == "free":
                    out += [(t, FORMULA_PX) for pre, _pt, tex, _t in q.key_rows for t in ((pre, tex) if pre else (tex,))]
            if q.kind == "value":
                out.append((_ask(q)[0], FORMULA_PX))
                if key:
                    out.append((_value_key(q)[0], FORMULA_PX))
            if key and q.kind == "free" and q.ask_line is None:
                out += [(a_tex, FORMULA_PX), (p.answer_latex, FORMULA_PX)]
            if key:
                out += [(tex, STEP_PX) for _d, _t, formulas in q.steps for tex, _txt in formulas]
    return out


def _option_columns(q, avail: float, columns_hint: int) -> int:
    """Options side by side when the widest fits in its share of the line (2 or 4 across), else one per line."""
    widths = []
    for o in q.options:
        svg = render(o.latex, FORMULA_PX)
        widths.append(svg.width if svg else len(o.text) * 8.0)
    widest = max(widths) + LETTER_PX
    for cols in (len(q.options), 2) if columns_hint == 1 else (2,):
        if cols and widest * cols + OPTION_GAP_PX * (cols - 1) <= avail:
            return cols
    return 1


def _items(version, spec, page: PageSetup, key: bool) -> list[ExamItem]:
    from quizgen.mistakes import MISTAKE_LABELS

    items = []
    width = page.formula_px - POINTS_PX
    for q in version.questions:
        p = q.problem
        sec = spec.sections[q.section - 1]
        (q_tex, q_txt), (a_tex, a_txt) = _question_prefixes(q)
        space = sec.space if sec.space is not None else spec.space * (CHOICE_SPACE_FACTOR if q.kind == "choice" else 1)
        item = ExamItem(
            number=q.number, kind=q.kind, points=points_text(q.points),
            question=typeset(p.question_latex, p.question_text, prefix=q_tex, prefix_text=q_txt, max_width=width),
            space=f"{space:g}cm", question_text=p.question_text,
        )
        item.question_indent = _indent(item.question)
        if q.kind == "value":
            tex, txt = _ask(q)
            item.ask = typeset(tex, txt)
        elif q.ask_sentence is not None:
            words, tex, txt = q.ask_sentence
            item.ask_words, item.ask = words, typeset(tex, txt)
        if q.kind == "choice":
            avail = page.formula_px
            # A key lists one option per line, with room for the name of the mistake each distractor stands for.
            item.option_columns = 1 if key else _option_columns(q, avail, page.columns)
            opt_width = (avail - OPTION_GAP_PX * (item.option_columns - 1)) / item.option_columns - LETTER_PX
            for i, o in enumerate(q.options):
                label = ""
                if key and not o.correct:
                    label = MISTAKE_LABELS.get(o.code, o.code.replace("-", " "))
                item.options.append(ChoiceItem("ABCDE"[i], typeset(o.latex, o.text, max_width=opt_width),
                                               o.correct, label))
        if key:
            if q.kind == "free" and q.ask_line is not None:
                for pre_tex, pre_txt, tex, txt in q.key_rows:
                    math = typeset(tex, txt, prefix=pre_tex or None, prefix_text=pre_txt or None, max_width=width)
                    item.answers.append({"math": math, "indent": _indent(math)})
                item.answer = item.answers[-1]["math"]
            elif q.kind == "free":
                item.answer = typeset(p.answer_latex, p.answer_text, prefix=a_tex, prefix_text=a_txt, max_width=width)
            elif q.kind == "value":
                tex, txt = _value_key(q)
                item.answer = typeset(tex, txt, max_width=width)
            item.answer_indent = _indent(item.answer) if item.answer else ""
            if q.generic:
                item.answer_note = "few typical mistakes apply here: some options are generic"
            for depth, title, formulas in q.steps:
                avail = page.formula_px - 2 * STEP_PAD_PX - 2 - depth * STEP_INDENT_PX
                math = [typeset(tex, txt, max_width=avail, size=STEP_PX) for tex, txt in formulas]
                item.steps.append(StepRow(depth, title, math, f"{depth * STEP_INDENT_PX:g}px"))
        items.append(item)
    return items


def _indent(markup) -> str:
    return f"{NUMBER_PX + getattr(markup, 'hang', 0.0):.1f}px"


def _sections(items: list[ExamItem], version, spec, titles: list[str], columns: int) -> list[SectionBlock]:
    blocks: list[SectionBlock] = []
    for sec in spec.sections:
        mine = [it for it, q in zip(items, version.questions) if q.section == sec.index]
        if not mine:
            continue
        n = len(mine)
        meta = f"{n} question{'s' if n != 1 else ''} × {points_words(sec.points)}" if n > 1 else points_words(sec.points)
        block = SectionBlock(sec.index, titles[sec.index - 1], meta, sec.instruction or kind_instruction(sec.kind, sec.ask),
                             mine[0].number, mine, sec.kind)
        block.rows = [mine[i:i + columns] for i in range(0, len(mine), columns)]
        blocks.append(block)
    return blocks


def paper_html(exam, version, *, key: bool = False, titles: list[str] | None = None, page: PageSetup | None = None,
               template_dir=None) -> str:
    """The HTML of one version's paper (or, with key=True, its answer key); formulas should be prefetched."""
    spec = exam.spec
    page = page or PageSetup(paper=spec.paper, columns=spec.columns, space=spec.space)
    titles = titles or [s.title or f"Section {s.index}" for s in spec.sections]
    items = _items(version, spec, page, key)
    student = version.student
    summary = " · ".join(t for t in (spec.subtitle, spec.date) if t)
    n = len(version.questions)
    total = version.total_points
    regen = exam.regen + (f" · paper {version.label}" if student else f" · version {version.label}")
    return render_page(
        "exam/key.html" if key else "exam/paper.html",
        items,
        page=page,
        title=spec.title,
        regen_code=regen,
        template_dir=template_dir,
        sections=_sections(items, version, spec, titles, page.columns),
        summary=summary,
        instructions=spec.instructions,
        version_label=None if student else version.label,
        student_name=student.name if student else "",
        student_id=(student.id or "") if student else "",
        total_points=f"{total:g}",
        totals_line=f"{n} question{'s' if n != 1 else ''} · {points_words(total)}",
        show_steps=key and exam.steps,
    )


# ---------------------------------------------------------------- writing PDFs (in worker processes)

# Set in the parent just before the worker pool forks: the exam, page setup and section titles.
_JOB: dict = {}


def _render(html: str, target: str, name: str):
    from quizgen.render.pdf import render_pdf

    fonts = _JOB.get("fonts")
    if fonts is None:
        from weasyprint.text.fonts import FontConfiguration

        fonts = _JOB["fonts"] = FontConfiguration()
    return render_pdf(html, target, name, font_config=fonts)


def _notify(label: str) -> None:
    queue = _JOB.get("queue")
    if queue is not None:
        queue.put(label)


def _papers_task(args) -> list[str]:
    """Exam papers, each to its own file; with `combined`, also all of them into one file (one print job)."""
    indices, combined = args
    exam, titles, page = _JOB["exam"], _JOB["titles"], _JOB["page"]
    pages = []
    first = None
    for i in indices:
        version = exam.versions[i]
        doc = _render(paper_html(exam, version, titles=titles, page=page, template_dir=_JOB.get("template_dir")),
                      _JOB["targets"][("paper", i)], f"{version.paper_name}.pdf")
        _notify(f"{version.paper_name}.pdf")
        if combined:
            first = first or doc
            pages.extend(doc.pages)
    if combined and first is not None:
        first.copy(pages).write_pdf(_JOB["targets"][("all", 0)])
        _notify("exam-all.pdf")
    return [str(i) for i in indices]


def _keys_task(indices) -> list[str]:
    exam, titles, page = _JOB["exam"], _JOB["titles"], _JOB["page"]
    for i in indices:
        version = exam.versions[i]
        _render(paper_html(exam, version, key=True, titles=titles, page=page, template_dir=_JOB.get("template_dir")),
                _JOB["targets"][("key", i)], f"{version.key_name}.pdf")
        _notify(f"{version.key_name}.pdf")
    return [str(i) for i in indices]


def _pdf_merger():
    """pypdf's writer when installed: joining finished PDFs costs milliseconds, where WeasyPrint repaints every page."""
    try:
        from pypdf import PdfWriter
    except ImportError:
        return None
    return PdfWriter


def _merge_files(paths: list[str], target: str) -> None:
    writer = _pdf_merger()()
    for path in paths:
        writer.append(path)
    with open(target, "wb") as out:
        writer.write(out)


def write_pdfs(exam, targets: dict, *, titles: list[str], jobs: int = 1, progress=None, template_dir=None) -> None:
    """Write every paper, key and the combined file to `targets` ({("paper"|"key", i) or ("all", 0): temp path}).

    Formulas are rendered first in one batch (forked workers inherit the cache), then papers and keys are laid out
    in `jobs` processes. The combined file joins the finished papers (pypdf), or, without pypdf, is laid out from
    the papers' own documents by the one worker that renders all papers.
    """
    from quizgen.util.parallel import message_queue, resolve_jobs

    spec = exam.spec
    page = PageSetup(paper=spec.paper, columns=spec.columns, space=spec.space)
    from quizgen.render.pdf import _import_weasyprint

    if progress is not None:
        progress.advance("typesetting formulas")
    prefetch(formula_requests(exam, key=True), while_waiting=_import_weasyprint, jobs=jobs)
    n = len(exam.versions)
    merge = _pdf_merger() is not None
    _JOB.clear()
    _JOB.update(exam=exam, titles=titles, page=page, targets=targets, template_dir=template_dir)
    try:
        workers = resolve_jobs(jobs, 2 * n)
        q = message_queue() if workers > 1 else None
        if q is None:
            _JOB["queue"] = _DirectQueue(progress)
            _papers_task((list(range(n)), not merge))
            _keys_task(list(range(n)))
        else:
            _run_parallel(n, workers, progress, merge, q)
        if merge:
            _merge_files([targets[("paper", i)] for i in range(n)], targets[("all", 0)])
            if progress is not None:
                progress.advance("exam-all.pdf")
    finally:
        _JOB.clear()


class _DirectQueue:
    def __init__(self, progress):
        self.progress = progress

    def put(self, label):
        if self.progress is not None:
            self.progress.advance(label)


def _call(task):
    fn, arg = task
    return fn(arg)


def _run_parallel(n: int, jobs: int, progress, merge: bool, q) -> None:
    import queue as queue_mod
    import time

    from quizgen.util.parallel import fork_map

    _JOB["queue"] = q
    # Small batches, so a worker that finishes early takes more; keys (the bigger pages) go first.
    size = max(1, -(-n // (jobs * 3)))
    batches = [list(range(i, min(n, i + size))) for i in range(0, n, size)]
    tasks = [(_keys_task, b) for b in batches]
    if merge:
        tasks += [(_papers_task, (b, False)) for b in batches]
    else:
        tasks.insert(0, (_papers_task, (list(range(n)), True)))  # one worker needs every paper for the combined file
    expected = 2 * n + (0 if merge else 1)
    got = [0]

    def tick():
        got[0] += _drain(q, progress)

    for _ in fork_map(_call, tasks, jobs, tick=tick):
        pass
    got = got[0] + _drain(q, progress)
    deadline = time.monotonic() + 1.0  # messages still in the pipe when the last task returned
    while got < expected and time.monotonic() < deadline:
        try:
            label = q.get(timeout=0.05)
        except queue_mod.Empty:
            continue
        got += 1
        if progress is not None:
            progress.advance(label)


def _drain(q, progress) -> int:
    import queue as queue_mod

    n = 0
    while True:
        try:
            label = q.get_nowait()
        except queue_mod.Empty:
            return n
        n += 1
        if progress is not None:
            progress.advance(label)


def html_files(exam, out_dir: Path, *, titles: list[str], template_dir=None,
               jobs: int | None = 1) -> list[tuple[str, Path]]:
    """(html, path) of every paper and key, for --format html (debugging a template in a browser)."""
    spec = exam.spec
    page = PageSetup(paper=spec.paper, columns=spec.columns, space=spec.space, fmt="html")
    prefetch(formula_requests(exam, key=True), jobs=jobs)
    out = []
    for v in exam.versions:
        out.append((paper_html(exam, v, titles=titles, page=page, template_dir=template_dir),
                    Path(out_dir) / f"{v.paper_name}.html"))
        out.append((paper_html(exam, v, key=True, titles=titles, page=page, template_dir=template_dir),
                    Path(out_dir) / f"{v.key_name}.html"))
    return out


__all__ = ["paper_html", "write_pdfs", "formula_requests", "ExamItem", "ChoiceItem", "SectionBlock", "points_text",
           "html_files"]
