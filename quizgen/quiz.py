"""The terminal quiz: one problem at a time, answers checked symbolically, hints from the steps, every answer saved.

The session never touches the terminal directly: it reads answers and writes screens through a QuizIO, so tests
drive it with a list of lines and the CLI with prompt_toolkit, readline or a pipe.
"""

from __future__ import annotations

import os
import sys
import textwrap
import time
from dataclasses import dataclass, field
from typing import Callable

from .errors import ParseError, QuizgenError

WIDTH = 80
# Styles per role, as click.style keyword arguments (the CLI applies them; this module never imports click).
STYLES: dict[str, dict] = {
    "title": {"bold": True},
    "dim": {"dim": True},
    "math": {"fg": "cyan", "bold": True},
    "good": {"fg": "green", "bold": True},
    "bad": {"fg": "red", "bold": True},
    "warn": {"fg": "yellow", "bold": True},
    "key": {"fg": "green"},
}
QUIT = {"quit", "exit", "q", ":q"}
HINT = {"?", "hint", "h"}
SKIP = {"skip", "s", "next"}
STEPS = {"steps", "solution", "show"}
HELP = {"help", "commands"}
TWO_D = {"2d", "2-d", "pretty"}
LONG_QUESTION = 48  # longer one-line questions also get the 2-D form
MAX_TRIES = 2


def plain(text: str, role: str) -> str:
    return text


# ------------------------------------------------------------------------------------------------------------
# Input and output


@dataclass
class QuizIO:
    """How a session talks to the student: `read(prompt)` returns one line (EOFError at the end of input,
    KeyboardInterrupt on Ctrl-C), `write(text)` prints, `style(text, role)` colours."""

    read: Callable[[str], str]
    write: Callable[[str], None]
    style: Callable[[str, str], str] = plain


def pipe_io(stdin=None, stdout=None, style=plain) -> QuizIO:
    """One answer per line from a pipe or file; the prompt and the line read are echoed, so the output reads as
    a transcript of the session."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout

    def write(text: str) -> None:
        stdout.write(text)
        stdout.flush()

    def read(prompt: str) -> str:
        write(prompt)
        line = stdin.readline()
        if not line:
            write("\n")
            raise EOFError
        line = line.rstrip("\r\n")
        write(line + "\n")
        return line

    return QuizIO(read, write, style)


def terminal_io(style=plain, variable: str = "x", history_path=None, use_prompt_toolkit: bool = True) -> QuizIO:
    """An interactive terminal: prompt_toolkit when installed (line editing, input history, and a live
    "read as" preview under the prompt), otherwise input() with readline's line editing and history."""
    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    if use_prompt_toolkit:
        try:
            from prompt_toolkit import PromptSession
            from prompt_toolkit.history import FileHistory, InMemoryHistory
        except ImportError:
            pass
        else:
            history = InMemoryHistory()
            if history_path is not None:
                try:
                    os.makedirs(os.path.dirname(str(history_path)) or ".", exist_ok=True)
                    history = FileHistory(str(history_path))
                except OSError:
                    pass
            session = PromptSession(history=history)

            def toolbar():
                return preview(session.default_buffer.text, variable)

            def read_pt(prompt: str) -> str:
                return session.prompt(prompt, bottom_toolbar=toolbar)

            return QuizIO(read_pt, write, style)
    try:
        import readline  # noqa: F401 — importing it gives input() line editing and history
    except ImportError:
        pass
    return QuizIO(lambda prompt: input(prompt), write, style)


def preview(text: str, variable: str = "x") -> str:
    """The live line under the prompt: how the input is read so far, or what is wrong with it."""
    s = text.strip()
    if not s:
        return " type the derivative · ? hint · skip · steps · quit"
    if s.lower() in QUIT | HINT | SKIP | STEPS | HELP | TWO_D:
        return f" command: {s.lower()}"
    from .mathparse import parse
    from .printing import to_text

    try:
        return f" read as: {to_text(parse(s, variable))}"
    except ParseError as e:
        return f" … {e.message}"
    except (QuizgenError, RecursionError, ValueError, TypeError, OverflowError):
        return " …"


