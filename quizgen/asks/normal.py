"""Ask the normal line at x = a: perpendicular to the tangent, y = f(a) − (x − a)/f′(a) (see asks.lines)."""

from __future__ import annotations

from . import lines
from .base import Core, Key

NAME = "normal"
TITLE = "Normal line"
NOUN = "normal line"
LABEL = "normal line"
INSTRUCTION = "Find the equation of the normal line to the graph at the given point."
NEEDS_POINT = True
EQUATION = True
NORMAL = True


def solve(expr, x, *, point=None, order=None, key=None) -> Key:
    return lines.solve(expr, x, point=point, normal=NORMAL, name=NAME)


def build(core: Core) -> dict:
    return lines.build(core, NORMAL)


def question(p) -> str:
    return f"f({p.variable}) = {p.question_text};  the {NOUN} at {p.variable} = {lines.to_text(p.point)}"


def prompt(p) -> str:
    return f"{NAME} at {p.variable} = {lines.to_text(p.point)}: y = "


def ask_line(p):
    return f"{TITLE} at", f"{p.variable} = {lines.to_latex(p.point)}", f"{p.variable} = {lines.to_text(p.point)}"


def key_lines(p):
    return lines.key_lines(p, NORMAL)


def show(p, expr):
    return lines.show_rhs(expr)


def option_form(p, wrong):
    return lines.option_form(p, wrong)


def check(expr, text, var="x", *, expected=None, point=None, order=None, require_simplified=False, timeout=0.15):
    return lines.check(expr, text, var, point=point, normal=NORMAL, name=NAME, expected=expected, timeout=timeout)


def variants(p):
    return lines.variants(p, NORMAL)


def generic(p):
    return lines.generic(p)


def frame(p):
    from ..numeric import frame_for

    return frame_for(p.var, p.expr, p.answer)


def steps(p):
    return lines.steps(p, NORMAL)


def to_dict(p):
    return lines.to_dict(p, NORMAL)


