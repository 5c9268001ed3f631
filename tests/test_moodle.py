"""Moodle XML export: well-formed, one category per section with every version's questions, required elements per type."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sympy as sp

from quizgen.bank import load_bank
from quizgen.exam import build_exam, load_roster, load_spec
from quizgen.render.moodle import DECIMALS, moodle_xml, tolerance

FIX = Path(__file__).parent / "fixtures" / "exam"
BANK = load_bank()
TITLES = ["Power rule", "Chain rule", "Product rule"]
COMMON = ("name/text", "questiontext/text", "generalfeedback/text", "defaultgrade", "penalty", "hidden", "idnumber")
REQUIRED = {
    "multichoice": ("single", "shuffleanswers", "answernumbering", "correctfeedback/text",
                    "partiallycorrectfeedback/text", "incorrectfeedback/text", "answer/text", "answer/feedback/text"),
    "numerical": ("answer/text", "answer/tolerance", "answer/feedback/text", "unitgradingtype", "unitpenalty",
                  "showunits", "unitsleft"),
    "essay": ("responseformat", "responserequired", "responsefieldlines", "attachments", "attachmentsrequired",
              "graderinfo/text", "responsetemplate"),
}


@pytest.fixture(scope="module")
def exam():
    return build_exam(load_spec(FIX / "small.toml", BANK), jobs=1, bank=BANK)


@pytest.fixture(scope="module")
def root(exam):
    text = moodle_xml(exam, titles=TITLES)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    return ET.fromstring(text.encode("utf-8"))


def _blocks(root):
    """[(category path, [questions])] in document order."""
    out = []
    for q in root:
        assert q.tag == "question"
        if q.get("type") == "category":
            out.append((q.findtext("category/text"), []))
        else:
            out[-1][1].append(q)
    return out


def test_one_category_per_section_with_every_version(root, exam):
    blocks = _blocks(root)
    assert blocks[0] == ("$course$/top/Quiz — small", [])
    assert [path for path, _ in blocks[1:]] == [
        "$course$/top/Quiz — small/Part 1 — Power rule (free response)",
        "$course$/top/Quiz — small/Part 2 — Chain rule (multiple choice)",
        "$course$/top/Quiz — small/Part 3 — Product rule (value of f′)",
    ]
    types = [{q.get("type") for q in qs} for _, qs in blocks[1:]]
    assert types == [{"essay"}, {"multichoice"}, {"numerical"}]
    versions = len(exam.versions)
    assert [len(qs) for _, qs in blocks[1:]] == [2 * versions, 2 * versions, 1 * versions]
    ids = [q.findtext("idnumber") for _, qs in blocks for q in qs]
    assert len(ids) == len(set(ids))  # Moodle refuses duplicate idnumbers in one category


def test_required_elements_per_type(root):
    for q in root:
        kind = q.get("type")
        if kind == "category":
            assert q.findtext("category/text").startswith("$course$/top/")
            continue
        assert kind in REQUIRED
        for path in COMMON + REQUIRED[kind]:
            assert q.find(path) is not None, f"{kind} lacks {path}"
        assert q.find("questiontext").get("format") == "html"
        assert q.findtext("name/text").strip()
        assert float(q.findtext("defaultgrade")) > 0
        assert q.findtext("hidden") == "0"


def test_multichoice_has_exactly_one_right_answer(root, exam):
    choice_qs = [q for v in exam.versions for q in v.questions if q.kind == "choice"]
    xml_qs = [q for q in root if q.get("type") == "multichoice"]
    assert len(xml_qs) == len(choice_qs)
    for el in xml_qs:
        answers = el.findall("answer")
        assert len(answers) == 4
        fractions = [a.get("fraction") for a in answers]
        assert sorted(fractions) == ["0", "0", "0", "100"]
        assert el.findtext("single") == "true" and el.findtext("defaultgrade") == "4"
        for a in answers:
            assert re.fullmatch(r"<p>\\\(.+\\\)</p>", a.findtext("text"))
            assert a.findtext("feedback/text").startswith("<p>")


def test_multichoice_answers_match_the_paper(root, exam):
    v = exam.versions[0]
    q = next(q for q in v.questions if q.kind == "choice")
    el = next(e for e in root if e.findtext("idnumber") == f"p2-A-{q.number}")
    right = [a for a in el.findall("answer") if a.get("fraction") == "100"][0]
    assert q.options[q.correct].latex in right.findtext("text")
    wrong_feedback = [a.findtext("feedback/text") for a in el.findall("answer") if a.get("fraction") == "0"]
    assert all(len(f) > 20 for f in wrong_feedback)  # each distractor explains its mistake


def test_numerical_value_and_tolerance(root, exam):
    for v in exam.versions:
        q = next(q for q in v.questions if q.kind == "value")
        el = next(e for e in root if e.findtext("idnumber") == f"p3-{v.label}-{q.number}")
        ans = el.find("answer")
        assert ans.get("fraction") == "100"
        value = float(ans.findtext("text"))
        x = q.problem.var
        truth = float(sp.diff(q.problem.expr, x).subs(x, q.point))
        assert abs(value - truth) < 1e-8 * max(1, abs(truth))
        # Moodle's tolerance is absolute: half a unit of the last asked decimal, for small and huge values alike.
        tol = float(ans.findtext("tolerance"))
        assert tol == tolerance(truth) == 0.5 * 10 ** -DECIMALS
        assert abs(round(truth, DECIMALS) - value) <= tol  # the answer to 3 decimals is accepted
        assert abs(truth + 1.5 * 10 ** -DECIMALS - value) > tol  # one off in the third decimal is not
        assert f"correct to {DECIMALS} decimal places" in el.findtext("questiontext/text")
        assert el.findtext("defaultgrade") == "1.5"


def test_essay_carries_the_key_for_the_grader(root, exam):
    q = exam.versions[1].questions[0]
    el = next(e for e in root if e.findtext("idnumber") == f"p1-B-{q.number}")
    assert el.get("type") == "essay"
    assert q.problem.answer_latex in el.findtext("graderinfo/text")
    assert q.problem.question_latex in el.findtext("questiontext/text")
    assert el.findtext("responseformat") == "editor"


def test_roster_papers_and_slashes_in_titles(exam):
    spec = exam.spec
    import dataclasses

    spec2 = dataclasses.replace(spec, title="Calc I/II & <Review>")
    roster = load_roster(FIX / "roster.csv")
    students = build_exam(spec2, roster=roster, jobs=1, bank=BANK)
    text = moodle_xml(students, titles=TITLES)
    root = ET.fromstring(text.encode("utf-8"))
    assert root.findtext("question/category/text") == "$course$/top/Calc I//II & <Review>"
    ids = [q.findtext("idnumber") for q in root if q.get("type") != "category"]
    assert "p1-ada-lovelace-1" in ids and len(ids) == 3 * 5


def test_control_characters_never_reach_the_xml(exam):
    import dataclasses

    hostile = dataclasses.replace(exam, spec=dataclasses.replace(exam.spec, title="Quiz\x07 \x1b[31m3\x7f\x85"),
                                  regen="quizgen exam 'quiz\r\x0b.toml'")
    text = moodle_xml(hostile, titles=["Power\x00 rule", "Chain\x1f", "Product\ufffe"])
    root = ET.fromstring(text.encode("utf-8"))  # well-formed
    assert root.findtext("question/category/text") == "$course$/top/Quiz [31m3"
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe]", text)
