"""Worked solutions as display rows: a Step tree as (depth, rule title, [(LaTeX, text)]) for PDFs, TeX and Moodle."""

from __future__ import annotations

from .printing import to_latex, to_text


def _needs_parens(expr) -> bool:
    """A factor that needs parentheses when written next to a multiplication dot: sums, negatives, fractions."""
    return expr.is_Add or expr.could_extract_minus_sign() or (expr.is_Rational and not expr.is_Integer)


ASKED_RULES = ("second", "third", "value", "tangent", "normal",  # the root steps quizgen.asks builds
               "partial", "mixed", "gradient", "implicit")


def operator(step, default: str = "x") -> tuple[str, str]:
    """(LaTeX, text) of the step's derivative operator: d/dx, or ∂/∂y when its expression has letters other than the
    one it varies (a step inside a partial derivative holds them constant). The chain rule's outer f(u) has only
    u, so it keeps d/du."""
    w = step.wrt if step.wrt is not None else None
    name = to_text(w) if w is not None else default
    if w is not None and step.expr is not None and getattr(step.expr, "free_symbols", set()) - {w}:
        return rf"\frac{{\partial}}{{\partial {name}}}", f"∂/∂{name}"
    return rf"\frac{{d}}{{d{name}}}", f"d/d{name}"


def _names(t) -> str:
    return " and ".join(to_text(s) for s in t)


def _several_formulas(step) -> list[tuple[str, str]] | None:
    """The lines of a several-variable root step: which letters are constants, each partial, dy/dx solved."""
    parts = dict(step.parts)
    w = step.wrt.name if step.wrt is not None else "x"
    res_tex, res_txt = to_latex(step.result), to_text(step.result)
    if step.rule == "partial":
        consts = parts.get("constants") or ()
        lines = []
        if consts:
            what = "a constant" if len(consts) == 1 else "constants"
            lines.append((rf"\text{{treat {_names(consts)} as {what}}}",
                          f"treat {_names(consts)} as {what} (only {w} varies)"))
        lines.append((rf"\frac{{\partial}}{{\partial {w}}}\left[{to_latex(step.expr)}\right] = {res_tex}",
                      f"∂/∂{w} [{to_text(step.expr)}] = {res_txt}"))
        return lines
    if step.rule == "mixed" and "first" in parts:
        v1, v2 = parts["by"]
        first = parts["first"]
        return [(rf"\frac{{\partial f}}{{\partial {to_latex(v1)}}} = {to_latex(first)}",
                 f"∂f/∂{to_text(v1)} = {to_text(first)}"),
                (rf"\frac{{\partial}}{{\partial {to_latex(v2)}}}\left[{to_latex(first)}\right] = {res_tex}",
                 f"∂/∂{to_text(v2)} [{to_text(first)}] = {res_txt}")]
    if step.rule == "gradient":
        comps = list(step.result) if hasattr(step.result, "__iter__") else [step.result]
        tex = r"\begin{pmatrix} " + r" \\ ".join(to_latex(c) for c in comps) + r" \end{pmatrix}"
        return [(rf"\nabla f = {tex}", "∇f = (" + ", ".join(to_text(c) for c in comps) + ")")]
    if step.rule == "implicit" and {"F", "Fx", "Fy"} <= parts.keys():
        fx, fy = parts["Fx"], parts["Fy"]
        fxt, fyt = _factor(fx), _factor(fy)
        return [(rf"\frac{{d}}{{dx}}: \; {fxt[0]} + {fyt[0]} \frac{{dy}}{{dx}} = 0",
                 f"differentiate both sides (y is a function of x): {fxt[1]} + {fyt[1]}·dy/dx = 0"),
                (rf"{fyt[0]} \frac{{dy}}{{dx}} = {to_latex(-fx)}", f"collect dy/dx: {fyt[1]}·dy/dx = {to_text(-fx)}"),
                (rf"\frac{{dy}}{{dx}} = {res_tex}", f"solve: dy/dx = {res_txt}")]
    return None


