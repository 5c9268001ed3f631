"""quizgen as a library: derivative problems with SymPy-verified keys, answer checking, worksheets and exams.

    >>> import quizgen
    >>> quizgen.solve("x^2 e^x").derivative_text
    'x(x + 2)eˣ'

Every argument that is a formula may be text or a SymPy expression; text always goes through quizgen's own safe
parser (never eval or sympify). Nothing here starts worker processes unless asked (`jobs=`). Importing quizgen is
cheap: each function imports what it needs (SymPy, WeasyPrint) when first called.
"""

from __future__ import annotations

from .errors import (BankError, GenerationError, LimitError, OutputError, ParseError, QuizgenError, SpecError,
                     StoreError, TimeLimitError, ValidationError)

__version__ = "0.1.0"


def _expr(value, var: str = "x"):
    """A formula given as text (parsed safely) or as a SymPy expression (its variable made quizgen's own symbol,
    which carries the assumptions the checker relies on; any other letter is refused as typed text would be)."""
    from .mathparse import as_expr, parse, symbol

    if isinstance(value, str):
        return parse(value, var)
    expr = as_expr(value)
    stray = sorted(s.name for s in expr.free_symbols if s.name != var)
    if stray:
        raise ParseError(f"unknown name {stray[0]!r} (the variable is {var!r})", str(expr))
    return expr.xreplace({s: symbol(var) for s in expr.free_symbols})


def load_bank(*paths, builtin: bool = True):
    """The shipped banks, plus the given bank files or folders (with builtin=False: only those)."""
    from .bank import load_bank as _load

    if builtin:
        return _load(extra=list(paths))
    return _load(list(paths) or None)


def generate(n: int = 10, *, topics=None, difficulty: int | None = None, seed: int | None = None, families=None,
             bank=None):
    """n distinct problems with keys (a ProblemSet), balanced across the topics; the same seed gives the same set."""
    from .problems import generate_set

    return generate_set(n, topics=topics, difficulty=difficulty, seed=seed, families=families, bank=bank)


def solve(formula, var: str = "x", *, budget: float | None = 2.0):
    """The derivative of a formula with its rule-by-rule steps (a SolveResult); TimeLimitError (exit code 3)
    when that takes more than `budget` seconds."""
    from .solver import solve as _solve
    from .solver import solve_expr

    if isinstance(formula, str):
        return _solve(formula, var, budget=budget)
    return solve_expr(_expr(formula, var), var, budget=budget)


def check(problem, answer, var: str = "x", *, require_simplified: bool = False, budget: float | None = 2.0):
    """Is `answer` the derivative of `problem`? A Verdict: correct, the mistake's code and feedback, the form.

    `answer` is what a student typed (text); a SymPy expression is printed and read back like typed text. Within
    `budget` seconds: after that the verdict is undecided (`decided` False, equivalence "timeout").
    """
    from .checker import check_answer
    from .printing import to_text

    expr = _expr(problem, var)
    text = answer if isinstance(answer, str) else to_text(_expr(answer, var))
    return check_answer(expr, text, var, require_simplified=require_simplified, budget=budget)


def write_sheet(problem_set, path, key_path=None, **options):
    """A worksheet PDF (or HTML with fmt="html") and, if key_path is given, its answer key; returns the paths."""
    from .render.pdf import write_sheet as _write

    return _write(problem_set, path, key_path, **options)


def load_spec(path, *, banks=()):
    """An exam spec (TOML) checked all at once; SpecError lists every problem."""
    from .exam import load_spec as _load

    return _load(path, extra_banks=banks)


def build_exam(spec, *, versions: int | None = None, roster=None, seed: int | None = None, jobs: int = 1):
    """Every paper of an exam (versions A, B, ... or one per roster student), reproducible from the seed.

    `spec` is an ExamSpec or the path of a spec file; `roster` a Roster or the path of a class list (CSV).
    """
    from .exam import build_exam as _build
    from .exam import load_roster

    if not hasattr(spec, "sections"):
        spec = load_spec(spec)
    if roster is not None and not hasattr(roster, "students"):
        roster = load_roster(roster)
    return _build(spec, versions=versions, roster=roster, seed=seed, jobs=jobs)


def write_exam(exam, out_dir, formats=("pdf",), *, jobs: int = 1):
    """Write the exam's files (pdf, tex, moodle, html; exam.json always) into out_dir; returns the paths (with
    `.removed` and `.kept`: what it did about an earlier run's files there)."""
    from .exam import write_exam as _write

    return _write(exam, out_dir, formats, jobs=jobs)


__all__ = ["BankError", "GenerationError", "LimitError", "OutputError", "ParseError", "QuizgenError", "SpecError",
           "StoreError", "TimeLimitError", "ValidationError", "__version__", "build_exam", "check", "generate", "load_bank",
           "load_spec", "solve", "write_exam", "write_sheet"]
