"""Printable worksheets and answer keys: ready data -> Jinja templates -> HTML -> PDF (WeasyPrint) or HTML file."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from quizgen.errors import OutputError, QuizgenError
from quizgen.fields import MAX_SPACE_CM
from quizgen.render.env import render_template
from quizgen.render.formula import FONTS_DIR, FORMULA_PX, layer_font, prefetch, typeset

PAPERS_MM = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
FORMATS = ("pdf", "html")
DEFAULTS = {"columns": 2, "paper": "a4", "space": 3.0}
DEFAULT_TITLE = "Derivatives"
PX_PER_MM = 96 / 25.4
# Page margins (mm): top, right, bottom, left; the bottom one holds the footer.
MARGINS_MM = (14.0, 15.0, 20.0, 15.0)
COLUMN_GAP_MM = 9.0
# Width of the "12)" number box in front of each problem, in CSS px (2.4em at 12 pt).
NUMBER_PX = 38.4
STEP_INDENT_PX = 14.0
# Left padding of the steps box and of a step's continuation lines (CSS px); steps get 2 of these less width.
STEP_PAD_PX = 10.0
# Worked steps are set a little smaller than problems and answers.
STEP_PX = FORMULA_PX * 0.875

# Text fonts shipped in quizgen/fonts; family names are our own so a system copy of Latin Modern is never used instead.
TEXT_FONTS = (
    ("quizgen-serif", "normal", "normal", "lmroman10-regular.otf"),
    ("quizgen-serif", "italic", "normal", "lmroman10-italic.otf"),
    ("quizgen-serif", "normal", "bold", "lmroman10-bold.otf"),
)


@dataclass(frozen=True)
class PageSetup:
    """Paper, columns and working space of a page, with the derived numbers the CSS and the typesetter share."""

    paper: str = DEFAULTS["paper"]
    columns: int = DEFAULTS["columns"]
    space: float = DEFAULTS["space"]
    fmt: str = "pdf"

    def __post_init__(self):
        if self.paper not in PAPERS_MM:
            raise QuizgenError(f"unknown paper size {self.paper!r} (choose a4 or letter)")
        if self.columns not in (1, 2):
            raise QuizgenError(f"columns must be 1 or 2, not {self.columns}")
        if not 0 <= self.space <= MAX_SPACE_CM:
            raise QuizgenError(f"working space must be between 0 and {MAX_SPACE_CM:g} cm, not {self.space:g}")
        if self.fmt not in FORMATS:
            raise QuizgenError(f"unknown format {self.fmt!r} (choose pdf or html)")

    @property
    def column_px(self) -> float:
        width_mm = PAPERS_MM[self.paper][0] - MARGINS_MM[1] - MARGINS_MM[3]
        return (width_mm - COLUMN_GAP_MM * (self.columns - 1)) / self.columns * PX_PER_MM

    @property
    def formula_px(self) -> float:
        """Widest formula that fits beside the problem number."""
        return self.column_px - NUMBER_PX - 4

    def css(self) -> dict[str, Any]:
        top, right, bottom, left = MARGINS_MM
        return {
            "size": "A4" if self.paper == "a4" else "letter",
            "margin": f"{top}mm {right}mm {bottom}mm {left}mm",
            "columns": self.columns,
            "gap": f"{COLUMN_GAP_MM}mm",
            "space": f"{self.space:g}cm",
            "number_width": f"{NUMBER_PX}px",
            "step_pad": f"{STEP_PAD_PX}px",
            "fonts": _font_faces(embed=self.fmt == "html"),
        }


def _font_faces(embed: bool) -> list[dict[str, str]]:
    """@font-face data: file:// URLs for WeasyPrint, data: URLs in HTML files so they stand alone."""
    faces = []
    for family, style, weight, name in TEXT_FONTS:
        path = FONTS_DIR / name
        if embed:
            url = "data:font/otf;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
        else:
            url = path.as_uri()
        faces.append({"family": family, "style": style, "weight": weight, "url": url})
    if not embed:
        # The invisible text layer needs ², ⁴, ₃, ′, − ...: DejaVu Sans (shipped with ziafont, a ziamath dependency)
        # has them all; Latin Modern Math covers most as a fallback.
        layer = layer_font()
        faces.append({"family": "quizgen-layer", "style": "normal", "weight": "normal", "url": layer.as_uri()})
    return faces


