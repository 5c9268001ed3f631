"""Tangent and normal lines at x = a: the key y = f(a) + m(x − a), reading a line however it is written, its mistakes.

A typed line is read by quizgen.mathparse.parse_equation (the only reader that allows '=' and y) and solved for y
when it is linear in y with a constant coefficient: y − 1 = 2(x − 1), 2x − y = 1, y = −1 + 2x and the bare 2x − 1
all become y = g(x), and g is compared with the key's right-hand side as a function of x (numbers first, then
algebra, as every answer). An equation without y is a vertical line x = c. Anything else is not a line.

Decision for normals: where f′(a) = 0 the normal is the vertical line x = a. Generated questions (generate, sheet,
quiz, exams) never ask for it — such a point is redrawn, so every generated normal is y = …; `check --ask normal
--at a` at such a point expects, and accepts, x = a.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .. import mistakes
from ..draw import DrawRejected
from ..equiv import small
from ..mathparse import DEPENDENT, parse_equation, symbol
from ..printing import text_or_str, to_latex, to_text
from .base import (Core, Key, check_inside, inside, judge, need_point, pick_point, read_point, readable,
                   real_finite)
from .derivative import prime

MAX_LINE_TEXT = 48
_MAX_LIFTED = 30


@dataclass(frozen=True)
class Line:
    """A key line through (a, f(a)) with slope `slope`: its right-hand side y = rhs, or vertical (x = a)."""

    a: sp.Expr
    fa: sp.Expr
    m: sp.Expr  # f′(a)
    slope: sp.Expr | None  # None: vertical
    rhs: sp.Expr | None


def line_rhs(fa, slope, a, x):
    """y = fa + slope·(x − a) as a teacher writes it: the shortest of y = mx + b and the point-slope form."""
    expanded = sp.expand(fa + slope * (x - a))
    # y = mx + b unless another form is clearly shorter (point-slope form when a is π/6, say).
    cands = [expanded, sp.factor_terms(expanded), fa + slope * (x - a)]
    return min(dict.fromkeys(cands), key=lambda c: (len(to_text(c)) + (0 if c == expanded else 6), sp.count_ops(c)))


def make_line(expr, x, a, normal: bool, fa=None, m=None) -> Line:
    """The key line at x = a (fa = f(a) and m = f′(a) when already known, in their readable forms)."""
    fa = _tidy(expr.subs(x, a)) if fa is None else fa
    m = _tidy(sp.diff(expr, x).subs(x, a)) if m is None else m
    if normal:
        if m == 0:
            return Line(a, fa, m, None, None)
        slope = _tidy(-1 / m)
    else:
        slope = m
    return Line(a, fa, m, slope, line_rhs(fa, slope, a, x))


def _tidy(v):
    got = readable(v, limit=10_000)
    return got[0] if got is not None else v


def solve(expr, x, *, point=None, normal: bool = False, name: str = "tangent") -> Key:
    a = read_point(need_point(name, point), x.name)
    check_inside(expr, x, a)
    ln = make_line(expr, x, a, normal)
    facts = {"f(a)": ln.fa, "f'(a)": ln.m, "slope": ln.slope}
    return Key(ln.rhs if ln.rhs is not None else a, facts, point=a)


def _readable_point(expr, d, x, a, normal: bool):
    """(f(a), f′(a), the line's text length) when both numbers are exact and short, else None."""
    if not inside(expr, x, a) or not real_finite(d, x, a):
        return None
    fa = readable(expr.subs(x, a), limit=30, quick=True)
    m = readable(d.subs(x, a), limit=30, quick=True) if fa is not None else None
    if fa is None or m is None:
        return None
    if normal and m[0] == 0:
        return None  # the normal would be vertical: not asked (see the module's note)
    slope = -1 / m[0] if normal else m[0]
    length = len(to_text(sp.expand(fa[0] + slope * (x - a))))  # y = mx + b: the key is never longer
    if length > MAX_LINE_TEXT:
        # The key is the shortest form (line_rhs): a normal's slope −1/f′(a) with a tanh(1) in f′(a) is long as
        # y = mx + b (68 characters for x·tanh(x) at 1) and short in point-slope form (43).
        length = len(to_text(line_rhs(fa[0], slope, a, x)))
        if length > MAX_LINE_TEXT:
            return None
    return fa[0], m[0], slope, length


def _score(a, got) -> int:
    _fa, _m, slope, length = got
    # A horizontal tangent (y = 3) is short but asks little of the slope: chosen only when nothing else reads well.
    return length + (4 if a == 0 else 0) + (15 if slope == 0 else 0)


def build(core: Core, normal: bool) -> dict:
    expr, x, d = core.expr, core.x, core.d
    if core.point is not None:
        a = core.point
        if not inside(expr, x, a) or not real_finite(d, x, a):
            raise DrawRejected(f"the function is not differentiable at {to_text(a)}")
        ln = make_line(expr, x, a, normal)
        if ln.rhs is None:
            raise DrawRejected("the normal is vertical here")
    else:
        got = pick_point(expr, x, core.rng, lambda a: _readable_point(expr, d, x, a, normal), _score, enough=5)
        if got is None:
            raise DrawRejected("no point with a readable line")
        a, (fa, m, _slope, _length) = got
        ln = make_line(expr, x, a, normal, fa, m)
    tex, txt = show_rhs(ln.rhs)
    return {"answer": ln.rhs, "answer_text": txt, "answer_latex": tex, "point": a,
            "facts": (("f(a)", ln.fa), ("f'(a)", ln.m), ("slope", ln.slope))}


def facts(p) -> dict:
    return dict(p.facts)


# ---------------------------------------------------------------- display

def show_rhs(rhs) -> tuple[str, str]:
    return f"{DEPENDENT} = {to_latex(rhs)}", f"{DEPENDENT} = {to_text(rhs)}"


def point_key(p, normal: bool) -> list[tuple[str, str, str, str]]:
    """The key's first lines: f(a) and f′(a), then the normal's slope."""
    f = facts(p)
    v, a = p.variable, p.point
    fa, m, n = f["f(a)"], f["f'(a)"], f["slope"]
    d_tex, d_txt = prime(v, point=a, latex=True), prime(v, point=a)
    tex = rf"f\left({to_latex(a)}\right) = {to_latex(fa)}, \quad {d_tex} = {to_latex(m)}"
    txt = f"f({to_text(a)}) = {to_text(fa)}, {d_txt} = {to_text(m)}"
    rows = [("", "", tex, txt)]
    if normal:  # a line of its own: beside f(a) and f′(a) it wraps inside a column
        rows.append(("", "", rf"m = -\frac{{1}}{{{d_tex}}} = {to_latex(n)}", f"m = −1/{d_txt} = {to_text(n)}"))
    return rows


def key_lines(p, normal: bool) -> list[tuple[str, str, str, str]]:
    return point_key(p, normal) + [("", "", p.answer_latex, p.answer_text)]


# ---------------------------------------------------------------- reading a typed line

@dataclass(frozen=True)
class Reading:
    """A typed line: kind "function" (y = g), "vertical" (x = c) or "other" (not a line); how it was read."""

    kind: str
    g: sp.Expr | None
    shown: str


def read_line(text, var: str) -> Reading:
    """A typed line (or a SymPy expression, taken as the right-hand side y = …)."""
    x, y = symbol(var), symbol(DEPENDENT)
    if isinstance(text, str):
        lhs, rhs = parse_equation(text, var)
    else:
        from ..mathparse import as_expr

        lhs, rhs = y, as_expr(text)
    shown = None
    if isinstance(text, str):  # as typed (issue 13): y − 1 = 2(x − 1), not SymPy's y − 1 = 2x − 2
        from ..mathparse import DEPENDENT as _Y
        from ..printing import typed_text

        shown = typed_text(text, var, (_Y,), equation=True)
        if shown is not None and " = " not in shown:
            shown = f"{_Y} = {shown}"
    shown = shown or f"{text_or_str(lhs)} = {text_or_str(rhs)}"
    L = lhs - rhs
    if not small(L, 300):
        return Reading("other", None, shown)
    try:
        if not L.has(y):
            p = sp.diff(L, x)
            if p != 0 and not p.has(x):
                return Reading("vertical", sp.simplify(-L.subs(x, 0) / p), shown)
            return Reading("other", None, shown)
        p = sp.diff(L, y)
        if p.has(y) or p.has(x) or p == 0:
            return Reading("other", None, shown)
        return Reading("function", sp.expand(-L.subs(y, 0) / p), shown)
    except Exception:  # noqa: BLE001 — an equation SymPy cannot take apart is not a line we can read
        return Reading("other", None, shown)


def _line_variants(expr, x, ln: Line, normal: bool) -> list:
    """Wrong lines (right-hand sides y = …) from real mistakes, pairwise different and different from the key."""
    d = sp.diff(expr, x)
    a, fa, m = ln.a, ln.fa, ln.m
    n = ln.slope
    what = "the normal's slope" if normal else "the slope of the tangent"
    common = (("a", a), ("fa", fa), ("m", m), ("var", x.name), ("d1", d), ("n", n if n is not None else 0))

    def through(y0, k):
        return y0 + k * (x - a)

    out = []
    if normal:
        out.append(mistakes.Variant("gave-tangent-line", through(fa, m), 0, common))
        out.append(mistakes.Variant("normal-not-inverted", through(fa, -m), 0, common + (("neg", -m),)))
        if m != 0:
            out.append(mistakes.Variant("normal-not-negated", through(fa, 1 / m), 0, common + (("inv", 1 / m),)))
            out.append(mistakes.Variant("point-uses-derivative", through(m, -1 / m), 0, common))
            out.append(mistakes.Variant("unevaluated-derivative", through(fa, -1 / d), 0,
                                        common + (("what", "Your line's slope"),)))
    else:
        out.append(mistakes.Variant("used-f-of-a", through(m, fa), 0, common + (("what", what),)))
        out.append(mistakes.Variant("used-f-of-a", through(fa, fa), 0, common + (("what", what),)))
        out.append(mistakes.Variant("point-uses-derivative", through(m, m), 0, common))
        out.append(mistakes.Variant("unevaluated-derivative", through(fa, d), 0,
                                    common + (("what", "Your line's slope"),)))
        out.append(mistakes.Variant("sign-error", through(fa, -m), 0, (("detail", f" (the slope is f′({to_text(a)}) = "
                                                                                  f"{to_text(m)})"),)))
    for v in mistakes.mistake_details(expr, x, d)[:_MAX_LIFTED]:
        if v.code in ("sign-error", "not-differentiated"):
            continue
        try:
            w = v.wrong.subs(x, a)
        except Exception:  # noqa: BLE001
            continue
        if not w.is_number or w.has(sp.nan, sp.zoo, sp.oo, sp.I):
            continue
        w = _tidy(w)
        if normal:
            if w == 0:
                continue
            w = -1 / w
        out.append(mistakes.Variant(v.code, through(fa, w), v.depth + 1, v.parts))
    from ..numeric import frame_for

    frame = frame_for(x, expr, ln.rhs)
    kept = []
    for v in out:
        w = v.wrong
        if w.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or frame.same(ln.rhs, w) or any(frame.same(k.wrong, w)
                                                                               for k in kept):
            continue
        kept.append(v)
    return kept


def check(expr, text: str, var: str, *, point, normal: bool, name: str, expected=None, timeout: float = 0.15):
    from ..verdict import Verdict

    x = symbol(var)
    a = read_point(need_point(name, point), var)
    check_inside(expr, x, a)
    ln = make_line(expr, x, a, normal)
    reading = read_line(text, var)
    at = to_text(a)
    fields = {"ask": name, "point": a}
    if ln.rhs is None:  # a normal where f′(a) = 0: the vertical line x = a
        display = f"{var} = {at}"
        ok = reading.kind == "vertical" and sp.simplify(reading.g - a) == 0
        fb = "Correct." if ok else (f"The tangent at {var} = {at} is horizontal (f′({at}) = 0), so the normal is "
                                    f"the vertical line {var} = {at}.")
        return Verdict(ok, a, reading.g, reading.shown, None, fb, {"simplified": None, "issues": []},
                       equivalence="equal" if ok else "different", expected_display=display, **fields)
    rhs = ln.rhs if expected is None else expected
    display = show_rhs(rhs)[1]
    if reading.kind != "function":
        if reading.kind == "vertical":
            fb = (f"{var} = {to_text(reading.g)} is a vertical line; the {name} at {var} = {at} has slope "
                  f"{to_text(ln.slope)}.")
            code = None
        else:
            fb, code = mistakes.MISTAKE_FEEDBACK["not-a-line"], "not-a-line"
        return Verdict(False, rhs, reading.g, reading.shown, code, fb, {"simplified": None, "issues": []},
                       expected_display=display, **fields)
    from ..numeric import frame_for

    def diagnose(g):
        found = mistakes.first_match(frame_for(x, expr, rhs), _line_variants(expr, x, ln, normal), g)
        if found is not None:
            return found.code, found.feedback()
        if not _is_linear(g, x):
            return "not-a-line", mistakes.MISTAKE_FEEDBACK["not-a-line"]
        return None, (f"That is a line, but not the {name}: it passes through ({at}, f({at})) = ({at}, "
                      f"{to_text(ln.fa)}) with slope {to_text(ln.slope)}.")

    return judge(rhs, reading.g, x, text=text if isinstance(text, str) else None, diagnose=diagnose, what=f"the {name} line", judge_form=False,
                 interpreted=reading.shown, timeout=timeout, expected_display=display, **fields)


def _is_linear(g, x) -> bool:
    try:
        return small(g, 300) and sp.simplify(sp.diff(g, x, 2)) == 0
    except Exception:  # noqa: BLE001
        return False


def variants(p, normal: bool) -> list:
    f = facts(p)
    ln = Line(p.point, f["f(a)"], f["f'(a)"], f["slope"], p.answer)
    return _line_variants(p.expr, p.var, ln, normal)


def generic(p) -> list:
    x, a, f = p.var, p.point, facts(p)
    return [("generic-double", 2 * p.answer), ("generic-plus-one", p.answer + 1),
            ("generic-half", f["f(a)"] + f["slope"] * (x - a) / 2)]


def option_form(p, wrong):
    if not _is_linear(wrong, p.var):
        return sp.expand(wrong) if small(wrong, 200) else wrong
    return line_rhs(wrong.subs(p.var, p.point), sp.diff(wrong, p.var), p.point, p.var)


def steps(p, normal: bool):
    from ..steps import Step, trace

    root = trace(p.expr, p.var, expected=p.derivative, log_first="log-diff" in (p.rules or ()))
    f = facts(p)
    parts = (("a", p.point), ("f(a)", f["f(a)"]), ("f'(x)", p.derivative), ("f'(a)", f["f'(a)"]))
    if normal:
        parts += (("-1/f'(a)", f["slope"]),)
    return Step("normal" if normal else "tangent", p.expr, p.answer, (root,), parts, p.var)


def to_dict(p, normal: bool) -> dict:
    f = facts(p)
    d = {"point": str(p.point), "f_at_point": str(f["f(a)"]), "slope": str(f["slope"])}
    if normal:
        d["derivative_at_point"] = str(f["f'(a)"])
    return d


__all__ = ["Line", "Reading", "build", "check", "key_lines", "line_rhs", "make_line", "read_line", "show_rhs",
           "solve", "steps", "to_dict", "variants"]