# ------------------------------------------------------------------------------------------------------------
# Screens


def render(name: str, io: QuizIO, template_dir=None, **context) -> str:
    from .render.env import render_template

    context.setdefault("style", io.style)
    return render_template(f"terminal/{name}.txt", context, template_dir)


def wrap(text: str, indent: str = "  ", width: int = WIDTH) -> list[str]:
    return textwrap.wrap(text, width=width - 1, initial_indent=indent, subsequent_indent=indent,
                         break_on_hyphens=False) or [indent.rstrip()]


def question_line(problem) -> str:
    return f"d/d{problem.variable} [ {problem.question_text} ]"


def pretty_2d(expr, width: int = WIDTH) -> str:
    import sympy as sp

    text = sp.pretty(expr, use_unicode=True, num_columns=width - 6)
    return "\n".join(("    " + line).rstrip() for line in text.splitlines())


def _part_name(name: str) -> str:
    return name.replace("'", "′")


def _is_structural(name: str) -> bool:
    """A piece that names the problem's structure (u, f, g, c, n, a) rather than a derivative the student must find."""
    return "'" not in name


@dataclass(frozen=True)
class StepView:
    depth: int
    rule: str
    title: str
    formula: str
    parts: str  # "u = x² + 1, f(u) = u³"
    equation: str  # "d/dx [ (x² + 1)³ ] = 6x(x² + 1)²"


def step_views(root, variable: str = "x") -> list[StepView]:
    """The worked solution as a tree, parent first, without trivial leaves (constants, x′ = 1)."""
    from .printing import to_text
    from .steps import RULE_FORMULAS, RULE_TITLES

    out: list[StepView] = []

    def visit(step, depth):
        trivial = step.rule in ("constant", "identity")
        if not trivial or not out:
            wrt = to_text(step.wrt) if step.wrt is not None else variable
            parts = ", ".join(f"{_part_name(k)} = {to_text(v)}" for k, v in step.parts)
            out.append(StepView(depth, step.rule, RULE_TITLES.get(step.rule, step.rule),
                                RULE_FORMULAS.get(step.rule, ""), parts,
                                f"d/d{wrt} [ {to_text(step.expr)} ] = {to_text(step.result)}"))
        for sub in step.substeps:
            visit(sub, depth + (0 if trivial else 1))

    visit(root, 0)
    return out


def hint_view(root, k: int, variable: str = "x") -> tuple[StepView, int] | None:
    """The k-th hint (0-based) and the number of hints; the first names the outer rule and its pieces without
    giving the answer away, later ones give each inner derivative."""
    from .printing import to_text
    from .steps import RULE_FORMULAS, RULE_TITLES, hints

    steps = hints(root) or [root]
    if k >= len(steps):
        return None
    s = steps[k]
    wrt = to_text(s.wrt) if s.wrt is not None else variable
    parts = ", ".join(f"{_part_name(n)} = {to_text(v)}" for n, v in s.parts if _is_structural(n))
    # The first hint's result would be the answer itself.
    eq = "" if k == 0 else f"d/d{wrt} [ {to_text(s.expr)} ] = {to_text(s.result)}"
    return StepView(0, s.rule, RULE_TITLES.get(s.rule, s.rule), RULE_FORMULAS.get(s.rule, ""), parts, eq), len(steps)


def fmt_duration(seconds: float) -> str:
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    m, s = divmod(s, 60)
    if m < 60:
        return f"{m} min {s} s"
    h, m = divmod(m, 60)
    return f"{h} h {m} min"


def bar(fraction: float, width: int = 10) -> str:
    """A bar of `width` cells, in eighths, for accuracy and counts."""
    fraction = max(0.0, min(1.0, fraction))
    eighths = int(round(fraction * width * 8))
    full, rest = divmod(eighths, 8)
    partial = " ▏▎▍▌▋▊▉"[rest] if rest else ""
    return ("█" * full + partial).ljust(width, "·")


# ------------------------------------------------------------------------------------------------------------
# The session


