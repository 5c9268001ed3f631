"""Typical wrong derivatives built from a problem's own structure, and which one (if any) an answer really is.

A "variant" is the derivative a student gets by applying exactly one rule wrongly at one node of the expression
tree (top level or nested: the chain inside a product factor, the quotient inside an exponent, ...) and everything
else right. An answer is named as a mistake only when it is numerically equal to that variant at every sample
point (see quizgen.numeric.Frame) — never from the look of the text. Variants that coincide with the key or with a
more specific variant are dropped, so the list also serves as pairwise-distinct multiple-choice distractors.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

import sympy as sp

from .functions import by_class
from .mathparse import as_formula, pair_log_bases, symbol
from .numeric import frame_for
from .printing import text_or_str
from .rules import CATEGORIES, CHAIN_FORMULAS

__all__ = ["ASK_MISTAKE_CODES", "MISTAKE_CODES", "MISTAKE_FEEDBACK", "MISTAKE_LABELS", "Variant", "first_match",
           "mistake_details", "mistake_variants", "diagnose", "diagnose_all", "rules_needed"]

# Most specific first: when two variants are the same function, the earlier code names it.
MISTAKE_CODES: tuple[str, ...] = (
    "quotient-sign",
    "quotient-of-derivatives",
    "quotient-denominator",
    "quotient-no-denominator",
    "product-of-derivatives",
    "product-missing-term",
    "missing-ln-factor",
    "power-rule-on-exponential",
    "needs-log-differentiation",
    "exponent-not-lowered",
    "exponent-raised",
    "ln-reciprocal",
    "chain-missing-inner",
    "forgot-constant-multiple",
    "constant-not-zero",
    "not-differentiated",
    "sign-error",
)

# Mistakes of what a question asks beyond f′(x) (quizgen.asks builds their variants): the second derivative, the
# value f′(a), and tangent and normal lines at x = a.
ASK_MISTAKE_CODES: tuple[str, ...] = (
    "gave-first-derivative",
    "unevaluated-derivative",
    "used-f-of-a",
    "point-uses-derivative",
    "normal-not-inverted",
    "normal-not-negated",
    "gave-tangent-line",
    "not-a-line",
)

# One sentence each; fields in braces come from the node where the mistake happens (printed as unicode text).
MISTAKE_FEEDBACK: dict[str, str] = {
    "chain-missing-inner": "Chain rule: after differentiating the outer function, multiply by the derivative of "
                           "the inside, ({u})′ = {du}.",
    "product-of-derivatives": "The derivative of a product is not the product of the derivatives: use "
                              "(fg)′ = f′g + fg′ with f = {f} and g = {g}.",
    "product-missing-term": "The product rule has one term per factor, (fg)′ = f′g + fg′ (here f = {f}, g = {g}); "
                            "your answer is missing one of them.",
    "quotient-sign": "The quotient rule's numerator is f′g − fg′ in that order (f = {f}, g = {g}); your answer has "
                     "it the other way round, so its sign is flipped.",
    "quotient-of-derivatives": "The derivative of a quotient is not f′/g′: use (f′g − fg′)/g² with f = {f} and "
                               "g = {g}.",
    "quotient-denominator": "In the quotient rule the denominator is squared: divide by ({g})², not by {g}.",
    "quotient-no-denominator": "In the quotient rule the numerator f′g − fg′ is divided by g² = ({g})²; your answer "
                               "has no denominator.",
    "missing-ln-factor": "The factor ln {a} is {how} in your answer: {rule}.",
    "power-rule-on-exponential": "{where} has the variable in the exponent, so it is an exponential, not a power: "
                                 "use {rule} instead of the power rule.",
    "needs-log-differentiation": "{where} has the variable in both the base and the exponent, so neither the power "
                                 "rule nor the exponential rule applies alone: write it as e^({logform}) and use the "
                                 "chain rule.",
    "exponent-not-lowered": "Power rule: bring the exponent down and lower it by one, (uⁿ)′ = n·uⁿ⁻¹·u′; here the "
                            "new exponent is {n1}.",
    "exponent-raised": "Power rule: the new exponent is n − 1 = {n1}, not n + 1 — with a negative exponent it moves "
                       "further from zero.",
    "ln-reciprocal": "(ln u)′ = u′/u: divide the derivative of the inside, {du}, by the inside itself, {u}; "
                     "1/u′ is something else.",
    "forgot-constant-multiple": "A constant factor stays in the derivative: (c·f)′ = c·f′ with c = {c}.",
    "constant-not-zero": "The derivative of a constant term such as {c} is 0.",
    "not-differentiated": "Your answer is the function itself; it still has to be differentiated.",
    "sign-error": "Check the sign: your answer has the right size but the opposite sign{detail}.",
    "rounded-decimals": "Your answer is close but uses rounded decimals; write exact values such as 1/3, ln 2 or √3.",
    "domain-mismatch": "Your answer agrees with the derivative where both are defined, but its domain is different.",
    "not-simplified": "Your answer is equal to the derivative but not simplified.",
    "gave-first-derivative": "That is the {previous} derivative, {d1}; differentiate it {more} for {name}.",
    "unevaluated-derivative": "{what} uses f′({var}) = {d1} itself; put {var} = {a} into it to get the number "
                              "f′({a}) = {m}.",
    "used-f-of-a": "You used f({a}) = {fa} where the derivative belongs: {what} is f′({a}) = {m}, and f({a}) is "
                   "the height of the point ({a}, {fa}).",
    "point-uses-derivative": "The line passes through the point on the graph, ({a}, f({a})) = ({a}, {fa}), not "
                             "({a}, f′({a})) = ({a}, {m}).",
    "normal-not-inverted": "The normal is perpendicular to the tangent: its slope is −1/f′({a}) = {n}, not "
                           "−f′({a}) = {neg}.",
    "normal-not-negated": "Perpendicular slopes have opposite signs: the normal's slope is −1/f′({a}) = {n}, "
                          "not 1/f′({a}) = {inv}.",
    "gave-tangent-line": "That is the tangent line; the normal is perpendicular to it, with slope "
                         "−1/f′({a}) = {n}.",
    "not-a-line": "That is not the equation of a line: write it as y = mx + b, or as y − f(a) = m(x − a).",
}

# Short names of the mistakes, printed beside each distractor in an exam key (the generic-* codes are the exam's
# fallback distractors for problems with too few typical mistakes).
MISTAKE_LABELS = {
    "quotient-sign": "quotient rule, numerator backwards",
    "quotient-of-derivatives": "f′/g′",
    "quotient-denominator": "denominator not squared",
    "quotient-no-denominator": "no denominator",
    "product-of-derivatives": "f′·g′",
    "product-missing-term": "a product-rule term missing",
    "missing-ln-factor": "ln a missing or inverted",
    "power-rule-on-exponential": "power rule on an exponential",
    "needs-log-differentiation": "power rule on uᵛ",
    "exponent-not-lowered": "exponent not lowered",
    "exponent-raised": "exponent raised",
    "ln-reciprocal": "(ln u)′ taken as 1/u′",
    "chain-missing-inner": "inner derivative missing",
    "forgot-constant-multiple": "constant factor dropped",
    "constant-not-zero": "constant not differentiated to 0",
    "not-differentiated": "the function itself",
    "sign-error": "sign error",
    "gave-first-derivative": "the first derivative",
    "unevaluated-derivative": "f′(x) not evaluated at a",
    "used-f-of-a": "f(a) used as the slope",
    "point-uses-derivative": "point taken as (a, f′(a))",
    "normal-not-inverted": "normal slope −f′(a), not inverted",
    "normal-not-negated": "normal slope 1/f′(a), not negated",
    "gave-tangent-line": "the tangent line",
    "not-a-line": "not a line",
    "generic-times-x": "power rule: exponent kept (generic)",
    "generic-over-x": "exponent lowered twice (generic)",
    "generic-double": "doubled (generic)",
    "generic-plus-one": "off by one (generic)",
    "generic-half": "halved (generic)",
}

_RANK = {code: i for i, code in enumerate(MISTAKE_CODES)}

_MAX_NODES = 150     # bigger problems (far beyond any bank family) get only the whole-answer variants
_MAX_VARIANTS = 60   # per node, so a long product or sum cannot blow up
_MAX_PAIRS = 24      # two-mistake variants per node (and _MAX_PAIRS_TRIED per problem), inside the time budget
_MAX_PAIRS_TRIED = 48


def _cap(vs: list) -> list:
    """At most _MAX_VARIANTS single mistakes and _MAX_PAIRS two-mistake variants, in their order."""
    singles = pairs = 0
    out = []
    for v in vs:
        if v.pair is None:
            singles += 1
            if singles <= _MAX_VARIANTS:
                out.append(v)
        else:
            pairs += 1
            if pairs <= _MAX_PAIRS:
                out.append(v)
    return out


def _pair(a: Variant, b: Variant, wrong) -> Variant | None:
    if a.pair or b.pair or a.code == b.code or wrong.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None
    first, second = sorted((a, b), key=lambda v: (_RANK.get(v.code, 99), v.depth))
    return Variant(first.code, wrong, min(a.depth, b.depth), first.parts, (first, second))


def _additive_pairs(groups: list[list[Variant]], d) -> list[Variant]:
    """Two mistakes in two different terms of a sum (or of the product rule): both differences from d at once."""
    out = []
    heads = [[v for v in g if v.pair is None][:3] for g in groups]
    for i in range(len(heads)):
        for j in range(i + 1, len(heads)):
            for a in heads[i]:
                for b in heads[j]:
                    v = _pair(a, b, sp.Add(a.wrong, b.wrong, -d, evaluate=False))
                    if v is not None:
                        out.append(v)
                    if len(out) >= _MAX_PAIRS:
                        return out
    return out


def _chain_pairs(variants: list[Variant], d, depth: int) -> list[Variant]:
    """Two mistakes at one chain-rule node (power rule on aᵘ and the inner derivative forgotten), or one here and
    one inside u: each is d times a factor, so together they are their product over d."""
    if d == 0:
        return []
    singles = [v for v in variants if v.pair is None][:8]
    out = []
    for i, a in enumerate(singles):
        for b in singles[i + 1:]:
            if a.depth != depth and b.depth != depth:
                continue  # both inside u: paired there
            if "chain-missing-inner" in (a.code, b.code):
                other = b if a.code == "chain-missing-inner" else a
                if other.depth != depth:
                    continue  # the inner derivative left out: a mistake inside it does not show
            v = _pair(a, b, sp.Mul(a.wrong, b.wrong, sp.Pow(d, -1, evaluate=False), evaluate=False))
            if v is not None:
                out.append(v)
            if len(out) >= _MAX_PAIRS:
                return out
    return out


@dataclass(frozen=True)
class Variant:
    """A wrong derivative: `code`, the whole wrong derivative `wrong`, the node depth, and the pieces for feedback."""

    code: str
    wrong: sp.Expr
    depth: int = 0
    parts: tuple[tuple[str, object], ...] = ()
    pair: tuple | None = None  # two mistakes at once: (the more specific Variant, the other)

    @property
    def codes(self) -> tuple[str, ...]:
        return (self.pair[0].code, self.pair[1].code) if self.pair else (self.code,)

    def feedback(self) -> str:
        if self.pair:
            return f"Two mistakes. {self.pair[0].feedback()} Also: {self.pair[1].feedback()}"
        return _format(self.code, dict(self.parts))


def _text(e) -> str:
    return e if isinstance(e, str) else text_or_str(e)


def _format(code: str, parts: dict) -> str:
    template = MISTAKE_FEEDBACK[code]
    fields = {k: _text(v) for k, v in parts.items()}
    fields.setdefault("detail", "")
    try:
        return template.format(**fields)
    except (KeyError, IndexError):
        return template.split(":")[0].split("{")[0].rstrip(" (,") + "."


def _sign_error(e, row, var, u, d, du, depth):
    return Variant("sign-error", -d, depth, (("detail", f" — {row.chain_formula}"),))


def _power_rule_on_exponential(e, row, var, u, d, du, depth):
    return Variant("power-rule-on-exponential", u * e.func(u - 1) * du, depth,
                   (("where", e), ("rule", row.chain_formula)))


def _ln_reciprocal(e, row, var, u, d, du, depth):
    if u != var and du != 0 and not (du - 1 / u).is_zero:
        return Variant("ln-reciprocal", 1 / du, depth, (("u", u), ("du", du)))
    return None


_ROWS = by_class()

# The function-specific mistakes a row of quizgen.functions can name (its `mistakes`): code -> variant builder.
_FUNCTION_MISTAKES = {
    "sign-error": _sign_error,
    "power-rule-on-exponential": _power_rule_on_exponential,
    "ln-reciprocal": _ln_reciprocal,
}


class _Deriver:
    """Differentiates by the course's rules and, at each node, lists the derivatives that one wrong rule gives."""

    def __init__(self, var, pairs: bool = False):
        self.var = var
        self.rules: set[str] = set()
        self.pairs = pairs  # also build two-mistake variants (only when one mistake does not explain an answer)

    def dep(self, e) -> bool:
        return e.has(self.var)

    def d(self, e, depth: int = 0) -> tuple[sp.Expr, list[Variant]]:
        if not self.dep(e):
            return sp.S.Zero, []
        if e == self.var:
            return sp.S.One, []
        if e.is_Add:
            return self.d_add(e, depth)
        if e.is_Mul:
            return self.d_mul(e, depth)
        if e.is_Pow:
            return self.d_pow(e, depth)
        row = _ROWS.get(type(e))
        if row is not None and len(e.args) == 1:
            return self.d_function(e, row, depth)
        self.rules.add("other")
        return sp.diff(e, self.var), []

    # --- helpers --------------------------------------------------------------------------------------------

    @staticmethod
    def lift(vs: list[Variant], fn) -> list[Variant]:
        out = []
        for v in _cap(vs):
            out.append(replace(v, wrong=fn(v.wrong)))
        return out

    def chain(self, e, u, outer_at_u, depth, rule_parts=()) -> tuple[sp.Expr, list[Variant], sp.Expr]:
        """outer′(u)·u′ and the variants: inner derivative forgotten, or wrong inside u."""
        du, vu = self.d(u, depth + 1)
        d = outer_at_u * du
        variants: list[Variant] = []
        if u != self.var:
            self.rules.add("chain")
            if du != 1:
                variants.append(Variant("chain-missing-inner", outer_at_u, depth, (("u", u), ("du", du))))
            variants += self.lift(vu, lambda w: outer_at_u * w)
        return d, variants, du

    # --- rules ----------------------------------------------------------------------------------------------

    def d_add(self, e, depth):
        terms = list(e.args)
        parts = [self.d(t, depth + 1) for t in terms]
        ds = [p[0] for p in parts]
        d = sp.Add(*ds)
        variants: list[Variant] = []
        groups = []
        for i, (t, (di, vi)) in enumerate(zip(terms, parts)):
            if not self.dep(t) and t != 0:
                variants.append(Variant("constant-not-zero", d + t, depth, (("c", t),)))
            others = sp.Add(*(ds[:i] + ds[i + 1:]))
            lifted = self.lift(vi, lambda w, o=others: o + w)
            groups.append(lifted)
            variants += lifted
        if any(self.dep(t) for t in terms):
            self.rules.add("sum")
        if self.pairs and len(terms) <= 6:
            variants += _additive_pairs(groups, d)
        return d, _cap(variants)

    def d_mul(self, e, depth):
        consts = [f for f in e.args if not self.dep(f)]
        factors = [f for f in e.args if self.dep(f)]
        # logₐ(u) is stored as log(u)·(log a)⁻¹: pair the constant with a log factor into one unit.
        units = list(factors)
        consts, log_bases = pair_log_bases(consts, factors)
        if consts:
            c = sp.Mul(*consts)
            rest = _mul([sp.Mul(f, sp.Pow(sp.log(log_bases[i]), -1)) if i in log_bases else f
                         for i, f in enumerate(factors)])
            dr, vr = self.d(rest, depth)
            variants = self.lift(vr, lambda w: c * w)
            if c not in (1, -1):
                self.rules.add("constant-multiple")
                variants.insert(0, Variant("forgot-constant-multiple", dr, depth, (("c", c), ("f", rest))))
            return c * dr, variants
        if len(factors) == 1 and log_bases:
            (i,) = log_bases
            return self.d_log_base(e, factors[0].args[0], log_bases[i], depth)
        units = [sp.Mul(f, sp.Pow(sp.log(log_bases[i]), -1)) if i in log_bases else f
                 for i, f in enumerate(factors)]
        numer = [f for f in units if not (f.is_Pow and f.exp.is_Number and f.exp.is_negative)]
        denom = [sp.Pow(f.base, -f.exp) for f in units if f.is_Pow and f.exp.is_Number and f.exp.is_negative]
        if numer and denom:
            # Built unevaluated, so a typed (quizgen.numeric.typed) numerator x·(x/eˣ) stays a product of two
            # factors (SymPy would merge it into x²e⁻ˣ, whose product rule is not the student's).
            d, variants = self.d_quotient(_mul(numer), _mul(denom), depth)
            if len(units) <= 4:
                # a·b⁻¹ typed as a product is differentiated by some as one: f′·(g⁻¹)′
                seen = set(self.rules)  # not rules the quotient needs
                ds = [self.d(f, depth + 1)[0] for f in units]
                self.rules = seen
                variants.append(Variant("product-of-derivatives", sp.Mul(*ds), depth,
                                        (("f", units[0]), ("g", sp.Mul(*units[1:])))))
            return d, variants
        if denom:
            g = sp.Mul(*denom)
            return self.d_power_const(sp.Pow(g, -1), g, sp.S.NegativeOne, depth)
        return self.d_product(units, depth)

    def d_product(self, fs, depth):
        self.rules.add("product")
        parts = [self.d(f, depth + 1) for f in fs]
        ds = [p[0] for p in parts]

        def term(i, di):
            return sp.Mul(*[di if j == i else f for j, f in enumerate(fs)])

        d = sp.Add(*[term(i, di) for i, di in enumerate(ds)])
        f, g = fs[0], sp.Mul(*fs[1:])
        pf = (("f", f), ("g", g))
        variants = [Variant("product-of-derivatives", sp.Mul(*ds), depth, pf)]
        leaves = _product_leaves(fs, self.dep)
        if len(fs) < len(leaves) <= 6:
            # a typed nest of products, (a·b)·c, taken as one product a·b·c: f′g′h′
            variants.append(Variant("product-of-derivatives", sp.Mul(*[self.d(f, depth + 1)[0] for f in leaves]),
                                    depth, pf))
        if len(fs) <= 4:
            for i in range(len(fs)):
                variants.append(Variant("product-missing-term", d - term(i, ds[i]), depth, pf))
        groups = []
        for i, (di, vi) in enumerate(parts):
            rest = d - term(i, di)
            lifted = self.lift(vi, lambda w, i=i, rest=rest: rest + term(i, w))
            groups.append(lifted)
            variants += lifted
        if self.pairs and len(fs) <= 4:
            variants += _additive_pairs(groups, d)
        return d, _cap(variants)

    def d_quotient(self, f, g, depth):
        self.rules.add("quotient")
        df, vf = self.d(f, depth + 1)
        dg, vg = self.d(g, depth + 1)
        num = df * g - f * dg
        d = num / g**2
        pf = (("f", f), ("g", g))
        variants = [
            Variant("quotient-sign", (f * dg - df * g) / g**2, depth, pf),
            Variant("quotient-of-derivatives", df / dg if dg != 0 else sp.nan, depth, pf),
            Variant("quotient-denominator", num / g, depth, pf),
            Variant("quotient-no-denominator", num, depth, pf),
        ]
        variants = [v for v in variants if v.wrong is not sp.nan]
        lf = self.lift(vf, lambda w: (w * g - f * dg) / g**2)
        lg = self.lift(vg, lambda w: (df * g - f * w) / g**2)
        variants += lf + lg
        if self.pairs:
            variants += _additive_pairs([lf, lg], d)
        return d, _cap(variants)

    def d_pow(self, e, depth):
        b, n = e.base, e.exp
        if self.dep(b) and not self.dep(n):
            return self.d_power_const(e, b, n, depth)
        if self.dep(n) and not self.dep(b):
            return self.d_exp_base(e, b, n, depth)
        # f(x)^g(x): logarithmic differentiation; the two half-rules students try are the variants.
        self.rules.add("logarithmic differentiation")
        d = sp.diff(e, self.var)
        db, _ = self.d(b, depth + 1)
        dn, _ = self.d(n, depth + 1)
        parts = (("where", e), ("logform", n * sp.log(b)))
        return d, [Variant("needs-log-differentiation", n * b ** (n - 1) * db, depth, parts),
                   Variant("needs-log-differentiation", e * sp.log(b) * dn, depth, parts)]

    def d_power_const(self, e, b, n, depth):
        self.rules.add("power")
        outer = n * b ** (n - 1)
        d, variants, db = self.chain(e, b, outer, depth)
        variants.insert(0, Variant("exponent-not-lowered", n * b**n * db, depth, (("n1", n - 1),)))
        if n.is_negative:
            variants.insert(1, Variant("exponent-raised", n * b ** (n + 1) * db, depth, (("n1", n - 1),)))
        return d, _cap(variants + (_chain_pairs(variants, d, depth) if self.pairs else []))

    def d_exp_base(self, e, a, u, depth):
        self.rules.add("exponential")
        ln_a = sp.log(a)
        d, variants, du = self.chain(e, u, e * ln_a, depth)
        if not (a.is_positive and a != 1):
            return d, variants  # 0ˣ, 1ˣ, (−2)ˣ: not the exponential rule of the course
        rule = CHAIN_FORMULAS["exp-base"]
        parts = (("a", a), ("rule", rule), ("where", e))
        variants[:0] = [
            Variant("missing-ln-factor", e * du, depth, parts + (("how", "missing"),)),
            Variant("missing-ln-factor", e * du / ln_a, depth, parts + (("how", "upside down"),)),
            Variant("power-rule-on-exponential", u * a ** (u - 1) * du, depth, (("where", e), ("rule", rule))),
        ]
        return d, _cap(variants + (_chain_pairs(variants, d, depth) if self.pairs else []))

    def d_log_base(self, e, u, a, depth):
        self.rules.add("logarithm")
        ln_a = sp.log(a)
        d, variants, du = self.chain(e, u, 1 / (u * ln_a), depth)
        parts = (("a", a), ("rule", CHAIN_FORMULAS["log-base"]), ("where", e))
        variants[:0] = [
            Variant("missing-ln-factor", du / u, depth, parts + (("how", "missing"),)),
            Variant("missing-ln-factor", du * ln_a / u, depth, parts + (("how", "upside down"),)),
        ]
        return d, _cap(variants + (_chain_pairs(variants, d, depth) if self.pairs else []))

    def d_function(self, e, row, depth):
        """A course function of an inner u: the chain rule, plus the mistakes its row names."""
        self.rules.add(row.category)
        u = e.args[0]
        d, variants, du = self.chain(e, u, row.d(u), depth)
        own = [_FUNCTION_MISTAKES[code](e, row, self.var, u, d, du, depth) for code in row.mistakes]
        variants[:0] = [v for v in own if v is not None]
        return d, _cap(variants + (_chain_pairs(variants, d, depth) if self.pairs else []))


