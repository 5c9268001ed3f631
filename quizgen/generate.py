"""Problems from bank families with an isolated random.Random(seed): same options and seed, same problems everywhere."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

import sympy as sp

from .bank import Bank, Family, load_bank
from .errors import GenerationError
from .mathparse import parse, symbol
from .printing import to_latex, to_text

MAX_TRIES_PER_PROBLEM = 60
# Points at which a drawn function must be real and finite (at least two of them) to count as a sensible exercise.
_PROBE_POINTS = (0.5, 1.3, 2.7, 0.2, 4.1, -0.7, -1.9, 3.3)


class DrawRejected(Exception):
    """A parameter draw that makes a degenerate or unsuitable exercise; the generator draws again."""


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

    def regen_args(self) -> str:
        """The command-line options that regenerate exactly this set."""
        o = self.options
        parts = [f"-n {o['n']}"]
        for t in o.get("topics") or ():
            parts.append(f"--topic {t}")
        for f in o.get("families") or ():
            parts.append(f"--family {f}")
        if o.get("difficulty"):
            parts.append(f"--difficulty {o['difficulty']}")
        parts.append(f"--seed {self.seed}")
        return " ".join(parts)

    @property
    def regen_code(self) -> str:
        return f"quizgen {self.options.get('command', 'generate')} {self.regen_args()}"

    def to_dict(self, with_steps: bool = True) -> dict:
        return {"seed": self.seed, "options": dict(self.options),
                "problems": [p.to_dict(with_steps) for p in self.problems]}


# ------------------------------------------------------------------------------------------------------------
# Drawing one problem from a family

_TEMPLATES: dict = {}


def _template(fam: Family):
    key = (fam.id, fam.template, fam.variable)
    t = _TEMPLATES.get(key)
    if t is None:
        syms = {p.name: sp.Symbol(p.name) for p in fam.params}
        expr = parse(fam.template, fam.variable, syms)
        cons = []
        for c in fam.constraints:
            cons.append((parse(c.lhs, fam.variable, syms), c.op, parse(c.rhs, fam.variable, syms)))
        # Exponents that hold a parameter: a drawn 0 or 1 there makes a power family trivial.
        exps = [node.exp for node in sp.preorder_traversal(expr)
                if node.is_Pow and node.exp.free_symbols & set(syms.values())]
        t = (syms, expr, cons, exps)
        _TEMPLATES[key] = t
    return t


def _holds(lhs, op, rhs) -> bool:
    a, b = sp.nsimplify(lhs), sp.nsimplify(rhs)
    if op == "==":
        return bool(sp.Eq(a, b))
    if op == "!=":
        return not bool(sp.Eq(a, b))
    fa, fb = float(a), float(b)
    return {"<": fa < fb, "<=": fa <= fb, ">": fa > fb, ">=": fa >= fb}[op]


def draw(fam: Family, rng: random.Random):
    """One parameter draw -> (expr, values); raises DrawRejected for degenerate draws."""
    syms, template, cons, exps = _template(fam)
    values = {p.name: p.values[rng.randrange(len(p.values))] for p in fam.params}
    sub = {syms[k]: sp.Rational(v.numerator, v.denominator) for k, v in values.items()}
    if any(v == 0 for v in values.values()):
        raise DrawRejected("a parameter drawn as 0 makes a term vanish")
    for lhs, op, rhs in cons:
        if not _holds(lhs.xreplace(sub), op, rhs.xreplace(sub)):
            raise DrawRejected("a constraint does not hold")
    for e in exps:
        if e.xreplace(sub) in (0, 1):
            raise DrawRejected("an exponent drawn as 0 or 1")
    expr = template.xreplace(sub)
    x = symbol(fam.variable)
    if expr.has(sp.zoo, sp.nan, sp.oo):
        raise DrawRejected("the function is undefined")
    if x not in expr.free_symbols:
        raise DrawRejected("the function does not depend on the variable")
    if _restricted_domain(expr) and _real_points(expr, x) < 2:
        raise DrawRejected("the function is not real at enough points")
    return expr, values


def _restricted_domain(expr) -> bool:
    """Only logs, roots and inverse sines can leave the reals; polynomials, eˣ and trig need no probing."""
    return expr.has(sp.log, sp.asin, sp.acos) or any(
        p.is_Pow and not p.exp.is_integer for p in sp.preorder_traversal(expr))


def _real_points(expr, x) -> int:
    n = 0
    for pt in _PROBE_POINTS:
        try:
            v = complex(expr.evalf(15, subs={x: pt}))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            continue
        if abs(v.imag) < 1e-12 * max(1.0, abs(v.real)) and abs(v.real) < 1e300:
            n += 1
            if n >= 2:
                break
    return n


# ------------------------------------------------------------------------------------------------------------
# The key in textbook form


def _sec_squared(e):
    """k·tan(u)² + k -> k·sec(u)², the form a teacher writes for (tan u)′."""
    def rewrite(a):
        if not a.is_Add:
            return a
        terms = list(a.args)
        for i, t in enumerate(terms):
            k, rest = t.as_independent(sp.tan)
            if rest.is_Pow and rest.exp == 2 and isinstance(rest.base, sp.tan):
                # By position, not identity: equal SymPy numbers need not be the same object.
                j = next((j for j, u in enumerate(terms) if j != i and u == k), None)
                if j is not None:
                    others = [u for n, u in enumerate(terms) if n not in (i, j)]
                    return sp.Add(*others, k * sp.sec(rest.base.args[0]) ** 2)
        return a

    return e.replace(lambda a: a.is_Add, rewrite)


def _pythagoras(num):
    """sin²u + cos²u -> 1 inside a numerator (quotients of trig functions need it to simplify)."""
    sins = [a for a in num.atoms(sp.Pow) if a.exp == 2 and isinstance(a.base, sp.sin)]
    for sq in sins:
        u = sq.base.args[0]
        if num.has(sp.cos(u) ** 2):
            num = sp.expand(num.subs(sq, 1 - sp.cos(u) ** 2))
    return num


def _compound(c) -> bool:
    """A fraction inside a factor of a product (∛x(4ln(x)/3 + 1)): correct, but not how a key is written."""
    for node in sp.preorder_traversal(c):
        if node.is_Mul:
            for f in node.args:
                if f.is_Add and any(_has_denominator(t) for t in f.args):
                    return True
    return False


def _has_denominator(t) -> bool:
    if t.is_Rational and not t.is_Integer:
        return True
    return any(f.is_Pow and f.exp.is_number and f.exp.is_negative for f in sp.Mul.make_args(t)) or any(
        f.is_Rational and not f.is_Integer for f in sp.Mul.make_args(t))


def _sign_out(e):
    """−2(x² − 2x + 3)/(x − 1)² rather than 2(−x² + 2x − 3)/(x − 1)²: a product keeps its sums leading positive."""
    if not e.is_Mul:
        return e
    for a in e.args:
        if a.is_Add and _mostly_negative(a):
            coeff, _ = e.as_coeff_Mul()
            others = [f for f in e.args if f is not a and not f.is_Number]
            # evaluate=False: SymPy would otherwise distribute the coefficient back into the sum.
            return sp.Mul(-coeff, *others, -a, evaluate=False)
    return e


def _mostly_negative(a) -> bool:
    from .printing import ordered_terms

    terms = ordered_terms(a)
    negs = sum(1 for t in terms if t.could_extract_minus_sign())
    return terms[0].could_extract_minus_sign() and negs * 2 > len(terms)


def _small_powers(e, limit: int = 24) -> bool:
    """True when every integer power is small enough to expand (x^(10^9) must never be expanded)."""
    return all(not (p.exp.is_Integer and abs(p.exp) > limit) and not (p.exp.is_Rational and abs(p.exp.p) > 10 * limit)
               for p in e.atoms(sp.Pow))


def _repeated_atoms(e, x) -> list:
    """eˣ, aˣ, ln and trig factors that occur in more than one term of a sum: worth collecting."""
    if not e.is_Add:
        return []
    out = []
    for a in e.atoms(sp.exp, sp.Pow, sp.log, sp.sin, sp.cos):
        if not a.has(x) or (a.is_Pow and a.base == x):
            continue
        if sum(1 for t in e.args if t.has(a)) > 1:
            out.append(a)
    return out


def _score(c, prefer_fraction: bool) -> int:
    text = to_text(c)
    score = len(text) + 3 * text.count("(")
    if _compound(c):
        score += 40
    if c.is_Add:
        # The same eˣ, aˣ, ln or trig factor in several terms: a teacher factors it out, (x² + 2x)eˣ.
        for atom in c.atoms(sp.exp, sp.Pow, sp.log, sp.sin, sp.cos, sp.tan, sp.sec):
            if atom.is_Pow and not (atom.exp.has(*c.free_symbols) and atom.base.is_number):
                continue
            n = sum(1 for t in c.args if t.has(atom))
            if n > 1:
                score += 5 * (n - 1)
    if prefer_fraction and c.is_Add and any(_has_denominator(t) for t in c.args):
        score += 25
    factors = sp.Mul.make_args(c)
    if (not prefer_fraction and c.is_Mul and any(f.is_Add for f in factors)
            and any(f.is_Pow and f.exp.is_negative for f in factors)):
        score += 4  # a power-rule key reads term by term: −21x^(5/2) + 6/x^(5/2), not −3(7x⁵ − 2)/x^(5/2)
    return score


def textbook(d, x, prefer_fraction: bool = False, keep_factored: bool = False):
    """The derivative as a teacher writes it in a key: the best-scoring of a few equivalent standard forms
    (short, flat, no fractions inside factors; one fraction for quotient-rule answers)."""
    if sp.count_ops(d) > 400 or not _small_powers(d):
        return d  # a typed monster ((x+1)^(10^9)): tidying could take forever; the raw derivative is correct
    ft = sp.factor_terms(d)
    cands = [d, ft]
    if _compound(ft):
        cands.append(sp.together(ft))  # ∛x(4 ln x + 3)/3 rather than ∛x(4 ln(x)/3 + 1)
    if d.is_polynomial(x) and not keep_factored:
        # A chain-rule key keeps its factors, 4x(x² + 6) rather than 4x³ + 24x: that is the rule's own form.
        cands.append(sp.expand(d))
    if d.is_Add:
        has_den = any(f.is_Pow and f.exp.is_negative and f.base.has(x)
                      for t in d.args for f in sp.Mul.make_args(t))
        num, den = sp.fraction(sp.together(d)) if has_den else (d, sp.S.One)
        if den != 1:
            cands.append(sp.factor_terms(num) / den)
            num_e = sp.expand(num) if sp.count_ops(num) < 80 else num
            num_e = _pythagoras(num_e)
            if num_e != num:
                cands.append(sp.factor_terms(num_e) / den)
            cands.append(num_e / den)
            fn = _repeated_atoms(num_e, x)
            if fn:
                cands.append(sp.factor_terms(sp.collect(num_e, fn)) / den)
        fn = _repeated_atoms(d, x)
        if fn:
            cands.append(sp.collect(d, fn))
        if any(f.is_Add for t in d.args for f in sp.Mul.make_args(t)):
            cands.append(sp.Add(*[sp.factor_terms(t) for t in d.args]))
    if d.has(sp.tan):
        cands = [_sec_squared(c) for c in cands]
    cands = [_sign_out(c) for c in dict.fromkeys(cands)]
    # Ties go to the earlier candidate: the raw derivative first, then the lighter rewrites.
    return min(cands, key=lambda c: _score(c, prefer_fraction))


# ------------------------------------------------------------------------------------------------------------
# Problem sets


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