@dataclass
class ProblemResult:
    problem: object
    number: int = 0  # 1-based position in the session
    outcome: str = "unanswered"  # correct | wrong | skipped | revealed | unanswered
    tries: int = 0
    assisted: bool = False
    hints: int = 0
    given: str | None = None
    mistake: str | None = None

    @property
    def correct(self) -> bool:
        return self.outcome == "correct"

    @property
    def done(self) -> bool:
        return self.outcome != "unanswered"


@dataclass
class QuizResult:
    results: list = field(default_factory=list)  # ProblemResult for every problem finished, in order
    total: int = 0
    elapsed: float = 0.0
    session_id: int | None = None
    stopped: bool = False  # quit, EOF or Ctrl-C before the last problem

    @property
    def right(self) -> int:
        return sum(1 for r in self.results if r.correct)

    @property
    def missed(self) -> list:
        return [r for r in self.results if not r.correct]


class QuizSession:
    """Asks `problems` in order through `io`, grading with `checker` (default quizgen.check.check_answer) and
    saving each answer to `history` (a store.History, or None to keep nothing) as soon as it is graded."""

    def __init__(self, problems, io: QuizIO, history=None, *, kind: str = "quiz", seed: int | None = None,
                 options: dict | None = None, checker=None, clock=time.monotonic, title: str | None = None,
                 regen: str | None = None, notes=None, reviews=None, intro: str | None = None,
                 template_dir=None):
        self.problems = list(problems)
        self.io = io
        self.history = history
        self.kind = kind
        self.seed = seed
        self.options = dict(options or {})
        self.checker = checker
        self.clock = clock
        self.title = title or f"quizgen {kind}"
        self.regen = regen
        self.notes = list(notes) if notes is not None else [None] * len(self.problems)
        self.reviews = list(reviews) if reviews is not None else [False] * len(self.problems)
        self.intro = intro
        self.template_dir = template_dir
        self.session_id: int | None = None

    # -- output helpers --------------------------------------------------------------------------------------

    def show(self, name: str, **context) -> None:
        self.io.write(render(name, self.io, self.template_dir, **context))

    def _check(self, problem, text: str):
        checker = self.checker
        if checker is None:
            from .check import check_answer as checker
        return checker(problem.expr, text, problem.variable, expected=problem.answer)

    def _save(self, index: int, r: ProblemResult, started: float | None) -> None:
        if self.history is None or self.session_id is None:
            return
        self.history.record(self.session_id, index + 1, r.problem, outcome=r.outcome, correct=r.correct,
                            given=r.given, tries=r.tries, assisted=r.assisted, mistake=r.mistake, hints=r.hints,
                            review=self.reviews[index], started_at=started)

    # -- the loop --------------------------------------------------------------------------------------------

    def run(self) -> QuizResult:
        result = QuizResult(total=len(self.problems))
        t0 = self.clock()
        if self.history is not None:
            self.session_id = self.history.start_session(self.kind, self.seed, self.options, len(self.problems))
            result.session_id = self.session_id
        self.show("quiz_start", title=self.title, count=len(self.problems), regen=self.regen, intro=self.intro)
        try:
            for i, problem in enumerate(self.problems):
                r, stop = self._ask(i, problem)
                if r.done:
                    result.results.append(r)
                if stop:
                    result.stopped = i < len(self.problems) - 1 or not r.done
                    break
        finally:
            result.elapsed = self.clock() - t0
            if self.history is not None and self.session_id is not None:
                self.history.end_session(self.session_id)
        self.show("summary", **self._summary(result))
        return result

    def _ask(self, i: int, p) -> tuple[ProblemResult, bool]:
        """Ask one problem until it is settled; returns (its result, whether the student stopped the quiz)."""
        r = ProblemResult(p, i + 1)
        started = self.history.clock() if self.history is not None else time.time()
        hint_k = 0
        last_feedback: list[str] = []
        pretty = pretty_2d(p.expr) if len(p.question_text) > LONG_QUESTION else ""
        self.show("question", number=i + 1, total=len(self.problems), topic=p.topic, difficulty=p.difficulty,
                  note=self.notes[i], question=question_line(p), pretty=pretty)
        prompt = f"  {_prompt_name(p.variable)} = "
        while True:
            try:
                line = self.io.read(prompt)
            except EOFError:
                return r, True
            except KeyboardInterrupt:
                self.io.write("\n")
                return r, True
            text = line.strip()
            cmd = text.lower()
            if not text:
                self.show("help", short=True)
                continue
            if cmd in QUIT:
                return r, True
            if cmd in HELP:
                self.show("help", short=False)
                continue
            if cmd in TWO_D:
                self.io.write(pretty_2d(p.expr) + "\n")
                continue
            if cmd in HINT:
                view = self._steps_or_none(p, lambda root: hint_view(root, hint_k, p.variable))
                if view is None:
                    self.show("hint", step=None, k=hint_k, n=hint_k)
                    continue
                step, n = view
                hint_k += 1
                r.hints, r.assisted = hint_k, True
                self.show("hint", step=step, k=hint_k, n=n, wrap=wrap)
                if r.tries:
                    self._save(i, r, started)
                continue
            if cmd in SKIP or cmd in STEPS:
                if not r.tries:
                    r.outcome = "skipped" if cmd in SKIP else "revealed"
                    r.assisted = r.assisted or cmd in STEPS
                else:
                    r.outcome = "wrong"
                self._save(i, r, started)
                self._show_solution(p, steps=cmd in STEPS)
                return r, False
            try:
                verdict = self._check(p, text)
            except KeyboardInterrupt:
                self.io.write("\n")
                return r, True
            except ParseError as e:
                self._show_unreadable(e, text, line, prompt)
                continue
            except (RecursionError, MemoryError):
                self.show("unreadable", message="the input is too complex to check", pointer="")
                continue
            r.tries += 1
            r.given = text
            r.mistake = getattr(verdict, "mistake", None) or r.mistake
            read_as = _read_as(verdict)
            if verdict.correct:
                r.outcome = "correct"
                self._save(i, r, started)
                form = getattr(verdict, "form", None) or {}
                issues = form.get("issues") if isinstance(form, dict) else None
                key_form = None
                if issues or (form.get("simplified") is None and read_as != p.answer_text):
                    key_form = p.answer_text
                self.show("verdict", status="correct", read_as=read_as, assisted=r.assisted,
                          feedback=_feedback_lines(verdict, correct=True), key_form=key_form)
                return r, False
            r.outcome = "wrong"
            self._save(i, r, started)
            final = r.tries >= MAX_TRIES
            feedback = _feedback_lines(verdict, correct=False)
            # The same advice twice in a row adds nothing; the worked steps follow instead.
            shown, last_feedback = (feedback if feedback != last_feedback else []), feedback
            self.show("verdict", status="final" if final else "wrong", read_as=read_as, assisted=r.assisted,
                      feedback=shown, key_form=None)
            if final:
                self._show_solution(p, steps=True)
                return r, False

    def _steps_or_none(self, p, fn):
        try:
            return fn(p.steps)
        except Exception:  # noqa: BLE001 — a tracer gap must not end the quiz; the answer is still shown
            return None

    def _show_solution(self, p, steps: bool) -> None:
        views = self._steps_or_none(p, lambda root: step_views(root, p.variable)) if steps else None
        self.show("solution", answer=p.answer_text, steps=views or [], wrap=wrap)

    def _show_unreadable(self, e: ParseError, text: str, line: str, prompt: str) -> None:
        message = e.message + (f" ({e.hint})" if e.hint else "") if e.offset is not None else e.one_line()
        pointer = ""
        if e.offset is not None and e.text == text:
            # The caret goes straight under the character in the line just typed.
            lead = len(line) - len(line.lstrip())
            pointer = " " * (len(prompt) + lead + e.offset) + "^"
        elif e.pointer():
            pointer = e.pointer()
        self.show("unreadable", message=message, pointer=pointer, wrap=wrap)

    def _summary(self, result: QuizResult) -> dict:
        by_topic: dict[str, list] = {}
        for r in result.results:
            by_topic.setdefault(r.problem.topic, []).append(r)
        rules = []
        for topic, rs in by_topic.items():
            right = sum(1 for r in rs if r.correct)
            rules.append({"topic": topic, "right": right, "asked": len(rs), "bar": bar(right / len(rs)),
                          "pct": round(100 * right / len(rs))})
        missed = [{"number": r.number, "question": question_line(r.problem),
                   "answer": r.problem.answer_text, "outcome": r.outcome} for r in result.missed]
        asked = len(result.results)
        return {
            "asked": asked, "total": result.total, "right": result.right,
            "pct": round(100 * result.right / asked) if asked else 0,
            "elapsed": fmt_duration(result.elapsed), "stopped": result.stopped, "rules": rules, "missed": missed,
            "hinted": sum(1 for r in result.results if r.correct and r.assisted),
            "saved": self.history is not None and asked > 0, "kind": self.kind,
        }