def _product_leaves(fs, dep) -> list:
    """The factors of a nest of products (typed (a·b)·c), constants and quotients kept whole."""
    out = []
    for f in fs:
        if f.is_Mul and not any(a.is_Pow and a.exp.is_negative for a in f.args):
            out.extend(_product_leaves([a for a in f.args if dep(a)], dep))
        else:
            out.append(f)
    return out


def _mul(fs):
    return fs[0] if len(fs) == 1 else sp.Mul(*fs, evaluate=False)


def _count_nodes(e, limit: int) -> int:
    n = 0
    for _ in sp.preorder_traversal(e):
        n += 1
        if n > limit:
            break
    return n


@lru_cache(maxsize=256)
def _raw_variants(expr, var, pairs: bool = False) -> tuple[tuple[Variant, ...], frozenset]:
    variants: list[Variant] = []
    rules: set[str] = set()
    if _count_nodes(expr, _MAX_NODES) <= _MAX_NODES:
        der = _Deriver(var, pairs)
        try:
            _, variants = der.d(expr)
        except (RecursionError, ValueError, TypeError, ZeroDivisionError):
            variants = []
        rules = der.rules
    return tuple(variants), frozenset(rules)


@lru_cache(maxsize=256)
def _details(expr, var, expected) -> tuple[Variant, ...]:
    variants, _ = _raw_variants(expr, var)
    variants = [v for v in variants if v.pair is None]
    extra = [Variant("sign-error", -expected, 0, ())]
    if expr.has(var):
        extra.append(Variant("not-differentiated", expr, 0, ()))
    order = sorted(enumerate(list(variants) + extra), key=lambda iv: (_RANK[iv[1].code], iv[1].depth, iv[0]))
    frame = frame_for(var, expr, expected)
    kept: list[Variant] = []
    for _, v in order:
        w = v.wrong
        if w.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            continue
        if frame.same(expected, w) or any(frame.same(k.wrong, w) for k in kept):
            continue
        kept.append(v)
    return tuple(kept)


