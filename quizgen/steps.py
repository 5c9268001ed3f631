"""Rule-by-rule derivative traces as data (rule names, pieces, intermediate results), checked against sympy.diff."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

import sympy
from sympy import Add, Mul, Pow, S

from .functions import by_class
from .mathparse import as_expr, pair_log_bases
from .numeric import frame_for, point_float
from .printing import ordered_terms
from .rules import RULE_FORMULAS, RULE_TITLES, RULES
from .util.budget import Budget

__all__ = [
    "Step",
    "StepMismatch",
    "RULES",
    "RULE_TITLES",
    "RULE_FORMULAS",
    "trace",
    "walk",
    "hints",
    "to_dict",
    "to_list",
    "outline",
    "rules_used",
]


@dataclass(frozen=True)
class Step:
    """One node of a derivation: `rule` applied to `expr` (differentiated with respect to `wrt`) gives `result`.

    `substeps` are the derivations this node relies on; `parts` are its named pieces, in reading order:
      constant-multiple: c, f, f'        product / quotient: f, g, f', g'
      chain: u (inner, in x), f(u) (outer, in the symbol u), f'(u) (outer derivative at the inner), u'
      power: n        exp-base / log-base: a
    A chain's substeps are (outer rule applied to the bare symbol u, the inner's own derivation); the outer
    step's `wrt` is that symbol u, every other step's `wrt` is the caller's variable.
    """

    rule: str
    expr: sympy.Expr
    result: sympy.Expr
    substeps: tuple["Step", ...] = ()
    parts: tuple[tuple[str, sympy.Expr], ...] = ()
    wrt: sympy.Symbol | None = None

    def part(self, name: str) -> sympy.Expr:
        """The named piece, e.g. step.part("u"); KeyError when this rule has no such piece."""
        for key, value in self.parts:
            if key == name:
                return value
        raise KeyError(name)


class StepMismatch(AssertionError):
    """Internal error: a traced derivative differs from sympy.diff (a bug in the tracer, never a user error)."""


# Elementary outer functions: SymPy class -> its row in the one table of course functions.
_FUNCTION_RULES = by_class()

_TRIVIAL = frozenset({"constant", "identity"})


def trace(expr: sympy.Expr, var: sympy.Symbol, *, expected: sympy.Expr | None = None, verify: bool = True,
          log_first: bool = False, forms=()) -> Step:
    """Derive `expr` with respect to `var` rule by rule; the root's result is checked against sympy.diff.

    Pass `expected` (an already computed sympy.diff(expr, var)) to save a second differentiation, and `forms`,
    other equal forms of it (sympy.diff's own when `expected` is a key's display form): a traced result that is
    one of them is settled without sampling numbers.
    `log_first`: a product or quotient of powers is differentiated logarithmically (ln y = Σ k·ln u, differentiate,
    multiply back), as a log-diff family asks; f(x)^g(x) always is.
    Raises StepMismatch only if the traced result provably differs from sympy.diff.
    """
    if isinstance(expr, bool) or not isinstance(expr, (sympy.Expr, int, float)):
        raise TypeError(f"trace() needs a SymPy expression, not {type(expr).__name__}")
    if isinstance(expr, int):
        expr = sympy.Integer(expr)
    elif isinstance(expr, float):
        expr = sympy.Float(expr)
    if not isinstance(var, sympy.Symbol):
        raise TypeError(f"trace() needs a SymPy Symbol as the variable, not {type(var).__name__}")
    tracer = _Tracer(var, _dummy_for(expr, var))
    root = tracer.log_root(expr) if log_first else tracer.d(expr)
    if verify:
        truth = sympy.diff(expr, var) if expected is None else as_expr(expected)  # never text
        if not any(root.result == f for f in forms):
            _check(root.result, truth, var, expr)
    return root


def walk(step: Step, order: str = "pre") -> list[Step]:
    """Every step of the tree. order="pre": parent first (reads as a plan: rule, then its pieces, left to right);
    order="post": children first (the order a hand solution computes them, the root's result last)."""
    if order not in ("pre", "post"):
        raise ValueError(f"order must be 'pre' or 'post', not {order!r}")
    return list(_walk(step, order == "pre"))


def _walk(step: Step, pre: bool) -> Iterator[Step]:
    if pre:
        yield step
    for sub in step.substeps:
        yield from _walk(sub, pre)
    if not pre:
        yield step


def outline(root: Step, *, trivial: bool = True,
            expand: Callable[[Step], bool] | None = None) -> list[tuple[int, Step]]:
    """The one flattening of a step tree: (depth, step), parent first, as every list of steps shows it.

    trivial=False leaves out the c′ = 0 and x′ = 1 leaves below the root (the root itself always stays);
    `expand(step)` False keeps that step's substeps out (a polynomial's term-by-term inside, say).
    """
    out: list[tuple[int, Step]] = []

    def visit(step: Step, depth: int) -> None:
        if depth and not trivial and step.rule in _TRIVIAL:
            return
        out.append((depth, step))
        if expand is None or expand(step):
            for sub in step.substeps:
                visit(sub, depth + 1)

    visit(root, 0)
    return out


def to_list(root: Step, fmt: Callable[[sympy.Expr], str] = str, **outline_options) -> list[dict]:
    """JSON-ready rows of outline(root): rule, title, depth, wrt, expr, result, parts (`fmt` prints expressions)."""
    return [{"rule": s.rule, "title": RULE_TITLES.get(s.rule, s.rule), "depth": depth,
             "wrt": fmt(s.wrt) if s.wrt is not None else None, "expr": fmt(s.expr), "result": fmt(s.result),
             "parts": {name: fmt(value) for name, value in s.parts}}
            for depth, s in outline(root, **outline_options)]


def hints(step: Step) -> list[Step]:
    """Steps worth revealing one at a time, parent first, without the trivial constant and x′ = 1 leaves."""
    return [s for s in _walk(step, True) if s.rule not in _TRIVIAL]


def rules_used(step: Step) -> set[str]:
    """Names of every rule anywhere in the tree (outer rules of chains included)."""
    return {s.rule for s in _walk(step, True)}


def to_dict(step: Step, fmt: Callable[[sympy.Expr], str] = str) -> dict:
    """JSON-ready nested dict; `fmt` turns each expression into text (str for SymPy syntax, or a unicode/LaTeX printer)."""
    return {
        "rule": step.rule,
        "title": RULE_TITLES[step.rule],
        "formula": RULE_FORMULAS[step.rule],
        "wrt": fmt(step.wrt) if step.wrt is not None else None,
        "expr": fmt(step.expr),
        "result": fmt(step.result),
        "parts": {name: fmt(value) for name, value in step.parts},
        "substeps": [to_dict(sub, fmt) for sub in step.substeps],
    }


def _dummy_for(expr: sympy.Expr, var: sympy.Symbol) -> sympy.Symbol:
    """The symbol naming a chain's inner function: u, unless the problem already uses that name."""
    taken = {s.name for s in expr.free_symbols} | {var.name}
    for name in ("u", "w", "v", "t", "z"):
        if name not in taken:
            return sympy.Symbol(name)
    return sympy.Dummy("u")


def _is_denominator(factor: sympy.Expr) -> bool:
    return factor.is_Pow and factor.exp.is_Number and factor.exp.is_negative


class _Tracer:
    def __init__(self, var: sympy.Symbol, u: sympy.Symbol):
        self.var = var
        self.u = u
        self._has: dict[sympy.Expr, bool] = {}

    def depends(self, e: sympy.Expr) -> bool:
        try:
            return self._has[e]
        except KeyError:
            found = self._has[e] = e.has(self.var)
            return found

    def step(self, rule, expr, result, substeps=(), parts=()) -> Step:
        return Step(rule, expr, result, tuple(substeps), tuple(parts), self.var)

    def d(self, e: sympy.Expr) -> Step:
        if not self.depends(e):
            return self.step("constant", e, S.Zero)
        if e == self.var:
            return self.step("identity", e, S.One)
        if e.is_Add:
            # printing order, so hints walk the terms as the student reads them
            # The order the printers write the sum in, so the steps read left to right like the problem.
            subs = [self.d(t) for t in ordered_terms(e)]
            return self.step("sum", e, Add(*[s.result for s in subs]), subs)
        if e.is_Mul:
            return self.d_mul(e)
        if e.is_Pow:
            return self.d_pow(e)
        row = _FUNCTION_RULES.get(type(e))
        if row is not None and len(e.args) == 1:
            return self.apply(e, row.rule, e.func, row.d, e.args[0])
        return self.unsupported(e)

    def unsupported(self, e: sympy.Expr) -> Step:
        return self.step("unsupported", e, sympy.diff(e, self.var))

    def d_pow(self, e: sympy.Expr) -> Step:
        base, n = e.base, e.exp
        base_dep, exp_dep = self.depends(base), self.depends(n)
        if base_dep and not exp_dep:
            return self.apply(e, "power", lambda a: a**n, lambda a: n * a ** (n - 1), base, (("n", n),))
        if exp_dep and not base_dep:
            if base == S.Exp1:
                row = _FUNCTION_RULES[sympy.exp]
                return self.apply(e, row.rule, sympy.exp, row.d, n)
            return self.apply(
                e, "exp-base", lambda a: base**a, lambda a: base**a * sympy.log(base), n, (("a", base),)
            )
        return self.log_diff(e)  # f(x)^g(x): neither the power rule nor the exponential rule applies alone

    def log_diff(self, e: sympy.Expr) -> Step:
        """ln y = Σ k·ln u over the factors u^k of e, differentiated term by term, then multiplied back by y."""
        logs = Add(*[k * sympy.log(b) for b, k in (f.as_base_exp() for f in Mul.make_args(e))])
        inner = self.d(logs)
        return self.step("log-diff", e, e * inner.result, (inner,), (("ln y", logs), ("(ln y)'", inner.result)))

    def log_root(self, e: sympy.Expr) -> Step:
        """The root of a log-diff problem: constants stay outside, a product or quotient of powers goes through ln."""
        if not self.depends(e):
            return self.d(e)
        consts = [f for f in Mul.make_args(e) if not self.depends(f)]
        rest = Mul(*[f for f in Mul.make_args(e) if self.depends(f)])
        factors = Mul.make_args(rest)
        worth = len(factors) > 1 or (rest.is_Pow and self.depends(rest.exp))
        if not worth:
            return self.d(e)
        inner = self.log_diff(rest)
        if not consts:
            return inner
        c = Mul(*consts)
        return self.step("constant-multiple", e, c * inner.result, (inner,),
                         (("c", c), ("f", rest), ("f'", inner.result)))

    def d_log_base(self, e: sympy.Expr, arg: sympy.Expr, a: sympy.Expr) -> Step:
        ln_a = sympy.log(a)
        return self.apply(e, "log-base", lambda t: sympy.log(t) / ln_a, lambda t: 1 / (t * ln_a), arg, (("a", a),))

    def apply(self, e, rule, outer, deriv, arg, parts=()) -> Step:
        """`e` = outer(arg): a plain rule when arg is the variable itself, else a chain step."""
        if arg == self.var:
            return self.step(rule, e, deriv(arg), (), parts)
        u = self.u
        outer_step = Step(rule, outer(u), deriv(u), (), tuple(parts), u)
        inner = self.d(arg)
        outer_at_inner = deriv(arg)
        return self.step(
            "chain",
            e,
            outer_at_inner * inner.result,
            (outer_step, inner),
            (("u", arg), ("f(u)", outer_step.expr), ("f'(u)", outer_at_inner), ("u'", inner.result)),
        )

    def d_mul(self, e: sympy.Expr) -> Step:
        consts: list[sympy.Expr] = []
        factors: list[sympy.Expr] = []
        # printing order, so a product's f and g are the factors the student sees first and second
        for f in e.as_ordered_factors():
            (factors if self.depends(f) else consts).append(f)

        # logₐ(u) is stored as log(u)·(log a)⁻¹: pair the constant with a log factor into one unit.
        consts, log_units = pair_log_bases(consts, factors)
        units = [Mul(f, Pow(sympy.log(log_units[i]), -1)) if i in log_units else f for i, f in enumerate(factors)]

        if consts:
            c = Mul(*consts)
            rest = Mul(*units)
            if rest == e:  # defensive: an unevaluated Mul that re-forms itself would recurse forever
                return self.unsupported(e)
            inner = self.d(rest)
            return self.step(
                "constant-multiple",
                e,
                c * inner.result,
                (inner,),
                (("c", c), ("f", rest), ("f'", inner.result)),
            )
        if len(units) == 1:
            if not log_units:  # an unevaluated one-factor Mul
                return self.d(units[0])
            (i,) = log_units
            return self.d_log_base(e, factors[i].args[0], log_units[i])

        numer = [f for f in units if not _is_denominator(f)]
        denom = [f for f in units if _is_denominator(f)]
        if numer and denom:
            return self.quotient(e, Mul(*numer), Mul(*[Pow(f.base, -f.exp) for f in denom]))
        if denom:
            # 1/(g·h): one reciprocal of the whole denominator, then the chain rule with u = g·h.
            g = Mul(*[Pow(f.base, -f.exp) for f in denom])
            return self.apply(e, "power", lambda a: Pow(a, -1), lambda a: -Pow(a, -2), g, (("n", S.NegativeOne),))
        return self.product(e, units[0], Mul(*units[1:]))

    def product(self, e, f, g) -> Step:
        df, dg = self.d(f), self.d(g)
        result = df.result * g + f * dg.result
        return self.step(
            "product", e, result, (df, dg), (("f", f), ("g", g), ("f'", df.result), ("g'", dg.result))
        )

    def quotient(self, e, f, g) -> Step:
        df, dg = self.d(f), self.d(g)
        result = (df.result * g - f * dg.result) / g**2
        return self.step(
            "quotient", e, result, (df, dg), (("f", f), ("g", g), ("f'", df.result), ("g'", dg.result))
        )


# ---- checking against sympy.diff: numbers first (cheap), algebra only when the numbers cannot decide ----

_NEEDED = 3  # agreeing sample points that settle it
_PROOF_SECONDS = 0.5


def _check(got: sympy.Expr, truth: sympy.Expr, var: sympy.Symbol, expr: sympy.Expr) -> None:
    if got == truth:
        return
    # The same frame (points inside the problem's domain) and engine as checking an answer to this problem.
    frame = frame_for(var, expr, truth)
    t = frame.tally(got, truth, enough=_NEEDED)
    if t.differ is None and t.agree >= _NEEDED:
        return
    diff = got - truth
    # The algebra is bounded (simplify of a product of trig factors and e^(10⁶x) ran for minutes): when its time
    # is up, what the numbers said stands (this raises only on a proven difference).
    with Budget(_PROOF_SECONDS) as proofs:
        for proof in (sympy.expand, sympy.cancel, sympy.simplify):
            try:
                if proof(diff) == 0:
                    return
            except Exception:  # a prover that gives up decides nothing
                continue
        if t.differ is None:
            if t.agree or diff.equals(0) is not False:
                return
    if proofs.expired and t.differ is None:
        return
    at = ""
    if t.differ is not None:
        i = t.differ
        at = (f" (at {var} = {point_float(frame.points[i])}: {frame.value_at(got, i)} vs "
              f"{frame.value_at(truth, i)})")
    raise StepMismatch(f"traced derivative of {expr} is {got}, but sympy.diff gives {truth}{at}")
