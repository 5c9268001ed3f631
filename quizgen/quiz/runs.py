"""The three ways to start a quiz: a generated set, last session's misses again, and the adaptive drill."""

from __future__ import annotations

from ..errors import ParseError, QuizgenError, StoreError
from .session import QuizIO, QuizResult, QuizSession


def rebuild_problem(attempt, bank=None, number: int = 0):
    """The Problem an attempt asked, rebuilt from its stored expression (read by our own parser, never sympify)
    and its family (for the key's style); a family no longer in the banks still gives a plain problem."""
    from ..bank import DEFAULT_INSTRUCTION, Family, load_bank
    from ..draw import DrawRejected
    from ..problems import make_problem
    from ..mathparse import parse

    bank = bank or load_bank()
    try:
        several = bank.family(attempt.family)
    except KeyError:
        several = None
    if several is not None and several.variables:  # a function of several variables, asked as its family asks
        import random

        expr = parse(attempt.expr, attempt.variable, variables=several.variables)
        rng = random.Random(f"quizgen-redo:{attempt.expr}")
        return make_problem(several, expr, dict(attempt.params), number=number, ask=several.ask, rng=rng)
    expr = parse(attempt.expr, attempt.variable)
    fallback = Family(attempt.family, attempt.topic, attempt.difficulty, "From your history", attempt.expr, (), (),
                      DEFAULT_INSTRUCTION.replace("{var}", attempt.variable), attempt.variable,
                      constant_derivative=True, max_answer_length=10_000)
    try:
        fam = bank.family(attempt.family)
    except KeyError:
        fam = fallback
    ask = getattr(attempt, "ask", "derivative")
    how = {}
    if ask != "derivative":  # the same question: what was asked, at the stored point
        point = getattr(attempt, "point", None)
        how = {"ask": ask, "point": None if point is None else parse(point, attempt.variable),
               "order": attempt.order if ask == "second" else None}
    try:
        return make_problem(fam, expr, dict(attempt.params), number=number, **how)
    except DrawRejected:
        return make_problem(fallback, expr, dict(attempt.params), number=number, **how)


def redo_problems(history, bank=None) -> tuple[list, object]:
    """(problems, session): the problems missed in the last session that had any answers, in their order."""
    session = history.last_session()
    if session is None:
        raise QuizgenError("no quiz in the history yet; start one with `quizgen quiz`")
    missed = [a for a in history.session_attempts(session.id) if not a.correct]
    problems = []
    for i, a in enumerate(missed):
        try:
            problems.append(rebuild_problem(a, bank, number=i + 1))
        except ParseError as e:
            # Our own printer wrote it: a stored problem our parser cannot read back was changed by hand or damaged.
            raise StoreError(f"the history at {history.path} is damaged: attempt {a.id}: the stored problem "
                             f"{a.expr!r} in {a.variable!r} cannot be read ({e.message}; move the file away to "
                             f"start a new history, or put back a copy)") from None
    return problems, session


# ------------------------------------------------------------------------------------------------------------
# The three commands (the CLI only chooses the QuizIO and passes the options)


def _history(clock=None):
    from ..history.store import History

    return History(clock=clock) if clock else History()


def run_quiz(problem_set, io: QuizIO, *, history=None, checker=None, regen: str | None = None) -> QuizResult:
    """`quizgen quiz`: ask a generated set in order, saving each answer (`regen`: the caller's rebuild command)."""
    return QuizSession(problem_set.problems, io, history, kind="quiz", seed=problem_set.seed,
                       options=problem_set.options, checker=checker, title="quizgen quiz", regen=regen).run()


def run_redo(io: QuizIO, *, history, checker=None, bank=None) -> QuizResult | None:
    """`quizgen quiz --redo-missed`: the last session's missed problems again (None when it missed none)."""
    problems, session = redo_problems(history, bank)
    if not problems:
        io.write(io.show("redo_none", kind=session.kind))
        return None
    return QuizSession(problems, io, history, kind="redo", options={"redo_of": session.id}, checker=checker,
                       title="quizgen quiz --redo-missed", intro="The problems you missed in your last session, in the same order."
                       ).run()


def run_drill(io: QuizIO, n: int = 10, seed: int | None = None, *, history, checker=None, today=None,
              bank=None, ask: str = "derivative") -> QuizResult:
    """`quizgen drill`: an adaptive set planned from the history (see quizgen.drill); `ask`: what each asks."""
    from ..history.drill import drill_set, rule_plans
    from datetime import date

    attempts = history.attempts()
    ps, picks = drill_set(attempts, n, seed, today=today, bank=bank, ask=ask)
    plans = rule_plans(attempts, today or date.today(), tuple(dict.fromkeys(p.topic for p in picks)))
    counts: dict[str, int] = {}
    for pk in picks:
        counts[pk.topic] = counts.get(pk.topic, 0) + 1
    rows = [{"topic": p.topic, "count": counts[p.topic], "mastery": "" if p.mastery == "new" else p.mastery,
             "reason": _REASONS[next(pk.reason for pk in picks if pk.topic == p.topic)]} for p in plans]
    rows.sort(key=lambda r: (-r["count"], r["topic"]))
    intro = io.show("drill_plan", rows=rows, seed=ps.seed)
    return QuizSession(ps.problems, io, history, kind="drill", seed=ps.seed, options=ps.options, checker=checker,
                       title="quizgen drill", intro=intro.rstrip("\n"),
                       notes=[_NOTES[pk.reason] for pk in picks], reviews=[pk.review for pk in picks]).run()


_REASONS = {"new": "new to you", "weak": "needs work", "practice": "practice", "review": "due for review",
            "extra": "extra practice", "mastered": "keep sharp"}
_NOTES = {"new": "new", "weak": "weak rule", "practice": None, "review": "review", "extra": None, "mastered": None}