@lru_cache(maxsize=256)
def _pair_details(expr, var, expected) -> tuple[Variant, ...]:
    """Two-mistake variants (at most _MAX_PAIRS_TRIED), most specific first, none equal to the key."""
    variants, _ = _raw_variants(expr, var, True)
    pairs = [v for v in variants if v.pair is not None]
    pairs.sort(key=lambda v: (_RANK[v.pair[0].code], _RANK[v.pair[1].code], v.depth))
    frame = frame_for(var, expr, expected)
    return tuple(v for v in pairs[:_MAX_PAIRS_TRIED] if not frame.same(expected, v.wrong))


def _inputs(expr, var, expected=None, *more):
    """The variable as a Symbol and every formula as SymPy (text read by the safe parser); the key defaults to
    sympy.diff of the problem."""
    var = symbol(var) if isinstance(var, str) else var
    expr = as_formula(expr, var)
    expected = sp.diff(expr, var) if expected is None else as_formula(expected, var)
    return (expr, var, expected, *(as_formula(m, var) for m in more))


def mistake_details(expr, var, expected=None) -> list[Variant]:
    """Variants for the typical mistakes that apply to expr, most specific first, pairwise different and all
    different from the true derivative. Formulas may be text or SymPy; `var` a name or a Symbol."""
    return list(_details(*_inputs(expr, var, expected)))


