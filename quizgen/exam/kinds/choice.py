"""Multiple choice: the key among distractors that are the answers of real typical mistakes (quizgen.mistakes)."""

from __future__ import annotations

import random

from ..question import Option, Question

NAME = "choice"
TITLE = "Multiple choice"
INSTRUCTION = "Circle the letter of the correct derivative."
LABEL = "multiple choice"
RELAXED = True  # a problem with too few real mistakes may, as a last resort, use generic distractors
GIVE_UP_AFTER = 12  # redraws of a problem with too few distinct real mistakes before generic ones are used

# Codes a distractor is drawn from only when the problem offers too few specific mistakes.
_FILLER_CODES = ("sign-error", "not-differentiated")


def make(sec, problem, rng, relaxed: bool = False) -> Question | None:
    ask = getattr(problem, "ask", "derivative")
    if ask != "derivative" or getattr(problem, "variables", ()):
        got = ask_choice_options(problem, sec.options, rng, allow_generic=relaxed)
    else:
        got = choice_options(problem, sec.options, rng, allow_generic=relaxed)
    if got is None:
        return None
    options, correct, generic = got
    return Question(0, sec.index, NAME, sec.points, problem, options=options, correct=correct, generic=generic)


def to_dict(q) -> dict:
    return {"options": [str(o.expr) for o in q.options], "option_mistakes": [o.code for o in q.options],
            "correct_option": q.correct_letter}


def _textbook_option(wrong, x, prefer_fraction: bool):
    """A distractor in the style of the key, so its form does not give it away.

    Quotient keys have an expanded numerator over a factored denominator, (2x² + 24x + 7)/(x + 6)²; a wrong
    quotient built from the rule's pieces, (−2x² + 4x(x + 6) + 7)/(x + 6)², is put in that form too (unless that
    is clearly longer or brings in e⁻¹).
    """
    import sympy as sp

    from ...keyform import textbook
    from ...printing import to_text

    try:
        shown = textbook(wrong, x, prefer_fraction=prefer_fraction)
    except Exception:  # noqa: BLE001 — a display-form failure must not lose a valid distractor
        return wrong
    if not prefer_fraction:
        return shown
    try:
        num, den = sp.fraction(sp.together(wrong))
        if den == 1 or sp.count_ops(num) > 80:
            return shown
        alt = textbook(sp.factor_terms(sp.expand(num)) / sp.factor_terms(den), x, prefer_fraction=True)
    except Exception:  # noqa: BLE001
        return shown
    if alt.has(sp.exp(-1)) or len(to_text(alt)) > len(to_text(shown)) + 4:
        return shown
    return alt


def _generic_variants(d, x) -> list:
    """Power-rule-shaped wrong answers for problems with too few specific mistakes (marked generic in keys)."""
    return [("generic-times-x", d * x), ("generic-over-x", d / x), ("generic-double", 2 * d)]


def choice_options(problem, n_options: int, rng: random.Random, allow_generic: bool):
    """(options, correct index, generic used) or None when the problem has too few real distinct mistakes.

    Distractors are quizgen.mistakes variants (pairwise different and different from the derivative at every
    sample point); rule-specific ones first, at most one per code before a second of the same code, then sign
    errors; generic ones only when `allow_generic`.
    """
    import sympy as sp

    from ...numeric import frame_for
    from ...mistakes import mistake_details
    from ...keyform import question_order
    from ...printing import to_latex, to_text

    if getattr(problem, "variables", ()):  # several variables: the ask's own mistakes (∂f/∂y for ∂f/∂x, swaps ...)
        return ask_choice_options(problem, n_options, rng, allow_generic)
    x = problem.var
    d = sp.diff(problem.expr, x)
    prefer_fraction = "quotient" in (problem.rules or ())
    details = mistake_details(problem.expr, x, d)
    specific = [v for v in details if v.code not in _FILLER_CODES]
    fillers = [v for v in details if v.code == "sign-error"]
    # One per code first (in a seeded order), so the options show different mistakes.
    by_code: dict[str, list] = {}
    for v in specific:
        by_code.setdefault(v.code, []).append(v)
    codes = list(by_code)
    rng.shuffle(codes)
    ordered = []
    depth = 0
    while any(len(by_code[c]) > depth for c in codes):
        ordered += [by_code[c][depth] for c in codes if len(by_code[c]) > depth]
        depth += 1
    ordered += fillers
    frame = frame_for(x, problem.expr, d)
    chosen: list[Option] = [Option(problem.answer, "correct", problem.answer_latex, problem.answer_text)]
    texts = {problem.answer_text}
    exprs = [d]

    answer_constant = x not in d.free_symbols

    def take(code, wrong, feedback=""):
        shown = _textbook_option(wrong, x, prefer_fraction)
        terms = question_order(problem.expr, shown, x)  # in the key's term order, so order gives nothing away
        text = to_text(shown, terms=terms)
        if text in texts or len(text) > max(70, 2 * len(problem.answer_text)):
            return False
        if x not in shown.free_symbols and not answer_constant:
            return False  # a bare number beside derivatives that depend on x gives itself away
        if any(not _differs(frame, shown, e) for e in exprs):
            return False
        chosen.append(Option(shown, code, to_latex(shown, terms), text, feedback))
        texts.add(text)
        exprs.append(shown)
        return True

    for v in ordered:
        if len(chosen) == n_options:
            break
        take(v.code, v.wrong, v.feedback())
    generic = False
    if len(chosen) < n_options:
        if not allow_generic:
            return None
        for code, wrong in _generic_variants(d, x):
            if len(chosen) == n_options:
                break
            if take(code, wrong, "A generic wrong answer (this problem has few typical mistakes)."):
                generic = True
        nd = [v for v in details if v.code == "not-differentiated"]
        for v in nd:
            if len(chosen) < n_options:
                take(v.code, v.wrong, v.feedback())
        if len(chosen) < n_options:
            return None
    order = list(range(n_options))
    rng.shuffle(order)
    options = [chosen[i] for i in order]
    return options, order.index(0), generic


