"""The key as a teacher writes it: the best of a few equal forms of a derivative (short, flat, one fraction)."""

from __future__ import annotations

import sympy as sp

from .printing import to_text


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


def _sech_squared(e):
    """k − k·tanh(u)² -> k·sech(u)², the form a teacher writes for (tanh u)′ (SymPy gives 1 − tanh²u)."""
    def rewrite(a):
        if not a.is_Add:
            return a
        terms = list(a.args)
        for i, t in enumerate(terms):
            k, rest = t.as_independent(sp.tanh)
            if rest.is_Pow and rest.exp == 2 and isinstance(rest.base, sp.tanh):
                j = next((j for j, u in enumerate(terms) if j != i and u == -k), None)
                if j is not None:
                    others = [u for n, u in enumerate(terms) if n not in (i, j)]
                    return sp.Add(*others, -k * sp.sech(rest.base.args[0]) ** 2)
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
    # e⁻²e^(−3w) reads as two exponentials where the function had one, e^(−3w − 2).
    score += 8 * sum(max(0, sum(1 for f in m.args if isinstance(f, sp.exp)) - 1) for m in c.atoms(sp.Mul))
    factors = sp.Mul.make_args(c)
    if (not prefer_fraction and c.is_Mul and any(f.is_Add for f in factors)
            and any(f.is_Pow and f.exp.is_negative for f in factors)):
        score += 4  # a power-rule key reads term by term: −21x^(5/2) + 6/x^(5/2), not −3(7x⁵ − 2)/x^(5/2)
    return score


def _clear_root_fractions(e):
    """√(1 − x²/9) -> √(9 − x²)/3: fractions under a square root cleared when their denominator is a square, as
    (arcsin(x/3))′ = 1/√(9 − x²) is written (SymPy gives 1/(3√(1 − x²/9)))."""
    def rewrite(p):
        if not (p.is_Pow and p.base.is_Add and p.exp.is_Rational and p.exp.q == 2):
            return p
        den = sp.ilcm(*[sp.fraction(t.as_coeff_Mul()[0])[1] for t in p.base.args])
        root = sp.sqrt(den)
        if den == 1 or not root.is_Integer:
            return p
        return sp.Pow(sp.expand(den * p.base), p.exp) / root ** (2 * p.exp)

    return e.replace(lambda n: n.is_Pow and n.base.is_Add, rewrite)


def textbook(d, x, prefer_fraction: bool = False, keep_factored: bool = False, kinds=None):
    """The derivative as a teacher writes it in a key: the best-scoring of a few equivalent standard forms
    (short, flat, no fractions inside factors; one fraction for quotient-rule answers).

    `kinds` (a set of candidate names, see _candidates) limits the search to the forms that can win for a family
    (its key plan): when none of them exists for this d, the raw derivative."""
    return textbook_kind(d, x, prefer_fraction, keep_factored, kinds)[0]


def textbook_kind(d, x, prefer_fraction: bool = False, keep_factored: bool = False, kinds=None):
    """(textbook form, the name of the candidate it came from): what a family's key plan is made of."""
    # count_ops is at most two a node (a negative fraction is a minus and a division): small trees skip counting.
    if (_nodes_over(d, 200) and sp.count_ops(d) > 400) or not _small_powers(d):
        return d, "raw"  # a typed monster ((x+1)^(10^9)): tidying could take forever; the raw derivative is correct
    cands = _candidates(d, x, keep_factored, kinds)
    if len(cands) == 1:
        return cands[0][1], cands[0][0]  # a plan of one form: nothing to compare, nothing to print
    # Ties go to the earlier candidate: the raw derivative first, then the lighter rewrites.
    best = min(cands, key=lambda kc: _score(kc[1], prefer_fraction))
    return best[1], best[0]


def _nodes_over(e, n: int) -> bool:
    for i, _ in enumerate(sp.preorder_traversal(e)):
        if i >= n:
            return True
    return False