def mistake_variants(expr, var, expected=None) -> list[tuple[str, sp.Expr]]:
    """(code, wrong derivative) for each typical mistake that applies to expr; see mistake_details."""
    return [(v.code, v.wrong) for v in mistake_details(expr, var, expected)]


def rules_needed(expr, var) -> list[str]:
    """Names of the rules the derivative of expr uses, in a fixed teaching order."""
    var = symbol(var) if isinstance(var, str) else var
    _, rules = _raw_variants(as_formula(expr, var), var)
    return [r for r in CATEGORIES if r in rules]


def diagnose(expr, var, answer, expected=None, domain=None) -> tuple[str | None, str]:
    """(mistake code, one-sentence feedback) for a wrong answer; the code is None when no typical mistake matches
    exactly (numerically equal at every sample point). `domain`: where the problem is defined as typed
    (quizgen.numeric.typed), when SymPy's form of it is defined more widely."""
    code, feedback, _ = diagnose_all(expr, var, answer, expected, domain)
    return code, feedback


def diagnose_all(expr, var, answer, expected=None, domain=None) -> tuple[str | None, str, tuple[str, ...]]:
    """diagnose, and every mistake named: (first code, feedback, codes). When no single typical mistake matches,
    pairs of two mistakes are tried (a few dozen at most): then codes names both, most specific first."""
    expr, var, expected, answer = _inputs(expr, var, expected, answer)
    domain = None if domain is None else as_formula(domain, var)
    frame = frame_for(var, expr if domain is None else domain, expected)
    # SymPy's form first; the typed form's own variants only when none of those is the answer (they cost a
    # second variant build, and most answers are named, or are no typical mistake, either way).
    found = first_match(frame, _details(expr, var, expected), answer)
    if domain is not None and domain != expr and (found is None or _RANK[found.code] > 0):
        rank = len(_RANK) if found is None else _RANK[found.code]
        better = [v for v in _details(domain, var, expected) if _RANK[v.code] < rank]
        found = first_match(frame, better, answer) or found
    if found is not None:
        return found.code, found.feedback(), found.codes
    for v in _pair_candidates(expr, var, expected, domain):
        if _matches(frame, v.wrong, answer):
            return v.code, v.feedback(), v.codes
    return None, _generic_feedback(expr, var), ()


def _pair_candidates(expr, var, expected, typed=None) -> list[Variant]:
    own = list(_pair_details(expr, var, expected))
    if typed is None or typed == expr:
        return own
    more = [v for v in _pair_details(typed, var, expected) if v.wrong not in {o.wrong for o in own}]
    return (own + more)[:_MAX_PAIRS_TRIED]


def first_match(frame, variants, answer):
    """The first variant whose wrong answer `answer` really is (equal at every sample point of `frame`), or None."""
    for v in variants:
        if _matches(frame, v.wrong, answer):
            return v
    return None


def _matches(frame, wrong, answer) -> bool:
    # One defined and the other not somewhere: different functions (too big to compute counts as defined).
    t = frame.tally(wrong, answer, stop_at_domain=True)
    return t.differ is None and not (t.only_a or t.only_b) and t.agree >= min(3, len(frame.points))


def _generic_feedback(expr, var) -> str:
    rules = [r for r in rules_needed(expr, var) if r not in ("sum", "other")]
    if not rules:
        return "This is not the derivative; differentiate term by term and compare."
    names = [CATEGORIES[r] for r in rules]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"This is not the derivative; it needs {listed} — work through them one step at a time."