def ask_choice_options(problem, n_options: int, rng: random.Random, allow_generic: bool):
    """choice_options for a question that asks something other than f′(x) (quizgen.asks): the distractors are the
    ask's own real mistakes — for lines slope f(a), the point (a, f′(a)), f′(x) left in, a normal not inverted or
    not negated, the tangent for the normal; for second f′ itself and first-derivative mistakes carried through;
    for several variables ∂f/∂y for ∂f/∂x, swapped gradients, dy/dx inverted — each in the key's own form,
    pairwise different and different from the key at every sample point (a gradient component by component)."""
    import sympy as sp

    mod = problem.asked
    frame = mod.frame(problem)
    several = bool(getattr(problem, "variables", ()))

    def parts(e):
        return list(e) if isinstance(e, sp.Tuple) else [e]

    def differs(a, b) -> bool:
        pa, pb = parts(a), parts(b)
        return len(pa) != len(pb) or any(_differs(frame, u, v) for u, v in zip(pa, pb))

    tex, txt = mod.show(problem, problem.answer)
    longest = max(90, 2 * len(problem.answer_text)) if several else max(70, 2 * len(txt))
    chosen: list[Option] = [Option(problem.answer, "correct", tex, txt)]
    texts, exprs = {txt}, [problem.answer]
    by_code: dict[str, list] = {}
    for v in mod.variants(problem):
        by_code.setdefault(v.code, []).append(v)
    codes = list(by_code)
    rng.shuffle(codes)
    ordered, depth = [], 0
    while any(len(by_code[c]) > depth for c in codes):
        ordered += [by_code[c][depth] for c in codes if len(by_code[c]) > depth]
        depth += 1

    def take(code, wrong, feedback=""):
        if several:  # the variants are already in the key's form; a component may be undefined
            if any(c.has(sp.nan, sp.zoo, sp.oo, -sp.oo) for c in parts(wrong)):
                return False
            shown = wrong
        else:
            try:
                shown = mod.option_form(problem, wrong)
            except Exception:  # noqa: BLE001 — a display-form failure only loses this distractor
                return False
            if shown is None:
                return False
        o_tex, o_txt = mod.show(problem, shown)
        if o_txt in texts or len(o_txt) > longest:
            return False
        if not all(differs(shown, e) for e in exprs):
            return False
        chosen.append(Option(shown, code, o_tex, o_txt, feedback))
        texts.add(o_txt)
        exprs.append(shown)
        return True

    for v in ordered:
        if len(chosen) == n_options:
            break
        take(v.code, v.wrong, v.feedback() if not several or v.code in _SEVERAL_FEEDBACK_OK else "")
    generic = False
    if len(chosen) < n_options:
        if not allow_generic:
            return None
        for code, wrong in mod.generic(problem):
            if len(chosen) == n_options:
                break
            if take(code, wrong, "A generic wrong answer (this problem has few typical mistakes)."):
                generic = True
        if len(chosen) < n_options:
            return None
    order = list(range(n_options))
    rng.shuffle(order)
    return [chosen[i] for i in order], order.index(0), generic


# Variants whose feedback needs no parts beyond what they carry (a swapped gradient's has none: its own line).
_SEVERAL_FEEDBACK_OK = ("other-variable-differentiated", "wrong-variable", "implicit-inverted",
                        "implicit-missing-dy-dx", "gave-first-partial", "pure-for-mixed", "sign-error")


def _differs(frame, a, b) -> bool:
    """a and b are different functions: they differ at some sample point (checked numerically, quizgen.numeric)."""
    if a == b:
        return False
    return any(frame.differs_at(a, b, i) is True for i in range(len(frame.points)))