def _prompt_name(var: str) -> str:
    return f"f′({var})"


def _read_as(verdict) -> str:
    text = getattr(verdict, "interpreted_as", None)
    if isinstance(text, str) and text:
        return text
    from .printing import to_text

    return to_text(getattr(verdict, "answer", None) if text is None else text)


def _feedback_lines(verdict, correct: bool) -> list[str]:
    fb = getattr(verdict, "feedback", "") or ""
    if isinstance(fb, (list, tuple)):
        fb = " ".join(fb)
    if correct and fb.strip().rstrip(".").lower() == "correct":
        return []  # the template's own confirmation says it
    if correct and fb.lower().startswith("correct, but "):
        fb = fb[len("correct, but "):]
        fb = fb[:1].upper() + fb[1:]
    return wrap(fb, "    ") if fb else []


# ------------------------------------------------------------------------------------------------------------
# Redo the last session's misses


def rebuild_problem(attempt, bank=None, number: int = 0):
    """The Problem an attempt asked, rebuilt from its stored expression (read by our own parser, never sympify)
    and its family (for the key's style); a family no longer in the banks still gives a plain problem."""
    from .bank import DEFAULT_INSTRUCTION, Family, load_bank
    from .draw import DrawRejected
    from .problems import make_problem
    from .mathparse import parse

    expr = parse(attempt.expr, attempt.variable)
    bank = bank or load_bank()
    fallback = Family(attempt.family, attempt.topic, attempt.difficulty, "From your history", attempt.expr, (), (),
                      DEFAULT_INSTRUCTION.replace("{var}", attempt.variable), attempt.variable,
                      constant_derivative=True, max_answer_length=10_000)
    try:
        fam = bank.family(attempt.family)
    except KeyError:
        fam = fallback
    try:
        return make_problem(fam, expr, dict(attempt.params), number=number)
    except DrawRejected:
        return make_problem(fallback, expr, dict(attempt.params), number=number)


