"""Canvas quiz export: QTI 1.2 in a zip (imsmanifest.xml, one assessment, Canvas's assessment_meta.xml).

One assessment holds every question of every version; each exam section is one question group that draws the
section's count of questions at random for each student (its points per question set), as a Moodle quiz draws from
a category. choice -> multiple_choice_question with feedback per option (the mistake each distractor stands for);
value -> numerical_question, exact value with an absolute margin of half a unit of the asked decimal; free ->
essay_question (Canvas cannot check a formula), every version's question in the group, with the key and steps in
the general answer comments that the grader sees (students see them only once results are released). Math is
written as \\( ... \\), which Canvas renders with MathJax. The element names follow what Canvas reads and text2qti
(the open-source reference writer) produces.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
import zipfile
from html import escape

from quizgen.render.moodle import (DECIMALS, _function_html, _key_html, _math, _steps_html, ask_html, tolerance,
                                   which_html)
from quizgen.render.xmltext import scrub

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
KINDS = {"choice": "multiple_choice_question", "value": "numerical_question", "free": "essay_question"}


def _sub(parent, tag: str, text=None, **attrib) -> ET.Element:
    el = ET.SubElement(parent, tag, {k.rstrip("_"): str(v) for k, v in attrib.items()})
    if text is not None:
        el.text = str(text)
    return el


def _meta(item, fields: dict) -> None:
    md = _sub(_sub(item, "itemmetadata"), "qtimetadata")
    for label, entry in fields.items():
        f = _sub(md, "qtimetadatafield")
        _sub(f, "fieldlabel", label)
        _sub(f, "fieldentry", entry)


def _material(parent, html: str) -> None:
    _sub(_sub(parent, "material"), "mattext", html, texttype="text/html")


def _feedback(item, ident: str, html: str) -> None:
    _material(_sub(_sub(item, "itemfeedback", ident=ident), "flow_mat"), html)


def _condition(resp, *, cont: bool, score: float | None = None, feedback: str | None = None) -> ET.Element:
    rc = _sub(resp, "respcondition", continue_="Yes" if cont else "No")
    cv = _sub(rc, "conditionvar")
    if score is not None:
        _sub(rc, "setvar", f"{score:g}", action="Set", varname="SCORE")
    if feedback is not None:
        _sub(rc, "displayfeedback", feedbacktype="Response", linkrefid=feedback)
    return cv


def _key_text(q) -> str:
    """The key as one line of text as well as typeset: `f′(x) = 6x(x² + 1)²` (readable without MathJax)."""
    return f"<p>Key: {escape(q.key_text)}</p>"


def _item(group, q, ident: str, title: str) -> None:
    item = _sub(group, "item", ident=ident, title=title)
    answers = [f"{ident}_{chr(65 + i)}" for i in range(len(q.options))] if q.kind == "choice" else [f"{ident}_1"]
    _meta(item, {"question_type": KINDS[q.kind], "points_possible": f"{q.points:g}",
                 "original_answer_ids": ",".join(answers) if q.kind != "free" else "",
                 "assessment_question_identifierref": f"{ident}_ref"})
    pres = _sub(item, "presentation")
    resp = _sub(item, "resprocessing")
    _sub(_sub(resp, "outcomes"), "decvar", maxvalue=100, minvalue=0, varname="SCORE", vartype="Decimal")
    general = _key_html(q) + _key_text(q) + _steps_html(q)
    if q.kind == "choice":
        _material(pres, which_html(q))
        rc = _sub(_sub(pres, "response_lid", ident="response1", rcardinality="Single"), "render_choice")
        for aid, o in zip(answers, q.options):
            _material(_sub(rc, "response_label", ident=aid), f"<p>{_math(o.latex)}</p>")
        _sub(_condition(resp, cont=True, feedback="general_fb"), "other")
        for aid in answers:
            _sub(_condition(resp, cont=True, feedback=f"{aid}_fb"), "varequal", aid, respident="response1")
        _sub(_condition(resp, cont=False, score=100), "varequal", answers[q.correct], respident="response1")
        _feedback(item, "general_fb", general)
        for aid, o in zip(answers, q.options):
            text = o.feedback or ("Correct." if o.correct else "Not the derivative.")
            _feedback(item, f"{aid}_fb", f"<p>{escape(text)}</p>")
    elif q.kind == "value":
        ask = _math(f"f^{{\\prime}}\\left({q.point_latex}\\right)")
        _material(pres, f"<p>Let {_function_html(q)}. Find {ask}, correct to {DECIMALS} decimal places.</p>")
        fib = _sub(_sub(pres, "response_str", ident="response1", rcardinality="Single"), "render_fib",
                   fibtype="Decimal")
        _sub(fib, "response_label", ident="answer1")
        _sub(_condition(resp, cont=True, feedback="general_fb"), "other")
        exact, margin = round(q.decimal, 10), tolerance()
        cv = _condition(resp, cont=False, score=100)
        either = _sub(cv, "or")
        _sub(either, "varequal", repr(exact), respident="response1")
        both = _sub(either, "and")
        _sub(both, "vargte", repr(round(exact - margin, 10)), respident="response1")
        _sub(both, "varlte", repr(round(exact + margin, 10)), respident="response1")
        value = _math(f"f^{{\\prime}}\\left({q.point_latex}\\right) = {q.value_latex}")
        _feedback(item, "general_fb", f"<p>{value} ≈ {escape(q.decimal_text)}</p>" + general)
    else:
        asked = ask_html(q)
        _material(pres, f"<p>Let {_function_html(q)}. {asked}. Show your work.</p>" if asked else
                  f"<p>Find the derivative of {_function_html(q)}. Show your work.</p>")
        fib = _sub(_sub(pres, "response_str", ident="response1", rcardinality="Single"), "render_fib")
        _sub(fib, "response_label", ident="answer1", rshuffle="No")
        _sub(_condition(resp, cont=True, feedback="general_fb"), "other")
        _sub(_condition(resp, cont=False), "other")
        _feedback(item, "general_fb", f"<p>Key ({q.points:g} points):</p>" + general)


def _ids(exam) -> dict[str, str]:
    digest = hashlib.sha256(f"{exam.spec.title}\0{exam.seed}\0{exam.regen}".encode("utf-8")).hexdigest()[:12]
    base = f"quizgen_{digest}"
    return {"base": base, "assessment": f"{base}_assessment", "manifest": f"{base}_manifest",
            "meta": f"{base}_meta", "assignment": f"{base}_assignment", "group": f"{base}_assignment_group"}


def item_ident(exam, version_index: int, number: int) -> str:
    """The ident of a question's item: version by position (roster labels need not be ASCII), then its number."""
    return f"{_ids(exam)['base']}_v{version_index + 1}_q{number}"