# ---------------------------------------------------------------- writing files

MAX_TITLE = 200


def check_title(title, what: str = "title") -> None:
    """QuizgenError for a title longer than MAX_TITLE characters (a page heading, not a text)."""
    if title is not None and len(title) > MAX_TITLE:
        raise QuizgenError(f"{what} is {len(title)} characters long: at most {MAX_TITLE} are allowed; shorten it")


def same_file(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Whether two paths name one file (spelled differently, through a link, or as hard links of it)."""
    try:
        if os.path.samefile(a, b):
            return True
    except OSError:
        pass
    return Path(a).resolve() == Path(b).resolve()


def check_distinct(out_path, key_path) -> None:
    """QuizgenError when the key would be written over the worksheet."""
    if key_path is not None and same_file(out_path, key_path):
        raise QuizgenError(f"{key_path}: the answer key would overwrite the worksheet {out_path}: "
                           "give --key another name (or --no-key)")


def check_writable(path: str | os.PathLike) -> Path:
    """Fail early (OutputError) when `path` cannot be written, before any problem is generated or rendered."""
    from quizgen.util.files import check_folder

    path = Path(path)
    if path.is_dir():
        raise OutputError(f"cannot write {path}: it is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise OutputError(f"cannot write {path}: folder {parent} does not exist")
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(f"cannot write {path}: permission denied")
    try:
        check_folder(path)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from None
    return path


def _import_weasyprint():
    import logging

    import weasyprint

    # WeasyPrint logs every unsupported CSS property and font-subsetting fallback; a user cannot act on them.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint


def layout(html: str, *, font_config=None):
    """(WeasyPrint document, its fetcher) for one page; it loads only what render.fetch allows, and the fetcher's
    `refused` lists what it would not load (attachments are fetched only when the PDF is written)."""
    from quizgen.render.fetch import base_url, new_fetcher

    weasyprint = _import_weasyprint()
    fetcher = new_fetcher()
    document = weasyprint.HTML(string=html, base_url=base_url(), url_fetcher=fetcher).render(font_config=font_config)
    return document, fetcher


def render_pdf(html: str, target, name: str, *, font_config=None):
    """Lay out one page and write its PDF to `target` (a path or binary file); returns the document.

    QuizgenError naming `name` (the output file) if the page linked to anything we do not load: the caller's temp
    file is then dropped, so no PDF appears without what its template asked for.
    """
    from quizgen.render.fetch import refused_error

    document, fetcher = layout(html, font_config=font_config)
    if not fetcher.refused:
        document.write_pdf(target)
    if fetcher.refused:
        raise refused_error(name, fetcher.refused)
    return document


def pdf_bytes(html: str) -> tuple[bytes, list[str]]:
    """The PDF of one page and the URLs it was refused (nothing raised: for checking what a page would load)."""
    document, fetcher = layout(html)
    return document.write_pdf(), fetcher.refused


def _write_pdf(html: str, path: Path) -> Path:
    from quizgen.util.files import atomic_output

    path = Path(path)
    with atomic_output(path) as out:
        render_pdf(html, out, path.name)
    return path


def _write_pdf_task(doc: tuple[str, Path]) -> Path:
    return _write_pdf(*doc)


def write_documents(docs: Iterable[tuple[str, Path]], fmt: str = "pdf", *, jobs: int | None = 1) -> list[Path]:
    """Write each (html, path) pair as PDF or as the HTML itself, each whole (quizgen.util.files).

    With jobs > 1 (None: one per CPU), PDFs are laid out side by side in forked processes: layout and writing are
    most of a sheet's time, and a sheet and its key do not depend on each other.
    """
    from quizgen.util.parallel import fork_map

    docs = [(html, Path(path)) for html, path in docs]
    if fmt == "html":
        from quizgen.util.files import write_text

        return [write_text(path, html) for html, path in docs]
    _import_weasyprint()  # before forking, so each process starts with it loaded
    done = set(fork_map(_write_pdf_task, docs, jobs))
    return [path for _html, path in docs if path in done]


# ---------------------------------------------------------------- page HTML

def render_page(template: str, items: list, *, page: PageSetup, title: str, regen_code: str = "",
                template_dir: str | os.PathLike | None = None, **context: Any) -> str:
    """HTML of one page template (worksheet.html, key.html, or an exam template extending base.html).

    `items` are ready data: numbers, texts, and formula Markup from formula.typeset (call formula.prefetch first
    with all their LaTeX to render it in one batch). Templates get `items`, `rows` (items grouped by page.columns),
    `page` (numbers shared with the CSS), `title`, `regen_code`, `fmt` and the keys of `context`.
    """
    rows = [items[i : i + page.columns] for i in range(0, len(items), page.columns)]
    data = {"items": items, "rows": rows, "page": page.css(), "title": title, "regen_code": regen_code,
            "fmt": page.fmt}
    data.update(context)
    return render_template(template, data, template_dir)


@dataclass
class SheetItem:
    """One problem as the worksheet and key templates see it."""

    number: int
    question: str
    answer: str = ""
    instruction: str = ""
    steps: list = field(default_factory=list)
    question_text: str = ""
    answer_text: str = ""
    # Left padding of the question / answer line: number box plus "f(x) =", where wrapped lines continue.
    question_indent: str = ""
    answer_indent: str = ""
    # What is asked when it is not f′(x) (quizgen.asks): "Tangent line at" and the typeset "x = 1" below the
    # question; the key's lines (f′(a) and the line, or f′ then f″) as AnswerLine, `answer` being the last.
    ask_label: str = ""
    ask: str = ""
    answers: list = field(default_factory=list)


@dataclass
class AnswerLine:
    math: str
    indent: str


@dataclass
class StepRow:
    """One line of a worked solution: rule title, indentation level, typeset formulas."""

    depth: int
    title: str
    math: list
    indent: str = ""


# ---------------------------------------------------------------- worksheets

def _attr(obj, name, default=None):
    return getattr(obj, name, default) if not isinstance(obj, dict) else obj.get(name, default)


def default_key_path(out_path: str | os.PathLike) -> Path:
    """worksheet.pdf -> worksheet-key.pdf, beside it."""
    out = Path(out_path)
    return out.with_name(f"{out.stem}-key{out.suffix}")


def _summary(problems) -> str:
    topics = list(dict.fromkeys(str(_attr(p, "topic", "") or "") for p in problems))
    levels = list(dict.fromkeys(str(_attr(p, "difficulty", "") or "") for p in problems))
    bits = [f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"]
    if topics and all(topics) and len(topics) <= 4:
        bits.append(", ".join(topics))
    if levels and all(levels) and len(levels) == 1:
        bits.append(f"difficulty {levels[0]}" if levels[0].isdigit() else levels[0])
    return " · ".join(bits)


@dataclass
class _Plan:
    problem: Any
    number: int
    var: str
    rows: list = field(default_factory=list)
    pre: tuple = ()  # (LaTeX, text) of the question's and the answer's prefixes


def _plan(problems, steps: bool) -> list[_Plan]:
    plans = []
    for i, prob in enumerate(problems, 1):
        plan = _Plan(prob, _attr(prob, "number", None) or i, str(_attr(prob, "variable", "x") or "x"))
        plan.pre = _problem_prefixes(prob, plan.var)
        tree = _attr(prob, "steps", None)
        cached = _attr(prob, "step_rows", None)  # a set from quizgen.setcache: its rows, already made
        if steps and cached is not None:
            plan.rows = cached
        elif steps and tree is not None:
            from quizgen.solution import step_rows

            plan.rows = step_rows(tree)
        plans.append(plan)
    return plans


def _prefixes(var: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """(LaTeX, text) of "f(x) =" and "f′(x) =", typeset once per sheet."""
    return (f"f({var}) =", f"f({var}) ="), (f"f'({var}) =", f"f′({var}) =")


def _asked(prob):
    """The quizgen.asks module of a problem that asks something other than f′(x), else None (plain dicts too)."""
    ask = _attr(prob, "ask", None) or "derivative"
    if ask == "derivative" or _attr(prob, "variables", ()):  # several variables: their prefixes say what is asked
        return None
    from quizgen import asks

    return asks.get(ask)


def _ask_line(prob):
    """(label, LaTeX, text) of what is asked, shown under the question ("Tangent line at", "x = 1"; "Find ∂f/∂y"
    for several variables, whose worksheet must name the partial), or None for f′(x)."""
    ask = _attr(prob, "ask", None) or "derivative"
    if ask == "derivative":
        return None
    from quizgen import asks

    return asks.get(ask).ask_line(prob)


def _key_lines(prob, var: str) -> list[tuple[str, str, str, str]]:
    """(LaTeX prefix, text prefix, LaTeX, text) of each line of the key: f′(x) = … by default, else the ask's."""
    mod = _asked(prob)
    if mod is not None:
        return mod.key_lines(prob)
    _, (a_tex, a_txt) = _problem_prefixes(prob, var)
    return [(a_tex, a_txt, prob.answer_latex, prob.answer_text)]


def _problem_prefixes(prob, var: str):
    """The prefixes of what a problem asks: f(x, y) = and ∂f/∂x =, ∇f =, dy/dx = for several variables."""
    asked = getattr(prob, "asked", None) if getattr(prob, "variables", ()) else None
    if asked is not None and hasattr(asked, "sheet_prefixes"):
        return asked.sheet_prefixes(prob)
    return _prefixes(var)


def _requests(plans: list[_Plan], key: bool) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for plan in plans:
        (q_tex, _), _ = plan.pre or _prefixes(plan.var)
        out += [(q_tex, FORMULA_PX), (plan.problem.question_latex, FORMULA_PX)]
        line = _ask_line(plan.problem)
        if line is not None:
            out.append((line[1], FORMULA_PX))
        if key:
            out += [(tex, FORMULA_PX) for pre, _pt, tex, _t in _key_lines(plan.problem, plan.var)
                    for tex in ((pre, tex) if pre else (tex,))]
            out += [(tex, STEP_PX) for _depth, _title, formulas in plan.rows for tex, _txt in formulas]
    return out


def _items(plans: list[_Plan], page: PageSetup, key: bool) -> list[SheetItem]:
    items = []
    width = page.formula_px
    for plan in plans:
        prob = plan.problem
        (q_tex, q_txt), _ = plan.pre or _prefixes(plan.var)
        item = SheetItem(
            number=plan.number,
            question=typeset(prob.question_latex, prob.question_text, prefix=q_tex, prefix_text=q_txt, max_width=width),
            instruction=str(_attr(prob, "instruction", "") or ""),
            question_text=prob.question_text,
            answer_text=prob.answer_text,
        )
        item.question_indent = f"{NUMBER_PX + item.question.hang:.1f}px"
        line = _ask_line(prob)
        if line is not None:
            item.ask_label, item.ask = line[0], typeset(line[1], line[2])
        if key:
            for pre_tex, pre_txt, tex, txt in _key_lines(prob, plan.var):
                math = typeset(tex, txt, prefix=pre_tex or None, prefix_text=pre_txt or None, max_width=width)
                item.answers.append(AnswerLine(math, f"{NUMBER_PX + math.hang:.1f}px"))
            item.answer, item.answer_indent = item.answers[-1].math, item.answers[-1].indent
            for depth, title, formulas in plan.rows:
                avail = width - 2 * STEP_PAD_PX - 2 - depth * STEP_INDENT_PX
                math = [typeset(tex, txt, max_width=avail, size=STEP_PX) for tex, txt in formulas]
                item.steps.append(StepRow(depth, title, math, f"{depth * STEP_INDENT_PX:g}px"))
        items.append(item)
    return items


# A key whose worked solutions run longer than this many formula lines (a second derivative traces f and then f′;
# first derivatives of the shipped banks take at most 9) is set
# in one column of plain blocks that may break between steps: a grid row taller than a page loses what the page
# break cuts off (WeasyPrint), and two columns of such solutions leave pages empty.
LONG_STEP_LINES = 12


def _long_steps(plans: list[_Plan]) -> bool:
    return any(sum(len(formulas) for _d, _t, formulas in plan.rows) > LONG_STEP_LINES for plan in plans)


def _key_page(page: PageSetup, plans: list[_Plan]) -> PageSetup:
    from dataclasses import replace

    return replace(page, columns=1) if _long_steps(plans) else page


def _sheet_html(problem_set, plans: list[_Plan], *, key: bool, steps: bool, page: PageSetup, title: str,
                template_dir, regen: str = "") -> str:
    problems = [plan.problem for plan in plans]
    if key:
        page = _key_page(page, plans)
    items = _items(plans, page, key)
    instructions = list(dict.fromkeys(item.instruction for item in items))
    common = instructions[0] if len(instructions) == 1 else ""
    if common:
        for item in items:
            item.instruction = ""
    return render_page(
        "key.html" if key else "worksheet.html",
        items,
        page=page,
        title=title,
        regen_code=regen,
        template_dir=template_dir,
        instructions=common,
        summary=_summary(problems),
        seed=_attr(problem_set, "seed", ""),
        show_steps=key and steps,
        long_steps=key and _long_steps(plans),
    )


def build_sheet_html(problem_set, *, key: bool = False, steps: bool = False, page: PageSetup | None = None,
                     title: str = DEFAULT_TITLE, template_dir=None, regen: str = "", jobs: int | None = 1) -> str:
    """The worksheet of `problem_set` (with key=True its answer key) as one HTML string."""
    check_title(title)
    page = page or PageSetup()
    plans = _plan(problem_set.problems, steps and key)
    prefetch(_requests(plans, key), jobs=jobs)
    return _sheet_html(problem_set, plans, key=key, steps=steps, page=page, title=title, template_dir=template_dir,
                       regen=regen)


def write_sheet(problem_set, out_path, key_path=None, *, steps: bool = False, columns: int = DEFAULTS["columns"],
                paper: str = DEFAULTS["paper"], title: str = DEFAULT_TITLE, space: float = DEFAULTS["space"],
                fmt: str = "pdf", template_dir=None, regen: str = "", jobs: int | None = 1) -> list[Path]:
    """Write the worksheet to `out_path` and, if `key_path` is given, its answer key; returns the paths written.

    `jobs`: worker processes for formulas and layout (1: none; None: one per CPU).

    Both files are written whole (quizgen.util.files); an unwritable path, a title over MAX_TITLE characters or
    a key on the worksheet's own path raises before any work.
    `regen` is the caller's note for the footer (the CLI's command that makes the sheet again; none by default).
    """
    check_title(title)
    check_distinct(out_path, key_path)
    page = PageSetup(paper=paper, columns=columns, space=space, fmt=fmt)
    targets = [check_writable(out_path)] + ([check_writable(key_path)] if key_path is not None else [])
    with_key = key_path is not None
    plans = _plan(problem_set.problems, steps and with_key)
    # New formulas render in worker processes while this process imports WeasyPrint.
    prefetch(_requests(plans, with_key), while_waiting=_import_weasyprint if fmt == "pdf" else None, jobs=jobs)
    common = dict(steps=steps, page=page, title=title, template_dir=template_dir, regen=regen)
    docs = [(_sheet_html(problem_set, plans, key=False, **common), targets[0])]
    if with_key:
        docs.append((_sheet_html(problem_set, plans, key=True, **common), targets[1]))
    return write_documents(docs, fmt, jobs=jobs)
