"""The one safe parser: typed or bank text -> SymPy, by a whitelist grammar, with positions for errors.

Nothing here evaluates text as Python. Text is tokenized, parsed by recursive descent into a small tree of
tuples, checked against size limits, and only then built into SymPy objects from a fixed table of functions.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from .errors import LimitError, ParseError, VariableError
from .functions import BY_PREFIX, BY_SPELLING, NOT_IN_COURSE, listed_names

MAX_LENGTH = 1000
MAX_DEPTH = 40
MAX_DIGITS = 30  # digits in one literal
MAX_MAGNITUDE_DIGITS = 100  # a folded constant may reach 10^100, no further

# Unicode spellings folded to ASCII before tokenizing; positions are kept 1:1 (each maps to one char).
_FOLD = {
    "−": "-", "–": "-", "—": "-", "·": "*", "×": "*", "⋅": "*", "∙": "*", "÷": "/",
    "π": "\x01", "［": "[", "］": "]", "（": "(", "）": ")",
}
_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8",
                 "⁹": "9", "⁻": "-", "ˣ": "x", "ⁿ": "n"}
_DIGITS = "0123456789"  # not str.isdigit: that accepts '²' too
_SUBSCRIPTS = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7", "₈": "8", "₉": "9"}

# Every spelling of a course function -> its row (quizgen.functions is the one list of functions).
FUNCTIONS = BY_SPELLING
CONSTANTS = {"e", "pi"}
# Words refused with "not supported" instead of being split into letters: functions outside the course, and
# Python words (a pasted program fails with a clear message, not "unknown name 'mport'").
_KNOWN_NOT_SUPPORTED = (NOT_IN_COURSE - BY_SPELLING.keys()) | {"lambda", "import", "exec", "eval", "open", "os", "sys"}
# Function words refused even inside a longer word (never split into letters around them).
_REFUSED_WORDS = tuple(sorted(NOT_IN_COURSE - BY_SPELLING.keys(), key=len, reverse=True))


@dataclass(frozen=True)
class Tok:
    kind: str  # num, name, op, sup (superscript exponent text), sub (subscript base), end
    text: str
    pos: int


def _fold(text: str) -> str:
    out = []
    for ch in text:
        if ch in _FOLD:
            out.append(_FOLD[ch])
        elif ch in _SUPERSCRIPTS or ch in _SUBSCRIPTS:
            out.append(ch)
        elif ch in "\t\r\n\u00a0\u2009\u202f":
            out.append(" " if ch != "\n" and ch != "\r" else "\n")
        elif ord(ch) >= 0x2100:
            out.append(_math_letter(ch))
        else:
            out.append(ch)
    return "".join(out)


def _math_letter(ch: str) -> str:
    """𝑥 (pasted from Word or a PDF), ℯ, 𝟐: a mathematical alphanumeric or letterlike symbol whose compatibility
    form is one ASCII letter or digit, as that letter or digit (one char for one: positions stay)."""
    if 0x1D400 <= ord(ch) <= 0x1D7FF or 0x2100 <= ord(ch) <= 0x214F:
        plain = unicodedata.normalize("NFKC", ch)
        if len(plain) == 1 and plain.isascii() and plain.isalnum():
            return plain
    return ch


def tokenize(text: str, names: frozenset[str], equation: bool = False) -> list[Tok]:
    """Split folded text into tokens; `names` are the identifiers allowed besides functions and constants.

    `equation`: '=' is a token (only line answers are equations; everywhere else '=' is refused with a hint)."""
    s = _fold(text)
    toks: list[Tok] = []
    i, n = 0, len(s)
    depth = 0
    while i < n:
        ch = s[i]
        if ch == " ":
            i += 1
            continue
        if ch == "\n":
            raise ParseError("a formula must be on one line", text, i, "remove the line break")
        if ch in _DIGITS or (ch == "." and i + 1 < n and s[i + 1] in _DIGITS):
            j = i
            while j < n and (s[j] in _DIGITS or s[j] == "."):
                j += 1
            lit = s[i:j]
            if lit.count(".") > 1:
                raise ParseError("a number has more than one decimal point", text, i + lit.index(".", lit.index(".") + 1))
            if len(lit.replace(".", "")) > MAX_DIGITS:
                raise LimitError(f"number literal too long (limit {MAX_DIGITS} digits)", text, i)
            toks.append(Tok("num", lit, i))
            i = j
            continue
        if ch.isalpha() and ch.isascii():
            j = i
            while j < n and s[j].isascii() and s[j].isalpha():
                j += 1
            parts = _split_word(s[i:j], i, text, names)
            if j < n and s[j] in _DIGITS:
                j = _glued_digits(parts, s, j, text, toks)
            toks.extend(parts)
            i = j
            continue
        if ch == "|":
            toks.append(Tok("op", "|", i))
            i += 1
            continue
        table = _SUPERSCRIPTS if ch in _SUPERSCRIPTS else _SUBSCRIPTS if ch in _SUBSCRIPTS else None
        if table is not None:  # x²³ or log₁₀: a run of small digits is one exponent or one base
            j = i
            while j < n and s[j] in table:
                j += 1
            toks.append(Tok("sup" if table is _SUPERSCRIPTS else "sub", "".join(table[c] for c in s[i:j]), i))
            i = j
            continue
        if ch == "*" and i + 1 < n and s[i + 1] == "*":
            toks.append(Tok("op", "^", i))
            i += 2
            continue
        if ch in "[]" or (ch in "{}" and not (ch == "{" and toks and toks[-1].text == "_") and not (ch == "}" and _open_brace(toks))):
            raise ParseError(f"unexpected {ch!r}", text, i, "use ( ) for grouping; subscripts and lists are not allowed")
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise LimitError(f"too deeply nested (limit {MAX_DEPTH} levels)", text, i)
            toks.append(Tok("op", "(", i))
            i += 1
            continue
        if ch in ")]}":
            depth -= 1
            toks.append(Tok("op", ")", i))
            i += 1
            continue
        if ch == "_" and i + 1 < n and s[i + 1] == "_":
            raise ParseError("'__' is not allowed in a formula", text, i, "formulas are math, not Python")
        if ch in "+-*/^,_" or (equation and ch == "="):
            toks.append(Tok("op", ch, i))
            i += 1
            continue
        if ch == "\x01":
            toks.append(Tok("name", "pi", i))
            i += 1
            continue
        if ch in BY_PREFIX:  # √x, ∛x: the sign stands for the function's name
            toks.append(Tok("name", BY_PREFIX[ch].name, i))
            i += 1
            continue
        raise ParseError(f"unexpected character {_show(text[i])}", text, i, _char_hint(text[i]))
    toks.append(Tok("end", "", n))
    return toks


# log10 and log2 are the calculator's names of the base-10 and base-2 logs: the digits belong to the name.
_LOG_DIGITS = {"log": ("10", "2")}


def _glued_digits(parts: list[Tok], s: str, j: int, text: str, toks: list[Tok]) -> int:
    """A run of letters followed at once by digits (x2, log10, sin2x, 3e2): where the digits belong.

    log10, log2: one name (parts' last token is replaced). sin2x, ln2: the function's argument (the digits stay a
    number). 3e2: scientific notation, read with Euler's number e (reading_notes says so). Otherwise — x2, a2, e2,
    pi2 — a student may mean 2x or x², and an ambiguous reading is never graded: ParseError offering both.
    Returns where tokenizing goes on."""
    k = j
    while k < len(s) and s[k] in _DIGITS:
        k += 1
    digits = s[j:k]
    last = parts[-1]
    if last.text in _LOG_DIGITS:
        if digits in _LOG_DIGITS[last.text] and not (k < len(s) and s[k] == "."):
            parts[-1] = Tok("name", last.text + digits, last.pos)
            return k
        raise ParseError(f"'{last.text}{digits}' is ambiguous", text, last.pos,
                         f"type log_{digits}(x) for the base-{digits} log, or log({digits}x) for ln({digits}x)")
    if last.text in FUNCTIONS:
        return j
    if last.text == "e" and len(parts) == 1 and toks and toks[-1].kind == "num" \
            and toks[-1].pos + len(toks[-1].text) == last.pos:
        return j  # 3e2: read as 3·e·2, and noted
    name = "π" if last.text == "pi" else last.text
    shown = last.text
    raise ParseError(f"'{shown}{digits}' is ambiguous", text, last.pos,
                     f"type {digits}{shown} for {digits}·{name} or {shown}^{digits} for {name} to the power {digits}")


def _open_brace(toks: list[Tok]) -> bool:
    """True when the last unclosed bracket is the '{' of log_{b}."""
    level = 0
    for k in range(len(toks) - 1, -1, -1):
        t = toks[k]
        if t.text == ")":
            level += 1
        elif t.text == "(":
            if level == 0:
                return k > 0 and toks[k - 1].text == "_"
            level -= 1
    return False


def _show(ch: str) -> str:
    if ch.isprintable() and not ch.isspace():
        return repr(ch)
    return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'control character').lower()})"


def _char_hint(ch: str) -> str | None:
    return {
        "'": "quotes and strings are not allowed; for a derivative type only its formula",
        '"': "quotes and strings are not allowed",
        "=": "type only the expression, without 'y =' or an equation",
        ";": "type one expression only",
        ".": "attributes are not allowed",
        "!": "factorials are not supported",
        "[": "use parentheses",
        "%": "use / for division",
    }.get(ch)


def _split_word(word: str, pos: int, text: str, names: frozenset[str]) -> list[Tok]:
    """Split a run of letters into known names: 'xsinx' -> x sin x, 'xe' -> x e (implicit multiplication)."""
    if word in names or word in FUNCTIONS or word in CONSTANTS:
        return [Tok("name", word, pos)]
    if word.lower() in _KNOWN_NOT_SUPPORTED or word.startswith("__"):
        raise ParseError(f"{word!r} is not a supported function or name", text, pos, _refused_hint(word.lower()))
    known = sorted(set(FUNCTIONS) | CONSTANTS | names, key=len, reverse=True)
    out: list[Tok] = []
    i = 0
    while i < len(word):
        # A function word outside the course inside a longer word (xacot, 2lgx) is refused, never split into a
        # shorter function and letters: the longest word starting here decides.
        refused = max((w for w in _REFUSED_WORDS if word.startswith(w, i)), key=len, default="")
        for k in known:
            if word.startswith(k, i) and len(k) >= len(refused):
                out.append(Tok("name", k, pos + i))
                i += len(k)
                break
        else:
            if refused:
                raise ParseError(f"{refused!r} is not a supported function" + (f" (in {word!r})" if refused != word
                                 else ""), text, pos + i, _refused_hint(refused))
            bad = word[i:]
            if word[i] in ("E", "X") and word[i].lower() in names | CONSTANTS:
                hint = f"names are case-sensitive: did you mean {word[i].lower()!r}?"
            elif word in ("In", "Ln", "LN"):
                hint = "did you mean ln (lower-case L)?"
            elif len(names) == 1:
                hint = f"the variable is {next(iter(names))!r}; " + _supported_hint()
            else:
                hint = _supported_hint()
            raise ParseError(f"unknown name {bad!r}" if bad == word else f"unknown name {bad!r} in {word!r}",
                             text, pos + i, hint)
    return out


def _refused_hint(word: str) -> str:
    if word == "lg":
        return ("lg means log base 10 on calculators and in many countries, but log base 2 in computer science: "
                "type log10(x) for log base 10 or log2(x) for log base 2")
    if word in ("sgn", "sign"):
        return "type x/|x| for the sign of x"
    return _supported_hint()


def _supported_hint() -> str:
    return f"functions: {' '.join(listed_names())}; constants: {' '.join(sorted(CONSTANTS))}"


# ---------------------------------------------------------------------------------------------------------------
# Parsing into a small tree: ("num", str) ("name", str) ("neg", a) ("add", a, b) ("sub", a, b) ("mul", a, b)
# ("div", a, b) ("pow", a, b) ("call", fname, [args], pos) ("logb", base, arg). Every node carries its position.


class _Parser:
    def __init__(self, text: str, toks: list[Tok], var: str):
        self.text = text
        self.toks = toks
        self.i = 0
        self.var = var
        self.bars = 0  # |…| open around the current point (inside parentheses: 0 again), see atom()
        self.bar_levels = 0  # |…| open around the current point, parentheses or not (bounded as they are)

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def take(self) -> Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def error(self, msg: str, tok: Tok | None = None, hint: str | None = None) -> ParseError:
        t = tok or self.tok
        return ParseError(msg, self.text, t.pos, hint)

    def expect_close(self, open_tok: Tok):
        if self.tok.kind == "op" and self.tok.text == ")":
            self.take()
            return
        if self.tok.kind == "end":
            raise self.error("this parenthesis is never closed", open_tok, "add ')'")
        raise self.error(f"expected ')' but found {self.tok.text!r}", self.tok)

    def parse(self):
        if self.tok.kind == "end":
            raise ParseError("empty input", self.text, 0, "type a formula, e.g. 3x^2")
        node = self.sum()
        return self.finish(node)

    def equation(self):
        """lhs = rhs, or a bare right-hand side: ("eq", lhs, rhs, pos) or the expression node."""
        if self.tok.kind == "end":
            raise ParseError("empty input", self.text, 0, "type the line, e.g. y = 2x - 1")
        if self.tok.text == "=":
            raise self.error("'=' needs something before it", self.tok, "e.g. y = 2x - 1")
        lhs = self.sum()
        if not (self.tok.kind == "op" and self.tok.text == "="):
            return self.finish(lhs)
        eq = self.take()
        if self.tok.kind == "end":
            raise self.error("'=' needs something after it", eq, "e.g. y = 2x - 1")
        rhs = self.sum()
        if self.tok.kind == "op" and self.tok.text == "=":
            raise self.error("an equation has one '='", self.tok, "write the line as y = mx + b")
        return ("eq", lhs, self.finish(rhs), eq.pos)

    def finish(self, node):
        if self.tok.kind != "end":
            t = self.tok
            if t.text == ")":
                raise self.error("unmatched ')'", t, "remove it or add a matching '('")
            if t.text == ",":
                raise self.error("unexpected ','", t, "only log(x, b) takes two arguments")
            raise self.error(f"unexpected {t.text!r}", t)
        return node

    def sum(self):
        node = self.product()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.take()
            if self.tok.kind == "end" or (self.tok.kind == "op" and self.tok.text in ")+*/^,="):
                raise self.error(f"'{op.text}' needs something after it", op)
            rhs = self.product()
            node = ("add" if op.text == "+" else "sub", node, rhs, op.pos)
        return node

    def starts_factor(self) -> bool:
        t = self.tok
        # Inside |…| a bar after a factor closes it; outside one it opens a factor: 2|x|, x|x + 1|.
        return t.kind in ("num", "name") or (t.kind == "op" and (t.text == "(" or (t.text == "|" and not self.bars)))

    def product(self):
        node = self.unary()
        while True:
            t = self.tok
            if t.kind == "op" and t.text in "*/":
                self.take()
                if self.tok.kind == "end" or (self.tok.kind == "op" and self.tok.text in ")*/^,="):
                    raise self.error(f"'{t.text}' needs something after it", t)
                rhs = self.unary()
                node = ("mul" if t.text == "*" else "div", node, rhs, t.pos)
            elif self.starts_factor():
                if t.kind == "num" and _ends_with_number(node):
                    raise self.error("two numbers side by side", t, "put * between them")
                rhs = self.power()
                node = ("mul", node, rhs, t.pos)
            else:
                return node

    def unary(self):
        t = self.tok
        if t.kind == "op" and t.text in "+-":
            self.take()
            if self.tok.kind == "end":
                raise self.error(f"'{t.text}' needs something after it", t)
            inner = self.unary()
            return ("neg", inner, t.pos) if t.text == "-" else inner
        return self.power()

    def power(self):
        base = self.atom()
        return self.exponents(base)

    def exponents(self, base):
        while True:
            t = self.tok
            if t.kind == "sup":
                self.take()
                base = ("pow", base, _sup_node(t, self), t.pos)
            elif t.kind == "op" and t.text == "^":
                self.take()
                if self.tok.kind == "end":
                    raise self.error("'^' needs an exponent after it", t, "e.g. x^2")
                # Right-associative, and the exponent is one atom (with its own sign and powers): e^x(2x+2)
                # is e^x times (2x+2), as a student means it.
                exp = self.signed_power()
                return ("pow", base, exp, t.pos)
            else:
                return base

    def signed_power(self):
        t = self.tok
        if t.kind == "op" and t.text in "+-":
            self.take()
            inner = self.signed_power()
            return ("neg", inner, t.pos) if t.text == "-" else inner
        return self.power()

    def atom(self):
        t = self.tok
        if t.kind == "num":
            self.take()
            return ("num", t.text, t.pos)
        if t.kind == "op" and t.text == "(":
            self.take()
            if self.tok.kind == "op" and self.tok.text == ")":
                raise self.error("empty parentheses", t)
            bars, self.bars = self.bars, 0
            inner = self.sum()
            self.expect_close(t)
            self.bars = bars
            return ("paren", inner, t.pos)
        if t.kind == "op" and t.text == "|":  # |u| is abs(u); where a factor is expected a bar always opens one
            self.take()
            self.bars += 1
            self.bar_levels += 1
            if self.bar_levels > MAX_DEPTH:
                raise LimitError(f"too deeply nested (limit {MAX_DEPTH} levels)", self.text, t.pos)
            inner = self.sum()
            if not (self.tok.kind == "op" and self.tok.text == "|"):
                if self.tok.kind == "end":
                    raise self.error("this '|' is never closed", t, "add '|' after the absolute value's inside")
                raise self.error(f"expected '|' but found {self.tok.text!r}", self.tok)
            self.take()
            self.bars -= 1
            self.bar_levels -= 1
            return ("call", "abs", inner, None, t.pos)
        if t.kind == "name":
            self.take()
            if t.text in FUNCTIONS:
                return self.call(t)
            return ("name", t.text, t.pos)
        if t.kind == "sup":
            raise self.error("an exponent needs something before it", t)
        if t.kind == "end":
            raise self.error("the formula ends too early", t, "something is missing at the end")
        if t.text == ")":
            raise self.error("unmatched ')'", t, "remove it or add a matching '('")
        if t.text == "_":
            raise self.error("unexpected '_'", t, "subscripts only follow log, as in log_3(x)")
        raise self.error(f"unexpected {t.text!r}", t, "something is missing before it")

    def call(self, fn: Tok):
        name = fn.text
        base = None
        power = None
        takes_base = FUNCTIONS[name].base == name
        if takes_base and self.tok.kind == "sub":
            base = ("num", self.take().text, fn.pos)
        elif takes_base and self.tok.kind == "op" and self.tok.text == "_":
            us = self.take()
            if self.tok.kind == "num":
                bt = self.take()
                base = ("num", bt.text, bt.pos)
            elif self.tok.kind == "name" and self.tok.text in ("e",):
                bt = self.take()
                base = ("name", bt.text, bt.pos)
            elif self.tok.kind == "op" and self.tok.text == "(":
                open_tok = self.take()
                base = self.sum()
                self.expect_close(open_tok)
            else:
                raise self.error("log_ needs a base after '_'", us, "e.g. log_3(x)")
        # sin^2(x) / sin²x: a power written on the function name applies to the result.
        if self.tok.kind == "sup" or (self.tok.kind == "op" and self.tok.text == "^"):
            t = self.tok
            if t.kind == "sup":
                self.take()
                power = _sup_node(t, self)
            else:
                self.take()
                power = self.signed_power()
            if _is_minus_one(power):
                raise self.error(f"{name}^-1 is ambiguous", t, f"write arc{name}(x) for the inverse or 1/{name}(x)")
        if self.tok.kind == "op" and self.tok.text == "(":
            open_tok = self.take()
            if self.tok.kind == "op" and self.tok.text == ")":
                raise self.error(f"{name}() needs an argument", self.tok)
            args = [self.sum()]
            while self.tok.kind == "op" and self.tok.text == ",":
                comma = self.take()
                if not takes_base or len(args) >= 2 or base is not None:
                    raise self.error(f"{name} takes one argument", comma, "only log(x, b) takes a base")
                args.append(self.sum())
            self.expect_close(open_tok)
            if len(args) == 2:
                base = args[1]
            node = ("call", name, args[0], base, fn.pos)
        elif self.tok.kind == "end" or (self.tok.kind == "op" and self.tok.text in ")+-*/,^="):
            raise self.error(f"{name} needs an argument", fn, f"e.g. {name}(x)")
        else:
            # Without parentheses a function takes the juxtaposed factors that follow it: sin 2x, ln x, 2x ln 3.
            arg = self.implicit_arg()
            node = ("call", name, arg, base, fn.pos)
        if power is not None:
            node = ("pow", node, power, fn.pos)
        return self.exponents(node)

    def implicit_arg(self):
        node = self.signed_power() if self.tok.kind != "op" or self.tok.text in "+-(" else self.power()
        while self.tok.kind in ("num", "name") or (self.tok.kind == "op" and self.tok.text == "("):
            if self.tok.kind == "name" and self.tok.text in FUNCTIONS:
                break  # sin x cos x is sin(x)·cos(x)
            if self.tok.kind == "op":
                break  # ln x (x+1) is ln(x)·(x+1)
            rhs = self.power()
            node = ("mul", node, rhs, self.tok.pos)
        return node


def _sup_node(t: Tok, p: _Parser):
    s = t.text
    neg = s.startswith("-")
    body = s[1:] if neg else s
    if not body or "-" in body:
        raise p.error("unreadable superscript exponent", t)
    if body.isdigit():
        node = ("num", body, t.pos)
    elif body in ("x", "n"):
        node = ("name", body, t.pos)
    else:
        raise p.error("unreadable superscript exponent", t, "use ^ for exponents, e.g. x^(2x)")
    return ("neg", node, t.pos) if neg else node


def _is_minus_one(node) -> bool:
    return node[0] == "neg" and node[1][0] == "num" and node[1][1] == "1"


def _ends_with_number(node) -> bool:
    while node[0] in ("mul", "div"):
        node = node[2]
    return node[0] == "num"


# ---------------------------------------------------------------------------------------------------------------
# Building SymPy objects from the tree, with magnitude checks before any numeric power is evaluated.


def _build(node, text: str, env: dict):
    import sympy as sp

    kind = node[0]
    if kind == "num":
        lit = node[1]
        if "." in lit:
            return sp.Rational(lit)  # decimal literal -> exact rational (checked digits only: safe)
        return sp.Integer(int(lit))
    if kind == "name":
        name = node[1]
        if name in env:
            return env[name]
        if name == "e":
            return sp.E
        if name == "pi":
            return sp.pi
        raise ParseError(f"unknown name {name!r}", text, node[2])
    if kind == "paren":
        return _build(node[1], text, env)
    if kind == "neg":
        return -_build(node[1], text, env)
    a = None
    if kind in ("add", "sub", "mul", "div", "pow"):
        a = _build(node[1], text, env)
        b = _build(node[2], text, env)
        if kind == "add":
            return a + b
        if kind == "sub":
            return a - b
        if kind == "mul":
            return a * b
        if kind == "div":
            if b == 0:
                raise ParseError("division by zero", text, node[3])
            return a / b
        _check_power(a, b, text, node[3])
        if a == sp.E:
            return sp.exp(b)
        if a == 0 and b.is_number and b.is_negative:
            raise ParseError("division by zero (0 to a negative power)", text, node[3])
        return _real_constant(_real_pow(a, b), text, node[3], lambda: f"{_show_expr(a)} to the power {_show_expr(b)}")
    if kind == "call":
        _, name, arg_node, base_node, pos = node
        arg = _build(arg_node, text, env)
        row = FUNCTIONS[name]
        if base_node is not None:
            if row.base != name:
                raise ParseError(f"{name} has no base", text, pos, "use log_b(x) for base b")
            base = _build(base_node, text, env)
            if base.is_number and (base.is_positive is False or base == 1):
                raise ParseError("a log base must be positive and not 1", text, pos)
            if base == sp.E:
                return _real_constant(sp.log(arg), text, pos, lambda: f"ln({_show_expr(arg)})")
            return _real_constant(sp.log(arg) / sp.log(base), text, pos,
                                  lambda: f"log of {_show_expr(arg)}")
        if row.sympy == "exp":  # exp(u) is e^u: the same size limit as a typed power of e
            _check_power(sp.E, arg, text, pos)
        if not arg.is_number:
            return row.apply(arg)
        root = _root_exponent(row)
        if root is not None:  # ∛(−8) is −2: the real odd root, as x^(1/3) and ∛x are read for the variable
            value = _real_pow(arg, root)
        else:
            value = row.apply(arg)
        return _real_constant(value, text, pos, lambda: f"{row.prefix or row.name}({_show_expr(arg)})")
    raise ParseError("unreadable formula", text, 0)


def _real_pow(a, b):
    """a^b, with a negative constant base to an odd-denominator power read as the real root: (−8)^(1/3) = −2,
    (−8)^(2/3) = 4 (SymPy's principal root would be complex)."""
    import sympy as sp

    if a.is_number and b.is_Rational and not b.is_Integer and b.q % 2 == 1 and a.is_extended_negative:
        return (-1 if b.p % 2 else 1) * sp.Pow(-a, b)
    return sp.Pow(a, b)


_ROOTS: dict = {}


def _root_exponent(row):
    """1/3 for ∛ (a row built as a power with an odd-denominator exponent), else None."""
    if row.name not in _ROOTS:
        import sympy as sp

        probe = row.apply(sp.Symbol("u")) if row.build is not None and row.sympy is None else None
        ok = probe is not None and probe.is_Pow and probe.exp.is_Rational and probe.exp.q % 2 == 1
        _ROOTS[row.name] = probe.exp if ok else None
    return _ROOTS[row.name]


def _real_constant(value, text: str, pos: int, what):
    """`value` unless it is a constant that is not a real number: ln(−2), √(−3), arcsin 2 in a problem would give
    complex keys (ln 2 + iπ), so they are refused (ParseError, exit 2)."""
    if value.is_number and value.is_extended_real is False:
        raise ParseError(f"{what()} is not a real number", text, pos,
                         "quizgen works with real numbers: logarithms need a positive argument, even roots a "
                         "non-negative one, arcsin and arccos one between −1 and 1")
    return value


def _show_expr(e) -> str:
    """A constant in an error message (the printers sit above the parser: no import of quizgen.printing)."""
    return str(e).replace("**", "^").replace("*", "·").replace("-", "−").replace("sqrt", "√").replace("asin",
                                                                                                       "arcsin")


def _check_power(base, exp, text: str, pos: int):
    """Refuse numeric powers whose value would have more than MAX_MAGNITUDE_DIGITS digits (9^9^9 would hang)."""
    if not (base.is_Number and exp.is_Number):
        if exp.is_Number and abs(float(exp)) > 10 ** 6 and base.is_number:
            raise LimitError("exponent too large (limit 10^6 on a constant base)", text, pos)
        return
    if base == 0 or abs(base) == 1:
        return
    try:
        mag = abs(float(exp)) * abs(math.log10(abs(float(base))))
    except OverflowError:
        mag = math.inf
    if mag > MAX_MAGNITUDE_DIGITS:
        raise LimitError(f"number too large (limit 10^{MAX_MAGNITUDE_DIGITS})", text, pos)


def _check_tree(node, text: str, depth: int = 0):
    # A long sum is a left-leaning chain, not nesting: only a change of operation counts as a level.
    if depth > 4 * MAX_DEPTH:
        raise LimitError(f"formula too deeply nested (limit {MAX_DEPTH} levels)", text, _pos(node))
    for child in node[1:]:
        if isinstance(child, tuple):
            same_chain = child[0] == node[0] and node[0] in ("add", "sub", "mul", "div")
            _check_tree(child, text, depth if same_chain else depth + 1)


def _pos(node) -> int:
    for item in reversed(node):
        if isinstance(item, int):
            return item
    return 0


def check_variable(var) -> str:
    """`var` if it can be the variable (one ASCII letter; e is Euler's number), else VariableError."""
    if not isinstance(var, str) or not var.isascii() or not var.isalpha() or len(var) != 1 or var == "e":
        raise VariableError(var)
    return var


def parse_tree(text: str, var: str = "x", names: tuple[str, ...] = (), *, equation: bool = False):
    """Tokenize and parse into the checked tree; raises ParseError/LimitError with a position.

    `equation`: the text may be `lhs = rhs` (the tree is then ("eq", lhs, rhs, pos)); only line answers are read
    this way (quizgen.asks.lines), so '=' stays an error everywhere else."""
    if not isinstance(text, str):
        raise ParseError("input must be text", "", None)
    if len(text) > MAX_LENGTH:
        raise LimitError(f"input too long: {len(text)} characters (limit {MAX_LENGTH})", text[:40] + "…", None)
    check_variable(var)
    allowed = frozenset((var, *names))
    toks = tokenize(text, allowed, equation)
    try:
        parser = _Parser(text, toks, var)
        tree = parser.equation() if equation else parser.parse()
        _check_tree(tree, text)
    except RecursionError:
        raise LimitError(f"formula too deeply nested (limit {MAX_DEPTH} levels)", text, None) from None
    return tree


def parse(text: str, var: str = "x", params: dict | None = None, *, variables: tuple[str, ...] = ()):
    """Read `text` as a formula in `var`; `params` maps extra names (bank template parameters) to SymPy values;
    `variables` are further variables a function of several variables declares (each one letter, symbol(v))."""
    import sympy as sp

    params = dict(params or {})
    variables = tuple(check_variable(v) for v in variables if v != var)
    tree = parse_tree(text, var, tuple(params) + variables)
    env = {var: symbol(var), **{v: symbol(v) for v in variables}}
    for k, v in params.items():
        env[k] = sp.Integer(v) if isinstance(v, int) else v
    try:
        expr = _build(tree, text, env)
    except RecursionError:
        raise LimitError(f"formula too deeply nested (limit {MAX_DEPTH} levels)", text, None) from None
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ParseError("the formula is undefined (division by zero or similar)", text, None)
    return expr


_SCIENTIFIC = None


def _sci_pattern():
    import re

    global _SCIENTIFIC
    if _SCIENTIFIC is None:
        _SCIENTIFIC = re.compile(r"(?<![A-Za-z0-9.])(\d+(?:\.\d+)?|\.\d+)e([+-]?)(\d+)(?![0-9.])")
    return _SCIENTIFIC


def reading_notes(text) -> tuple[str, ...]:
    """How tokens that look like scientific notation were read: e stays Euler's number (3e2 is 3·e·2), and the
    student is told so, with how to type the number they may have meant (the verdict's "notes")."""
    if not isinstance(text, str) or "e" not in text:
        return ()
    notes = []
    for m in _sci_pattern().finditer(_fold(text)):
        mant, sign, exp = m.groups()
        reading = f"{mant}·e {'+' if sign == '+' else '−'} {exp}" if sign else f"{mant}·e·{exp}"
        number = scientific_value(m.group(0))
        shown = str(number) if number.is_Integer and len(str(number)) <= 15 else f"{mant}*10^{'-' if sign == '-' else ''}{exp}"
        notes.append(f"{m.group(0)} was read as {reading}, with e = Euler's number 2.718…; for the number "
                     f"{mant}×10^{'-' if sign == '-' else ''}{exp}, type {shown}"
                     + ("" if shown.startswith(mant + "*") else f" or {mant}*10^{'-' if sign == '-' else ''}{exp}"))
    return tuple(notes)


def scientific_value(text: str):
    """The number a token in scientific notation stands for, exactly (3e2 → 300, 2.5e-3 → 1/400), or None."""
    import re

    import sympy as sp

    m = re.fullmatch(r"\s*([+\-−]?)(\d+(?:\.\d+)?|\.\d+)[eE]([+\-−]?)(\d{1,3})\s*", text)
    if m is None or len(m.group(2).replace(".", "")) > MAX_DIGITS or int(m.group(4)) > MAX_MAGNITUDE_DIGITS:
        return None
    sign = -1 if m.group(1) in ("-", "−") else 1
    exp = int(m.group(4)) * (-1 if m.group(3) in ("-", "−") else 1)
    return sign * sp.Rational(m.group(2)) * sp.Integer(10) ** exp


DEPENDENT = "y"  # the letter of a line's equation: y = 2x − 1


def parse_equation(text: str, var: str = "x"):
    """Read a line's equation, `y − 1 = 2(x − 1)`, `2x − y = 1`, or a bare right-hand side `2x − 1`.

    Returns (lhs, rhs) as SymPy expressions in symbol(var) and symbol("y"); a bare right-hand side is (y, text).
    '=' and the letter y are accepted only here: the asks that want a line call this, nothing else does.
    """
    import sympy as sp

    if var == DEPENDENT:
        raise ParseError(f"the variable cannot be {DEPENDENT!r} in a line's equation (y is the line's own letter)",
                         text, None)
    tree = parse_tree(text, var, (DEPENDENT,), equation=True)
    env = {var: symbol(var), DEPENDENT: symbol(DEPENDENT)}
    try:
        if tree[0] == "eq":
            lhs, rhs = _build(tree[1], text, env), _build(tree[2], text, env)
        else:
            rhs = _build(tree, text, env)
            if rhs.has(env[DEPENDENT]):
                raise ParseError("an equation needs '='", text, None, "write the line as y = mx + b")
            lhs = env[DEPENDENT]
    except RecursionError:
        raise LimitError(f"formula too deeply nested (limit {MAX_DEPTH} levels)", text, None) from None
    for side in (lhs, rhs):
        if side.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise ParseError("the formula is undefined (division by zero or similar)", text, None)
    return lhs, rhs


def parse_sympy_str(text: str, var: str = "x"):
    """Read back what str(expr) wrote (our JSON and history): SymPy's syntax is ours but for Euler's number, E."""
    import re

    return parse(re.sub(r"\bAbs\b", "abs", re.sub(r"\bE\b", "e", text)), var)


def symbol(name: str = "x"):
    """The one SymPy symbol quizgen uses for a variable name: real, so ln and roots behave as in calculus class."""
    import sympy as sp

    return sp.Symbol(name, real=True)


# ---------------------------------------------------------------------------------------------------------------
# How a base-a log is stored. The parser builds log_a(u) as log(u)·(log a)⁻¹ (SymPy's own form); the tracer, the
# mistake generator and the printers all need to see that pair as one unit again, and read it here.


def log_base_of(factor):
    """a when `factor` is 1/ln(a) for a number a > 0, a ≠ 1 (the base half of a stored logₐ), else None."""
    import sympy as sp

    if factor.is_Pow and factor.exp == -1 and isinstance(factor.base, sp.log):
        a = factor.base.args[0]
        if a.is_number and a.is_positive and a != 1:
            return a
    return None


def pair_log_bases(consts: list, factors: list) -> tuple[list, dict]:
    """Pair each 1/ln(a) among the constant factors of a product with a log among its other factors.

    Returns the constants left over and {index of the log factor: a}.
    """
    import sympy as sp

    left = list(consts)
    bases: dict[int, object] = {}
    for c in list(left):
        a = log_base_of(c)
        if a is None:
            continue
        for i, f in enumerate(factors):
            if i not in bases and isinstance(f, sp.log):
                bases[i] = a
                left.remove(c)
                break
    return left, bases


def as_formula(value, var="x"):
    """A formula given as text (read by parse, in the variable `var`: a name or Symbol) or as a SymPy object or
    number (used as it is). Every public function that takes a problem or an answer reads it through here, so
    text never reaches sympify (SymPy's diff, count_ops, ... would sympify a str, and that evaluates Python)."""
    if isinstance(value, str):
        return parse(value, var if isinstance(var, str) else var.name)
    return as_expr(value)


def as_expr(value):
    """A SymPy object from a SymPy object or a Python number, never from text (sympify would eval a string)."""
    import sympy as sp

    if isinstance(value, str):
        raise TypeError("text must go through quizgen.mathparse.parse, not sympify")
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a SymPy expression or a number, not {type(value).__name__}")
    return sp.Integer(value) if isinstance(value, int) else sp.Float(value)
