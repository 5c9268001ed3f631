"""Problems and problem sets from bank families, with an isolated random.Random(seed): same options, same problems."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

import sympy as sp

from .bank import DEFAULT_INSTRUCTION, Bank, Family, load_bank
from .draw import DrawRejected, draw
from .errors import GenerationError
from .mathparse import symbol
from .keyform import family_key
from .keyplan import kinds_for
from .printing import to_latex, to_text
from .util.seq import OnDemand

MAX_TRIES_PER_PROBLEM = 60


@dataclass(frozen=True)
class Problem:
    id: str
    family: str
    topic: str
    difficulty: int
    variable: str
    instruction: str
    expr: sp.Expr  # the function, in SymPy's evaluated form
    answer: sp.Expr  # its derivative in the key's textbook form (equal to sympy.diff, verified in tests)
    question_text: str
    question_latex: str
    answer_text: str
    answer_latex: str
    params: tuple = ()
    rules: tuple = ()
    number: int = 0
    # What is asked (quizgen.asks): f′(x) by default; `answer` is then that ask's key (f″, the number f′(a), or the
    # right-hand side of the line y = …) and `answer_text` how a student writes it ("y = 2x − 1").
    ask: str = "derivative"
    point: sp.Expr | None = None  # the x = a of value, tangent and normal questions
    order: int = 1  # how many times f is differentiated (2 or 3 for the second ask)
    derivative: sp.Expr | None = None  # f′ in the key's textbook form, whatever is asked
    facts: tuple = ()  # (name, value) pairs the ask computed on the way: f(a), f′(a), the slope, f′ and f″ ...
    # Several variables (quizgen.asks.several): every variable in order, and those a partial differentiates by.
    variables: tuple = ()
    wrt: tuple = ()
    raw: sp.Expr | None = None  # sympy.diff(f) as SymPy gives it, before the key's display form (for the steps)

    @property
    def var(self) -> sp.Symbol:
        return symbol(self.variable)

    @property
    def asked(self):
        """The module of what this problem asks (quizgen.asks)."""
        from . import asks

        return asks.get(self.ask)

    @property
    def steps(self):
        """Rule-by-rule solution of what is asked (computed on first use, then cached)."""
        cached = _STEPS_CACHE.get(self.id)
        if cached is None:
            cached = self.asked.steps(self)
            _STEPS_CACHE[self.id] = cached
        return cached

    def to_dict(self, with_steps: bool = True) -> dict:
        d = {
            "id": self.id, "number": self.number, "family": self.family, "topic": self.topic,
            "difficulty": self.difficulty, "variable": self.variable, "instruction": self.instruction,
            "question_text": self.question_text, "question_latex": self.question_latex,
            "expr": str(self.expr), "answer": str(self.answer), "answer_text": self.answer_text,
            "answer_latex": self.answer_latex, "ask": self.ask,
        }
        if self.variables:  # several variables: their names, in order (asks.several)
            d["variables"] = list(self.variables)
        if self.ask != "derivative":
            d["derivative"] = str(self.derivative)
            d.update(self.asked.to_dict(self))
        if with_steps:
            d["steps"] = steps_list(self.steps, str)
        return d


_STEPS_CACHE: dict = {}


def steps_list(root, fmt=str) -> list[dict]:
    """The derivation flattened parent-first, each step with its depth, for JSON consumers."""
    from .steps import RULE_TITLES

    out: list[dict] = []

    def visit(s, depth: int):
        out.append({"rule": s.rule, "title": RULE_TITLES.get(s.rule, s.rule), "depth": depth,
                    "wrt": fmt(s.wrt) if s.wrt is not None else None, "expr": fmt(s.expr), "result": fmt(s.result),
                    "parts": {k: fmt(v) for k, v in s.parts}})
        for sub in s.substeps:
            visit(sub, depth + 1)

    visit(root, 0)
    return out



@dataclass(frozen=True)
class ProblemSet:
    seed: int
    options: dict
    problems: list = field(default_factory=list)

    def to_dict(self, with_steps: bool = True) -> dict:
        return {"seed": self.seed, "options": dict(self.options),
                "problems": [p.to_dict(with_steps) for p in self.problems]}


def make_problem(fam: Family, expr, values: dict | None = None, number: int = 0, *, ask: str = "derivative",
                 point=None, order: int | None = None, rng: random.Random | None = None,
                 text: str | None = None) -> Problem:
    """A Problem with its verified key and display forms, from a family and a drawn function.

    `ask` says what is asked (quizgen.asks); `point` is its x = a when the caller fixes it (else the ask draws one
    with `rng`), `order` the order of a higher derivative; `text`, str(expr) when the caller has it (SymPy's
    printing is a tenth of a problem's time). DrawRejected when this draw does not make that question.
    """
    from . import asks
    from .asks.base import Core

    x = symbol(fam.variable)
    equation = None
    if isinstance(expr, sp.Equality):  # an implicit curve: the problem is F = lhs − rhs (= 0)
        equation = expr
        expr = expr.lhs - expr.rhs
        text = None
    mod = asks.get(ask)
    several = getattr(mod, "SEVERAL", False)
    if getattr(fam, "variables", ()) and len(fam.variables) > 1 and not several:
        raise DrawRejected(f"a function of {', '.join(fam.variables)} has no {mod.NOUN} (ask partial or gradient)")
    parts = None
    if expr.is_Add:
        # Term by term, as SymPy differentiates a sum (Add._eval_derivative): the same d, and the terms' derivatives
        # are what ordering the key like the question needs (keyform.question_order).
        parts = {t: sp.diff(t, x) for t in expr.args}
        d = sp.Add(*parts.values())
    else:
        d = sp.diff(expr, x)
    key = family_key(expr, d, x, fam.rules, kinds=kinds_for(fam))
    answer_text = to_text(key)
    if not several:
        if not fam.constant_derivative and x not in d.free_symbols:
            raise DrawRejected("the derivative is constant")
        if len(answer_text) > fam.max_answer_length:
            raise DrawRejected("the answer would be too long")
    if mod.NEEDS_POINT and point is None and rng is None:
        raise TypeError(f"make_problem(ask={ask!r}) needs a point or an rng to draw one")
    core = Core(fam, expr, x, d, key, point=point, order=order, rng=rng)
    core.equation = equation
    core.parts = parts
    fields = mod.build(core)
    text = str(expr) if text is None else text
    pid = f"{fam.id}-{hashlib.sha1(text.encode()).hexdigest()[:8]}"
    if ask != "derivative":
        tag = f"{text}|{ask}|{fields.get('order', 1)}|{fields.get('point')}"
        if fields.get("wrt"):  # ∂f/∂x and ∂f/∂y of one function are two problems
            tag += f"|{','.join(fields['wrt'])}"
        pid = f"{fam.id}-{ask}-{hashlib.sha1(tag.encode()).hexdigest()[:8]}"
    instruction = fam.instruction.replace("{var}", fam.variable)
    if ask != "derivative" and fam.instruction == DEFAULT_INSTRUCTION:
        instruction = mod.INSTRUCTION
    base = dict(
        id=pid, family=fam.id, topic=fam.topic, difficulty=fam.difficulty, variable=fam.variable,
        instruction=instruction, expr=expr,
        question_text=to_text(expr, neg_powers=fam.neg_powers), question_latex=to_latex(expr),
        params=tuple(sorted((k, str(v)) for k, v in (values or {}).items())), rules=fam.rules, number=number,
        ask=ask, derivative=key, raw=d,
    )
    base.update(fields)  # an ask may say how its question reads (an implicit curve's equation) and its variable
    return Problem(**base)


def new_seed() -> int:
    """A fresh seed, shown to the user so the set can be regenerated."""
    return random.SystemRandom().randrange(1, 1_000_000)


def eligible(bank: Bank, topics=None, difficulty=None, families=None) -> dict[str, list[Family]]:
    """Families by topic for the request, raising GenerationError for unknown names or empty selections."""
    if families:
        out: dict[str, list[Family]] = {}
        known = {f.id: f for f in bank.families}
        for fid in families:
            if fid not in known:
                raise GenerationError(f"unknown family {fid!r} (see `quizgen banks list`)")
            f = known[fid]
            if difficulty and f.difficulty != difficulty:
                continue
            out.setdefault(f.topic, []).append(f)
        if not out:
            raise GenerationError(f"no family among {', '.join(families)} has difficulty {difficulty}")
        return out
    # A topic that says `mixed = false` (log-diff, inverse-trig, ml) comes only when named: mixed sets keep the
    # problems their printed regeneration commands promise.
    names = list(dict.fromkeys(topics)) if topics else [t for t, v in bank.topics.items() if v.mixed]
    out = {}
    for t in names:
        if t not in bank.topics:
            raise GenerationError(f"unknown topic {t!r} (topics: {', '.join(bank.topics)})")
        fams = [f for f in bank.topics[t].families if not difficulty or f.difficulty == difficulty]
        if not fams:
            raise GenerationError(f"topic {t!r} has no family at difficulty {difficulty}")
        out[t] = fams
    return out


def generate_set(n: int = 10, topics=None, difficulty=None, seed=None, bank: Bank | None = None,
                 families=None, command: str = "generate", exclude_ids=(), ask: str = "derivative", at=None,
                 order: int | None = None) -> ProblemSet:
    """n distinct problems balanced across the topics asked for, reproducible from the seed.

    `ask` (quizgen.asks) says what each question asks; a point x = a is drawn per problem from its own seeded
    generator (so the functions are those of the default ask, except where one has no good point), or fixed by
    `at`. The default ask draws nothing extra: its sets are exactly those of earlier versions.
    """
    seed, options, problems, _ = _start_set(n, topics, difficulty, seed, bank, families, command, exclude_ids, ask,
                                            at, order)
    return ProblemSet(seed, options, list(problems))


def lazy_set(n: int = 10, topics=None, difficulty=None, seed=None, bank: Bank | None = None, families=None,
             command: str = "generate", exclude_ids=(), ask: str = "derivative", at=None,
             order: int | None = None) -> ProblemSet:
    """generate_set's very problems (same options, same seed, same order), drawn as they are asked for: the first
    now, the rest in a background thread once `problems.resume()` is called (the quiz calls it when its first
    question is on screen, so drawing the rest never delays it). Bad options raise here, at once."""
    seed, options, problems, pool_asks = _start_set(n, topics, difficulty, seed, bank, families, command,
                                                    exclude_ids, ask, at, order)
    return ProblemSet(seed, options, LazyProblems(problems, n, asks=pool_asks))


class LazyProblems(OnDemand):
    """A sequence of n problems filled from a generator: problem i is waited for only when asked for."""

    def __init__(self, source, n: int, asks=None):
        import threading

        # What the problems can ask, known from the pool before any is drawn (None: unknown): the quiz's banner
        # reads it instead of drawing every problem to ask each one.
        self.asks = frozenset(asks) if asks is not None else None
        self._source = iter(source)
        self._n = n
        self._done: list = []
        self._error: BaseException | None = None
        self._lock = threading.Lock()  # one drawer at a time: the generator is not reentrant
        self._thread = None

    def _fill(self, upto: int) -> None:
        with self._lock:
            while len(self._done) <= upto and self._error is None:
                try:
                    self._done.append(next(self._source))
                except BaseException as err:  # noqa: BLE001 — handed to whoever asks for that problem
                    self._error = err
        if len(self._done) <= upto:
            raise self._error

    def resume(self) -> None:
        """Draw the rest in a daemon thread (it takes the GIL only between the student's keystrokes)."""
        import threading

        if self._thread is None and len(self._done) < self._n:
            def work():
                try:
                    self._fill(self._n - 1)
                except BaseException:  # noqa: BLE001 — raised again in the reader's thread by _fill
                    pass

            self._thread = threading.Thread(target=work, name="quizgen-draw", daemon=True)
            self._thread.start()

    def _get(self, i: int):
        self._fill(i)
        return self._done[i]


def _start_set(n, topics, difficulty, seed, bank, families, command, exclude_ids, ask, at, order):
    """Check the options (GenerationError now) and return (seed, options, a generator of the n problems, the asks
    its families can give)."""
    from . import asks

    if ask not in asks.NAMES:
        raise GenerationError(f"unknown ask {ask!r} (asks: {asks.listing()})")
    point = None
    if at is not None:
        from .asks.base import read_point

        if isinstance(at, str) and "," in at:  # a point in several variables, for gradients: --at 1,2
            if ask not in ("derivative", "gradient"):
                raise GenerationError(f"--at {at}: one number for --ask {ask} (a point (a, b) goes with gradients)")
            point = tuple(read_point(t.strip()) for t in at.split(","))
        else:
            point = read_point(at)
    if order is not None and ask != "second":
        raise GenerationError("--order goes with --ask second (f″ or f‴)")
    if n < 1:
        raise GenerationError("the number of problems must be at least 1")
    if n > 500:
        raise GenerationError(f"at most 500 problems at once (asked for {n})")
    bank = bank or load_bank()
    seed = new_seed() if seed is None else int(seed)
    pool = eligible(bank, topics, difficulty, families)
    if order is not None and order > 2:
        pool = {t: [f for f in fams if f.max_order >= order] for t, fams in pool.items()}
        pool = {t: fams for t, fams in pool.items() if fams}
        if not pool:
            raise GenerationError(f"no family here allows derivatives of order {order} (a family says "
                                  f"max_order = {order} in its bank)")
    capacity = sum(f.capacity for fams in pool.values() for f in fams)
    where = f"{', '.join(pool)}" + (f" at difficulty {difficulty}" if difficulty else "")
    if n > capacity:
        raise GenerationError(f"asked for {n} distinct problems but {where} can make at most {capacity}")
    options = {"command": command, "n": n, "topics": list(topics or []), "difficulty": difficulty,
               "families": list(families or []), "seed": seed}
    if ask != "derivative":
        options["ask"] = ask
    if at is not None:
        options["at"] = str(at)
    if order is not None:
        options["order"] = order
    # The ask each problem gets (_draw_set): a several-variable family asks its own under the default ask.
    pool_asks = {f.ask if ask == "derivative" and f.ask else ask for fams in pool.values() for f in fams}
    return seed, options, _draw_set(n, pool, seed, exclude_ids, ask, point, order, where), pool_asks


def _draw_set(n, pool, seed, exclude_ids, ask, point, order, where):
    rng = random.Random(f"quizgen:{seed}")
    topic_order = list(pool)
    fam_order = {t: rng.sample(fams, len(fams)) for t, fams in pool.items()}
    fam_next = {t: 0 for t in pool}
    exhausted: set[str] = set()
    seen: set[str] = {str(e) for e in exclude_ids}
    problems: list[Problem] = []
    i = 0
    while len(problems) < n:
        live_topics = [t for t in topic_order if any(f.id not in exhausted for f in fam_order[t])]
        if not live_topics:
            raise GenerationError(f"asked for {n} distinct problems but {where} produced only {len(problems)}; "
                                  "ask for fewer or add topics")
        t = live_topics[i % len(live_topics)]
        i += 1
        fams = [f for f in fam_order[t] if f.id not in exhausted]
        fam = fams[fam_next[t] % len(fams)]
        fam_next[t] += 1
        problem = None
        for _ in range(MAX_TRIES_PER_PROBLEM):
            try:
                expr, values = draw(fam, rng)
                key = str(expr)
                if key in seen:
                    continue
                fask = fam.ask if ask == "derivative" and fam.ask else ask  # a family of several variables
                prng = random.Random(f"quizgen-point:{seed}:{key}") if fask != "derivative" else None
                problem = make_problem(fam, expr, values, number=len(problems) + 1, ask=fask, point=point,
                                       order=order, rng=prng, text=key)
            except DrawRejected:
                continue
            seen.add(key)
            break
        if problem is None:
            exhausted.add(fam.id)
            continue
        problems.append(problem)
        yield problem
