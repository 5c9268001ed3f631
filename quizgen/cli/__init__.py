"""The command line: thin click commands over the library, turning our errors into messages and exit codes.

Only click is imported at the top: `quizgen --help` must stay fast, so each command imports the library
(and with it sympy, weasyprint, ...) inside its body.
"""

from __future__ import annotations

import json
import sys

import click

from ..asks import NAMES as ASK_NAMES  # light: no sympy
from ..fields import MAX_SPACE_CM  # light: no sympy
from ..rules import SEVERAL_TOPICS, TOPICS  # light: no sympy

TOPIC_NAMES = TOPICS + SEVERAL_TOPICS


def say(text, err: bool = False) -> None:
    """Echo `text` with every control character shown escaped (file names and typed text can hold ESC, CR, bidi
    overrides ...): nothing we print can move the cursor, recolour or retitle the user's terminal."""
    from ..util.text import visible_lines

    click.echo(visible_lines(text), err=err)


class QuizgenGroup(click.Group):
    """Runs a command and turns QuizgenError into a one-line message and its exit code (2), never a traceback."""

    def make_context(self, info_name, args, parent=None, **extra):
        if parent is None:
            _refuse_non_utf8(args)
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx):
        from ..errors import QuizgenError  # light: no sympy

        try:
            return super().invoke(ctx)
        except QuizgenError as e:
            _fail(e)
        except RecursionError:
            click.echo("error: input too deeply nested", err=True)
            sys.exit(2)


def _refuse_non_utf8(args) -> None:
    """Exit 2 on an argument holding bytes that are not UTF-8 (Python hands them over as surrogate escapes, which
    no file we write, no PDF and no terminal line can hold)."""
    from ..util.text import is_utf8, visible

    for arg in args or ():
        if isinstance(arg, str) and not is_utf8(arg):
            say(f"error: {visible(arg)} is not valid UTF-8: give file names and text in UTF-8", err=True)
            sys.exit(2)


def _fail(e) -> None:
    from ..errors import ParseError, ValidationError
    from ..util.text import visible

    if isinstance(e, ValidationError):
        for line in e.problems:
            say(visible(line), err=True)
        n = len(e.problems)
        click.echo(f"{n} problem{'s' if n != 1 else ''} found", err=True)
    elif isinstance(e, ParseError):
        say(f"error: {e.one_line()}", err=True)
        pointer = e.pointer()
        if pointer:
            say(pointer, err=True)
    else:
        say(f"error: {e}", err=True)
    sys.exit(getattr(e, "exit_code", 2))


@click.group(cls=QuizgenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="quizgen")
def main():
    """Derivative drills, worksheets and exams with answer keys verified by SymPy."""


class FormulaCommand(click.Command):
    """A command whose positional arguments are formulas: `-x^-2` or `-sin(x)` is an answer, not an option.

    Only this command's own option names (exactly, or `--name=value`) are options; every other word, even one
    starting with '-', is moved behind a `--` before click parses, so no letter of a formula can be taken for a
    short option (click would otherwise read the 'h' in `-2h` as -h).
    """

    def parse_args(self, ctx, args):
        flags, valued = set(), set()
        for p in self.get_params(ctx):
            if isinstance(p, click.Option):
                names = [*p.opts, *p.secondary_opts]
                (flags if p.is_flag or p.count else valued).update(names)
        if list(args) != ["-h"]:
            flags -= {n for n in flags if not n.startswith("--")}  # `-h` alone is help; next to formulas, an answer
        opts, formulas = [], []
        i = 0
        while i < len(args):
            a = args[i]
            name = a.split("=", 1)[0] if a.startswith("--") else a
            if a == "--":
                formulas.extend(args[i + 1:])
                break
            if name in flags:
                opts.append(a)
            elif name in valued:
                opts.append(a)
                if "=" not in a and i + 1 < len(args):
                    opts.append(args[i + 1])
                    i += 1
            else:
                formulas.append(a)
            i += 1
        return super().parse_args(ctx, opts + ["--", *formulas])