def claim(step) -> tuple[str, str]:
    """(LaTeX, text) of what one step establishes: d/dx [f] = f′ for a rule, the line y = … for a tangent, …"""
    parts = dict(step.parts)
    w = step.wrt.name if step.wrt is not None else "x"
    res_tex, res_txt = to_latex(step.result), to_text(step.result)
    if step.rule in ("second", "third"):
        k = 2 if step.rule == "second" else 3
        return (rf"\frac{{d^{{{k}}}}}{{d{w}^{{{k}}}}}\left[{to_latex(step.expr)}\right] = {res_tex}",
                f"d{'²³'[k - 2]}/d{w}{'²³'[k - 2]} [{to_text(step.expr)}] = {res_txt}")
    if step.rule == "value" and "a" in parts:
        a = parts["a"]
        return rf"f'\left({to_latex(a)}\right) = {res_tex}", f"f′({to_text(a)}) = {res_txt}"
    if step.rule in ("tangent", "normal") and {"a", "f(a)", "f'(a)"} <= parts.keys():
        a, fa = parts["a"], parts["f(a)"]
        slope = parts.get("-1/f'(a)", parts["f'(a)"])
        (s_tex, s_txt), (a_tex, a_txt) = _factor(slope), _factor(a)
        return (rf"y = f(a) + m(x - a) = {to_latex(fa)} + {s_tex}\left({w} - {a_tex}\right) = {res_tex}",
                f"y = f(a) + m(x − a) = {to_text(fa)} + {s_txt}({w} − {a_txt}) = {res_txt}")
    if step.rule == "log-diff" and "(ln y)'" in parts:
        inner_tex, inner_txt = to_latex(parts["(ln y)'"]), to_text(parts["(ln y)'"])
        e_tex, e_txt = _factor(step.expr)
        return (rf"y' = y \cdot (\ln y)' = {e_tex} \left({inner_tex}\right) = {res_tex}",
                f"y′ = y·(ln y)′ = {e_txt}·({inner_txt}) = {res_txt}")
    op_tex, op_txt = operator(step)
    return rf"{op_tex}\left[{to_latex(step.expr)}\right] = {res_tex}", f"{op_txt}[{to_text(step.expr)}] = {res_txt}"


def _factor(e) -> tuple[str, str]:
    if _needs_parens(e):
        return rf"\left({to_latex(e)}\right)", f"({to_text(e)})"
    return to_latex(e), to_text(e)


