"""Ask ∇f: the gradient, one partial derivative per variable in the variables' order; at a point with --at 1,2."""

from __future__ import annotations

import itertools

import sympy as sp

from ..draw import DrawRejected
from ..mathparse import symbol
from ..printing import text_or_str, to_latex, to_text
from ..verdict import Verdict
from .base import JUDGING, Core, Key, PointError, readable
from .partial import fname, partial_step
from .several import (d_symbol, partial_feedback, partial_key, partial_variants, point_of, read_vector, symbols,
                      vector_latex, vector_text)

NAME = "gradient"
TITLE = "Gradient"
NOUN = "gradient"
LABEL = "∇f"
INSTRUCTION = "Find the gradient (the vector of partial derivatives)."
NEEDS_POINT = False  # a point is optional: ∇f, or ∇f at (a, b) with --at
EQUATION = False
SEVERAL = True
MAX_COMPONENT_TEXT = 60


def components(expr, vs, rules=()) -> list:
    return [partial_key(expr, v, rules) for v in vs]


def at_point(comps, vs, point) -> list:
    """Each component at the point, exact and in its shortest form (readable), else as SymPy leaves it."""
    out = []
    for c in comps:
        v = c.subs(dict(zip(vs, point)))
        got = readable(v, limit=10_000)
        out.append(got[0] if got is not None else v)
    return out


def _inside(expr, vs, point) -> bool:
    from ..numeric import evaluate

    for dx in (0, sp.Rational(1, 100), -sp.Rational(1, 100)):
        for k in range(len(vs)):
            pt = [a + (dx if j == k else 0) for j, a in enumerate(point)]
            try:
                v = evaluate(expr, tuple(vs), tuple(pt))
            except (TypeError, ValueError, ZeroDivisionError, OverflowError):
                return False
            if v is None:
                return False
    return True


def check_point(expr, vs, comps, point) -> None:
    from .base import real_finite

    names = ", ".join(v.name for v in vs)
    shown = ", ".join(to_text(a) for a in point)
    if not _inside(expr, vs, point) or not all(
            real_finite(c.subs(dict(zip(vs, point))), sp.Symbol("_"), 0) for c in comps):
        raise PointError(f"--at {shown}: {to_text(expr)} is not differentiable at ({names}) = ({shown}) "
                         f"(outside its domain or at an edge of it); choose another point")


def solve(expr, x, *, point=None, order=None, key=None, variables=(), wrt=()) -> Key:
    vs = symbols(variables or (x.name,))
    comps = components(expr, vs)
    facts = {"components": comps}
    if point is not None:
        check_point(expr, vs, comps, point)
        return Key(sp.Tuple(*at_point(comps, vs, point)), facts, point=sp.Tuple(*point))
    return Key(sp.Tuple(*comps), facts)


def build(core: Core) -> dict:
    fam = core.fam
    names = tuple(fam.variables) or (fam.variable,)
    vs = symbols(names)
    comps = components(core.expr, vs, fam.rules)
    if all(c == 0 for c in comps):
        raise DrawRejected("∇f is 0")
    if any(len(to_text(c)) > max(fam.max_answer_length, MAX_COMPONENT_TEXT) for c in comps):
        raise DrawRejected("a component would be too long")
    fields = {"variables": names, "wrt": names, "variable": names[0],
              "facts": (("components", tuple(comps)),)}
    answer = comps
    if core.point is not None:
        point = tuple(core.point) if isinstance(core.point, (tuple, list, sp.Tuple)) else (core.point,) * len(vs)
        if len(point) != len(vs):
            raise DrawRejected(f"the point has {len(point)} coordinates, the function {len(vs)} variables")
        try:
            check_point(core.expr, vs, comps, point)
        except PointError as err:
            if fam.id == "typed":  # a point the user gave: say so, as for f′(a)
                raise
            raise DrawRejected(str(err)) from None
        answer = at_point(comps, vs, point)
        fields["point"] = sp.Tuple(*point)
    return {"answer": sp.Tuple(*answer), "answer_text": vector_text(answer),
            "answer_latex": vector_latex(answer), **fields}


def _comps(p) -> list:
    got = dict(p.facts).get("components")
    return list(got) if got is not None else components(p.expr, symbols(p.variables or (p.variable,)), p.rules)


# ---------------------------------------------------------------- display

def _nabla(p) -> str:
    return f"∇{fname(p.variables)}"


def _at(p) -> str:
    if p.point is None:
        return ""
    return "(" + ", ".join(to_text(a) for a in p.point) + ")"


def question(p) -> str:
    head = f"∇ [ {p.question_text} ]"
    if p.point is not None:
        return f"{head} at ({', '.join(p.variables)}) = {_at(p)}"
    return head


