"""What the asks on functions of several variables share: which letters are variables, reading a vector answer,
the key of a partial derivative, its typical mistakes, and judging a component.

Variables are declared, never guessed from a typo: a bank family lists them; for `check`/`solve` they come from
`--vars` (or `--wrt`), or, for an explicit several-variable ask, from the problem's own letters among
x, y, z, w, b, t. An answer is read with exactly the problem's variables, so a stray letter is refused as before.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .. import mistakes
from ..errors import ParseError, QuizgenError
from ..keyform import textbook
from ..mathparse import check_variable, parse, symbol
from ..printing import text_or_str, to_latex, to_text

# The letters a typed problem's variables may be, in the order a gradient lists them: (x, y, z) and a loss's
# (w, b); t last.
CANDIDATES = ("x", "y", "z", "w", "b", "t")
# Letters of a vector written with unit vectors: 2x i + 2y j (+ k).
UNITS = ("i", "j", "k")


class VariablesError(QuizgenError):
    """--wrt/--vars that do not name variables of the problem."""


def ordered(names) -> tuple[str, ...]:
    names = set(names)
    return tuple(n for n in CANDIDATES if n in names) + tuple(sorted(names - set(CANDIDATES)))


def split_names(text, option: str) -> tuple[str, ...]:
    """'x,y' or 'x y' (or a list) -> ('x', 'y'); each one letter (not e, i, j, k), else VariablesError."""
    if text is None:
        return ()
    items = text if isinstance(text, (list, tuple)) else str(text).replace(",", " ").split()
    out = []
    for n in items:
        n = str(n).strip()
        try:
            check_variable(n)
        except ParseError:
            raise VariablesError(f"{option} {text}: each variable is one letter (a to z, not e), e.g. {option} x,y")\
                from None
        if n in UNITS:
            raise VariablesError(f"{option} {text}: {n!r} is a unit vector's letter (2x i + 2y j), not a variable")
        out.append(n)
    if not out:
        raise VariablesError(f"{option} needs at least one variable, e.g. {option} x")
    return tuple(out)


def parse_in(text: str, names: tuple[str, ...]):
    """A formula in the variables `names` (the first one is the parser's own variable)."""
    return parse(text, names[0], variables=tuple(names[1:]))


def letters(text: str, declared=()) -> tuple[str, ...]:
    """The variables of a typed function: `declared` ones, plus its letters among CANDIDATES, in order."""
    allowed = tuple(dict.fromkeys((*declared, *CANDIDATES)))
    expr = parse_in(text, allowed)
    used = {s.name for s in expr.free_symbols}
    return ordered(used | set(declared)) or ("x",)


def symbols(names) -> tuple:
    return tuple(symbol(n) for n in names)


# ---------------------------------------------------------------- vectors

_PAIRS = {"(": ")", "<": ">", "[": "]", "⟨": "⟩"}


def _blank(text: str, start: int, end: int) -> str:
    """text with everything outside [start, end) turned into spaces: the parser's positions stay those of text."""
    return " " * start + text[start:end] + " " * (len(text) - end)


def _reraise(err: ParseError, text: str):
    raise type(err)(err.message, text, err.offset, err.hint) from None


def _outer(text: str):
    """(open index, close index) when the whole text is one bracketed group, else None."""
    s = text.strip()
    if not s or s[0] not in _PAIRS or s[-1] != _PAIRS[s[0]]:
        return None
    i, j = text.index(s[0]), text.rindex(s[-1])
    if s[0] == "(":  # (2x)(y) is not one group
        depth = 0
        for k in range(i, j + 1):
            depth += {"(": 1, ")": -1}.get(text[k], 0)
            if depth == 0 and k < j:
                return None
    return i, j


def read_vector(text: str, names: tuple[str, ...]) -> list | None:
    """The components of a typed vector — (2x, 2y), <2x, 2y>, [2x, 2y], ⟨2x, 2y⟩ or 2x i + 2y j — read with the
    variables `names`; None when the text is one formula, not a vector. ParseError (positions in `text`) for an
    unreadable component."""
    if not isinstance(text, str):
        raise ParseError("input must be text", "", None)
    from ..mathparse import MAX_LENGTH, LimitError

    if len(text) > MAX_LENGTH:
        raise LimitError(f"input too long: {len(text)} characters (limit {MAX_LENGTH})", text[:40] + "…", None)
    group = _outer(text)
    if group is not None:
        i, j = group
        cuts, depth = [], 0
        for k in range(i + 1, j):
            ch = text[k]
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth -= 1
            elif ch == "," and depth == 0:
                cuts.append(k)
        if cuts or text[i] != "(":
            out = []
            for start, end in zip([i + 1] + [c + 1 for c in cuts], cuts + [j]):
                if not text[start:end].strip():
                    raise ParseError("a component of the vector is empty", text, start,
                                     "type each component, e.g. (2x, 2y)")
                try:
                    out.append(parse_in(_blank(text, start, end), names))
                except ParseError as err:
                    _reraise(err, text)
            return out
        return None
    try:
        e = parse(text, names[0], variables=tuple(names[1:]) + UNITS)
    except ParseError as err:
        _reraise(err, text)
    units = symbols(UNITS)
    if not e.has(*units):
        return None
    from ..equiv import small

    if any(p.is_Pow and p.base.has(*units) and p.base.is_Add for p in sp.preorder_traversal(e)) or not small(e, 400):
        # (x + i)^100 would be expanded into 101 terms: a vector is a sum of components times i, j, k
        raise ParseError("a vector with i, j, k is a sum of components times unit vectors", text, None,
                         "write it as 2x i + 2y j, or as (2x, 2y)")
    zero = {u: 0 for u in units}
    rest = e.xreplace(zero)
    comps = [sp.expand(e.xreplace({**zero, u: 1}) - rest) for u in units]
    n = max(k + 1 for k, u in enumerate(units) if e.has(u))
    if rest != 0 or any(c.has(*units) for c in comps) or sp.expand(e - sum(c * u for c, u in zip(comps, units))) != 0:
        raise ParseError("a vector with i, j, k is a sum of components times unit vectors", text, None,
                         "write it as 2x i + 2y j, or as (2x, 2y)")
    return comps[:n]


def vector_text(comps) -> str:
    return "(" + ", ".join(text_or_str(c) for c in comps) + ")"


def vector_latex(comps, column: bool = True) -> str:
    if column:
        return r"\begin{pmatrix} " + r" \\ ".join(to_latex(c) for c in comps) + r" \end{pmatrix}"
    return r"\left(" + ", ".join(to_latex(c) for c in comps) + r"\right)"


# ---------------------------------------------------------------- partial derivatives

def partial_key(expr, v, rules=()) -> sp.Expr:
    """∂f/∂v from sympy.diff, in the textbook form of a key (the other variables are constants to keyform)."""
    key = textbook(sp.diff(expr, v), v, prefer_fraction="quotient" in rules, keep_factored="chain" in rules)
    if "chain" in rules and key.is_Add:  # ∂/∂w (3w + b − 5)² = 6(3w + b − 5), as a teacher writes it
        common = sp.factor_terms(key)
        if common.is_Mul and common.args[0].is_Number and abs(common.args[0]) != 1:
            return common
    return key


def d_symbol(v: str, f: str = "f") -> str:
    return f"∂{f}/∂{v}"


def d_latex(v: str, f: str = "f") -> str:
    return rf"\frac{{\partial {f}}}{{\partial {v}}}"


def others_text(names, v) -> str:
    rest = [n for n in names if n != v]
    return " and ".join(rest) if len(rest) <= 2 else ", ".join(rest[:-1]) + " and " + rest[-1]


def partial_variants(expr, v, vs, key) -> list[mistakes.Variant]:
    return list(_partial_variants(expr, v, tuple(vs), key))


@lru_cache(maxsize=256)
def _partial_variants(expr, v, vs, key) -> tuple:
    """Wrong ∂f/∂v: the other variables differentiated too (as if each were v), the partial by another variable,
    one course rule misapplied with the others held constant, the sign, the function itself; pairwise distinct
    and different from the key on the several-variable frame."""
    from ..numeric import frame_for

    out: list[mistakes.Variant] = []
    others = [u for u in vs if u != v and expr.has(u)]
    grads = {u: sp.diff(expr, u) for u in others}
    if others:
        parts = (("v", v.name), ("others", others_text([u.name for u in others] + [v.name], v.name)))
        out.append(mistakes.Variant("other-variable-differentiated", key + sum(grads.values()), 0, parts))
        for u in others if len(others) > 1 else ():
            out.append(mistakes.Variant("other-variable-differentiated", key + grads[u], 0,
                                        (("v", v.name), ("others", u.name))))
    # A course rule misapplied comes before "the other partial": 2(3w + b − 5) for ∂/∂w of (3w + b − 5)² is the
    # inner derivative forgotten, even though it is also ∂/∂b.
    raw, _ = mistakes._raw_variants(expr, v)
    out += list(raw)[:40]
    for u in others:
        out.append(mistakes.Variant("wrong-variable", grads[u], 0, (("v", v.name), ("u", u.name))))
    out.append(mistakes.Variant("sign-error", -key, 0, ()))
    if expr.has(v):
        out.append(mistakes.Variant("not-differentiated", expr, 0, ()))
    frame = frame_for(tuple(vs), expr, key)
    kept: list[mistakes.Variant] = []
    for m in out:
        w = m.wrong
        if w.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or frame.same(key, w) or any(frame.same(k.wrong, w) for k in kept):
            continue
        kept.append(m)
    return tuple(kept)


def partial_feedback(expr, v, vs) -> str:
    return (f"This is not ∂f/∂{v.name}; differentiate with respect to {v.name} only, treating "
            f"{others_text([s.name for s in vs], v.name) or 'every other letter'} as constants.")


def point_of(text, names) -> tuple | None:
    """`--at 1,2` -> (1, 2): one number per variable, read by the safe parser."""
    if text is None:
        return None
    from .base import PointError, read_point

    if isinstance(text, (tuple, list, sp.Tuple)):
        items = list(text)
    else:
        items = [t for t in str(text).replace(";", ",").split(",")]
    if len(items) != len(names):
        raise PointError(f"--at {text}: give one number per variable ({', '.join(names)}), "
                         f"e.g. --at {','.join(str(k + 1) for k in range(len(names)))}")
    return tuple(read_point(t.strip() if isinstance(t, str) else t) for t in items)


def at_text(names, point) -> str:
    return f"({', '.join(names)}) = ({', '.join(to_text(a) for a in point)})"


__all__ = ["CANDIDATES", "UNITS", "VariablesError", "d_latex", "d_symbol", "letters", "ordered", "parse_in",
           "partial_feedback", "partial_key", "partial_variants", "point_of", "read_vector", "split_names",
           "symbols", "vector_latex", "vector_text"]
