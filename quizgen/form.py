"""Is a correct answer written as simply as a teacher expects? `form_of` judges the typed text and its size.

Not simplified when the typed formula (its parse tree, before SymPy tidies anything) has
  * arithmetic on plain numbers left undone: two numbers in one product (3(x²+1)²·2x), 2+3, a fraction of
    integers not in lowest terms (4/6), 1·f, f/1, exponents 0 or 1, +0;
  * like terms not combined (2x + 3x), the same base twice in one product (x·x²);
or when its SymPy form is none of the key's textbook shapes (as given, expanded, factored, over one denominator)
and is more than 2 operations longer (count_ops) than the shortest of them — so 6x(x² + 1)², 6x⁵ + 12x³ + 6x,
(x² + 2x)eˣ and 2xeˣ + x²eˣ count as simplified, and sec²x, 1/cos²x, 1 + tan²x all do, but
(2x(x + 1) − x²)/(x + 1)² does not.
"""

from __future__ import annotations

import math
from functools import lru_cache

import sympy as sp

from .equiv import small
from .errors import ParseError
from .mathparse import as_formula, parse_tree

__all__ = ["form_of", "FORM_SLACK"]

FORM_SLACK = 2


def _flatten(node, kinds: tuple[str, ...]) -> list:
    """Operands of a chain of the same operations (through parentheses), with the op that introduced each."""
    out: list = []

    def walk(n, op):
        while n[0] == "paren" and n[1][0] in kinds:
            n = n[1]
        if n[0] in kinds:
            walk(n[1], op)
            walk(n[2], n[0] if op in (None, kinds[0]) else _flip(n[0], op))
        else:
            out.append((op, n))
    walk(node, None)
    return out


def _flip(kind: str, outer: str) -> str:
    pair = {"add": "sub", "sub": "add", "mul": "div", "div": "mul"}
    return pair[kind] if outer in ("sub", "div") else kind


def _strip(n):
    while n[0] == "paren":
        n = n[1]
    return n


def _num_value(n):
    n = _strip(n)
    if n[0] == "num":
        return sp.Rational(n[1])
    if n[0] == "neg":
        v = _num_value(n[1])
        return -v if v is not None else None
    return None


def _tree_issues(tree, text: str, var) -> list[str]:
    from .mathparse import _build  # the parser's own builder, so sub-terms are read exactly as the whole was

    env = {var.name: var}
    issues: list[str] = []

    def build(n):
        try:
            return _build(n, text, env)
        except Exception:  # noqa: BLE001 — a piece that cannot be built alone is not judged
            return None

    def add(msg):
        if msg not in issues:
            issues.append(msg)

    def visit(n):
        kind = n[0]
        if kind in ("add", "sub"):
            terms = _flatten(n, ("add", "sub"))
            nums = [t for _, t in terms if _num_value(t) is not None]
            if len(nums) >= 2:
                add("numbers left to add up")
            built = [build(t) for _, t in terms]
            if any(b == 0 for b in built if b is not None):
                add("a term that is zero")
            seen = {}
            for b in built:
                if b is None or b.is_number:
                    continue
                key = b.as_coeff_Mul()[1]
                if key in seen:
                    add("like terms not combined")
                seen[key] = True
            for _, t in terms:
                visit(t)
            return
        if kind in ("mul", "div"):
            factors = _flatten(n, ("mul", "div"))
            numer = [_num_value(t) for op, t in factors if op in (None, "mul")]
            denom = [_num_value(t) for op, t in factors if op == "div"]
            numer_n = [v for v in numer if v is not None]
            denom_n = [v for v in denom if v is not None]
            if len(numer_n) >= 2 or len(denom_n) >= 2:
                add("numbers left to multiply")
            elif numer_n and denom_n:
                p, q = numer_n[0], denom_n[0]
                if p.is_Integer and q.is_Integer and (math.gcd(int(p), int(q)) > 1 or q == 1):
                    add("a fraction not in lowest terms")
                elif not (p.is_Integer and q.is_Integer):
                    add("numbers left to divide")
            if any(v == 1 for v in numer_n) and len(factors) - len(denom) > 1 or any(v == 1 for v in denom_n):
                add("a factor 1")
            bases = {}
            for op, t in factors:
                b = build(t)
                if b is None or b.is_number:
                    continue
                base = b.base if b.is_Pow else b
                if base in bases:
                    add("the same base multiplied twice")
                bases[base] = True
            for _, t in factors:
                visit(t)
            return
        if kind == "pow":
            ev = _num_value(n[2])
            if ev is not None and ev in (0, 1):
                add(f"an exponent {ev}")
            bv = _num_value(n[1])
            if bv is not None and ev is not None and bv != 10 and ev.is_Integer and 1 < ev <= 12:
                add("a power of a number left to work out")
            visit(n[1])
            visit(n[2])
            return
        if kind == "neg":
            if _strip(n[1])[0] == "neg":
                add("a double minus")
            visit(n[1])
            return
        if kind == "paren":
            visit(n[1])
            return
        if kind == "call":
            visit(n[2])
            if n[3] is not None and isinstance(n[3], tuple):
                visit(n[3])
            return

    visit(tree)
    return issues


@lru_cache(maxsize=512)
def _key_forms(expected) -> tuple[frozenset, int]:
    """The key's usual textbook shapes (as given, expanded, factored, over one denominator) — each tried only when
    cheap — and the fewest operations among them."""
    forms = {expected}
    if small(expected, 80):
        for f in (sp.expand, sp.factor, sp.cancel, sp.together):
            try:
                forms.add(f(expected))
            except Exception:  # noqa: BLE001 — a failed rewrite just isn't a candidate
                continue
    return frozenset(forms), min(sp.count_ops(f) for f in forms)


def form_of(answer_text: str | None, answer, expected, var) -> dict:
    """{"simplified": bool, "issues": [short phrases]} for a correct answer; see the rule above.

    `answer_text` is what was typed (None when the answer came as SymPy: then only its size is judged); `answer`
    and `expected` are SymPy expressions or text.
    """
    answer, expected = as_formula(answer, var), as_formula(expected, var)
    issues = []
    if answer_text is not None:
        try:
            tree = parse_tree(answer_text, var.name)
            issues = _tree_issues(tree, answer_text, var)
        except (ParseError, RecursionError):
            issues = []
    if not issues and small(answer, 200):
        ops = sp.count_ops(answer)
        # Only an answer longer than the key itself needs the key's other shapes (factor() is the costly part).
        if ops > sp.count_ops(expected) + FORM_SLACK:
            forms, best = _key_forms(expected)
            if answer not in forms and ops > best + FORM_SLACK:
                issues.append("longer than needed")
    return {"simplified": not issues, "issues": issues}