def sheet_prefixes(p):
    from .partial import function_prefix

    f = fname(p.variables)
    if p.point is not None:
        pt = ", ".join(to_latex(a) for a in p.point)
        return function_prefix(p), (rf"\nabla {f}\left({pt}\right) =", f"∇{f}{_at(p)} =")
    return function_prefix(p), (rf"\nabla {f} =", f"∇{f} =")


def prompt(p) -> str:
    return f"{_nabla(p)}{_at(p)} = "


def ask_line(p):
    if p.point is None:
        return "Find", rf"\nabla {fname(p.variables)}", _nabla(p)
    pt = ", ".join(to_latex(a) for a in p.point)
    return "Find", rf"\nabla {fname(p.variables)}\left({pt}\right)", f"{_nabla(p)}{_at(p)}"


def key_lines(p) -> list[tuple[str, str, str, str]]:
    f = fname(p.variables)
    comps = _comps(p)
    lines = [(rf"\nabla {f} =", f"∇{f} =", vector_latex(comps), vector_text(comps))]
    if p.point is not None:
        pt = ", ".join(to_latex(a) for a in p.point)
        lines.append((rf"\nabla {f}\left({pt}\right) =", f"∇{f}{_at(p)} =", p.answer_latex, p.answer_text))
    return lines


def show(p, expr) -> tuple[str, str]:
    comps = list(expr) if isinstance(expr, (sp.Tuple, tuple, list)) else [expr]
    return vector_latex(comps), vector_text(comps)  # a column, as the key prints ∇f


def option_form(p, wrong):
    return wrong


# ---------------------------------------------------------------- checking and mistakes

def _verdict(correct, expected, answer, interpreted, mistake, feedback, form=None, equivalence="different",
             point=None, display=None) -> Verdict:
    return Verdict(correct, expected, answer, interpreted, mistake, feedback,
                   form if form is not None else {"simplified": None, "issues": []}, equivalence=equivalence,
                   ask=NAME, point=point, expected_display=display)


def check(expr, text, var: str = "x", *, expected=None, point=None, order=None, require_simplified=False,
          timeout: float = 0.15, variables=(), wrt=()):
    """Is `text` ∇f (at `point`, one number per variable)? Component by component on the several-variable
    frame; a wrong vector is named: not a vector, the wrong number of components, the partials swapped, or the
    first wrong component's own partial-derivative mistake."""
    from ..equiv import compare
    from ..form import form_of

    names = tuple(variables) or (var,)
    vs = symbols(names)
    comps = [sp.diff(expr, v) for v in vs]  # for the point and the mistakes; the key's textbook form only if needed
    pt = None
    if point is not None:
        pt = point_of(point, names)
        check_point(expr, vs, comps, pt)
    if expected is not None:
        keys = list(expected)
    else:
        keys = at_point(comps, vs, pt) if pt is not None else components(expr, vs)
    key = sp.Tuple(*keys)
    display = vector_text(keys)
    ptv = sp.Tuple(*pt) if pt is not None else None
    if isinstance(text, str):
        got = read_vector(text, names)
    else:
        got = list(text) if isinstance(text, (tuple, list, sp.Tuple)) else None
        text = None
    n = len(vs)
    names_text = ", ".join(names)
    if got is None:
        from ..mistakes import MISTAKE_FEEDBACK
        from .several import parse_in

        scalar = parse_in(text, names) if text is not None else None
        shown = text_or_str(scalar) if scalar is not None else str(text)
        return _verdict(False, key, scalar, shown, "not-a-vector",
                        MISTAKE_FEEDBACK["not-a-vector"].format(
                            shape="(" + ", ".join(d_symbol(v) for v in names) + ")"),
                        point=ptv, display=display)
    answer = sp.Tuple(*got)
    interpreted = vector_text(got)
    JUDGING.last = dict(expected=key, answer=answer, interpreted=interpreted, what="∇f",
                        fields={"ask": NAME, "point": ptv, "expected_display": display})
    if len(got) != n:
        from ..mistakes import MISTAKE_FEEDBACK

        return _verdict(False, key, answer, interpreted, "wrong-dimension",
                        MISTAKE_FEEDBACK["wrong-dimension"].format(n=n, names=names_text, m=len(got)),
                        point=ptv, display=display)
    domain = expr if pt is None else None
    results = [compare(k, a, vs, domain=domain, timeout=timeout) for k, a in zip(keys, got)]
    verdicts = [r[0] for r in results]
    if all(v == "equal" for v in verdicts):
        issues = []
        if pt is None:
            for k, a in zip(keys, got):
                if a == k:  # the key's own form (textbook) is simplified
                    continue
                issues += [i for i in form_of(None, a, k, vs[0])["issues"] if i not in issues]
        form = {"simplified": not issues, "issues": issues}
        if issues and require_simplified:
            return _verdict(False, key, answer, interpreted, "not-simplified",
                            f"Your answer is equal to ∇f but not simplified ({', '.join(issues)}).", form,
                            "equal", ptv, display)
        feedback = "Correct." if not issues else f"Correct, but not simplified ({', '.join(issues)})."
        return _verdict(True, key, answer, interpreted, None, feedback, form, "equal", ptv, display)
    from ..numeric import frame_for

    frame = frame_for(vs, *(r for r in (domain,) if r is not None), *keys)
    for perm in itertools.permutations(range(n)):
        if list(perm) != list(range(n)) and all(frame.same(keys[perm[i]], got[i]) for i in range(n)):
            order_text = ", ".join(d_symbol(v) for v in names)
            return _verdict(False, key, answer, interpreted, "partials-swapped",
                            f"The components are in the wrong order: ∇f lists the partial derivatives in the order "
                            f"of the variables, ({order_text}).", point=ptv, display=display)
    if "different" not in verdicts and "domain-mismatch" not in verdicts:
        return _verdict(False, key, answer, interpreted, None,
                        f"quizgen could not decide whether this equals ∇f (too large to evaluate); the expected "
                        f"answer is {display}.", equivalence="unknown", point=ptv, display=display)
    i = next(k for k, v in enumerate(verdicts) if v in ("different", "domain-mismatch"))
    v = vs[i]
    where = f"Component {i + 1}, {d_symbol(v.name)}: "
    if verdicts[i] == "domain-mismatch":
        return _verdict(False, key, answer, interpreted, "domain-mismatch",
                        where + "your answer agrees with it where both are defined, but is undefined where it "
                                "exists; check roots, logarithms and cancelled factors.", equivalence="domain-mismatch",
                        point=ptv, display=display)
    code, feedback = _diagnose(expr, vs, v, comps[i], got[i], pt)
    return _verdict(False, key, answer, interpreted, code, where + feedback, point=ptv, display=display)