def step_formulas(step) -> list[tuple[str, str]]:
    """(LaTeX, text) lines for one step: the rule applied to this step's pieces, ending at its result."""
    parts = dict(step.parts)
    several = _several_formulas(step) if step.rule in ("partial", "mixed", "gradient", "implicit") else None
    if several is not None:
        return several
    if step.rule in ASKED_RULES:
        lines = []
        if step.rule in ("tangent", "normal") and {"a", "f(a)", "f'(a)"} <= parts.keys():
            a, fa, m = parts["a"], parts["f(a)"], parts["f'(a)"]
            lines.append((rf"a = {to_latex(a)}, \quad f(a) = {to_latex(fa)}, \quad f'(a) = {to_latex(m)}",
                          f"a = {to_text(a)}, f(a) = {to_text(fa)}, f′(a) = {to_text(m)}"))
            if step.rule == "normal":
                n = parts["-1/f'(a)"]
                lines.append((rf"m = -\frac{{1}}{{f'(a)}} = {to_latex(n)}", f"m = −1/f′(a) = {to_text(n)}"))
        return lines + [claim(step)]
    if step.rule == "log-diff" and "ln y" in parts:
        lines = [(rf"\ln y = {to_latex(parts['ln y'])}", f"ln y = {to_text(parts['ln y'])}")]
        if "(ln y)'" in parts:  # both sides differentiated: (ln y)′ = y′/y
            d = parts["(ln y)'"]
            lines.append((rf"\frac{{y'}}{{y}} = (\ln y)' = {to_latex(d)}", f"y′/y = (ln y)′ = {to_text(d)}"))
        return lines + [claim(step)]
    op_tex, op_txt = operator(step)
    d_tex = rf"{op_tex}\left[{to_latex(step.expr)}\right]"
    d_txt = f"{op_txt}[{to_text(step.expr)}]"
    res_tex, res_txt = to_latex(step.result), to_text(step.result)

    def p(name):
        e = parts[name]
        if _needs_parens(e):
            return rf"\left({to_latex(e)}\right)", f"({to_text(e)})"
        return to_latex(e), to_text(e)

    lines: list[tuple[str, str]] = []
    rule = step.rule
    middle: tuple[str, str] | None = None
    if rule == "chain" and {"u", "f(u)", "f'(u)", "u'"} <= parts.keys():
        u = parts["u"]
        lines.append((rf"u = {to_latex(u)}, \quad f(u) = {to_latex(parts['f(u)'])}",
                      f"u = {to_text(u)}, f(u) = {to_text(parts['f(u)'])}"))
        (a, at), (b, bt) = p("f'(u)"), p("u'")
        middle = (rf"f'(u) \cdot u' = {a} \cdot {b}", f"f′(u)·u′ = {at}·{bt}")
    elif rule in ("product", "quotient") and {"f", "g", "f'", "g'"} <= parts.keys():
        lines.append((rf"f = {to_latex(parts['f'])}, \quad g = {to_latex(parts['g'])}",
                      f"f = {to_text(parts['f'])}, g = {to_text(parts['g'])}"))
        (f, ft), (g, gt), (df, dft), (dg, dgt) = p("f"), p("g"), p("f'"), p("g'")
        if rule == "product":
            middle = (rf"f'g + fg' = {df} \cdot {g} + {f} \cdot {dg}", f"f′g + fg′ = {dft}·{gt} + {ft}·{dgt}")
        else:
            # g² needs brackets unless g is a bare letter or number: (x²)², not x²² (a double superscript in TeX).
            g_e = parts["g"]
            sq, sqt = (g, gt) if (g_e.is_Symbol or (g_e.is_Integer and g_e >= 0)) or _needs_parens(g_e) else (
                rf"\left({g}\right)", f"({gt})")
            middle = (rf"\frac{{f'g - fg'}}{{g^{{2}}}} = \frac{{{df} \cdot {g} - {f} \cdot {dg}}}{{{sq}^{{2}}}}",
                      f"(f′g − fg′)/g² = ({dft}·{gt} − {ft}·{dgt})/{sqt}²")
    elif rule == "constant-multiple" and {"c", "f'"} <= parts.keys():
        (c, ct), (df, dft) = p("c"), p("f'")
        middle = (rf"c \cdot f' = {c} \cdot {df}", f"c·f′ = {ct}·{dft}")
    tex, txt = d_tex, d_txt
    if middle is not None:
        tex, txt = f"{tex} = {middle[0]}", f"{txt} = {middle[1]}"
    lines.append((f"{tex} = {res_tex}", f"{txt} = {res_txt}"))
    return lines


_TRIVIAL_RULES = ("constant", "identity")


def _polynomial(step) -> bool:
    """A polynomial in the step's own variable: its derivative is one line, term by term, without sub-steps."""
    if step.wrt is None or step.rule not in ("sum", "constant-multiple", "power"):
        return False
    try:
        return bool(step.expr.is_polynomial(step.wrt))
    except Exception:  # SymPy declines on some non-algebraic input; then show the full trace
        return False


def step_rows(root) -> list[tuple[int, str, list[tuple[str, str]]]]:
    """(depth, rule title, formulas) for the steps worth showing, parent first.

    Left out: c′ = 0 and x′ = 1 leaves, and the term-by-term inside of a polynomial (its own line says it all).
    """
    from .steps import RULE_TITLES

    rows = []

    def visit(step, depth):
        if depth and step.rule in _TRIVIAL_RULES:
            return
        rows.append((depth, RULE_TITLES.get(step.rule, step.rule), step_formulas(step)))
        if _polynomial(step):
            return
        for sub in step.substeps:
            visit(sub, depth + 1)

    visit(root, 0)
    return rows
