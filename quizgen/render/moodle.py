"""Moodle XML: one question category per exam section holding every version's questions of that section.

choice -> multichoice (one right answer, each distractor's feedback names its mistake); value -> numerical with a
tolerance (absolute, as Moodle reads it); free -> essay with the key in the grader information (for graded
free response in Moodle see quizgen.render.stack). Math is written as \\( ... \\) for MathJax.
Format: https://docs.moodle.org/en/Moodle_XML_format
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html import escape

from quizgen.render.xmltext import scrub

PENALTY = "0.3333333"
DECIMALS = 3  # value questions ask for this many decimal places


def tolerance(value: float | None = None) -> float:
    """Moodle's numerical tolerance is absolute: half a unit of the last asked decimal, whatever the size of the
    value (an answer rounded to DECIMALS places is within it, one rounded to fewer places is not)."""
    return 0.5 * 10 ** -DECIMALS


def _math(latex: str) -> str:
    return rf"\({latex}\)"


def _text(parent, tag: str, text: str, fmt: str | None = "html") -> ET.Element:
    el = ET.SubElement(parent, tag, {"format": fmt} if fmt else {})
    ET.SubElement(el, "text").text = text
    return el


def _simple(parent, tag: str, value) -> ET.Element:
    el = ET.SubElement(parent, tag)
    el.text = str(value)
    return el


def _category_path(*parts: str) -> str:
    # "/" separates levels in a Moodle category path; a literal slash is written "//".
    return "/".join(p.replace("/", "//") for p in ("$course$", "top") + parts)


def _category(quiz, path: str, info: str) -> None:
    q = ET.SubElement(quiz, "question", {"type": "category"})
    cat = ET.SubElement(q, "category")
    ET.SubElement(cat, "text").text = path
    _text(q, "info", info)
    _simple(q, "idnumber", "")


def _common(q, name: str, question_html: str, feedback_html: str, points: float, idnumber: str) -> None:
    name_el = ET.SubElement(q, "name")
    ET.SubElement(name_el, "text").text = name
    _text(q, "questiontext", question_html)
    _text(q, "generalfeedback", feedback_html)
    _simple(q, "defaultgrade", f"{points:g}")
    _simple(q, "penalty", PENALTY)
    _simple(q, "hidden", 0)
    _simple(q, "idnumber", idnumber)


def _function_html(q) -> str:
    """f(x) = …, f(x, y) = … or L(w, b) = …, or the equation of an implicit curve, as the paper prints it."""
    from quizgen.render.exam_pdf import _question_prefixes

    (prefix, _), _ = _question_prefixes(q)
    return _math(f"{prefix} {q.problem.question_latex}".strip())


def _key_html(q) -> str:
    if q.ask_line is not None:  # f(a), f′(a) then y = …, or f′ then f″
        return "".join(f"<p>{_math(f'{pre} {tex}'.strip())}</p>" for pre, _pt, tex, _t in q.key_rows)
    key = f"f^{{\\prime}}({q.variable}) = {q.problem.answer_latex}"
    return f"<p>{_math(key)}</p>"


def ask_html(q) -> str | None:
    """"Find the tangent line at x = 1" (HTML with MathJax) for a question that asks more than f′(x), else None."""
    sentence = q.ask_sentence
    if sentence is None:
        return None
    return f"{escape(sentence[0])} {_math(sentence[1])}"


def which_html(q) -> str:
    """The stem of a multiple-choice question: which option is the derivative, or the thing asked."""
    if q.ask_line is None:
        return f"<p>Which of these is the derivative of {_function_html(q)}?</p>"
    mod = q.problem.asked
    what = f"the {mod.NOUN} at {_math(q.ask_line[1])}" if mod.NEEDS_POINT else _math(q.ask_line[1])
    return f"<p>Let {_function_html(q)}. Which of these is {what}?</p>"


def _steps_html(q) -> str:
    if not q.steps:
        return ""
    lines = []
    for depth, title, formulas in q.steps:
        maths = " ".join(_math(tex) for tex, _txt in formulas)
        lines.append(f'<li style="margin-left:{depth}em"><em>{escape(title)}</em> {maths}</li>')
    return "<ul>" + "".join(lines) + "</ul>"


def _multichoice(quiz, q, name: str, idnumber: str) -> None:
    el = ET.SubElement(quiz, "question", {"type": "multichoice"})
    _common(el, name, which_html(q), _key_html(q), q.points, idnumber)
    _simple(el, "single", "true")
    # Options stay in the seeded order of the paper, so a printed key matches what Moodle shows.
    _simple(el, "shuffleanswers", "false")
    _simple(el, "answernumbering", "ABCD")
    _simple(el, "showstandardinstruction", 0)
    _text(el, "correctfeedback", "<p>Correct.</p>")
    _text(el, "partiallycorrectfeedback", "<p>Partly correct.</p>")
    _text(el, "incorrectfeedback", "<p>Not the derivative.</p>")
    ET.SubElement(el, "shownumcorrect")
    for o in q.options:
        ans = ET.SubElement(el, "answer", {"fraction": "100" if o.correct else "0", "format": "html"})
        ET.SubElement(ans, "text").text = f"<p>{_math(o.latex)}</p>"
        _text(ans, "feedback", f"<p>{escape(o.feedback or ('Correct.' if o.correct else 'Not the derivative.'))}</p>")


def _numerical(quiz, q, name: str, idnumber: str) -> None:
    el = ET.SubElement(quiz, "question", {"type": "numerical"})
    ask = _math(f"f^{{\\prime}}\\left({q.point_latex}\\right)")
    html = (f"<p>Let {_function_html(q)}. Find {ask}, correct to {DECIMALS} decimal places.</p>")
    exact = _math(f"f^{{\\prime}}\\left({q.point_latex}\\right) = {q.value_latex}")
    feedback = f"<p>{exact} ≈ {escape(q.decimal_text)}</p>{_key_html(q)}{_steps_html(q)}"
    _common(el, name, html, feedback, q.points, idnumber)
    ans = ET.SubElement(el, "answer", {"fraction": "100", "format": "moodle_auto_format"})
    ET.SubElement(ans, "text").text = repr(round(q.decimal, 10))
    _simple(ans, "tolerance", f"{tolerance(q.decimal):g}")
    _text(ans, "feedback", "<p>Correct.</p>")
    _simple(el, "unitgradingtype", 0)
    _simple(el, "unitpenalty", "0.1000000")
    _simple(el, "showunits", 3)
    _simple(el, "unitsleft", 0)


def _essay(quiz, q, name: str, idnumber: str) -> None:
    el = ET.SubElement(quiz, "question", {"type": "essay"})
    asked = ask_html(q)
    html = (f"<p>Let {_function_html(q)}. {asked}. Show your work.</p>" if asked else
            f"<p>Find the derivative of {_function_html(q)}. Show your work.</p>")
    _common(el, name, html, _key_html(q), q.points, idnumber)
    _simple(el, "responseformat", "editor")
    _simple(el, "responserequired", 1)
    _simple(el, "responsefieldlines", 10)
    _simple(el, "minwordlimit", "")
    _simple(el, "maxwordlimit", "")
    _simple(el, "attachments", 0)
    _simple(el, "attachmentsrequired", 0)
    _simple(el, "maxbytes", 0)
    _simple(el, "filetypeslist", "")
    _text(el, "graderinfo", f"<p>Key ({q.points:g} points):</p>{_key_html(q)}{_steps_html(q)}")
    _text(el, "responsetemplate", "")


_WRITERS = {"choice": _multichoice, "value": _numerical, "free": _essay}


def moodle_xml(exam, *, titles: list[str]) -> str:
    """The whole exam as Moodle question XML (UTF-8 text with an XML declaration)."""
    from quizgen.exam import kinds
    spec = exam.spec
    quiz = ET.Element("quiz")
    top = spec.title
    _category(quiz, _category_path(top), f"<p>{escape(top)} — made by quizgen ({escape(exam.regen)}).</p>")
    for sec in spec.sections:
        sec_name = f"Part {sec.index} — {titles[sec.index - 1]} ({kinds.get(sec.kind).LABEL})"
        _category(quiz, _category_path(top, sec_name),
                  f"<p>{sec.count} question{'s' if sec.count != 1 else ''} of this part per paper; every version's "
                  f"questions are here, so a quiz can draw {sec.count} at random for each student.</p>")
        for v in exam.versions:
            for q in v.questions:
                if q.section != sec.index:
                    continue
                name = f"P{sec.index} {v.label}-{q.number}: {q.problem.question_text}"
                _WRITERS[q.kind](quiz, q, name[:250], f"p{sec.index}-{v.label}-{q.number}")
    scrub(quiz)
    ET.indent(quiz, "  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="unicode") + "\n"


__all__ = ["moodle_xml", "tolerance", "DECIMALS"]
