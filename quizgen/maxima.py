"""Maxima syntax for STACK questions: SymPy -> Maxima text, and Maxima text back through quizgen's own parser.

The printer writes only what the reader reads (numbers, the variable, + - * / ^, parentheses, %e, %pi and the
functions of quizgen.mathparse), so every key can be checked by a round trip; the reader never evaluates text.
"""

from __future__ import annotations

import re

from .errors import ParseError
from .functions import BY_SYMPY_NAME

# SymPy function name -> Maxima name, for every course function (quizgen.functions): Maxima spells each one as
# SymPy does (its log is the natural log too), and quizgen's parser reads every SymPy name back.
_FUNCTIONS = {name: name.lower() for name in BY_SYMPY_NAME}  # Abs is abs
P_ADD, P_MUL, P_NEG, P_POW, P_ATOM = 10, 20, 25, 30, 40


class MaximaError(ValueError):
    """An expression with something Maxima text from quizgen cannot say (a float, an unknown function)."""


def _p(e) -> tuple[str, int]:
    import sympy as sp

    if e is sp.E:
        return "%e", P_ATOM
    if e is sp.pi:
        return "%pi", P_ATOM
    if e.is_Symbol:
        return e.name, P_ATOM
    if e.is_Integer:
        return (str(e), P_ATOM) if e >= 0 else (str(e), P_NEG)
    if e.is_Rational:
        s = f"{abs(e.p)}/{e.q}"
        return (f"-{s}", P_NEG) if e < 0 else (s, P_MUL)
    if e.is_Float:
        raise MaximaError(f"a float ({e}) in an exact key")
    if e.is_Add:
        return _add(e)
    if e.is_Mul:
        return _mul(e)
    if e.is_Pow:
        return _pow(e)
    if isinstance(e, sp.Function) and type(e).__name__ in _FUNCTIONS and len(e.args) == 1:
        if isinstance(e, sp.exp):
            base, _ = _wrap(e.args[0], P_POW + 1)
            return f"%e^{base}" if base.startswith("(") or len(base) == 1 else f"%e^({base})", P_POW
        return f"{_FUNCTIONS[type(e).__name__]}({_p(e.args[0])[0]})", P_ATOM
    raise MaximaError(f"no Maxima form for {type(e).__name__}")


def _wrap(e, needed: int) -> tuple[str, int]:
    s, prec = _p(e)
    return (f"({s})", P_ATOM) if prec < needed else (s, prec)


def _add(e) -> tuple[str, int]:
    from .printing import ordered_terms

    out = ""
    for i, t in enumerate(ordered_terms(e)):
        neg = t.could_extract_minus_sign()
        s, _ = _wrap(-t if neg else t, P_ADD + 1)
        if i == 0:
            out = f"-{s}" if neg else s
        else:
            out += f" - {s}" if neg else f" + {s}"
    return out, P_ADD


def _mul(e) -> tuple[str, int]:
    import sympy as sp

    if e.could_extract_minus_sign():
        s, _ = _wrap(-e, P_MUL)
        return f"-{s}", P_NEG
    num, den = [], []
    for f in sp.Mul.make_args(e):
        if f.is_Rational and not f.is_Integer:
            if f.p != 1:
                num.append(sp.Integer(f.p))
            den.append(sp.Integer(f.q))
        elif f.is_Pow and f.exp.is_Number and f.exp.is_negative:
            den.append(f.base ** -f.exp)
        else:
            num.append(f)
    top = "*".join(_wrap(f, P_MUL)[0] for f in num) or "1"
    if not den:
        return top, P_MUL
    bottom = "*".join(_wrap(f, P_POW)[0] for f in den)
    if len(den) > 1:
        bottom = f"({bottom})"
    return f"{top}/{bottom}", P_MUL


def _pow(e) -> tuple[str, int]:
    import sympy as sp

    b, x = e.base, e.exp
    if x == sp.Rational(1, 2):
        return f"sqrt({_p(b)[0]})", P_ATOM
    if x.is_Number and x.is_negative:
        s, _ = _wrap(b ** -x, P_POW)
        return f"1/{s}", P_MUL
    base, _ = _wrap(b, P_POW + 1)
    exp, _ = _wrap(x, P_POW + 1)
    return f"{base}^{exp}", P_POW


def to_maxima(expr) -> str:
    """Maxima text for a SymPy expression: `2*x*sin(x) + x^2*cos(x)`, `%e^(3*x)`, `log(x)/log(10)`."""
    from .mathparse import as_expr

    from .printing import readable_signs

    return _p(readable_signs(as_expr(expr)))[0]


# ---------------------------------------------------------------- reading back

_TOKEN = re.compile(r"\s*(?:(%e|%pi)(?![A-Za-z0-9_])|(\d+(?:\.\d+)?)|([A-Za-z][A-Za-z0-9_]*)|([-+*/^(),]))")


def from_maxima(text: str, var: str = "x", variables=()):
    """Read Maxima text (as to_maxima writes it) into SymPy through quizgen.mathparse; ParseError otherwise."""
    from .mathparse import parse

    out, pos = [], 0
    text = str(text)
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            raise ParseError("not Maxima text quizgen writes", text, pos)
        const, num, name, op = m.groups()
        if const:
            out.append({"%e": "e", "%pi": "pi"}[const])
        elif name is not None and name == "e":
            raise ParseError("e is a variable in Maxima; Euler's number is %e", text, m.start(3))
        else:
            out.append(num or name or op)
        pos = m.end()
    return parse("".join(out), var, variables=tuple(variables))


__all__ = ["to_maxima", "from_maxima", "MaximaError"]