def redo_problems(history, bank=None) -> tuple[list, object]:
    """(problems, session): the problems missed in the last session that had any answers, in their order."""
    session = history.last_session()
    if session is None:
        raise QuizgenError("no quiz in the history yet; start one with `quizgen quiz`")
    missed = [a for a in history.session_attempts(session.id) if not a.correct]
    return [rebuild_problem(a, bank, number=i + 1) for i, a in enumerate(missed)], session


# ------------------------------------------------------------------------------------------------------------
# The three commands (the CLI only chooses the QuizIO and passes the options)


def _history(clock=None):
    from .store import History

    return History(clock=clock) if clock else History()


def run_quiz(problem_set, io: QuizIO, *, history=None, checker=None) -> QuizResult:
    """`quizgen quiz`: ask a generated set in order, saving each answer."""
    return QuizSession(problem_set.problems, io, history, kind="quiz", seed=problem_set.seed,
                       options=problem_set.options, checker=checker, title="quizgen quiz",
                       regen=problem_set.regen_code).run()


def run_redo(io: QuizIO, *, history, checker=None, bank=None) -> QuizResult | None:
    """`quizgen quiz --redo-missed`: the last session's missed problems again (None when it missed none)."""
    problems, session = redo_problems(history, bank)
    if not problems:
        io.write(render("redo_none", io, None, kind=session.kind))
        return None
    return QuizSession(problems, io, history, kind="redo", options={"redo_of": session.id}, checker=checker,
                       title="quizgen quiz --redo-missed", intro="The problems you missed in your last session, in the same order."
                       ).run()