def bank_option(f):
    """--bank PATH (repeatable): a teacher's own bank file or folder, added to the shipped banks."""
    return click.option("--bank", "banks", multiple=True, metavar="PATH", type=click.Path(),
                        help="Your own bank file or folder, added to the shipped banks (repeatable).")(f)


def ask_options(f, draws: bool = True):
    """--ask ASK, --at A and --order N: what a question asks (f′(x) by default), at which point, which derivative."""
    where = ("drawn for each problem when not given" if draws else "needed by value, tangent and normal")
    f = click.option("--order", type=click.IntRange(2, 3), default=None,
                     help="With --ask second: 2 for f″ (default) or 3 for f‴.")(f)
    f = click.option("--at", "at", default=None, metavar="A",
                     help=f"The point x = A (1, -2, 1/2, pi/6, e): {where}; a point A,B for ∇f at (a, b).")(f)
    f = click.option("--ask", "ask", type=click.Choice(ASK_NAMES), default="derivative", show_default=True,
                     help="What is asked: f′(x), f″(x), f′(a), the tangent or the normal line at x = a; "
                          "∂f/∂x, a second partial, ∇f, or dy/dx of an equation in x and y.")(f)
    return f


def point_options(f):
    return ask_options(f, draws=False)


def several_options(f):
    """--wrt and --vars: functions of several variables (partial derivatives, gradients)."""
    f = click.option("--vars", "variables", default=None, metavar="X,Y",
                     help="The problem's variables (default with a several-variable ask: its letters among "
                          "x, y, z, w, b, t).")(f)
    f = click.option("--wrt", default=None, metavar="X",
                     help="Differentiate with respect to X, the other variables held constant (asks partial).")(f)
    return f


def selection_options(f):
    """The options every problem-set command shares, so a seed means the same problems in each."""
    f = bank_option(f)
    f = click.option("--seed", type=int, default=None, help="Seed; the same options and seed give the same problems.")(f)
    f = click.option("--difficulty", "-d", type=click.IntRange(1, 3), default=None, help="Difficulty 1, 2 or 3.")(f)
    f = click.option("--family", "families", multiple=True, metavar="ID", help="Only this family (repeatable).")(f)
    f = click.option("--topic", "-t", "topics", multiple=True, type=click.Choice(TOPIC_NAMES),
                     help="Topic (repeatable; default: all, balanced).")(f)
    f = click.option("-n", "count", type=click.IntRange(1, 500), default=10, show_default=True,
                     help="Number of problems.")(f)
    return f


def _check_var(var: str) -> None:
    """Exit 2 blaming --var itself when it cannot be the variable (not the problem the user typed)."""
    from ..errors import QuizgenError, VariableError
    from ..mathparse import check_variable

    try:
        check_variable(var)
    except VariableError:
        raise QuizgenError(f"--var {var!r}: {VariableError.REASON}") from None


def _problem_set(count, topics, difficulty, seed, families, command, banks=(), ask="derivative", at=None,
                 order=None, lazy=False):
    from ..bank import load_bank
    from ..problems import generate_set, lazy_set

    bank = load_bank(extra=list(banks)) if banks else None
    return (lazy_set if lazy else generate_set)(count, topics=list(topics), difficulty=difficulty, seed=seed, bank=bank,
                        families=list(families), command=command, ask=ask, at=at, order=order)


@main.command()
@selection_options
@ask_options
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--steps/--no-steps", default=False, help="Show rule-by-rule steps (text format).")
def generate(count, topics, difficulty, seed, families, banks, ask, at, order, fmt, steps):
    """Generate problems with answer keys."""
    from .text import set_command

    ps = _problem_set(count, topics, difficulty, seed, families, "generate", banks, ask, at, order)
    if fmt == "json":
        click.echo(json.dumps(ps.to_dict(), ensure_ascii=False, indent=2))
        return
    from ..render.terminal import problem_set_text

    click.echo(problem_set_text(ps, steps=steps, regen=set_command("generate", ps, banks)))


