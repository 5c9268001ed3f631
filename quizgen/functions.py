"""The course's functions, one row each: spellings, SymPy class, derivative rule, mistakes, evaluation, printing.

Every part of quizgen that knows a function by name reads this table: the parser (which names it accepts), the
tracer (rule name, title, formula), the mistake generator, the numeric evaluator (which mpmath function, where it
is undefined) and the printers (unicode and LaTeX spelling). A new course function is a new row here and nothing
else.

Nothing here imports SymPy or mpmath (`quizgen --help` must not load them): the SymPy callables receive the sympy
module as their first argument, the evaluator's guards receive the mpmath context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Function:
    """One course function f(u).

    Callables taking `sp` are called with the sympy module and a SymPy argument u. The evaluator is declarative:
    mpmath's `mp` function, preceded by the guards the numeric engine applies (see quizgen.numeric).
    """

    name: str  # the spelling a teacher types and reads: "arcsin", "ln"
    aliases: tuple[str, ...]  # other spellings the parser accepts: "asin", "log"
    sympy: str | None  # SymPy class name ("asin"); None when SymPy stores it as something else (√u is a power)
    derivative: Callable | None  # (sp, u) -> f′(u); None when another rule differentiates it (√u: power rule)
    rule: str | None  # the tracer's rule name for f′, e.g. "arcsin"
    title: str  # the rule's heading in steps: "Derivative of arcsine"
    formula: str  # the rule as the steps show it: "(arcsin x)′ = 1/√(1 − x²)"
    chain_formula: str  # the rule with the chain factor, quoted in mistake feedback: "(arcsin u)′ = u′/√(1 − u²)"
    category: str  # the group rules_needed() and the generic feedback name ("trigonometric"), see CATEGORIES
    domain: str  # where f(u) is real and defined, in words
    unicode: str | None  # name printed before the argument; None when printed another way (eᵘ, √u)
    latex: str  # LaTeX spelling of the name
    mp: str | None = None  # mpmath function that evaluates it (None: SymPy stores it as a power, evaluated as one)
    big_arg: bool = False  # a huge argument costs precision (exp t, sin t turn t's relative error absolute)
    pole: Callable | None = None  # (mpmath ctx, u) -> True where f is undefined, at real and complex points
    real_ok: Callable | None = None  # u -> False where f(u) is not real (checked at real points only)
    mistakes: tuple[str, ...] = ()  # function-specific mistake codes (quizgen.mistakes) the generator tries here
    power_on_name: bool = False  # powers are printed on the name: sin²(x), not (sin x)²
    listed: tuple[str, ...] | None = None  # spellings named in the parser's list of functions (default: name)
    base: str | None = None  # the spelling that takes a base (log_3 x, log(x, 3)); the printers use it too
    base_latex: str | None = None  # LaTeX of the based spelling
    build: Callable | None = None  # (sp, u) -> f(u) when it is not the SymPy class applied to u
    sincos: Callable | None = None  # (sp, u) -> f(u) written with sin and cos (the symbolic trig check)
    prefix: str | None = None  # a sign typed before the argument instead of the name: √x, ∛x
    arity: int = 1

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def sympy_class(self):
        import sympy

        return getattr(sympy, self.sympy) if self.sympy else None

    def apply(self, u):
        """f(u) as a SymPy expression."""
        import sympy

        if self.build is not None:
            return self.build(sympy, u)
        return getattr(sympy, self.sympy)(u)

    def d(self, u):
        """f′(u) as a SymPy expression (the outer derivative of a chain)."""
        import sympy

        return self.derivative(sympy, u)


_ALL_REAL = "every real u"

FUNCTIONS: tuple[Function, ...] = (
    Function("sin", (), "sin", lambda sp, u: sp.cos(u), "sin", "Derivative of sine",
             "(sin x)′ = cos x", "(sin u)′ = cos u · u′", "trigonometric", _ALL_REAL, "sin", r"\sin",
             mp="sin", big_arg=True, mistakes=("sign-error",), power_on_name=True,
             sincos=lambda sp, u: sp.sin(u)),
    Function("cos", (), "cos", lambda sp, u: -sp.sin(u), "cos", "Derivative of cosine",
             "(cos x)′ = −sin x", "(cos u)′ = −sin u · u′", "trigonometric", _ALL_REAL, "cos", r"\cos",
             mp="cos", big_arg=True, mistakes=("sign-error",), power_on_name=True,
             sincos=lambda sp, u: sp.cos(u)),
    Function("tan", (), "tan", lambda sp, u: sp.sec(u) ** 2, "tan", "Derivative of tangent",
             "(tan x)′ = sec² x", "(tan u)′ = sec²u · u′", "trigonometric", "cos u ≠ 0", "tan", r"\tan",
             mp="tan", big_arg=True, pole=lambda c, u: c.cos(u) == 0, power_on_name=True,
             sincos=lambda sp, u: sp.sin(u) / sp.cos(u)),
    Function("sec", (), "sec", lambda sp, u: sp.sec(u) * sp.tan(u), "sec", "Derivative of secant",
             "(sec x)′ = sec x tan x", "(sec u)′ = sec u tan u · u′", "trigonometric", "cos u ≠ 0", "sec", r"\sec",
             mp="sec", big_arg=True, pole=lambda c, u: c.cos(u) == 0, mistakes=("sign-error",), power_on_name=True,
             sincos=lambda sp, u: 1 / sp.cos(u)),
    Function("csc", ("cosec",), "csc", lambda sp, u: -sp.csc(u) * sp.cot(u), "csc", "Derivative of cosecant",
             "(csc x)′ = −csc x cot x", "(csc u)′ = −csc u cot u · u′", "trigonometric", "sin u ≠ 0", "csc",
             r"\csc", mp="csc", big_arg=True, pole=lambda c, u: c.sin(u) == 0, mistakes=("sign-error",),
             power_on_name=True, sincos=lambda sp, u: 1 / sp.sin(u)),
    Function("cot", (), "cot", lambda sp, u: -sp.csc(u) ** 2, "cot", "Derivative of cotangent",
             "(cot x)′ = −csc² x", "(cot u)′ = −csc²u · u′", "trigonometric", "sin u ≠ 0", "cot", r"\cot",
             mp="cot", big_arg=True, pole=lambda c, u: c.sin(u) == 0, mistakes=("sign-error",), power_on_name=True,
             sincos=lambda sp, u: sp.cos(u) / sp.sin(u)),
    Function("arcsin", ("asin",), "asin", lambda sp, u: 1 / sp.sqrt(1 - u**2), "arcsin", "Derivative of arcsine",
             "(arcsin x)′ = 1/√(1 − x²)", "(arcsin u)′ = u′/√(1 − u²)", "trigonometric", "−1 ≤ u ≤ 1", "arcsin",
             r"\arcsin", mp="asin", real_ok=lambda u: abs(u) <= 1, mistakes=("sign-error",)),
    Function("arccos", ("acos",), "acos", lambda sp, u: -1 / sp.sqrt(1 - u**2), "arccos",
             "Derivative of arccosine", "(arccos x)′ = −1/√(1 − x²)", "(arccos u)′ = −u′/√(1 − u²)",
             "trigonometric", "−1 ≤ u ≤ 1", "arccos", r"\arccos", mp="acos", real_ok=lambda u: abs(u) <= 1,
             mistakes=("sign-error",)),
    Function("arctan", ("atan",), "atan", lambda sp, u: 1 / (1 + u**2), "arctan", "Derivative of arctangent",
             "(arctan x)′ = 1/(1 + x²)", "(arctan u)′ = u′/(1 + u²)", "trigonometric", _ALL_REAL, "arctan",
             r"\arctan", mp="atan"),
    # Hyperbolic functions: (tanh u)′ is written sech²u, as teachers write it, so sech is a function of the course
    # too (a student who learned it types it). Students carry cos′ = −sin over to cosh, and sec′ to sech.
    Function("sinh", (), "sinh", lambda sp, u: sp.cosh(u), "sinh", "Derivative of hyperbolic sine",
             "(sinh x)′ = cosh x", "(sinh u)′ = cosh u · u′", "hyperbolic", _ALL_REAL, "sinh", r"\sinh",
             mp="sinh", big_arg=True, mistakes=("sign-error",), power_on_name=True),
    Function("cosh", (), "cosh", lambda sp, u: sp.sinh(u), "cosh", "Derivative of hyperbolic cosine",
             "(cosh x)′ = sinh x", "(cosh u)′ = sinh u · u′", "hyperbolic", _ALL_REAL, "cosh", r"\cosh",
             mp="cosh", big_arg=True, mistakes=("sign-error",), power_on_name=True),
    Function("tanh", (), "tanh", lambda sp, u: sp.sech(u) ** 2, "tanh", "Derivative of hyperbolic tangent",
             "(tanh x)′ = sech² x", "(tanh u)′ = sech²u · u′", "hyperbolic", _ALL_REAL, "tanh", r"\tanh",
             mp="tanh", power_on_name=True),
    Function("sech", (), "sech", lambda sp, u: -sp.sech(u) * sp.tanh(u), "sech", "Derivative of hyperbolic secant",
             "(sech x)′ = −sech x tanh x", "(sech u)′ = −sech u tanh u · u′", "hyperbolic", _ALL_REAL, "sech",
             r"\operatorname{sech}", mp="sech", big_arg=True, mistakes=("sign-error",), power_on_name=True),
    Function("csch", ("cosech",), "csch", lambda sp, u: -sp.csch(u) * sp.coth(u), "csch",
             "Derivative of hyperbolic cosecant", "(csch x)′ = −csch x coth x", "(csch u)′ = −csch u coth u · u′",
             "hyperbolic", "u ≠ 0", "csch", r"\operatorname{csch}", mp="csch", big_arg=True,
             pole=lambda c, u: u == 0, mistakes=("sign-error",), power_on_name=True),
    Function("coth", (), "coth", lambda sp, u: -sp.csch(u) ** 2, "coth", "Derivative of hyperbolic cotangent",
             "(coth x)′ = −csch² x", "(coth u)′ = −csch²u · u′", "hyperbolic", "u ≠ 0", "coth", r"\coth",
             mp="coth", big_arg=True, pole=lambda c, u: u == 0, mistakes=("sign-error",), power_on_name=True),
    # Inverse hyperbolic functions, printed with ISO 80000-2's names (arsinh: area sine); asinh and arcsinh read too.
    Function("arsinh", ("asinh", "arcsinh"), "asinh", lambda sp, u: 1 / sp.sqrt(u**2 + 1), "arsinh",
             "Derivative of inverse hyperbolic sine", "(arsinh x)′ = 1/√(x² + 1)", "(arsinh u)′ = u′/√(u² + 1)",
             "hyperbolic", _ALL_REAL, "arsinh", r"\operatorname{arsinh}", mp="asinh", mistakes=("sign-error",),
             listed=("arsinh", "asinh")),
    Function("arcosh", ("acosh", "arccosh"), "acosh", lambda sp, u: 1 / (sp.sqrt(u - 1) * sp.sqrt(u + 1)), "arcosh",
             "Derivative of inverse hyperbolic cosine", "(arcosh x)′ = 1/√(x² − 1)", "(arcosh u)′ = u′/√(u² − 1)",
             "hyperbolic", "u ≥ 1", "arcosh", r"\operatorname{arcosh}", mp="acosh", real_ok=lambda u: u >= 1,
             mistakes=("sign-error",), listed=("arcosh", "acosh")),
    Function("artanh", ("atanh", "arctanh"), "atanh", lambda sp, u: 1 / (1 - u**2), "artanh",
             "Derivative of inverse hyperbolic tangent", "(artanh x)′ = 1/(1 − x²)", "(artanh u)′ = u′/(1 − u²)",
             "hyperbolic", "−1 < u < 1", "artanh", r"\operatorname{artanh}", mp="atanh",
             pole=lambda c, u: u == 1 or u == -1, real_ok=lambda u: abs(u) < 1, mistakes=("sign-error",),
             listed=("artanh", "atanh")),
    # The other three inverses, with SymPy's own derivatives (steps end at sympy.diff): arcoth is real for |u| > 1,
    # arsech for 0 < u ≤ 1, arcsch for u ≠ 0.
    Function("arcoth", ("acoth", "arccoth"), "acoth", lambda sp, u: 1 / (1 - u**2), "arcoth",
             "Derivative of inverse hyperbolic cotangent", "(arcoth x)′ = 1/(1 − x²)", "(arcoth u)′ = u′/(1 − u²)",
             "hyperbolic", "|u| > 1", "arcoth", r"\operatorname{arcoth}", mp="acoth",
             pole=lambda c, u: u == 1 or u == -1, real_ok=lambda u: abs(u) > 1, mistakes=("sign-error",),
             listed=("arcoth", "acoth")),
    Function("arsech", ("asech", "arcsech"), "asech", lambda sp, u: -1 / (u * sp.sqrt(1 - u**2)), "arsech",
             "Derivative of inverse hyperbolic secant", "(arsech x)′ = −1/(x√(1 − x²))",
             "(arsech u)′ = −u′/(u√(1 − u²))", "hyperbolic", "0 < u ≤ 1", "arsech", r"\operatorname{arsech}",
             mp="asech", pole=lambda c, u: u == 0, real_ok=lambda u: 0 < u <= 1, mistakes=("sign-error",),
             listed=("arsech", "asech")),
    Function("arcsch", ("acsch", "arccsch"), "acsch", lambda sp, u: -1 / (u**2 * sp.sqrt(1 + u**-2)), "arcsch",
             "Derivative of inverse hyperbolic cosecant", "(arcsch x)′ = −1/(|x|√(1 + x²))",
             "(arcsch u)′ = −u′/(|u|√(1 + u²))", "hyperbolic", "u ≠ 0", "arcsch", r"\operatorname{arcsch}",
             mp="acsch", pole=lambda c, u: u == 0, mistakes=("sign-error",), listed=("arcsch", "acsch")),
    # log10 and log2 are the calculator's names of the base-10 and base-2 logs: stored as SymPy stores logₐ u,
    # ln u/ln a, so the tracer, the mistakes and the printers see an ordinary base-a log (printed log₁₀, log₂).
    Function("log10", (), None, None, None, "", "", "", "logarithm", "u > 0", None, r"\log_{10}",
             build=lambda sp, u: sp.log(u) / sp.log(10)),
    Function("log2", (), None, None, None, "", "", "", "logarithm", "u > 0", None, r"\log_{2}",
             build=lambda sp, u: sp.log(u) / sp.log(2)),
    # |u|: (|u|)′ = sign u, for u ≠ 0 (SymPy's sign(u), printed u/|u|: every printed form reads back).
    Function("abs", (), "Abs", lambda sp, u: sp.sign(u), "abs", "Derivative of absolute value",
             "(|x|)′ = x/|x|", "(|u|)′ = u/|u| · u′", "absolute", "every real u", None, r"\left|",
             mistakes=("sign-error",)),
    Function("ln", ("log",), "log", lambda sp, u: 1 / u, "ln", "Natural logarithm",
             "(ln x)′ = 1/x", "(ln u)′ = u′/u", "logarithm", "u > 0", "ln", r"\ln",
             mp="log", pole=lambda c, u: u == 0, real_ok=lambda u: u > 0, mistakes=("ln-reciprocal",),
             listed=("ln", "log"), base="log", base_latex=r"\log"),
    Function("exp", (), "exp", lambda sp, u: sp.exp(u), "exp", "Exponential rule",
             "(eˣ)′ = eˣ", "(eᵘ)′ = eᵘ · u′", "exponential", _ALL_REAL, None, r"\exp",
             mp="exp", big_arg=True, mistakes=("power-rule-on-exponential",)),
    # Roots are powers to SymPy (u^(1/2)): the power rule differentiates them and the power printer writes √ ∛.
    # SymPy's u^(1/3) is the principal root, not real for u < 0, so ∛ is real on u ≥ 0 here too.
    Function("sqrt", (), None, None, None, "", "", "", "power", "u ≥ 0", None, r"\sqrt",
             build=lambda sp, u: sp.sqrt(u), prefix="√"),
    Function("cbrt", (), None, None, None, "", "", "", "power", "u ≥ 0", None, r"\sqrt[3]",
             build=lambda sp, u: sp.Pow(u, sp.Rational(1, 3)), listed=(), prefix="∛"),
    # The logistic sigmoid σ(u) = 1/(1 + e⁻ᵘ) of machine learning: a spelling only, so a student may type the key
    # σ(x)(1 − σ(x)) (or sigmoid(x)); SymPy stores it as 1/(1 + e⁻ᵘ), differentiated by the rules it is made of.
    Function("sigmoid", (), None, None, None, "", "", "", "exponential", _ALL_REAL, None, r"\sigma",
             build=lambda sp, u: 1 / (1 + sp.exp(-u)), prefix="σ"),
)

# The groups of rules a derivative can need (mistakes.rules_needed) that the function rows bring, in teaching
# order, with how the generic feedback names them.
CATEGORIES: dict[str, str] = {
    "exponential": "the exponential rule",
    "logarithm": "the logarithm rule",
    "trigonometric": "the trig derivatives",
    "hyperbolic": "the hyperbolic derivatives",
    "absolute": "the absolute value rule",
}

# Function names students reach for that the course does not have: the parser says "not supported" rather than
# splitting them into letters ("abs" is not a·b·s).
NOT_IN_COURSE: frozenset[str] = frozenset({
    "factorial", "gamma", "floor", "ceil", "arcsec", "arccsc", "arccot",
    "asec", "acsc", "acot", "erf", "lg", "sgn", "sign",
})

BY_SPELLING: dict[str, Function] = {s: f for f in FUNCTIONS for s in f.spellings}
BY_SYMPY_NAME: dict[str, Function] = {f.sympy: f for f in FUNCTIONS if f.sympy}
BY_UNICODE: dict[str, Function] = {f.unicode: f for f in FUNCTIONS if f.unicode}
BY_PREFIX: dict[str, Function] = {f.prefix: f for f in FUNCTIONS if f.prefix}

_by_class: dict | None = None


def by_class() -> dict:
    """{SymPy class: row} for the rows SymPy keeps as a function of their own (built on first use: imports sympy)."""
    global _by_class
    if _by_class is None:
        _by_class = {f.sympy_class(): f for f in FUNCTIONS if f.sympy}
    return _by_class


def listed_names() -> list[str]:
    """The spellings the parser names when it lists what it accepts."""
    return [s for f in FUNCTIONS for s in (f.listed if f.listed is not None else (f.name,))]


def word_names() -> tuple[str, ...]:
    """Names the unicode printer writes as a word before an argument (sin x, ln 3, log₂ x)."""
    return tuple(dict.fromkeys([f.unicode for f in FUNCTIONS if f.unicode] + [f.base for f in FUNCTIONS if f.base]))


def latex_operator_names() -> list[str]:
    r"""Names of the LaTeX operators the printers emit for course functions, as \sin, \ln, \log or as
    \operatorname{sech}: longest first, so a pattern built from them never stops at a prefix (\sinh, not \sin)."""
    names = [f.latex for f in FUNCTIONS if f.sympy] + [f.base_latex for f in FUNCTIONS if f.base_latex]
    words = set()
    for n in names:
        m = re.fullmatch(r"\\(?:operatorname\{([A-Za-z]+)\}|([A-Za-z]+))", n)
        if m:
            words.add(m.group(1) or m.group(2))
    return sorted(words, key=lambda n: (-len(n), n))
