"""Drawing one exercise from a bank family: parameters from a seeded random.Random, degenerate draws rejected."""

from __future__ import annotations

import random

import sympy as sp

from .errors import ParseError
from .mathparse import MAX_MAGNITUDE_DIGITS, parse, symbol

# Points at which a drawn function must be real and finite (at least two of them) to count as a sensible exercise.
_PROBE_POINTS = (0.5, 1.3, 2.7, 0.2, 4.1, -0.7, -1.9, 3.3)


class DrawRejected(Exception):
    """A parameter draw that makes a degenerate or unsuitable exercise; the generator draws again."""


def parse_template(template: str, var: str, params: dict, variables=(), ask: str = ""):
    """A family's template as SymPy; an implicit family's `lhs = rhs` as a sympy Equality (unevaluated)."""
    others = tuple(v for v in variables if v != var)
    if ask == "implicit":
        if template.count("=") != 1:
            raise ParseError("an implicit family's template is one equation, e.g. x^2 + y^2 = a", template, None)
        lhs, rhs = template.split("=")
        return sp.Equality(parse(lhs, var, params, variables=others), parse(rhs, var, params, variables=others),
                           evaluate=False)
    return parse(template, var, params, variables=others)


_TEMPLATES: dict = {}


def _template(fam):
    variables = tuple(getattr(fam, "variables", ()))
    key = (fam.id, fam.template, fam.variable, variables)
    t = _TEMPLATES.get(key)
    if t is None:
        syms = {p.name: sp.Symbol(p.name) for p in fam.params}
        expr = parse_template(fam.template, fam.variable, syms, variables, getattr(fam, "ask", ""))
        cons = []
        for c in fam.constraints:
            cons.append((parse(c.lhs, fam.variable, syms), c.op, parse(c.rhs, fam.variable, syms)))
        # Exponents that hold a parameter: a drawn 0 or 1 there makes a power family trivial.
        exps = [node.exp for node in sp.preorder_traversal(expr)
                if node.is_Pow and node.exp.free_symbols & set(syms.values())]
        # Powers of parameters alone: drawn, SymPy would compute them exactly (a^(a^a) at a = 9 has 370 million
        # digits), so their size is measured first (see _oversized).
        towers = any(_param_power(e, syms) for e in [expr] + [s for c in cons for s in (c[0], c[2])])
        t = (syms, expr, cons, exps, towers)
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


def draw(fam, rng: random.Random):
    """One parameter draw -> (expr, values); raises DrawRejected for degenerate draws."""
    syms, template, cons, exps, towers = _template(fam)
    values = {p.name: p.values[rng.randrange(len(p.values))] for p in fam.params}
    sub = {syms[k]: sp.Rational(v.numerator, v.denominator) for k, v in values.items()}
    if any(v == 0 for v in values.values()):
        raise DrawRejected("a parameter drawn as 0 makes a term vanish")
    if towers:
        if any(_oversized(side, sub) for lhs, _, rhs in cons for side in (lhs, rhs)):
            raise DrawRejected(f"a number in a constraint is too large (over 10^{MAX_MAGNITUDE_DIGITS})")
        if _oversized(template, sub):
            raise DrawRejected(f"a number in the drawn function is too large (over 10^{MAX_MAGNITUDE_DIGITS})")
    for lhs, op, rhs in cons:
        if not _holds(lhs.xreplace(sub), op, rhs.xreplace(sub)):
            raise DrawRejected("a constraint does not hold")
    for e in exps:
        if e.xreplace(sub) in (0, 1):
            raise DrawRejected("an exponent drawn as 0 or 1")
    expr = template.xreplace(sub)
    x = symbol(fam.variable)
    variables = tuple(getattr(fam, "variables", ()))
    if variables:  # several variables: an implicit curve is checked as F = lhs − rhs
        if not isinstance(expr, (sp.Expr, sp.Equality)):
            raise DrawRejected("the equation holds everywhere or nowhere")
        body = expr.lhs - expr.rhs if isinstance(expr, sp.Equality) else expr
        vs = tuple(symbol(v) for v in variables)
        if body.has(sp.zoo, sp.nan, sp.oo):
            raise DrawRejected("the function is undefined")
        if not body.free_symbols & set(vs):
            raise DrawRejected("the function does not depend on the variables")
        if _restricted_domain(body):
            from .numeric import frame_for

            fr = frame_for(vs, body)
            if not fr.real or len(fr.points) < 2:
                raise DrawRejected("the function is not real at enough points")
        return expr, values
    if expr.has(sp.zoo, sp.nan, sp.oo):
        raise DrawRejected("the function is undefined")
    if x not in expr.free_symbols:
        raise DrawRejected("the function does not depend on the variable")
    if _restricted_domain(expr) and _real_points(expr, x) < 2:
        raise DrawRejected("the function is not real at enough points")
    return expr, values


def _param_power(expr, syms) -> bool:
    params = set(syms.values())
    return any(node.is_Pow and node.free_symbols and node.free_symbols <= params for node in sp.preorder_traversal(expr))


def _oversized(expr, sub) -> bool:
    """A power of parameters alone that, drawn, is over 10^MAX_MAGNITUDE_DIGITS or under its inverse — measured
    with the numeric engine on the unevaluated draw (mpmath's exponents have no limit), never computed exactly."""
    from .numeric import TOO_BIG, _compile, _ctx, _value

    drawn = _unevaluated(expr, sub)
    c = _ctx()
    for node in sp.postorder_traversal(drawn):
        if not (node.is_Pow and node.is_number):
            continue
        v = _value(_compile(node, _NO_VAR), ("at", sp.Integer(0)), 15, False)
        if v is TOO_BIG:
            return True
        if v is not None and v != 0 and abs(c.mag(v)) > _MAX_BITS:
            return True
    return False


def _unevaluated(expr, sub):
    """expr with sub put in and nothing evaluated, each node built with evaluate=False: not under SymPy's global
    `evaluate(False)`, since setting that switch clears SymPy's whole cache (twice a draw, so every derivative
    after a draw started cold: 1,000 keys took twice their diff time)."""
    if expr in sub:
        return sub[expr]
    if not expr.args:
        return expr
    args = [_unevaluated(a, sub) for a in expr.args]
    try:
        return expr.func(*args, evaluate=False)
    except TypeError:  # a node that takes no `evaluate` (none in a template today): the switch, as before
        with sp.evaluate(False):
            return expr.func(*args)


_NO_VAR = sp.Symbol("_no_variable")
_MAX_BITS = int(MAX_MAGNITUDE_DIGITS * 3.33)


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
