"""Math as a teacher writes it: one-line unicode (`6x(x² + 1)²`) and LaTeX (`\\log_{3}`, `\\ln 3`) from SymPy.

SymPy stores log_3(u) as log(u)/log(3); both printers fold that pattern back into a base-3 log, print ln of a
number without parentheses (`ln 3`), and keep √x and 1/x³ as a teacher would.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp
from sympy.printing.latex import LatexPrinter

from .functions import BY_SYMPY_NAME, BY_UNICODE, word_names
from .mathparse import as_expr, pair_log_bases

_SUP = str.maketrans("0123456789-xn", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻ˣⁿ")
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
MINUS = "−"

# From the one table of course functions: SymPy class name -> printed name, and the names printed as a word
# before their argument (a factor after one of them needs a space, not juxtaposition: 2x sin x).
_FUNC_NAMES = {name: f.unicode for name, f in BY_SYMPY_NAME.items() if f.unicode}
_WORDS = word_names()

# Precedence levels for deciding parentheses.
P_ADD, P_MUL, P_NEG, P_POW, P_ATOM = 10, 20, 25, 30, 40


def _log_base_split(expr):
    """If expr (a Mul) holds exactly one stored logₐ(u) = log(u)·(1/log a), return (a, u, the other factors)."""
    if not expr.is_Mul:
        return None
    factors = list(expr.args)
    consts = [f for f in factors if f.is_number]
    logs = [f for f in factors if isinstance(f, sp.log) and not f.args[0].is_number]
    left, bases = pair_log_bases(consts, logs)
    if len(bases) != 1 or len(logs) != 1:
        return None
    base = bases[0]
    rest = [f for f in factors if not f.is_number and f is not logs[0]] + left
    return base, logs[0].args[0], sp.Mul(*rest)


def _degree(t) -> float:
    """Rough degree of a term in its free symbol, for ordering sums as a teacher does (highest power first)."""
    if t.is_number:
        return 0.0
    if t.is_Symbol:
        return 1.0
    if t.is_Pow and t.exp.is_number:
        return float(t.exp) * _degree(t.base)
    if t.is_Mul:
        return sum(_degree(f) for f in t.args)
    if t.is_Add:
        return max(_degree(a) for a in t.args)
    return 0.0


@lru_cache(maxsize=8192)
def ordered_terms(e) -> list:
    """Terms of a sum in textbook order: powers of x by falling degree, then functions, constants last;
    a sum with functions starts with a positive term where it can (sin x − x cos x, not −x cos x + sin x)."""
    terms = list(e.as_ordered_terms())

    def has_function(t):
        return any(isinstance(a, (sp.Function, sp.exp, sp.log)) and not a.is_number
                   for a in sp.preorder_traversal(t))

    def key(t):
        if t.is_number:
            return (2, 0.0)
        return (1 if has_function(t) else 0, -_degree(t))

    terms.sort(key=key)
    if (all(has_function(t) for t in terms) or len(terms) == 2) and terms[0].could_extract_minus_sign():
        pos = [t for t in terms if not t.could_extract_minus_sign()]
        if pos:
            terms.remove(pos[0])
            terms.insert(0, pos[0])
    return tuple(terms)


def _is_const_log(e) -> bool:
    return isinstance(e, sp.log) and e.args[0].is_number


_P_CACHE: dict = {}


class TextPrinter:
    """One-line unicode printer; `neg_powers` prints x⁻³ instead of 1/x³ for families written that way."""

    def __init__(self, neg_powers: bool = False):
        self.neg_powers = neg_powers

    def __call__(self, expr) -> str:
        return self.p(readable_signs(as_expr(expr)))[0]

    def p(self, e):
        """(text, precedence) of e; memoised, since keys print the same subexpressions many times."""
        key = (e, self.neg_powers)
        hit = _P_CACHE.get(key)
        if hit is None:
            hit = self._p(e)
            if len(_P_CACHE) > 50_000:
                _P_CACHE.clear()
            _P_CACHE[key] = hit
        return hit

    # Each method returns (text, precedence).
    def _p(self, e):
        if e.is_Integer:
            return (str(e) if e >= 0 else MINUS + str(-e)), (P_ATOM if e >= 0 else P_NEG)
        if e.is_Rational:
            s = f"{abs(e.p)}/{e.q}"
            return (s if e > 0 else MINUS + s), (P_MUL if e > 0 else P_NEG)
        if e.is_Float:
            s = f"{float(e):g}"
            return (s.replace("-", MINUS)), P_ATOM
        if e is sp.E:
            return "e", P_ATOM
        if e is sp.pi:
            return "π", P_ATOM
        if e.is_Symbol:
            return e.name, P_ATOM
        if e.is_Add:
            return self.add(e)
        if e.is_Mul:
            return self.mul(e)
        if e.is_Pow:
            return self.pow(e)
        if isinstance(e, sp.exp):
            return self.power_text("e", e.args[0]), P_POW
        if isinstance(e, sp.log):
            arg = e.args[0]
            if arg.is_Integer and arg > 0:
                return f"ln {arg}", P_MUL
            return f"ln({self.p(arg)[0]})", P_ATOM
        if isinstance(e, sp.Abs):
            s = self.p(e.args[0])[0]
            # A bar inside bars is wrapped in parentheses, so that it cannot be read as closing them: |(2|x|)|.
            return (f"|({s})|" if "|" in s else f"|{s}|"), P_ATOM
        if isinstance(e, sp.Function):
            name = _FUNC_NAMES.get(type(e).__name__, type(e).__name__)
            return f"{name}({', '.join(self.p(a)[0] for a in e.args)})", P_ATOM
        return str(e), P_ATOM

    def wrap(self, e, prec_needed):
        s, prec = self.p(e)
        return f"({s})" if prec < prec_needed else s

    def add(self, e):
        return self.add_terms(ordered_terms(e))

    def add_terms(self, terms):
        """A sum of `terms`, in the order given."""
        out = ""
        for i, t in enumerate(terms):
            neg = t.could_extract_minus_sign()
            body = self.p(-t)[0] if neg else self.p(t)[0]
            if self.p(-t if neg else t)[1] < P_MUL:
                body = f"({body})"
            if i == 0:
                out = (MINUS if neg else "") + body
            else:
                out += f" {MINUS} " if neg else " + "
                out += body
        return out, P_ADD

    def mul(self, e):
        if e.could_extract_minus_sign():
            s, prec = self.p(-e)
            return MINUS + (f"({s})" if prec < P_MUL else s), P_NEG
        split = _log_base_split(e)
        num, den = [], []
        coeff, rest = e.as_coeff_Mul()
        factors = list(sp.Mul.make_args(rest))
        if split is not None:
            base, arg, rest2 = split
            coeff, rest = rest2.as_coeff_Mul()
            factors = list(sp.Mul.make_args(rest)) if rest != 1 else []
        for f in factors:
            if f.is_Pow and f.exp.is_number and f.exp.is_negative and not (self.neg_powers and f.base.is_Symbol):
                den.append(f.base if f.exp == -1 else sp.Pow(f.base, -f.exp))
            else:
                num.append(f)
        # Textbook order: coefficient, powers of x, parenthesised sums, functions, constant logs last.
        num.sort(key=self._order)
        den.sort(key=self._order)
        num_s = self.juxtapose(num)
        if split is not None:
            lb = f"log{self._sub(base)}({self.p(arg)[0]})"
            num_s = (num_s + " " + lb).strip() if num_s else lb
        c_num = coeff.p if coeff.is_Rational else coeff
        c_den = coeff.q if coeff.is_Rational else 1
        if c_num != 1 or not num_s:
            cs = self.p(as_expr(c_num))[0]
            if num_s and (num_s[0].isdigit() or num_s[0] == "("):
                num_s = cs + ("·" if num_s[0].isdigit() else "") + num_s
            elif num_s and num_s.startswith(_WORDS):
                num_s = cs + num_s
            else:
                num_s = cs + num_s
        if c_den != 1:
            den.insert(0, sp.Integer(c_den))
        if not den:
            single = len(num) == 1 and c_num == 1 and split is None
            return num_s, (self.p(num[0])[1] if single else P_MUL)
        den_s = self.juxtapose(den)
        if len(den) > 1:
            den_s = f"({den_s})"
        return f"{num_s}/{den_s}", P_MUL

    @staticmethod
    def _needs_group(s: str) -> bool:
        return " + " in s or f" {MINUS} " in s

    @staticmethod
    def _sub(base) -> str:
        return str(base).translate(_SUB) if base.is_Integer else f"_{base}"

    def _order(self, f):
        if f.is_number and (_is_const_log(f) or f.has(sp.log)):
            return (5, str(f))
        if f.is_number:
            return (0, str(f))
        if f.is_Symbol or (f.is_Pow and f.base.is_Symbol):
            return (1, str(f))
        if f.is_Add or (f.is_Pow and f.base.is_Add):
            return (2, sp.default_sort_key(f))
        return (3, sp.default_sort_key(f))

    def juxtapose(self, factors) -> str:
        """Factors side by side, with '·' wherever plain juxtaposition would read back differently:
        √2·x (not √(2x)), e^π·π³, 2·3ˣ, ln 3·x."""
        out = ""
        prev = ""
        for f in factors:
            s, prec = self.p(f)
            if prec < P_MUL or (f.is_Add):
                s = f"({s})"
            elif prec == P_MUL and not _is_const_log(f):
                s = f"({s})"
            if not out:
                out = prev = s
                continue
            function_next = _is_const_log(f) or s.startswith(_WORDS)
            open_radical = prev.startswith(("√", "∛")) and not prev.endswith(")")
            open_power = "^" in prev and not prev.endswith(")")
            if s[0].isdigit() or (open_radical and not function_next) or open_power or \
                    (prev.startswith("ln ") and not function_next):
                out += "·" + s
            elif function_next:
                out += " " + s
            else:
                out += s
            prev = s
        return out

    def power_text(self, base_s: str, exp) -> str:
        es, eprec = self.p(exp)
        plain = es.replace(MINUS, "-")
        if all(c in "0123456789-xn" for c in plain) and plain.count("-") <= 1 and (plain.lstrip("-").isdigit() or plain.lstrip("-") in ("x", "n")):
            return base_s + plain.translate(_SUP)
        return f"{base_s}^({es})" if eprec < P_ATOM or len(es) > 1 else f"{base_s}^{es}"

    def pow(self, e):
        b, x = e.base, e.exp
        if x.is_Rational and x.is_negative and not (self.neg_powers and b.is_Symbol):
            return self._recip(e)
        if x == sp.Rational(1, 2):
            return "√" + self._radicand(b), P_POW
        if x == sp.Rational(1, 3):
            return "∛" + self._radicand(b), P_POW
        row = BY_SYMPY_NAME.get(type(b).__name__) if isinstance(b, sp.Function) else None
        if row is not None and row.power_on_name and x.is_Integer and x > 0:
            name = _FUNC_NAMES.get(type(b).__name__, type(b).__name__)
            return f"{name}{str(x).translate(_SUP)}({self.p(b.args[0])[0]})", P_ATOM
        bs, bprec = self.p(b)
        # sin(x)² reads as (sin x)²; e^(…) and sums/products as a base need parentheses.
        if isinstance(b, sp.exp) or _is_const_log(b) or (bprec < P_ATOM and not b.is_Function):
            bs = f"({bs})"
        return self.power_text(bs, x), P_POW

    def _radicand(self, b) -> str:
        s = self.p(b)[0]
        return s if (b.is_Symbol or (b.is_Integer and b > 0) or b in (sp.pi, sp.E)) else f"({s})"

    def _recip(self, e):
        inv = sp.Pow(e.base, -e.exp)
        s, prec = self.p(inv)
        if prec < P_POW and not (inv.is_Symbol or _is_const_log(inv)):
            s = f"({s})"
        return f"1/{s}", P_MUL


def readable_signs(e):
    """sign(u) (SymPy's derivative of |u|) as u/|u|, which the parser reads (for u ≠ 0, where |u|′ exists)."""
    if isinstance(e, sp.Basic) and e.has(sp.sign):
        return e.replace(sp.sign, lambda u: u / sp.Abs(u))
    return e


class QuizLatexPrinter(LatexPrinter):
    """SymPy's LaTeX with `\\ln 3`, base-a logs as `\\log_{a}`, folded fractional powers and full inverse-trig names."""

    def __init__(self, settings=None):
        base = {"ln_notation": True, "fold_frac_powers": True, "inv_trig_style": "full", "mul_symbol": None}
        base.update(settings or {})
        super().__init__(base)

    # {sum: its terms in the order to print them} for this printer (to_latex(..., terms=...)): a key's sum in the
    # order of the question's terms.
    term_order: dict = {}

    def _as_ordered_terms(self, expr, order=None):
        if expr.is_Add:
            given = self.term_order.get(expr)
            return list(given) if given is not None else ordered_terms(expr)
        return super()._as_ordered_terms(expr, order=order)

    def _hprint_Function(self, func: str) -> str:
        # SymPy passes the printed name (arcsin after its inverse-trig renaming); the table has its LaTeX.
        row = BY_UNICODE.get(func)
        return row.latex if row is not None else super()._hprint_Function(func)

    def _print_log(self, expr, exp=None):
        arg = expr.args[0]
        if arg.is_Integer and arg > 0:
            tex = rf"\ln {arg}"
            return rf"\left(\ln {arg}\right)^{{{exp}}}" if exp else tex
        return super()._print_log(expr, exp)

    def _print_Mul(self, expr):
        split = _log_base_split(expr)
        if split is None:
            # Textbook factor order, as in the unicode form: (2x + 4)·6^{x² + 4x} ln 6, 3^{sin x} cos x ln 3
            # (SymPy would put the power first and ln a in the middle).
            if sp.fraction(expr)[1] == 1 and not expr.could_extract_minus_sign():
                coeff, rest = expr.as_coeff_Mul()
                factors = sorted(sp.Mul.make_args(rest), key=_text_default._order)
                if len(factors) > 1:
                    parts = [] if coeff == 1 else [self._print(coeff)]
                    for f in factors:
                        tex = self._print(f)
                        if f.is_Add:
                            tex = rf"\left({tex}\right)"
                        if parts and (tex[0].isdigit()):
                            parts.append(r"\cdot")
                        parts.append(tex)
                    return " ".join(parts)
            return super()._print_Mul(expr)
        base, arg, rest = split
        lb = rf"\log_{{{self._print(base)}}}{{\left({self._print(arg)} \right)}}"
        sign = ""
        if rest.could_extract_minus_sign():
            sign, rest = "- ", -rest
        n, d = sp.fraction(rest)
        n_tex = "" if n == 1 else self._print(n)
        if n.is_Add:
            n_tex = rf"\left({n_tex}\right)"
        top = f"{n_tex} {lb}".strip()
        if d == 1:
            return sign + top
        return sign + rf"\frac{{{top}}}{{{self._print(d)}}}"


_text_default = TextPrinter()
_text_negpow = TextPrinter(neg_powers=True)
_latex = QuizLatexPrinter()


def to_text(expr, neg_powers: bool = False, terms=None) -> str:
    """One-line unicode form: `6x(x² + 1)²`, `2x/((x² + 1) ln 3)`, `log₃(x)`.

    `terms`: for a sum, its terms in the order to print them (keyform.question_order); else textbook order."""
    printer = _text_negpow if neg_powers else _text_default
    if terms is not None and as_expr(expr).is_Add:
        return printer.add_terms(tuple(terms))[0]
    return printer(expr)


def text_or_str(expr) -> str:
    """to_text, or SymPy's str when the printer fails: a printer gap must never lose a verdict or feedback."""
    try:
        return to_text(expr)
    except Exception:  # noqa: BLE001 — any printer failure falls back to the plain form
        return str(expr)


def to_latex(expr, terms=None) -> str:
    """LaTeX for typesetting: `\\ln 3`, `\\log_{3}`, folded fractional powers; `terms` as in to_text."""
    expr = as_expr(expr)
    if terms is not None and expr.is_Add:
        printer = QuizLatexPrinter()  # its own instance: the quiz draws problems in a thread while it prints
        printer.term_order = {expr: tuple(terms)}
        return printer.doprint(expr)
    return _latex.doprint(readable_signs(expr))


def to_sympy_str(expr) -> str:
    """SymPy's own Python syntax (`str(expr)`), readable back by any tool."""
    return str(expr)


# ---------------------------------------------------------------------------------------------------------------
# The "read as" echo: what the student typed, in the structure they typed it (2(x² + 6), not SymPy's 2x² + 12), only
# made unambiguous — unicode powers and minus signs, '·' where juxtaposition would read differently, parentheses
# where the parser's grouping is not what the eye sees (1/2x is (1/2)x). Printed from the parser's tree, never from
# SymPy: grading still uses the parsed value, and the echo parses back to the same value (tests/test_echo.py).

_SUP_OK = set("0123456789")


def typed_text(text: str, var: str = "x", names: tuple[str, ...] = (), *, equation: bool = False) -> str | None:
    """The echo of typed `text` (None when it does not parse: the caller shows its SymPy form instead)."""
    from .mathparse import LimitError, ParseError, VariableError, parse_tree

    try:
        tree = parse_tree(text, var, names, equation=equation)
        return _Echo().p(tree)[0]
    except (ParseError, LimitError, VariableError, RecursionError):
        return None


class _Echo:
    """Tree → text. Each method returns (text, precedence, open): `open` when a factor written right after it
    would be swallowed by it (√x y is √(xy), e^t x reads as e^(tx)), so juxtaposition needs '·'."""

    def p(self, node):
        return getattr(self, "_" + node[0])(node)

    def _num(self, node):
        return node[1], P_ATOM, False

    def _name(self, node):
        return ("π" if node[1] == "pi" else node[1]), P_ATOM, False

    def _paren(self, node):
        inner = node[1]
        s, prec, _ = self.p(inner)
        if inner[0] in ("num", "name", "paren") or (inner[0] == "call" and not self._prefix(inner)):
            return s, prec, False
        return f"({s})", P_ATOM, False

    def _neg(self, node):
        s, prec, op = self.p(node[1])
        if prec < P_MUL or s.startswith(MINUS):
            s, op = f"({s})", False
        return MINUS + s, P_NEG, op

    def _eq(self, node):
        return f"{self.p(node[1])[0]} = {self.p(node[2])[0]}", P_ADD, False

    def _add(self, node, sign="+"):
        a = self.p(node[1])[0]
        b, prec, _ = self.p(node[2])
        if prec < P_MUL or b.startswith(MINUS):
            b = f"({b})"
        return f"{a} {sign} {b}", P_ADD, False

    def _sub(self, node):
        return self._add(node, MINUS)

    def _mul(self, node):
        left, right = node[1], node[2]
        a, aprec, aopen = self.p(left)
        b, bprec, bopen = self.p(right)
        if aprec < P_MUL or left[0] == "div":
            a, aopen = f"({a})", False
        if bprec < P_MUL or b.startswith(MINUS) or right[0] == "div":
            b = f"({b})"
        word_next = right[0] == "call" and not self._prefix(right) and right[1] != "abs" and b[0].isalpha()
        if b[0].isdigit() or b[0] == "." or aopen:
            sep = "·"
        elif word_next:
            sep = "" if a[-1].isdigit() and not a.startswith(MINUS + "(") else " "
        elif left[0] == "call" and a.endswith(")") and (b[0].isalpha() or b[0] in "π√∛"):
            sep = "·"  # sin(x)·x, not sin(x)x
        else:
            sep = ""
        prec = P_NEG if a.startswith(MINUS) else P_MUL
        return a + sep + b, prec, bopen

    def _div(self, node):
        a, aprec, _ = self.p(node[1])
        b, bprec, _ = self.p(node[2])
        if aprec < P_NEG:
            a = f"({a})"
        if bprec < P_POW or b.startswith(MINUS) or node[2][0] in ("mul", "div"):
            b = f"({b})"
        return f"{a}/{b}", P_MUL, False

    def _pow(self, node):
        base, exp = node[1], node[2]
        e, eprec, _ = self.p(exp)
        plain = e.replace(MINUS, "-")
        sup = plain.lstrip("-")
        superscript = plain.count("-") <= 1 and (plain[0] != "-" or len(plain) > 1) and (
            (sup and set(sup) <= _SUP_OK) or sup in ("x", "n"))
        if base[0] == "call" and not self._prefix(base) and base[1] != "abs" and base[3] is None:
            row = _BY_SPELLING_LAZY().get(base[1])
            if row is not None and row.power_on_name and exp[0] == "num" and exp[1].isdigit():
                arg = self._arg(base[2])
                return f"{self._fname(base)}{exp[1].translate(_SUP)}{arg}", P_ATOM, False
        b, bprec, _ = self.p(base)
        if bprec < P_ATOM or (base[0] == "call" and base[1] != "abs") or b.endswith(tuple("⁰¹²³⁴⁵⁶⁷⁸⁹⁻ˣⁿ")):
            b = f"({b})"
        if superscript:
            return b + plain.translate(_SUP), P_POW, False
        if exp[0] == "paren" or (eprec == P_ATOM and len(e) == 1):
            return f"{b}^{e}", P_POW, exp[0] != "paren"
        return f"{b}^({e})", P_POW, False

    @staticmethod
    def _prefix(node) -> bool:
        row = _BY_SPELLING_LAZY().get(node[1])
        return row is not None and row.prefix is not None and node[1] == row.name

    def _fname(self, node) -> str:
        row = _BY_SPELLING_LAZY()[node[1]]
        if node[1] in ("log10", "log2"):
            return "log" + node[1][3:].translate(_SUB)
        return row.unicode or row.name

    def _arg(self, arg) -> str:
        s, _, _ = self.p(arg)
        if (arg[0] == "paren" and s.startswith("(")) or (arg[0] == "call" and arg[1] == "abs"):
            return s  # sin(x + 1), ln|x|
        return f"({s})"

    def _call(self, node):
        _, name, arg, base, _pos = node
        if name == "abs":
            s = self.p(arg)[0]
            return (f"|({s})|" if "|" in s else f"|{s}|"), P_ATOM, False
        row = _BY_SPELLING_LAZY()[name]
        if row.prefix is not None and name == row.name:
            s, prec, _ = self.p(arg)
            if arg[0] in ("num", "name") and not row.prefix.isalpha():  # √x, ∛8; a letter keeps parentheses: σ(x)
                return row.prefix + s, P_POW, True
            return row.prefix + self._arg(arg), P_POW, False
        if base is not None:
            b = self.p(base)[0]
            if base[0] == "num" and base[1].isdigit():
                fname = "log" + base[1].translate(_SUB)
            elif base[0] == "name" and base[1] == "e":
                fname = "ln"
            else:
                fname = f"log_({b})"
            return fname + self._arg(arg), P_ATOM, False
        return self._fname(node) + self._arg(arg), P_ATOM, False


def _BY_SPELLING_LAZY():  # noqa: N802 — the table, read where the echo needs it
    from .functions import BY_SPELLING

    return BY_SPELLING