def run_drill(io: QuizIO, n: int = 10, seed: int | None = None, *, history, checker=None, today=None,
              bank=None) -> QuizResult:
    """`quizgen drill`: an adaptive set planned from the history (see quizgen.drill)."""
    from .drill import drill_set, rule_plans
    from datetime import date

    attempts = history.attempts()
    ps, picks = drill_set(attempts, n, seed, today=today, bank=bank)
    plans = rule_plans(attempts, today or date.today(), tuple(dict.fromkeys(p.topic for p in picks)))
    counts: dict[str, int] = {}
    for pk in picks:
        counts[pk.topic] = counts.get(pk.topic, 0) + 1
    rows = [{"topic": p.topic, "count": counts[p.topic], "mastery": "" if p.mastery == "new" else p.mastery,
             "reason": _REASONS[next(pk.reason for pk in picks if pk.topic == p.topic)]} for p in plans]
    rows.sort(key=lambda r: (-r["count"], r["topic"]))
    intro = render("drill_plan", io, None, rows=rows, seed=ps.seed)
    return QuizSession(ps.problems, io, history, kind="drill", seed=ps.seed, options=ps.options, checker=checker,
                       title="quizgen drill", intro=intro.rstrip("\n"),
                       notes=[_NOTES[pk.reason] for pk in picks], reviews=[pk.review for pk in picks]).run()


_REASONS = {"new": "new to you", "weak": "needs work", "practice": "practice", "review": "due for review",
            "extra": "extra practice", "mastered": "keep sharp"}
_NOTES = {"new": "new", "weak": "weak rule", "practice": None, "review": "review", "extra": None, "mastered": None}


def stats_text(doc: dict, style=plain) -> str:
    """The stats document as compact tables with accuracy bars (80 columns)."""
    from .store import LEVELS

    def pct(d):
        return "   -" if d["accuracy"] is None else f"{round(100 * d['accuracy']):3d}%"

    def row_bar(d):
        return "··········" if d["accuracy"] is None else bar(d["accuracy"])

    def gauge(level):
        k = LEVELS.index(level)
        return "●" * k + "○" * (len(LEVELS) - 1 - k)

    total = doc["total"]
    week = {"attempts": sum(r["last_7_days"]["attempts"] for r in doc["rules"].values()),
            "correct": sum(r["last_7_days"]["correct"] for r in doc["rules"].values())}
    rules = [{"name": k, "gauge": gauge(v["mastery"]), "mastery": v["mastery"], "attempts": v["attempts"],
              "correct": v["correct"], "pct": pct(v), "bar": row_bar(v), "streak": v["streak"],
              "week": v["last_7_days"]["attempts"], "week_pct": pct(v["last_7_days"])}
             for k, v in doc["rules"].items()]
    diffs = [{"name": k, "attempts": v["attempts"], "correct": v["correct"], "pct": pct(v), "bar": row_bar(v),
              "week": v["last_7_days"]["attempts"], "week_pct": pct(v["last_7_days"])}
             for k, v in doc["difficulties"].items()]
    from .render.env import render_template

    return render_template("terminal/stats.txt", {
        "style": style, "total": total, "total_pct": round(100 * total["correct"] / total["attempts"])
        if total["attempts"] else None, "week": week, "week_pct": round(100 * week["correct"] / week["attempts"])
        if week["attempts"] else None, "rules": rules, "diffs": diffs})


def stats_report(fmt: str = "text", style=plain, now: float | None = None) -> str:
    """`quizgen stats`: the history summarised, as text or as the JSON document of compute_stats."""
    import json

    from .store import compute_stats

    with _history() as h:
        doc = compute_stats(h.attempts(), now=now)
    if fmt == "json":
        return json.dumps(doc, indent=2, ensure_ascii=False)
    return stats_text(doc, style).rstrip("\n")


__all__ = ["QuizIO", "QuizSession", "QuizResult", "ProblemResult", "pipe_io", "terminal_io", "preview", "STYLES",
           "step_views", "hint_view", "rebuild_problem", "redo_problems", "question_line", "bar", "fmt_duration",
           "run_quiz", "run_redo", "run_drill", "stats_text", "stats_report"]
