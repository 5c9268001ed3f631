"""Drawing an exam: lettered versions or one paper per student, reproducible from the seed, drawn in parallel."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from ..errors import GenerationError, QuizgenError
from ..util.parallel import fork_map
from . import kinds
from .question import Question
from .roster import Roster, Student
from .spec import MAX_VERSIONS, ExamSpec, SectionSpec, section_families


@dataclass
class Version:
    """One paper: its label (A, B, ... or the student's file name), seed, optional student, and questions."""

    label: str
    seed: int
    questions: list[Question]
    student: Student | None = None

    @property
    def total_points(self) -> float:
        return sum(q.points for q in self.questions)

    @property
    def paper_name(self) -> str:
        return f"exam-{self.label}"

    @property
    def key_name(self) -> str:
        return f"key-{self.label}"

    def to_dict(self) -> dict:
        d = {"label": self.label}
        if self.student is not None:
            d["student"] = {"name": self.student.name, **({"id": self.student.id} if self.student.id else {})}
        d["seed"] = self.seed
        d["total_points"] = self.total_points
        d["questions"] = [{**q.to_dict(), **kinds.get(q.kind).to_dict(q)} for q in self.questions]
        return d


@dataclass
class Exam:
    """Every paper of one run, reproducible from (spec, seed, versions or roster)."""

    spec: ExamSpec
    seed: int
    versions: list[Version]
    notes: list[str] = field(default_factory=list)
    steps: bool = False
    roster: Roster | None = None
    regen: str = ""  # the caller's command that makes these papers again, printed in each footer (the CLI sets it)

    def to_dict(self) -> dict:
        return {"title": self.spec.title, "seed": self.seed, "total_points": self.spec.total_points,
                "sections": [{"section": s.index, "kind": s.kind, "count": s.count, "points": s.points,
                              **({"ask": s.ask} if s.ask != "derivative" else {}),
                              **({"topic": s.topic} if s.topic else {"family": s.family}),
                              **({"difficulty": s.difficulty} if s.difficulty else {})}
                             for s in self.spec.sections],
                "versions": [v.to_dict() for v in self.versions]}


def version_label(i: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, ..."""
    label = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        label = chr(65 + r) + label
    return label


def derive_seed(*parts) -> int:
    """A stable seed from the exam seed and a version label or student key (same inputs, same paper)."""
    raw = "quizgen-exam\0" + "\0".join(str(p) for p in parts)
    return int(hashlib.sha256(raw.encode("utf-8")).hexdigest()[:12], 16) % 1_000_000_000


def family_mix(spec: ExamSpec, bank, seed: int) -> list[list]:
    """For each section, the family of every question slot: the same for all versions (a fair comparison)."""
    mixes = []
    for sec in spec.sections:
        fams = section_families(sec, bank)
        rng = random.Random(f"quizgen-exam:{seed}:mix:{sec.index}")
        order = rng.sample(fams, len(fams))
        mixes.append([order[i % len(order)] for i in range(sec.count)])
    return mixes


def _make_question(sec: SectionSpec, fam, rng: random.Random, seen: set, alternatives: list):
    """Draw one question of a section's kind from `fam` (another family of the section if it runs dry).

    The kind turns a drawn problem into a question or declines it (too few real mistakes, no good point); a kind
    that allows it gets the first declined problem again with relaxed rules once a family has given up.
    """
    from ..draw import DrawRejected, draw
    from ..problems import make_problem

    kind = kinds.get(sec.kind)
    # What each question asks (quizgen.asks): its point x = a is drawn from the paper's own generator. A value
    # section asks f′(a) through its kind, as before.
    ask = {} if sec.kind == "value" or sec.ask == "derivative" else {"ask": sec.ask, "rng": rng}
    declined = None
    for family in [fam] + [f for f in alternatives if f is not fam]:
        tries = 0
        for _ in range(60):
            try:
                expr, values = draw(family, rng)
                if str(expr) in seen:
                    continue
                if family.ask:  # several variables: the section's ask, else the family's (its variable drawn with rng)
                    problem = make_problem(family, expr, values, ask=sec.ask if sec.ask != "derivative" else
                                           family.ask, rng=rng)
                else:
                    problem = make_problem(family, expr, values, **ask)
            except DrawRejected:
                continue
            q = kind.make(sec, problem, rng)
            if q is not None:
                return q
            if not kind.RELAXED:
                continue
            tries += 1
            if declined is None:
                declined = problem
            if tries >= kind.GIVE_UP_AFTER:
                break
        if declined is not None:
            break
    if declined is not None:
        return kind.make(sec, declined, rng, relaxed=True)
    return None


def _version_questions(spec: ExamSpec, mixes, pools, vseed: int, steps: bool) -> list[Question]:
    rng = random.Random(f"quizgen-exam:{vseed}")
    seen: set[str] = set()
    out: list[Question] = []
    for sec, mix, pool in zip(spec.sections, mixes, pools):
        qs = []
        for fam in mix:
            q = _make_question(sec, fam, rng, seen, pool)
            if q is None:
                raise GenerationError(f"{spec.source}: section[{sec.index}]: cannot draw a {sec.kind} question from "
                                      f"family {fam.id}")
            seen.add(str(q.problem.expr))
            qs.append(q)
        if spec.shuffle:
            rng.shuffle(qs)
        out.extend(qs)
    for i, q in enumerate(out, 1):
        q.number = i
        if steps:
            q.steps = _step_rows(q.problem)
    return out


def _step_rows(problem) -> list:
    from ..solution import step_rows

    return step_rows(problem.steps)


# Generation jobs run in forked workers that read these (set just before the pool starts).
_GEN: dict = {}


def _gen_task(task):
    i, label, vseed, student = task
    spec, mixes, pools, steps = _GEN["spec"], _GEN["mixes"], _GEN["pools"], _GEN["steps"]
    return i, Version(label, vseed, _version_questions(spec, mixes, pools, vseed, steps), student)


def build_exam(spec: ExamSpec, *, versions: int | None = None, roster: Roster | None = None, seed: int | None = None,
               steps: bool | None = None, jobs: int | None = 1, bank=None, progress=None) -> Exam:
    """Every paper: lettered versions (A, B, ...) or one per roster student, each reproducible from the seed.

    Lettered versions draw different problems from each other (a repeat is redrawn); a student's paper depends
    only on the exam seed and that student's id (or name), so adding a student never changes anyone else's paper.
    """
    from ..problems import new_seed

    bank = bank or spec.load_bank()
    notes: list[str] = []
    if seed is None:
        seed = spec.seed
    if seed is None:
        seed = new_seed()
        notes.append(f"seed {seed} chosen; add `seed = {seed}` to {spec.source or 'the spec'} to reproduce these papers")
    steps = spec.steps if steps is None else steps
    if roster is not None:
        tasks = [(i, s.slug, derive_seed(seed, "student", s.key), s) for i, s in enumerate(roster.students)]
        notes.extend(roster.notes)
    else:
        k = versions or spec.versions
        if not 1 <= k <= MAX_VERSIONS:
            raise QuizgenError(f"versions must be from 1 to {MAX_VERSIONS}, not {k}")
        tasks = [(i, version_label(i), derive_seed(seed, "version", version_label(i)), None) for i in range(k)]
    mixes = family_mix(spec, bank, seed)
    pools = [section_families(sec, bank) for sec in spec.sections]
    if progress is not None:
        progress.add(len(tasks))
    _GEN.update(spec=spec, mixes=mixes, pools=pools, steps=steps)
    results: list[Version | None] = [None] * len(tasks)
    try:
        for i, version in fork_map(_gen_task, tasks, jobs):
            results[i] = version
            if progress is not None:
                progress.advance(f"drawing {version.label}")
    finally:
        _GEN.clear()
    out = [v for v in results if v is not None]
    if roster is None:
        _redraw_repeats(spec, out, pools, steps, notes, jobs)
    generic = sum(q.generic for v in out for q in v.questions)
    if generic:
        notes.append(f"{generic} multiple-choice question{'s' if generic != 1 else ''} had too few typical mistakes "
                     "and also use generic distractors (marked in the key)")
    return Exam(spec, seed, out, notes, steps, roster=roster)


def _redraw_repeats(spec, versions: list[Version], pools, steps: bool, notes: list[str], jobs) -> None:
    """A problem already used by an earlier version (or earlier in its own) is drawn again, so versions differ.

    In rounds: find the repeats, redraw them all (in worker processes) avoiding every problem of the exam, and
    look again; each redraw's seed depends only on its version, question and round, so the result does not depend
    on the number of processes.
    """
    for round_ in range(1, 6):
        seen: set[str] = set()
        repeats = []
        for vi, v in enumerate(versions):
            for qi, q in enumerate(v.questions):
                key = str(q.problem.expr)
                if key in seen:
                    repeats.append((vi, qi))
                else:
                    seen.add(key)
        if not repeats:
            return
        everything = seen | {str(q.problem.expr) for v in versions for q in v.questions}
        _GEN.update(spec=spec, pools=pools, steps=steps, versions=versions, exclude=everything)
        try:
            tasks = [(vi, qi, round_) for vi, qi in repeats]
            for (vi, qi), new in fork_map(_redraw_task, tasks, jobs):
                if new is not None:
                    versions[vi].questions[qi] = new
        finally:
            _GEN.clear()
    left = len(repeats)
    notes.append(f"{left} question{'s' if left != 1 else ''} repeat between versions: the families cannot make "
                 "enough distinct problems for this many versions")


def _redraw_task(task):
    vi, qi, round_ = task
    spec, pools, steps, versions = _GEN["spec"], _GEN["pools"], _GEN["steps"], _GEN["versions"]
    v = versions[vi]
    q = v.questions[qi]
    pool = pools[q.section - 1]
    rng = random.Random(f"quizgen-exam:{v.seed}:redraw:{q.number}:{round_}")
    new = _make_question(spec.sections[q.section - 1], _family_of(q, pool), rng, _GEN["exclude"], pool)
    if new is not None:
        new.number = q.number
        if steps:
            new.steps = _step_rows(new.problem)
    return (vi, qi), new


def _family_of(q: Question, pool):
    for f in pool:
        if f.id == q.problem.family:
            return f
    return pool[0]


def check_exam(spec_path, roster_path=None, *, extra_banks=()):
    """Check a spec (and a roster) the way a run would, drawing one paper: (spec, roster), or SpecError with every
    problem of both files."""
    from ..errors import SpecError
    from .roster import load_roster
    from .spec import load_spec

    problems = []
    spec = roster = None
    try:
        spec = load_spec(spec_path, extra_banks=extra_banks)
    except SpecError as e:
        problems += e.problems
    if roster_path is not None:
        try:
            roster = load_roster(roster_path)
        except SpecError as e:
            problems += e.problems
    if spec is not None:
        try:
            build_exam(spec, versions=1, seed=spec.seed if spec.seed is not None else 0, jobs=1)
        except GenerationError as e:
            problems.append(str(e))
    if problems:
        raise SpecError(problems)
    return spec, roster