def _candidates(d, x, keep_factored, kinds):
    """[(name, form)] of the equal forms of d worth scoring, in order, without repeats; only those in `kinds`
    (and their prerequisites) when it is given."""
    want = (lambda k: True) if kinds is None else (lambda k: k in kinds or k + "/powsimp" in kinds)
    cands = [("raw", d)]
    ft = sp.factor_terms(d) if want("ft") or want("together") else None
    if ft is not None:
        if want("ft"):
            cands.append(("ft", ft))
        if want("together") and _compound(ft):
            cands.append(("together", sp.together(ft)))  # ∛x(4 ln x + 3)/3 rather than ∛x(4 ln(x)/3 + 1)
    if want("expand") and d.is_polynomial(x) and not keep_factored:
        # A chain-rule key keeps its factors, 4x(x² + 6) rather than 4x³ + 24x: that is the rule's own form.
        cands.append(("expand", sp.expand(d)))
    if d.is_Add:
        if any(want(k) for k in ("ftnum", "ftnume", "nume", "collectnum")):
            has_den = any(f.is_Pow and f.exp.is_negative and f.base.has(x)
                          for t in d.args for f in sp.Mul.make_args(t))
            num, den = sp.fraction(sp.together(d)) if has_den else (d, sp.S.One)
            if den != 1:
                if want("ftnum"):
                    cands.append(("ftnum", sp.factor_terms(num) / den))
                num_e = sp.expand(num) if sp.count_ops(num) < 80 else num
                num_e = _pythagoras(num_e)
                if num_e != num and want("ftnume"):
                    cands.append(("ftnume", sp.factor_terms(num_e) / den))
                if want("nume"):
                    cands.append(("nume", num_e / den))
                if want("collectnum"):
                    fn = _repeated_atoms(num_e, x)
                    if fn:
                        cands.append(("collectnum", sp.factor_terms(sp.collect(num_e, fn)) / den))
        if want("collect"):
            fn = _repeated_atoms(d, x)
            if fn:
                cands.append(("collect", sp.collect(d, fn)))
        if want("termwise") and any(f.is_Add for t in d.args for f in sp.Mul.make_args(t)):
            cands.append(("termwise", sp.Add(*[sp.factor_terms(t) for t in d.args])))
    if (want("cleared") or want("clearedft")) and any(
            p.base.is_Add and p.exp.is_Rational and p.exp.q == 2 for p in d.atoms(sp.Pow)):
        cleared = _clear_root_fractions(d)
        if cleared != d:
            cands = [("cleared", cleared), ("clearedft", sp.factor_terms(cleared))] + cands
    if d.has(sp.tan):
        cands = [(k, _sec_squared(c)) for k, c in cands]
    if d.has(sp.tanh):
        cands = [(k, _sech_squared(c)) for k, c in cands]
    if any(sum(1 for f in m.args if isinstance(f, sp.exp)) > 1 for m in d.atoms(sp.Mul)) or any(
            sum(1 for f in m.args if isinstance(f, sp.exp)) > 1 for _, c in cands for m in c.atoms(sp.Mul)):
        # e³·e^(−2w) -> e^(3 − 2w): expanding a numerator splits an exponential the function had whole.
        cands += [(k + "/powsimp", sp.powsimp(c, combine="exp")) for k, c in cands
                  if kinds is None or k + "/powsimp" in kinds]
    seen = {}
    for k, c in cands:
        seen.setdefault(c, k)  # an equal form keeps the name of its first occurrence
    if kinds is not None:
        # Only the planned forms: the raw derivative too when it is one of them, or when this draw has none of them.
        planned = [(c, k) for c, k in seen.items() if k in kinds]
        raw = next(c for k, c in cands if k == "raw")  # with its sec²/sech² rewrites, whatever name it is kept under
        seen = dict(planned or [(raw, "raw")])
    return [(k, _sign_out(c)) for c, k in seen.items()]


def log_diff_key(expr, x):
    """f′ in the form logarithmic differentiation gives it, y·(ln y)′: the function times the derivative of
    Σ k·ln u over its factors uᵏ (constants outside), e.g. x^(sin x)(cos(x) ln(x) + sin(x)/x) or
    x²(x + 1)³/(x − 1)⁴ · (2/x + 3/(x + 1) − 4/(x − 1)). None when ln first is not the route (one factor with a
    constant exponent)."""
    factors = sp.Mul.make_args(expr)
    consts = [f for f in factors if not f.has(x)]
    rest = [f for f in factors if f.has(x)]
    if not rest or (len(rest) == 1 and not rest[0].as_base_exp()[1].has(x)):
        return None
    logs = sp.Add(*[k * sp.log(b) for b, k in (f.as_base_exp() for f in rest)])
    inner = sp.Add(*[sp.factor_terms(t) for t in sp.Add.make_args(sp.diff(logs, x))])
    if inner == 0:
        return None
    c, y = sp.Mul(*consts), sp.Mul(*rest)
    cands = [c * y * inner]
    if inner.is_Add:
        # A common number comes out when that is shorter: 6x^(2x)(ln(x) + 1), but x²(x + 4)⁴(4/(x + 4) + 2/x).
        k, common = sp.factor_terms(inner).as_coeff_Mul()
        cands.append(c * k * y * common)
    return min(cands, key=lambda e: len(to_text(e)))


def family_key(expr, d, x, rules=(), kinds=None):
    """The key of f′ for a bank family: textbook(d) in the style its rules ask for, or y·(ln y)′ when the family
    is differentiated logarithmically ("log-diff" in its rules). `kinds`: the family's key plan (quizgen.keyplan)."""
    if "log-diff" in rules:
        k = log_diff_key(expr, x)
        if k is not None:
            return k
    return textbook(d, x, prefer_fraction="quotient" in rules, keep_factored="chain" in rules, kinds=kinds)


def question_order(problem, key, x, parts=None):
    """The terms of a sum key in the order of the question's terms, as a teacher writes d/dx[√x + 8eˣ − 5 ln x] =
    1/(2√x) + 8eˣ − 5/x; None when the key is no sum, or a term of it does not come from one term of the question
    (a collected or single-fraction key keeps its own order). Terms from one question term keep textbook order.
    `parts`: {term of the question: its derivative} when the caller has them (make_problem differentiates a sum
    term by term)."""
    from .printing import ordered_terms

    if not (getattr(key, "is_Add", False) and getattr(problem, "is_Add", False)):
        return None
    if len(problem.args) > 40 or len(key.args) > 80:
        return None  # a typed monster: its key is printed as SymPy ordered it, without differentiating term by term
    qterms = ordered_terms(problem)
    forms = []
    for q in qterms:
        dq = parts[q] if parts is not None and q in parts else sp.diff(q, x)
        seen = {dq, *sp.Add.make_args(dq)}
        if dq.has(sp.tan):
            sq = _sec_squared(dq)
            seen |= {sq, *sp.Add.make_args(sq)}
        forms.append(seen)
    rank = {}
    for t in ordered_terms(key):
        homes = [i for i, seen in enumerate(forms) if t in seen]
        if not homes:
            return None
        rank[t] = homes[0]
    terms = sorted(ordered_terms(key), key=lambda t: rank[t])  # stable: ties keep textbook order
    return tuple(terms)