def _diagnose(expr, vs, v, comp, ans, pt):
    from ..mistakes import first_match
    from ..numeric import frame_for

    found = None
    if pt is None:
        found = first_match(frame_for(vs, expr, comp), partial_variants(expr, v, vs, comp), ans)
    else:
        sub = dict(zip(vs, pt))
        at = [m.__class__(m.code, m.wrong.subs(sub), m.depth, m.parts) for m in partial_variants(expr, v, vs, comp)]
        at = [m for m in at if m.wrong.is_number and not m.wrong.has(sp.nan, sp.zoo, sp.oo, -sp.oo)]
        found = first_match(frame_for(vs, comp.subs(sub)), at, ans)
        if found is None and ans.free_symbols & set(vs):
            names = ", ".join(s.name for s in vs)
            return None, (f"The answer is a vector of numbers: put ({names}) = "
                          f"({', '.join(to_text(a) for a in pt)}) into each partial derivative.")
    if found is not None:
        return found.code, found.feedback()
    return None, partial_feedback(expr, v, vs)


def variants(p) -> list:
    """Wrong gradients: the components swapped, and each component's own partial-derivative mistakes."""
    from ..mistakes import Variant

    vs = symbols(p.variables or (p.variable,))
    keys = list(p.answer)
    out = []
    if len(keys) > 1 and keys[0] != keys[1]:
        out.append(Variant("partials-swapped", sp.Tuple(keys[1], keys[0], *keys[2:]), 0, ()))
    comps = _comps(p)
    sub = dict(zip(vs, p.point)) if p.point is not None else {}
    for i, v in enumerate(vs):
        for m in partial_variants(p.expr, v, vs, comps[i])[:6]:
            w = m.wrong.subs(sub) if sub else m.wrong
            out.append(Variant(m.code, sp.Tuple(*keys[:i], w, *keys[i + 1:]), m.depth, m.parts))
    return out


def generic(p) -> list:
    keys = list(p.answer)
    return [("generic-double", sp.Tuple(*(2 * k for k in keys))), ("generic-plus-one", sp.Tuple(*(k + 1 for k in keys)))]


def frame(p):
    from ..numeric import frame_for

    return frame_for(symbols(p.variables or (p.variable,)), p.expr)


def steps(p):
    from ..steps import Step

    names = tuple(p.variables) or (p.variable,)
    comps = _comps(p)
    subs = tuple(partial_step(p.expr, symbol(n), names, c) for n, c in zip(names, comps))
    parts = (("variables", sp.Tuple(*symbols(names))),)
    if p.point is not None:
        parts += (("a", p.point),)
    return Step("gradient", p.expr, sp.Tuple(*comps), subs, parts, symbol(names[0]))


def to_dict(p) -> dict:
    d = {"variables": list(p.variables), "answer": [str(c) for c in p.answer],
         "components": [str(c) for c in _comps(p)]}
    if p.point is not None:
        d["point"] = [str(a) for a in p.point]
    return d
