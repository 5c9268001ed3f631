"""Problems and problem sets from bank families, with an isolated random.Random(seed): same options, same problems."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

import sympy as sp

from .bank import Bank, Family, load_bank
from .draw import DrawRejected, draw
from .errors import GenerationError
from .mathparse import symbol
from .keyform import textbook
from .printing import to_latex, to_text

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

    @property
    def var(self) -> sp.Symbol:
        return symbol(self.variable)

    @property
    def steps(self):
        """Rule-by-rule derivation (computed on first use, then cached)."""
        cached = _STEPS_CACHE.get(self.id)
        if cached is None:
            from .steps import trace

            cached = trace(self.expr, self.var, expected=self.answer)
            _STEPS_CACHE[self.id] = cached
        return cached

    def to_dict(self, with_steps: bool = True) -> dict:
        d = {
            "id": self.id, "number": self.number, "family": self.family, "topic": self.topic,
            "difficulty": self.difficulty, "variable": self.variable, "instruction": self.instruction,
            "question_text": self.question_text, "question_latex": self.question_latex,
            "expr": str(self.expr), "answer": str(self.answer), "answer_text": self.answer_text,
            "answer_latex": self.answer_latex,
        }
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


def make_problem(fam: Family, expr, values: dict | None = None, number: int = 0) -> Problem:
    """A Problem with its verified key and display forms, from a family and a drawn function."""
    x = symbol(fam.variable)
    d = sp.diff(expr, x)
    key = textbook(d, x, prefer_fraction="quotient" in fam.rules, keep_factored="chain" in fam.rules)
    answer_text = to_text(key)
    if not fam.constant_derivative and x not in d.free_symbols:
        raise DrawRejected("the derivative is constant")
    if len(answer_text) > fam.max_answer_length:
        raise DrawRejected("the answer would be too long")
    pid = f"{fam.id}-{hashlib.sha1(str(expr).encode()).hexdigest()[:8]}"
    instruction = fam.instruction.replace("{var}", fam.variable)
    return Problem(
        id=pid, family=fam.id, topic=fam.topic, difficulty=fam.difficulty, variable=fam.variable,
        instruction=instruction, expr=expr, answer=key,
        question_text=to_text(expr, neg_powers=fam.neg_powers), question_latex=to_latex(expr),
        answer_text=to_text(key, neg_powers=fam.neg_powers), answer_latex=to_latex(key),
        params=tuple(sorted((k, str(v)) for k, v in (values or {}).items())), rules=fam.rules, number=number,
    )


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
    names = list(dict.fromkeys(topics)) if topics else list(bank.topics)
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
                 families=None, command: str = "generate", exclude_ids=()) -> ProblemSet:
    """n distinct problems balanced across the topics asked for, reproducible from the seed."""
    if n < 1:
        raise GenerationError("the number of problems must be at least 1")
    if n > 500:
        raise GenerationError(f"at most 500 problems at once (asked for {n})")
    bank = bank or load_bank()
    seed = new_seed() if seed is None else int(seed)
    pool = eligible(bank, topics, difficulty, families)
    capacity = sum(f.capacity for fams in pool.values() for f in fams)
    where = f"{', '.join(pool)}" + (f" at difficulty {difficulty}" if difficulty else "")
    if n > capacity:
        raise GenerationError(f"asked for {n} distinct problems but {where} can make at most {capacity}")
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
                problem = make_problem(fam, expr, values, number=len(problems) + 1)
            except DrawRejected:
                continue
            seen.add(key)
            break
        if problem is None:
            exhausted.add(fam.id)
            continue
        problems.append(problem)
    options = {"command": command, "n": n, "topics": list(topics or []), "difficulty": difficulty,
               "families": list(families or []), "seed": seed}
    return ProblemSet(seed, options, problems)
