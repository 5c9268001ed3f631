"""STACK questions (Moodle's qtype_stack) for the free-response and value questions of an exam.

Each question of each version is one STACK question, in one category per section (as in the Moodle XML export,
so a quiz can draw a section's questions at random): question variables hold the function, quizgen's key and every
typical mistake quizgen.mistakes finds for that problem, in Maxima syntax; an algebraic input (stars inserted,
so 2x works; floats refused for exact answers; diff and int forbidden); a potential response tree whose first
node tests the answer against the key and whose next nodes each recognise one mistake, with quizgen's feedback
and the mistake code as the answer note; and question tests (qtests) that STACK runs on demand: Maxima's own
derivative must pass as correct, each mistake must land on its node. One question per version rather than one
question with a list indexed by rand: every problem has its own set of mistakes, so its own tree, and a tree's
nodes and answer notes cannot vary between variants.
Samples: maths/moodle-qtype_stack, samplequestions/ (CR_Diff_*).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from html import escape

from quizgen.render.moodle import (DECIMALS, _category, _category_path, _function_html, _key_html,
                                   _math, _simple, _steps_html, _text, ask_html, tolerance)
from quizgen.render.xmltext import scrub

PENALTY = 0.1
PRT = "prt1"
FORBIDDEN = "diff,int"
NOTE_CORRECT = "correct"


def _score(x: float) -> str:
    return f"{x:.7f}"


# What a STACK question here can check: f′(x) (and, with kind = "value", f′(a)), and the several-variable asks,
# whose keys Maxima recomputes (diff by each variable; −Fx/Fy for dy/dx). f″ and lines stay in exam.moodle.xml.
ASKS = ("derivative", "partial", "mixed", "gradient", "implicit")


def left_out(spec) -> list:
    """The sections exam.stack.xml has no STACK question for: choice parts, and free parts of other asks."""
    return [sec for sec in spec.sections if sec.kind == "choice" or (sec.kind == "free" and sec.ask not in ASKS)]


def _maxima(e) -> str:
    """Maxima text of a key or a wrong answer; a vector (∇f) as a Maxima list, which AlgEquiv compares entry by
    entry."""
    import sympy as sp

    from quizgen.maxima import to_maxima

    if isinstance(e, (sp.Tuple, tuple, list)):
        return "[" + ", ".join(to_maxima(c) for c in e) + "]"
    return to_maxima(e)


def _several(p) -> bool:
    return p.ask in ASKS[1:]


def _own_key(q) -> str:
    """The Maxima expression of what the question asks, computed by Maxima from fn: its first qtest."""
    p = q.problem
    var = q.variable
    if not _several(p):
        return f"ev(diff(fn,{var}),simp)"
    if p.ask == "partial":
        return f"ev(diff(fn,{p.wrt[0]}),simp)"
    if p.ask == "mixed":
        a, b = p.wrt  # ∂²f/∂a∂b = ∂/∂a (∂f/∂b)
        return f"ev(diff(diff(fn,{b}),{a}),simp)"
    if p.ask == "implicit":
        return "ev(-diff(fn,x)/diff(fn,y),simp)"
    grad = "[" + ",".join(f"diff(fn,{n})" for n in p.variables) + "]"
    if p.point is not None:
        at = ",".join(f"{n}={_maxima(a)}" for n, a in zip(p.variables, p.point))
        return f"ev(subst([{at}],{grad}),simp)"
    return f"ev({grad},simp)"


def _function(p):
    """fn: the function, or F = lhs − rhs of an implicit curve."""
    if p.ask == "implicit":
        facts = dict(p.facts)
        if "lhs" in facts:
            return facts["lhs"] - facts["rhs"]
    return p.expr


def _several_mistakes(q) -> list[tuple[str, str, str]]:
    """(answer note, Maxima text, feedback) of each typical mistake of a several-variable ask (its own variants:
    the other variable differentiated, the partials swapped, dy/dx left off, ...), already apart from the key."""
    from quizgen.maxima import MaximaError

    out, notes = [], {}
    for v in q.problem.asked.variants(q.problem):
        try:
            text = _maxima(v.wrong)
        except MaximaError:
            continue
        if any(text == t for _n, t, _f in out):
            continue
        n = notes[v.code] = notes.get(v.code, 0) + 1
        out.append((v.code if n == 1 else f"{v.code}-{n}", text, v.feedback()))
    return out


def _mistakes(q) -> list[tuple[str, str, str]]:
    """(answer note, Maxima text, feedback) per typical mistake of the question, in quizgen's order.

    Free response: the wrong derivative. Value: the wrong derivative at the point, kept only when it is a real
    number clearly apart (more than four tolerances) from the right value and from every earlier mistake, so that
    each qtest lands on its own node.
    """
    import sympy as sp

    from quizgen.maxima import MaximaError, to_maxima
    from quizgen.mistakes import mistake_details

    p = q.problem
    if _several(p):
        return _several_mistakes(q)
    x = p.var
    details = mistake_details(p.expr, x, sp.diff(p.expr, x))
    out, notes, seen = [], {}, []
    if q.kind == "value":
        seen.append(float(q.decimal))
    for v in details:
        wrong = v.wrong
        if q.kind == "value":
            try:
                wrong = wrong.subs(x, q.point)
                num = complex(sp.N(wrong, 20))
            except (TypeError, ValueError, ZeroDivisionError):
                continue
            if wrong.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or abs(num.imag) > 1e-12 or not math.isfinite(num.real):
                continue
            if any(abs(num.real - s) <= 4 * tolerance() for s in seen):
                continue
            seen.append(num.real)
        try:
            text = to_maxima(wrong)
        except MaximaError:
            continue
        n = notes[v.code] = notes.get(v.code, 0) + 1
        note = v.code if n == 1 else f"{v.code}-{n}"  # STACK wants the notes of one tree to differ
        out.append((note, text, v.feedback()))
    return out


def _node(prt, index: int, test: str, tans: str, options: str, *, true_score: float, true_note: str,
          true_feedback: str, false_next: int) -> None:
    node = ET.SubElement(prt, "node")
    for tag, value in (("name", index), ("description", ""), ("answertest", test), ("sans", "ans1"),
                       ("tans", tans), ("testoptions", options), ("quiet", 0), ("truescoremode", "="),
                       ("truescore", _score(true_score)), ("truepenalty", ""), ("truenextnode", -1),
                       ("trueanswernote", true_note)):
        _simple(node, tag, value)
    _text(node, "truefeedback", f"<p>{escape(true_feedback)}</p>" if true_feedback else "")
    for tag, value in (("falsescoremode", "="), ("falsescore", _score(0)), ("falsepenalty", ""),
                       ("falsenextnode", false_next), ("falseanswernote", f"{PRT}-{index + 1}-F")):
        _simple(node, tag, value)
    _text(node, "falsefeedback", "")


def _qtest(el, number: int, description: str, value: str, score: float, note: str) -> None:
    t = ET.SubElement(el, "qtest")
    _simple(t, "testcase", number)
    _simple(t, "description", description)
    ti = ET.SubElement(t, "testinput")
    _simple(ti, "name", "ans1")
    _simple(ti, "value", value)
    ex = ET.SubElement(t, "expected")
    _simple(ex, "name", PRT)
    _simple(ex, "expectedscore", _score(score))
    _simple(ex, "expectedpenalty", _score(0 if score == 1 else PENALTY))
    _simple(ex, "expectedanswernote", note)


def stack_question(quiz, q, name: str, idnumber: str) -> ET.Element:
    """One free or value question as a STACK question element appended to `quiz`."""
    from quizgen.maxima import to_maxima

    p = q.problem
    var = q.variable
    mistakes = _mistakes(q)
    el = ET.SubElement(quiz, "question", {"type": "stack"})
    name_el = ET.SubElement(el, "name")
    ET.SubElement(name_el, "text").text = name
    if q.kind == "free" and _several(p):
        prompt = _math(q.key_rows[-1][0])  # ∂f/∂x =, ∂²f/∂x∂y =, ∇f =, dy/dx =
        hint = ""
        if p.ask == "gradient":
            hint = (f"<p>Type the vector as a list in the order of the variables: "
                    f"[{', '.join(f'∂f/∂{n}' for n in p.variables)}].</p>")
        html = (f"<p>Let {_function_html(q)}. {ask_html(q)}.</p>{hint}"
                f"<p>{prompt} [[input:ans1]] [[validation:ans1]]</p>")
        feedback = _key_html(q) + _steps_html(q)
    elif q.kind == "free":
        prompt = _math(rf"f^{{\prime}}({var}) =")
        html = f"<p>Find the derivative of {_function_html(q)}.</p><p>{prompt} [[input:ans1]] [[validation:ans1]]</p>"
        feedback = _key_html(q) + _steps_html(q)
    else:
        ask = _math(f"f^{{\\prime}}\\left({q.point_latex}\\right)")
        html = (f"<p>Let {_function_html(q)}. Find {ask}, exactly or correct to {DECIMALS} decimal places.</p>"
                f"<p>[[input:ans1]] [[validation:ans1]]</p>")
        exact = _math(f"f^{{\\prime}}\\left({q.point_latex}\\right) = {q.value_latex}")
        feedback = f"<p>{exact} ≈ {escape(q.decimal_text)}</p>{_key_html(q)}{_steps_html(q)}"
    _text(el, "questiontext", html)
    _text(el, "generalfeedback", feedback)
    _simple(el, "defaultgrade", f"{q.points:g}")
    _simple(el, "penalty", _score(PENALTY))
    _simple(el, "hidden", 0)
    _simple(el, "idnumber", idnumber)
    ET.SubElement(ET.SubElement(el, "stackversion"), "text").text = ""
    lines = ["/* quizgen: the function, quizgen's key (SymPy) and its typical mistakes (quizgen.mistakes) */",
             f"fn: {to_maxima(_function(p))};"]
    if q.kind == "free":
        lines.append(f"ta: {_maxima(p.answer)};")
    else:
        lines += [f"pt: {to_maxima(q.point)};", f"ta: {to_maxima(q.value)};"]
    lines += [f"m{i}: {text}; /* {note} */" for i, (note, text, _fb) in enumerate(mistakes, 1)]
    ET.SubElement(ET.SubElement(el, "questionvariables"), "text").text = "\n".join(lines)
    _text(el, "specificfeedback", f"[[feedback:{PRT}]]")
    _text(el, "questionnote", escape(f"{name} — key: {p.answer_text}"), "moodle_auto_format")
    _text(el, "questiondescription", "", "moodle_auto_format")
    for tag, value in (("questionsimplify", 1), ("assumepositive", 0), ("assumereal", 0)):
        _simple(el, tag, value)
    _text(el, "prtcorrect", "<p>Correct answer, well done.</p>")
    _text(el, "prtpartiallycorrect", "<p>Your answer is partially correct.</p>")
    _text(el, "prtincorrect", "<p>Incorrect answer.</p>")
    for tag, value in (("decimals", "."), ("scientificnotation", "*10"), ("multiplicationsign", "dot"),
                       ("sqrtsign", 1), ("complexno", "i"), ("inversetrig", "arccos"), ("logicsymbol", "lang"),
                       ("matrixparens", "["), ("variantsselectionseed", "")):
        _simple(el, tag, value)
    inp = ET.SubElement(el, "input")
    # insertstars 1: implied multiplication gets its star (2x -> 2*x), as in quizgen's own checker.
    for tag, value in (("name", "ans1"), ("type", "algebraic"), ("tans", "ta"), ("boxsize", 30),
                       ("strictsyntax", 1), ("insertstars", 1), ("syntaxhint", ""), ("syntaxattribute", 0),
                       ("forbidwords", FORBIDDEN), ("allowwords", ""), ("forbidfloat", 1 if q.kind == "free" else 0),
                       ("requirelowestterms", 0), ("checkanswertype", 0), ("mustverify", 1), ("showvalidation", 1),
                       ("options", "")):
        _simple(inp, tag, value)
    prt = ET.SubElement(el, "prt")
    for tag, value in (("name", PRT), ("value", _score(1)), ("autosimplify", 1), ("feedbackstyle", 1)):
        _simple(prt, tag, value)
    ET.SubElement(ET.SubElement(prt, "feedbackvariables"), "text").text = ""
    if q.kind == "free":
        test, options = "AlgEquiv", ""
    else:
        # Graded as Moodle's numerical question: within half a unit of the last asked decimal (exact answers too).
        test, options = "NumAbsolute", f"{tolerance():g}"
    count = len(mistakes)
    _node(prt, 0, test, "ta", options, true_score=1, true_note=NOTE_CORRECT, true_feedback="",
          false_next=1 if count else -1)
    for i, (note, _text_, fb) in enumerate(mistakes, 1):
        _node(prt, i, test, f"m{i}", options, true_score=0, true_note=note, true_feedback=fb,
              false_next=i + 1 if i < count else -1)
    if q.kind == "free":
        _qtest(el, 1, "Maxima's own derivative of the function is marked correct (cross-checks quizgen's key)",
               _own_key(q), 1, NOTE_CORRECT)
        _qtest(el, 2, "quizgen's key as a student would type it", _maxima(p.answer), 1, NOTE_CORRECT)
    else:
        _qtest(el, 1, "Maxima's derivative at the point is marked correct (cross-checks quizgen's exact value)",
               f"ev(subst(pt,{var},diff(fn,{var})),simp)", 1, NOTE_CORRECT)
        _qtest(el, 2, f"the value to {DECIMALS} decimal places", f"{round(q.decimal, DECIMALS):.{DECIMALS}f}", 1,
               NOTE_CORRECT)
    for i, (note, text, _fb) in enumerate(mistakes, 1):
        _qtest(el, i + 2, f"typical mistake: {note}", text, 0, note)
    return el


def stack_xml(exam, *, titles: list[str]) -> str:
    """Every free-response and value question of the exam as STACK questions (Moodle XML, UTF-8 text)."""
    from quizgen.exam import kinds

    spec = exam.spec
    quiz = ET.Element("quiz")
    top = f"{spec.title} (STACK)"
    _category(quiz, _category_path(top), f"<p>{escape(spec.title)} — STACK questions made by quizgen "
                                         f"({escape(exam.regen)}).</p>")
    for sec in spec.sections:
        if sec in left_out(spec):  # in exam.moodle.xml only (write_exam says so in a note)
            continue
        sec_name = f"Part {sec.index} — {titles[sec.index - 1]} ({kinds.get(sec.kind).LABEL})"
        _category(quiz, _category_path(top, sec_name),
                  f"<p>{sec.count} question{'s' if sec.count != 1 else ''} of this part per paper; every version's "
                  f"questions are here, so a quiz can draw {sec.count} at random for each student.</p>")
        for v in exam.versions:
            for q in v.questions:
                if q.section == sec.index:
                    name = f"P{sec.index} {v.label}-{q.number}: {q.problem.question_text}"
                    stack_question(quiz, q, name[:250], f"stack-p{sec.index}-{v.label}-{q.number}")
    scrub(quiz)
    ET.indent(quiz, "  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


__all__ = ["ASKS", "left_out", "stack_xml", "stack_question", "PENALTY"]