@main.command(cls=FormulaCommand)
@click.argument("expr")
@click.option("--var", default="x", show_default=True, help="The variable to differentiate by.")
@click.option("--steps/--no-steps", default=False, help="Show the rule used at each step.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "latex"]), default="text", show_default=True)
@point_options
@several_options
@click.option("--time-limit", "time_limit", type=click.FloatRange(0.05, 600), default=2.0, show_default=True,
              metavar="SECONDS", help="Longest the solve may take: then a message and exit 3.")
def solve(expr, var, steps, fmt, ask, at, order, wrt, variables, time_limit):
    """Differentiate a typed expression, e.g. quizgen solve "(x^2+1)^3" --steps.

    With --ask: the second derivative, f′(a), or the tangent or normal line at --at A."""
    from ..solver import solve as do_solve

    _check_var(var)
    result = do_solve(expr, var, ask=ask, at=at, order=order, budget=time_limit, wrt=wrt, variables=variables)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    elif fmt == "latex":
        click.echo(result.problem.answer_latex if result.problem is not None else result.derivative_latex)
    else:
        from ..render.terminal import solve_text

        click.echo(solve_text(result, steps=steps))


@main.command("check", cls=FormulaCommand)
@click.argument("formulas", nargs=-1, metavar="PROBLEM ANSWER")
@click.option("--var", default="x", show_default=True, help="The variable (one letter).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
@click.option("--require-simplified", is_flag=True,
              help="Count a correct but unsimplified answer as incorrect.")
@click.option("--batch", type=click.File("rb"), default=None, metavar="FILE",
              help="Grade problem<TAB>answer lines (or CSV problem,answer) from FILE ('-' for stdin); "
                   "one JSON object per line on stdout, in order.")
@point_options
@several_options
@click.option("--time-limit", "time_limit", type=click.FloatRange(0.05, 600), default=2.0, show_default=True,
              metavar="SECONDS", help="Longest a check may take (each row with --batch): then it is undecided, exit 3.")
def check_cmd(formulas, var, fmt, require_simplified, batch, ask, at, order, wrt, variables, time_limit):
    """Is ANSWER the derivative of PROBLEM?  Exit 0 correct, 1 incorrect, 2 unreadable input, 3 undecided (values
    too large to compute, or not decided within --time-limit: neither marked right nor known to be wrong).

    An answer starting with a minus sign needs no `--`:  quizgen check "x^-1" "-x^-2"

    With --ask, is it what that asks: quizgen check "x^2" "y - 1 = 2(x - 1)" --ask tangent --at 1
    (a line may be typed as y = 2x - 1, y - 1 = 2(x - 1), 2x - y = 1 or just 2x - 1).
    """
    import re

    from ..batch import batch_lines, grade_batch
    from ..checker import check_text
    from ..errors import ParseError
    from ..render.terminal import format_verdict

    stray = [f for f in formulas if re.fullmatch(r"--[A-Za-z][A-Za-z-]*(=.*)?", f)]
    _check_var(var)
    from ..asks import AT_A_POINT

    if ask in AT_A_POINT and at is None:
        raise click.UsageError(f"--ask {ask} needs the point: add --at A (for example --at 1)")
    if order is not None and ask != "second":
        raise click.UsageError("--order goes with --ask second")
    pick = {"ask": ask, "at": at, "order": order} if ask != "derivative" else {}
    if wrt or variables:
        pick.update(wrt=wrt, variables=variables)
    if batch is not None:
        if formulas:
            raise click.UsageError("--batch takes no PROBLEM/ANSWER arguments" +
                                   (f" (no such option: {stray[0].split('=')[0]})" if stray else ""))
        name = getattr(batch, "name", "-")
        name = "standard input" if name in ("-", "<stdin>") or not isinstance(name, str) else name
        for row in grade_batch(batch_lines(batch, name), var, require_simplified=require_simplified,
                               budget=time_limit, **pick):
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    if len(formulas) != 2:
        if stray:
            raise click.NoSuchOption(stray[0].split("=")[0])
        raise click.UsageError(f"expected PROBLEM and ANSWER, got {len(formulas)} argument"
                               f"{'s' if len(formulas) != 1 else ''} (quote each formula)")
    problem, answer = formulas
    try:
        verdict = check_text(problem, answer, var, require_simplified=require_simplified, budget=time_limit, **pick)
    except ParseError as e:  # say which of the two could not be read
        say(f"error: {getattr(e, 'field', 'input')}: {e.one_line()}", err=True)
        pointer = e.pointer()
        if pointer:
            say(pointer, err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(verdict.to_json(), ensure_ascii=False))
    else:
        click.echo(format_verdict(verdict))
    # Its own code: a grading script must not count "could not tell" as wrong (send it to a person instead).
    sys.exit(0 if verdict.correct else 1 if verdict.decided else 3)


@main.group()
def banks():
    """Inspect and validate problem banks."""


@banks.command("list")
def banks_list():
    """Topics and families with their counts."""
    from ..bank import load_bank
    from ..render.terminal import bank_listing

    click.echo(bank_listing(load_bank()))


@banks.command("check")
@click.argument("paths", nargs=-1, type=click.Path())
def banks_check(paths):
    """Validate bank files (default: the shipped banks); lists every problem, exit 2 if any."""
    from ..bank import bank_files, load_bank

    bank = load_bank(list(paths) or None)
    n_files = len(bank_files(list(paths) or None))
    click.echo(f"ok: {n_files} file{'s' if n_files != 1 else ''}, {len(bank.families)} families, "
               f"{len(bank.topics)} topics")


@main.command()
@selection_options
@ask_options
@click.option("-o", "--output", "out", default=None, type=click.Path(dir_okay=False),
              help="Worksheet file  [default: worksheet.pdf, or worksheet.html with --format html]")
@click.option("--key", "key", default=None, type=click.Path(dir_okay=False),
              help="Answer key file  [default: the worksheet's name + -key]")
@click.option("--no-key", is_flag=True, help="Write the worksheet only.")
@click.option("--steps", is_flag=True, help="Worked steps, rule by rule, in the key.")
@click.option("--columns", type=click.IntRange(1, 2), default=None, help="1 or 2 columns  [default: 2]")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True)
@click.option("--title", default=None, help="Title at the top of the page (at most 200 characters).")
@click.option("--space", type=click.FloatRange(0, MAX_SPACE_CM), default=None, help="Working space under each problem, in cm.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "html"]), default="pdf", show_default=True)
@click.option("--template-dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Your own copy of the templates, searched before the shipped ones.")
def sheet(count, topics, difficulty, seed, families, banks, ask, at, order, out, key, no_key, steps, columns, paper,
          title, space, fmt, template_dir):
    """Printable worksheet and answer key (PDF or HTML), typeset from the same problems as `generate`."""
    from ..render import pdf

    pdf.check_title(title, "--title")
    out = out or f"worksheet.{fmt}"
    key_path = None if no_key else (key or pdf.default_key_path(out))
    pdf.check_distinct(out, key_path)
    for p in [out] + ([key_path] if key_path else []):
        pdf.check_writable(p)  # before any work: an unwritable path is exit 2 at once
    from .text import sheet_command

    if ask == "derivative" and at is None and order is None:
        ps = _sheet_set(count, topics, difficulty, seed, families, banks, steps=steps and key_path is not None)
    else:  # the cache of drawn sets holds f′(x) sheets only
        ps = _problem_set(count, topics, difficulty, seed, families, "sheet", banks, ask, at, order)
    extra = {k: v for k, v in (("title", title), ("space", space), ("columns", columns)) if v is not None}
    layout = {k: v for k, v in extra.items() if k != "title"}
    code = sheet_command(ps, steps=steps, page=pdf.PageSetup(paper=paper, fmt=fmt, **layout), title=title,
                         banks=banks)
    from ..util.parallel import cpu_count, exit_on_sigterm

    with exit_on_sigterm():  # a terminated run removes its temp files, as Ctrl-C does
        written = pdf.write_sheet(ps, out, key_path, steps=steps, paper=paper, fmt=fmt,
                                  template_dir=template_dir, regen=code, jobs=cpu_count(), **extra)
    say(f"wrote {', '.join(str(p) for p in written)} (seed {ps.seed}; regenerate: {code})")


def _sheet_set(count, topics, difficulty, seed, families, banks, *, steps: bool):
    """The sheet's problems: with --seed, from the cache of drawn sets when this selection, seed and these banks
    were drawn before (quizgen.setcache: no SymPy import, no drawing), else drawn and kept there."""
    from .. import setcache

    k = None
    if seed is not None:
        selection = {"n": count, "topics": list(topics), "difficulty": difficulty, "seed": seed,
                     "families": list(families), "steps": steps}
        k = setcache.key(selection, banks)
        cached = setcache.load(k)
        if cached is not None:
            return cached
    ps = _problem_set(count, topics, difficulty, seed, families, "sheet", banks)
    if k is None and seed is None:
        selection = {"n": count, "topics": list(topics), "difficulty": difficulty, "seed": ps.seed,
                     "families": list(families), "steps": steps}
        k = setcache.key(selection, banks)  # the regeneration command's --seed will find it
    setcache.store(k, ps, steps=steps)
    return ps


# ------------------------------------------------------------------------------------------------------------
# Terminal quiz, stats and drill (issue 5): the library is quizgen.quiz / quizgen.store / quizgen.drill.


def _utf8_stdout():
    """sys.stdout, writing UTF-8 where the locale claims ASCII (LC_ALL=C without Python's coercion), as click.echo
    does for every other command: the quiz's screens are not ASCII."""
    import codecs

    out = sys.stdout
    try:
        ascii_only = codecs.lookup(getattr(out, "encoding", None) or "utf-8").name == "ascii"
    except LookupError:
        ascii_only = False
    if ascii_only and hasattr(out, "reconfigure"):
        out.reconfigure(encoding="utf-8")
    return out


def _quiz_io():
    """Line editing and colour on a terminal (colour off with NO_COLOR); plain lines, one answer each, from a pipe."""
    import os

    from ..history.store import data_dir
    from ..quiz import STYLES
    from ..render.terminal import pipe_io, terminal_io

    tty = sys.stdin.isatty() and sys.stdout.isatty()
    color = tty and not os.environ.get("NO_COLOR")
    style = (lambda text, role: click.style(text, **STYLES.get(role, {}))) if color else (lambda text, role: text)
    stdout = _utf8_stdout()
    if tty:
        return terminal_io(style, history_path=data_dir() / "input-history", stdout=stdout)
    return pipe_io(stdout=stdout, style=style)


@main.command()
@selection_options
@ask_options
@click.option("--redo-missed", is_flag=True, help="Ask the problems missed in the last session again.")
def quiz(count, topics, difficulty, seed, families, banks, ask, at, order, redo_missed):
    """Take a quiz in the terminal: answers checked, hints, history saved."""
    from ..quiz import run_quiz, run_redo
    from ..history.store import History
    from .text import set_command

    with History() as history:
        if redo_missed:
            run_redo(_quiz_io(), history=history, bank=_bank(banks))
        else:
            ps = _quiz_set(count, topics, difficulty, seed, families, banks, ask, at, order)
            run_quiz(ps, _quiz_io(), history=history, regen=set_command("quiz", ps, banks))


def _quiz_set(count, topics, difficulty, seed, families, banks, ask, at, order):
    """The quiz's problems, drawn in the background (quiz.prepared). When this quiz was kept (quizgen.setcache:
    the same selection, seed, banks and code), its first question is shown before SymPy is even imported; without
    --seed the quiz takes the seed drawn ahead for these options by the previous one. Each quiz keeps its own
    first question and, without --seed, draws the next quiz's seed and first question while the student reads."""
    from .. import setcache
    from ..quiz.prepared import PreparedProblems, PreparedSet

    selection = {"command": "quiz", "n": count, "topics": list(topics), "difficulty": difficulty,
                 "families": list(families), "ask": ask, "at": at, "order": order}
    next_key = setcache.key({**selection, "next": True}, banks) if seed is None else None
    if seed is None:
        seed = setcache.take_seed(next_key)

    def make(s):
        return lambda: _problem_set(count, topics, difficulty, s, families, "quiz", banks, ask, at, order,
                                    lazy=True).problems

    def keep(ps_seed, options, asks, first):
        from ..quiz.session import first_view

        setcache.store_quiz(setcache.key({**selection, "seed": ps_seed}, banks), ps_seed, options, asks,
                            first_view(first))

    def after(options, asks, known: bool):
        def run(first):
            if not known:
                keep(options["seed"], options, asks, first)
            if next_key is not None:  # draw the next quiz's first question now, while this one is read
                from ..problems import new_seed

                nxt = new_seed()
                ps2 = _problem_set(count, topics, difficulty, nxt, families, "quiz", banks, ask, at, order, lazy=True)
                keep(nxt, ps2.options, ps2.problems.asks or (), ps2.problems[0])
                setcache.store_seed(next_key, nxt)
        return run

    kept = setcache.load_quiz(setcache.key({**selection, "seed": seed}, banks)) if seed is not None else None
    if kept is not None and (kept.seed != seed or kept.options.get("n") != count
                             or kept.options.get("command") != "quiz"):
        kept = None  # a record that is not this quiz's (its key says it is): drawn as if nothing were kept
    if kept is not None:
        problems = PreparedProblems(count, make(kept.seed), asks=kept.asks, first=kept.first,
                                    after=after(kept.options, kept.asks, True))
        return PreparedSet(kept.seed, kept.options, problems)
    # Not kept: drawn here (bad options exit 2 now), the first problem as soon as the session asks for it.
    ps = _problem_set(count, topics, difficulty, seed, families, "quiz", banks, ask, at, order, lazy=True)
    asks = ps.problems.asks
    problems = PreparedProblems(count, lambda: ps.problems, asks=asks,
                                after=after(ps.options, sorted(asks or ()), False))
    return PreparedSet(ps.seed, ps.options, problems)


def _bank(banks):
    """The shipped banks plus --bank files (None: the library loads the shipped ones itself)."""
    if not banks:
        return None
    from ..bank import load_bank

    return load_bank(extra=list(banks))


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def stats(fmt):
    """Attempts, accuracy, streaks and mastery per rule and difficulty."""
    import os

    from ..history.progress import compute_stats
    from ..history.store import History
    from ..quiz import STYLES

    with History(readonly=True) as h:  # stats only reads: a read-only history is still shown
        doc = compute_stats(h.attempts())
    if fmt == "json":
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    from ..render.terminal import stats_text

    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    style = (lambda t, r: click.style(t, **STYLES.get(r, {}))) if color else (lambda t, r: t)
    click.echo(stats_text(doc, style).rstrip("\n"))


@main.command()
@click.option("-n", "count", type=click.IntRange(1, 100), default=10, show_default=True, help="Number of problems.")
@click.option("--seed", type=int, default=None, help="Seed; the same seed and history give the same drill.")
@click.option("--ask", "ask", type=click.Choice(ASK_NAMES), default="derivative", show_default=True,
              help="What each question asks: f′(x), f″(x), f′(a), the tangent or the normal line (points drawn).")
@bank_option
def drill(count, seed, ask, banks):
    """An adaptive session from your history: weak rules more often, due reviews, harder as you improve."""
    from ..quiz import run_drill
    from ..history.store import History

    with History() as history:
        run_drill(_quiz_io(), count, seed, history=history, bank=_bank(banks), ask=ask)


class _ExamBuildContext(click.Context):
    """The hidden `build` is what `quizgen exam SPEC` runs: its usage line and "Try ... --help" hint name the
    command the user typed, `quizgen exam`, never the subcommand they did not."""

    @property
    def command_path(self) -> str:
        return self.parent.command_path if self.parent is not None else super().command_path


class _ExamBuild(click.Command):
    """The build command of `quizgen exam`; its usage line reads `quizgen exam SPEC`, without a subcommand name."""

    context_class = _ExamBuildContext


class _ExamGroup(click.Group):
    """`quizgen exam SPEC ...` builds the papers; `quizgen exam check SPEC` only checks the files."""

    def parse_args(self, ctx, args):
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["build", *args]
        return super().parse_args(ctx, args)

    def format_help(self, ctx, formatter):
        build = self.commands["build"]
        with _ExamBuildContext(build, info_name="build", parent=ctx) as sub:
            build.format_help(sub, formatter)
        with formatter.section("Check only"):
            formatter.write_text("quizgen exam check SPEC [--roster FILE]: check the spec (and class list), all "
                                 "problems at once, exit 2 if any.")


@main.group(cls=_ExamGroup)
def exam():
    """Exams from a spec file (TOML): versions or one paper per student, keys, LaTeX and Moodle XML."""


@exam.command("build", cls=_ExamBuild, hidden=True)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out_dir", default=".", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the files (created if needed).")
@click.option("--versions", "-k", type=click.IntRange(1, 200), default=None, help="Versions A, B, ... (overrides the spec).")
@click.option("--roster", type=click.Path(dir_okay=False), help="Class list CSV (header: name, optional id): one paper per student.")
@click.option("--format", "fmt", default="pdf", show_default=True,
              help="Comma-separated: pdf, tex, moodle, stack, qti, json, html (exam.json is always written).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None, help="Worker processes (default: all cores).")
@click.option("--seed", type=click.IntRange(0), default=None, help="Seed (overrides the spec's).")
@click.option("--steps/--no-steps", default=None, help="Worked steps in the keys (default: the spec's `steps`).")
@bank_option
def exam_build(spec, out_dir, versions, roster, fmt, jobs, seed, steps, banks):
    """Build the papers of an exam spec (TOML) into -o: exam-A.pdf ..., key-A.pdf ..., exam-all.pdf (every paper, one
    print job) and exam.json; --format adds exam-A.tex ..., exam.moodle.xml, exam.stack.xml (Moodle STACK) and
    exam.qti.zip (Canvas)."""
    from ..exam import build_exam, load_roster, load_spec, write_exam
    from ..util.parallel import cpu_count, exit_on_sigterm
    from .text import Progress, describe_run, exam_command, parse_formats, run_steps

    if versions and roster:
        raise click.UsageError("give --versions or --roster, not both")
    formats = parse_formats(fmt)
    jobs = jobs or cpu_count()  # the library draws in this process unless asked; the CLI uses every core
    spec_data, class_list = load_spec(spec, extra_banks=banks), (load_roster(roster) if roster else None)
    papers = len(class_list.students) if class_list else (versions or spec_data.versions)
    progress = Progress(enabled=sys.stderr.isatty(), total=run_steps(papers, formats))
    # A terminated run cleans up like Ctrl-C: temp files removed, nothing half-written left under a final name.
    with exit_on_sigterm():
        try:
            made = build_exam(spec_data, versions=versions, roster=class_list, seed=seed, steps=steps, jobs=jobs,
                              progress=progress)
            made.regen = exam_command(made, spec, roster, banks)
            written = write_exam(made, out_dir, formats, jobs=jobs, progress=progress)
        finally:
            progress.close()
    for note in made.notes + written.notes(out_dir):
        say(f"note: {note}", err=True)
    say(describe_run(made, written, out_dir))


@exam.command("check")
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--roster", type=click.Path(dir_okay=False), help="Also check this class list.")
@bank_option
def exam_check(spec, roster, banks):
    """Check an exam spec (and a class list): every problem at once, as `file: section[2].kind: reason`."""
    from ..exam import check_exam
    from .text import exam_check_summary

    say(exam_check_summary(*check_exam(spec, roster, extra_banks=banks)))


if __name__ == "__main__":
    main()