def assessment_xml(exam, *, titles: list[str]) -> str:
    from quizgen.exam import kinds

    spec = exam.spec
    root = ET.Element("questestinterop", {"xmlns": QTI_NS})
    ids = _ids(exam)
    assessment = _sub(root, "assessment", ident=ids["assessment"], title=spec.title)
    f = _sub(_sub(assessment, "qtimetadata"), "qtimetadatafield")
    _sub(f, "fieldlabel", "cc_maxattempts")
    _sub(f, "fieldentry", 1)
    top = _sub(assessment, "section", ident="root_section")
    for sec in spec.sections:
        group = _sub(top, "section", ident=f"{ids['base']}_part{sec.index}",
                     title=f"Part {sec.index} — {titles[sec.index - 1]} ({kinds.get(sec.kind).LABEL})")
        sel = _sub(_sub(group, "selection_ordering"), "selection")
        _sub(sel, "selection_number", sec.count)
        _sub(_sub(sel, "selection_extension"), "points_per_item", f"{sec.points:g}")
        for vi, v in enumerate(exam.versions):
            for q in v.questions:
                if q.section == sec.index:
                    title = f"P{sec.index} {v.label}-{q.number}: {q.problem.question_text}"[:250]
                    _item(group, q, item_ident(exam, vi, q.number), title)
    return _serialize(root)


def _serialize(root) -> str:
    scrub(root)
    ET.indent(root, "  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def meta_xml(exam) -> str:
    """Canvas's own quiz settings (assessment_meta.xml): title, points, one attempt, unpublished."""
    ids = _ids(exam)
    spec = exam.spec
    quiz = ET.Element("quiz", {"identifier": ids["assessment"], "xmlns": CANVAS_NS})
    points = f"{spec.total_points:g}"
    for tag, value in (("title", spec.title), ("description", spec.instructions),
                       ("shuffle_answers", "false"), ("scoring_policy", "keep_highest"), ("quiz_type", "assignment"),
                       ("points_possible", points), ("show_correct_answers", "false"), ("allowed_attempts", 1),
                       ("one_question_at_a_time", "false"), ("cant_go_back", "false"), ("available", "false")):
        _sub(quiz, tag, value)
    a = _sub(quiz, "assignment", identifier=ids["assignment"])
    for tag, value in (("title", spec.title), ("workflow_state", "unpublished"),
                       ("quiz_identifierref", ids["assessment"]), ("points_possible", points),
                       ("grading_type", "points"), ("submission_types", "online_quiz")):
        _sub(a, tag, value)
    _sub(quiz, "assignment_group_identifierref", ids["group"])
    return _serialize(quiz)


def manifest_xml(exam) -> str:
    ids = _ids(exam)
    folder = ids["assessment"]
    m = ET.Element("manifest", {"identifier": ids["manifest"], "xmlns": CP_NS})
    meta = _sub(m, "metadata")
    _sub(meta, "schema", "IMS Content")
    _sub(meta, "schemaversion", "1.1.3")
    _sub(m, "organizations")
    res = _sub(m, "resources")
    r = _sub(res, "resource", identifier=folder, type="imsqti_xmlv1p2")
    _sub(r, "file", href=f"{folder}/{folder}.xml")
    _sub(r, "dependency", identifierref=ids["meta"])
    r2 = _sub(res, "resource", identifier=ids["meta"],
              type="associatedcontent/imscc_xmlv1p1/learning-application-resource", href=f"{folder}/assessment_meta.xml")
    _sub(r2, "file", href=f"{folder}/assessment_meta.xml")
    return _serialize(m)


def write_qti(exam, path, *, titles: list[str]) -> None:
    """Write exam.qti.zip to `path` (a temporary file of the run; renamed into place with the others)."""
    folder = _ids(exam)["assessment"]
    # A fixed timestamp: the same exam gives the same zip, byte for byte.
    stamp = (2020, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in (("imsmanifest.xml", manifest_xml(exam)),
                           (f"{folder}/{folder}.xml", assessment_xml(exam, titles=titles)),
                           (f"{folder}/assessment_meta.xml", meta_xml(exam))):
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))


__all__ = ["write_qti", "assessment_xml", "manifest_xml", "meta_xml", "item_ident"]
