"""What a question asks, one module each: f′(x), f″(x), f′(a), the tangent line, the normal line.

An ask module owns everything that depends on what is asked, so a new ask (a partial derivative, a gradient, dy/dx
of an implicit curve) is one new module here and a name in NAMES:

  NAME, TITLE (a heading: "Tangent line"), NOUN (in sentences: "the tangent line"), LABEL (short, for stats and
  Moodle categories), INSTRUCTION (under a worksheet's title or an exam section), NEEDS_POINT (the question is at
  a point x = a), EQUATION (answers may be equations in x and y: the parser's '=' and y are allowed only then);
  solve(expr, x, *, point, order) -> Key       the answer from sympy.diff, with the facts on the way (f′, f(a) ...)
  build(core) -> dict                          a Problem's ask fields from a drawn function (DrawRejected: redraw)
  question(p), prompt(p), ask_line(p), key_lines(p), show(p, expr)    the display strings (unicode and LaTeX)
  check(expr, text, var, *, point, order, expected, ...) -> Verdict  how a typed answer is read and judged
  variants(p) -> [mistakes.Variant]            real wrong answers in the answer's own form (choice distractors)
  steps(p) -> steps.Step                       the worked solution (hints in the quiz, steps on keys)
  to_dict(p) -> dict                           the ask's own fields in JSON

Importing this package is light (no SymPy): the command line lists NAMES in --help.
"""

from __future__ import annotations

NAMES = ("derivative", "second", "value", "tangent", "normal", "partial", "mixed", "gradient", "implicit")
DEFAULT = "derivative"
# Asks about functions of several variables (quizgen.asks.several): the problem declares its variables.
SEVERAL = ("partial", "mixed", "gradient", "implicit")
# Asks whose answers are lines: the parser accepts `y = …` for these and nowhere else.
LINES = ("tangent", "normal")
# Asks at a point x = a (drawn by generate, sheet and quiz; `--at A` for check and solve).
AT_A_POINT = ("value", "tangent", "normal")


def get(name: str):
    """The module of an ask (KeyError for an unknown name; the CLI and specs check names before asking)."""
    if name not in NAMES:
        raise KeyError(name)
    # Imported on first use: each module brings SymPy with it.
    from . import derivative, gradient, implicit, mixed, normal, partial, second, tangent, value

    return {"derivative": derivative, "second": second, "value": value, "tangent": tangent, "normal": normal,
            "partial": partial, "mixed": mixed, "gradient": gradient, "implicit": implicit}[name]


def listing() -> str:
    """"derivative, second, value, tangent or normal", for messages."""
    return ", ".join(NAMES[:-1]) + " or " + NAMES[-1]
