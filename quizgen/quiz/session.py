"""The terminal quiz: one problem at a time, answers checked symbolically, hints from the steps, every answer saved.

The session never touches the terminal directly: it reads answers and writes screens through a QuizIO, so tests
drive it with a list of lines and the CLI with prompt_toolkit, readline or a pipe.
"""

from __future__ import annotations

import textwrap
import time
from dataclasses import dataclass, field
from typing import Callable

from ..errors import ParseError, QuizgenError

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
    KeyboardInterrupt on Ctrl-C), `write(text)` prints, `style(text, role)` colours, and `screen(name, context)`
    renders a named screen (quizgen.render.terminal provides one: the session itself never imports render/)."""

    read: Callable[[str], str]
    write: Callable[[str], None]
    style: Callable[[str, str], str] = plain
    screen: Callable[[str, dict], str] | None = None

    def show(self, name: str, **context) -> str:
        if self.screen is None:
            raise TypeError("this QuizIO has no screen renderer (use quizgen.render.terminal.pipe_io or terminal_io)")
        context.setdefault("style", self.style)
        return self.screen(name, context)


def preview(text: str, variable: str = "x") -> str:
    """The live line under the prompt: how the input is read so far, or what is wrong with it."""
    s = text.strip()
    if not s:
        return " type the answer · ? hint · skip · steps · quit"
    if s.lower() in QUIT | HINT | SKIP | STEPS | HELP | TWO_D:
        return f" command: {s.lower()}"
    from .prepared import importing

    if importing():
        return " …"  # SymPy is still loading in the background (quiz.prepared)
    from ..mathparse import DEPENDENT, parse, parse_equation
    from ..printing import to_text, typed_text

    try:
        if "=" in s:  # a line (y = 2x − 1): graded only where a line is asked
            lhs, rhs = parse_equation(s, variable)
            echo = typed_text(s, variable, (DEPENDENT,), equation=True)
            return f" read as: {echo or f'{to_text(lhs)} = {to_text(rhs)}'}"
        value = parse(s, variable)  # errors first; then the echo in the typed structure (issue 13)
        return f" read as: {typed_text(s, variable) or to_text(value)}"
    except ParseError as e:
        return f" … {e.message}"
    except (QuizgenError, RecursionError, ValueError, TypeError, OverflowError):
        return " …"


def wrap(text: str, indent: str = "  ", width: int = WIDTH) -> list[str]:
    return textwrap.wrap(text, width=width - 1, initial_indent=indent, subsequent_indent=indent,
                         break_on_hyphens=False) or [indent.rstrip()]


def question_line(problem) -> str:
    """What is asked, on one line: d/dx [ … ], or the ask's own question ("f(x) = …;  the tangent line at x = 1",
    ∂/∂x [ … ], ∇ [ … ], "x² + y² = 25;  find dy/dx")."""
    ask = getattr(problem, "ask", "derivative")
    if ask != "derivative" or getattr(problem, "variables", ()):
        return problem.asked.question(problem)
    return f"d/d{problem.variable} [ {problem.question_text} ]"


def prompt_for(problem) -> str:
    """The answer prompt: "f′(x) = ", "f″(x) = ", "f′(1) = ", "tangent at x = 1: y = "."""
    ask = getattr(problem, "ask", "derivative")
    if ask != "derivative":
        return f"  {problem.asked.prompt(problem)}"
    return f"  {_prompt_name(problem.variable)} = "


def first_view(problem) -> dict:
    """A question as its screen shows it (plain strings): what a kept quiz start holds (quizgen.setcache)."""
    pretty = pretty_2d(problem.expr) if len(problem.question_text) > LONG_QUESTION else ""
    prompt = prompt_for(problem) if not getattr(problem, "variables", ()) else f"  {problem.asked.prompt(problem)}"
    return {"topic": problem.topic, "difficulty": int(problem.difficulty), "question": question_line(problem),
            "pretty": pretty, "prompt": prompt}


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
    from ..printing import to_text
    from ..solution import operator
    from ..steps import RULE_FORMULAS, RULE_TITLES

    out: list[StepView] = []

    def visit(step, depth):
        trivial = step.rule in ("constant", "identity")
        if not trivial or not out:
            parts = ", ".join(f"{_part_name(k)} = {to_text(v)}" for k, v in step.parts)
            out.append(StepView(depth, step.rule, RULE_TITLES.get(step.rule, step.rule),
                                RULE_FORMULAS.get(step.rule, ""), parts,
                                f"{operator(step, variable)[1]} [ {to_text(step.expr)} ] = {to_text(step.result)}"))
        for sub in step.substeps:
            visit(sub, depth + (0 if trivial else 1))

    visit(root, 0)
    return out


def hint_view(root, k: int, variable: str = "x") -> tuple[StepView, int] | None:
    """The k-th hint (0-based) and the number of hints; the first names the outer rule and its pieces without
    giving the answer away, later ones give each inner derivative."""
    from ..printing import to_text
    from ..solution import operator
    from ..steps import RULE_FORMULAS, RULE_TITLES, hints

    steps = hints(root) or [root]
    if k >= len(steps):
        return None
    s = steps[k]
    parts = ", ".join(f"{_part_name(n)} = {to_text(v)}" for n, v in s.parts if _is_structural(n))
    # The first hint's result would be the answer itself.
    eq = "" if k == 0 else f"{operator(s, variable)[1]} [ {to_text(s.expr)} ] = {to_text(s.result)}"
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
    """Asks `problems` in order through `io`, grading with `checker` (default quizgen.checker.check_answer) and
    saving each answer to `history` (a store.History, or None to keep nothing) as soon as it is graded."""

    def __init__(self, problems, io: QuizIO, history=None, *, kind: str = "quiz", seed: int | None = None,
                 options: dict | None = None, checker=None, clock=time.monotonic, title: str | None = None,
                 regen: str | None = None, notes=None, reviews=None, intro: str | None = None,
                 template_dir=None):
        # A problems.LazyProblems stays as it is: its problems are drawn while the first one is answered.
        self.problems = problems if hasattr(problems, "resume") else list(problems)
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
        self.io.write(self.io.show(name, **context))

    def _check(self, problem, text: str):
        checker = self.checker
        ask = getattr(problem, "ask", "derivative")
        if checker is None:
            from ..checker import check_problem

            return check_problem(problem, text)
        if ask != "derivative":  # what is asked, at its point, against its own key
            return checker(problem.expr, text, problem.variable, expected=problem.answer, ask=ask,
                           point=problem.point, order=problem.order if ask == "second" else None)
        return checker(problem.expr, text, problem.variable, expected=problem.answer)

    def _save(self, index: int, r: ProblemResult, started: float | None, *, answered: bool = False,
              answer_mistake: str | None = None) -> None:
        """Write the problem's state; `answered`: the answer r.given was just graded and becomes its own row."""
        if self.history is None or self.session_id is None:
            return
        self.history.record(self.session_id, index + 1, r.problem, outcome=r.outcome, correct=r.correct,
                            given=r.given, tries=r.tries, assisted=r.assisted, mistake=r.mistake, hints=r.hints,
                            review=self.reviews[index], started_at=started, answered=answered,
                            answer_mistake=answer_mistake)

    # -- the loop --------------------------------------------------------------------------------------------

    def run(self) -> QuizResult:
        result = QuizResult(total=len(self.problems))
        t0 = self.clock()
        if self.history is not None:
            self.session_id = self.history.start_session(self.kind, self.seed, self.options, len(self.problems))
            result.session_id = self.session_id
        # A lazy set knows its asks from its families: asking each problem would draw them all before the first
        # prompt. One ask in the pool means one ask in the set; a mixed pool gets no single "how" line.
        asks = set(getattr(self.problems, "asks", None) or {getattr(p, "ask", "derivative") for p in self.problems})
        self.show("quiz_start", title=self.title, count=len(self.problems), regen=self.regen, intro=self.intro,
                  how=_HOW_TO_ANSWER.get(asks.pop()) if len(asks) == 1 else None)
        try:
            for i in range(len(self.problems)):
                r, stop = self._ask(i)
                if r.done:
                    result.results.append(r)
                if stop:
                    result.stopped = i < len(self.problems) - 1 or not r.done
                    break
        finally:
            result.elapsed = self.clock() - t0
            if self.history is not None and self.session_id is not None:
                self.history.end_session(self.session_id)
            join = getattr(self.problems, "join", None)
            if join is not None:
                join(1.0)  # a quiz ended at once: let the background keep the next quiz's seed (quiz.prepared)
        self.show("summary", **self._summary(result))
        return result

    def _ask(self, i: int, kept: bool = True) -> tuple[ProblemResult, bool]:
        """Ask one problem until it is settled; returns (its result, whether the student stopped the quiz)."""
        # A kept first question (quiz.prepared) is shown before its problem exists: SymPy is imported and the set
        # drawn in the background while the student reads; the problem is waited for at the first line typed.
        preview = getattr(self.problems, "preview", None)
        shown = preview(i) if preview is not None and kept else None
        p = self.problems[i] if shown is None else None
        if shown is None:
            shown = first_view(p)
        r = ProblemResult(p, i + 1)
        started = self.history.clock() if self.history is not None else time.time()
        hint_k = 0
        last_feedback: list[str] = []
        self.show("question", number=i + 1, total=len(self.problems), topic=shown["topic"],
                  difficulty=shown["difficulty"], note=self.notes[i], question=shown["question"], pretty=shown["pretty"])
        resume = getattr(self.problems, "resume", None)
        if resume is not None:
            resume()  # the first question is on screen: draw the rest while the student reads and types
        prompt = shown["prompt"]
        while True:
            try:
                line = self.io.read(prompt)
            except EOFError:
                return r, True
            except KeyboardInterrupt:
                self.io.write("\n")
                return r, True
            if p is None:
                if line.strip().lower() in QUIT:
                    return r, True  # no need to wait for the problem to stop
                try:
                    p = r.problem = self.problems[i]
                except KeyboardInterrupt:
                    self.io.write("\n")
                    return r, True
                if first_view(p) != shown:  # cannot happen under the same code and banks; never grade the wrong one
                    self.io.write("  (the question has changed; here it is as drawn)\n")
                    return self._ask(i, kept=False)
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
            mistake = getattr(verdict, "mistake", None)
            r.mistake = mistake or r.mistake
            read_as = _read_as(verdict)
            if verdict.correct:
                r.outcome = "correct"
                self._save(i, r, started, answered=True, answer_mistake=mistake)
                form = getattr(verdict, "form", None) or {}
                issues = form.get("issues") if isinstance(form, dict) else None
                key_form = None
                if issues or (form.get("simplified") is None and read_as != p.answer_text):
                    key_form = p.answer_text
                self.show("verdict", status="correct", read_as=read_as, assisted=r.assisted,
                          feedback=_feedback_lines(verdict, correct=True), key_form=key_form)
                return r, False
            r.outcome = "wrong"
            self._save(i, r, started, answered=True, answer_mistake=mistake)
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


# The intro's "how to type it" line for a quiz that asks one thing other than f′(x) (quiz_start.txt).
_HOW_TO_ANSWER = {
    "second": "Type each second derivative the way you write it: 6x, 2 - sin(x), 2e^x(x + 1).",
    "value": "Type each value exactly: 3, -1/2, 2 ln 3, sqrt(2)/2.",
    "tangent": "Type each line the way you write it: y = 2x - 1, y - 1 = 2(x - 1), 2x - y = 1, or just 2x - 1.",
    "normal": "Type each line the way you write it: y = 3 - x/2, y - 1 = -(x - 4)/2, x + 2y = 6, or just 3 - x/2.",
}


def _prompt_name(var: str) -> str:
    return f"f′({var})"


def _read_as(verdict) -> str:
    text = getattr(verdict, "interpreted_as", None)
    if isinstance(text, str) and text:
        return text
    from ..printing import to_text

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
