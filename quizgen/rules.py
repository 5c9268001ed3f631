"""The course's vocabulary: topics, differentiation rules (names, titles, formulas) and the groups they form."""

from __future__ import annotations

from .functions import CATEGORIES as _FUNCTION_CATEGORIES
from .functions import FUNCTIONS as _FUNCTIONS

# Order matters: banks list, sheets balance and `stats` print topics in this order.
# log-diff, inverse-trig and ml (the derivative unit, issue 10) say `mixed = false` in their banks: they come only
# when asked for by name, so a mixed set's problems are those of earlier versions.
TOPICS = ("power", "basic", "product", "quotient", "chain", "exp-log", "log-diff", "inverse-trig", "ml")
# The topics whose banks say `mixed = false`: a drill brings one in once the student has answered in it.
NAMED_TOPICS = ("log-diff", "inverse-trig", "ml")
# Functions of several variables (quizgen.asks.several): named with --topic, never in a mixed set or the drill's
# one-variable plan, so the problems those promise stay the same.
SEVERAL_TOPICS = ("partial", "gradient", "implicit")

# Rules that are not one function's derivative: (title, formula as the steps show it). Each course function
# brings its own rule from quizgen.functions.
_STRUCTURAL: dict[str, tuple[str, str]] = {
    "constant": ("Constant rule", "(c)′ = 0"),
    "identity": ("Derivative of x", "(x)′ = 1"),
    "constant-multiple": ("Constant multiple rule", "(c·f)′ = c·f′"),
    "sum": ("Sum rule", "(f ± g)′ = f′ ± g′"),
    "power": ("Power rule", "(xⁿ)′ = n·xⁿ⁻¹"),
    "exp-base": ("Exponential with base a", "(aˣ)′ = aˣ ln a"),
    "log-base": ("Logarithm with base a", "(logₐ x)′ = 1/(x ln a)"),
}
_COMBINING: dict[str, tuple[str, str]] = {
    "product": ("Product rule", "(f·g)′ = f′·g + f·g′"),
    "quotient": ("Quotient rule", "(f/g)′ = (f′·g − f·g′)/g²"),
    "chain": ("Chain rule", "(f(g(x)))′ = f′(g(x))·g′(x)"),
    "log-diff": ("Logarithmic differentiation", "ln y = ln f(x), then y′ = y·(ln f(x))′"),
    "unsupported": ("No rule in this course", "derivative taken from SymPy"),
}
# What a question asks beyond f′(x) (quizgen.asks): the root step of its solution.
_ASKED: dict[str, tuple[str, str]] = {
    "second": ("Second derivative", "f″ = (f′)′: differentiate twice"),
    "third": ("Third derivative", "f‴ = (f″)′: differentiate three times"),
    "value": ("Value of the derivative", "f′(a): differentiate, then put x = a"),
    "tangent": ("Tangent line", "y = f(a) + f′(a)(x − a)"),
    "normal": ("Normal line", "y = f(a) − (x − a)/f′(a)"),
    "partial": ("Partial derivative", "∂f/∂x: differentiate in x, the other variables held constant"),
    "mixed": ("Second partial derivative", "∂²f/∂y∂x = ∂/∂y (∂f/∂x)"),
    "gradient": ("Gradient", "∇f = (∂f/∂x, ∂f/∂y, …): one partial derivative per variable"),
    "implicit": ("Implicit differentiation", "F(x, y) = 0: Fₓ + F_y·dy/dx = 0, so dy/dx = −Fₓ/F_y"),
}
_ALL: dict[str, tuple[str, str]] = {
    **_STRUCTURAL,
    **{f.rule: (f.title, f.formula) for f in _FUNCTIONS if f.rule},
    **_COMBINING,
    **_ASKED,
}

RULE_TITLES: dict[str, str] = {name: title for name, (title, _) in _ALL.items()}
RULE_FORMULAS: dict[str, str] = {name: formula for name, (_, formula) in _ALL.items()}
RULES: tuple[str, ...] = tuple(_ALL)

# Rules with the chain factor written in, as mistake feedback quotes them.
CHAIN_FORMULAS: dict[str, str] = {
    "exp-base": "(aᵘ)′ = aᵘ · ln a · u′",
    "log-base": "(logₐ u)′ = u′/(u · ln a)",
    **{f.rule: f.chain_formula for f in _FUNCTIONS if f.rule},
}

# The groups of rules a derivative needs (quizgen.mistakes.rules_needed), in teaching order, with how feedback
# names them ("it needs the power rule and the chain rule").
CATEGORIES: dict[str, str] = {
    "sum": "the sum rule",
    "constant-multiple": "the constant multiple rule",
    "power": "the power rule",
    **_FUNCTION_CATEGORIES,
    "product": "the product rule",
    "quotient": "the quotient rule",
    "chain": "the chain rule",
    "logarithmic differentiation": "logarithmic differentiation",
    "other": "other rules",
}

# Rule names a bank family may list in `rules`: the structural rules, then the rules of the course functions.
# "quotient" and "chain" also choose the key's display form (one fraction; factors kept); "log-diff" makes the steps
# take ln first (ln y = …, differentiate, multiply back) and the key keep the multiplied-back form.
STRUCTURAL_RULES = ("constant", "sum", "constant-multiple", "power", "product", "quotient", "chain", "log-diff")
FUNCTION_RULES = ("exp-base", "log-base", *(f.rule for f in _FUNCTIONS if f.rule))
BANK_RULES = STRUCTURAL_RULES + FUNCTION_RULES
