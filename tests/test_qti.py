"""Canvas QTI export, read back as an importer would (manifest -> assessment) and compared with exam.json."""

import json
import re
import xml.etree.ElementTree as ET
import zipfile
from html import unescape
from pathlib import Path

import pytest
import sympy as sp

from quizgen.bank import load_bank
from quizgen.exam import build_exam, load_spec, write_exam
from quizgen.mathparse import parse

ROOT = Path(__file__).resolve().parents[1]
BANK = load_bank()
NS = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2", "cp": "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("qti")
    exam = build_exam(load_spec(ROOT / "examples" / "quiz3.toml", BANK), versions=3, jobs=1, bank=BANK)
    write_exam(exam, out, ["qti"], jobs=1, bank=BANK)
    return out


def read_qti(path: Path):
    """(assessment root, manifest root, names in the zip): the assessment found through the manifest."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        manifest = ET.fromstring(zf.read("imsmanifest.xml"))
        res = manifest.find("cp:resources/cp:resource[@type='imsqti_xmlv1p2']", NS)
        href = res.find("cp:file", NS).get("href")
        for f in manifest.iter(f"{{{NS['cp']}}}file"):
            assert f.get("href") in names  # every file the manifest names is in the zip
        return ET.fromstring(zf.read(href)), manifest, names


def sympy_str(text: str, var: str):
    """exam.json's SymPy strings through quizgen's parser (SymPy writes Euler's number as E)."""
    return parse(re.sub(r"\bE\b", "e", text), var)


def meta(item) -> dict:
    return {f.findtext("q:fieldlabel", namespaces=NS): f.findtext("q:fieldentry", default="", namespaces=NS)
            for f in item.iterfind("q:itemmetadata/q:qtimetadata/q:qtimetadatafield", NS)}


def feedback(item, ident: str) -> str:
    return item.find(f"q:itemfeedback[@ident='{ident}']/q:flow_mat/q:material/q:mattext", NS).text


def test_zip_holds_manifest_and_one_assessment(written):
    root, manifest, names = read_qti(written / "exam.qti.zip")
    assert "imsmanifest.xml" in names and len(names) == 3
    assert len(root.findall("q:assessment", NS)) == 1
    assert [r.get("type") for r in manifest.iterfind("cp:resources/cp:resource", NS)] == [
        "imsqti_xmlv1p2", "associatedcontent/imscc_xmlv1p1/learning-application-resource"]


def test_every_question_answer_and_tolerance_matches_exam_json(written):
    data = json.loads((written / "exam.json").read_text("utf-8"))
    root, _m, _n = read_qti(written / "exam.qti.zip")
    assessment = root.find("q:assessment", NS)
    groups = assessment.findall("q:section/q:section", NS)
    assert len(groups) == len(data["sections"])  # one question group per section
    items = {}
    for g, sec in zip(groups, data["sections"]):
        assert g.findtext("q:selection_ordering/q:selection/q:selection_number", namespaces=NS) == str(sec["count"])
        points = g.findtext("q:selection_ordering/q:selection/q:selection_extension/q:points_per_item",
                            namespaces=NS)
        assert float(points) == sec["points"]
        for item in g.iterfind("q:item", NS):
            items[item.get("ident")] = (item, sec)
    expected = [(vi, q) for vi, v in enumerate(data["versions"]) for q in v["questions"]]
    assert len(items) == len(expected) == 36  # every question of every version, once
    for vi, q in expected:
        item, sec = items[next(k for k in items if k.endswith(f"_v{vi + 1}_q{q['number']}"))]
        assert sec["section"] == q["section"]
        m = meta(item)
        assert float(m["points_possible"]) == q["points"]
        x = sp.Symbol(q["variable"], real=True)
        if q["kind"] == "choice":
            assert m["question_type"] == "multiple_choice_question"
            labels = [r.get("ident") for r in item.iterfind(".//q:response_lid/q:render_choice/q:response_label", NS)]
            assert len(labels) == len(q["options"])
            right = [c for c in item.iterfind("q:resprocessing/q:respcondition", NS) if c.find("q:setvar", NS) is not None]
            assert len(right) == 1 and right[0].findtext("q:setvar", namespaces=NS) == "100"
            chosen = right[0].findtext("q:conditionvar/q:varequal", namespaces=NS)
            assert chosen == labels["ABCDE".index(q["correct_option"])]
            for label, code in zip(labels, q["option_mistakes"]):
                fb = unescape(feedback(item, f"{label}_fb"))
                assert (fb == "<p>Correct.</p>") == (code == "correct")
        elif q["kind"] == "value":
            assert m["question_type"] == "numerical_question"
            cv = next(c for c in item.iterfind("q:resprocessing/q:respcondition", NS)
                      if c.find("q:setvar", NS) is not None).find("q:conditionvar/q:or", NS)
            exact = float(cv.findtext("q:varequal", namespaces=NS))
            low = float(cv.findtext("q:and/q:vargte", namespaces=NS))
            high = float(cv.findtext("q:and/q:varlte", namespaces=NS))
            assert exact == pytest.approx(q["decimal"], abs=1e-9)
            assert exact - low == pytest.approx(0.0005, abs=1e-9) and high - exact == pytest.approx(0.0005, abs=1e-9)
            assert float(sympy_str(q["value"], q["variable"])) == pytest.approx(q["decimal"], rel=1e-12)
        else:
            assert m["question_type"] == "essay_question"
            fb = unescape(feedback(item, "general_fb"))
            key_text = re.search(r"<p>Key: f′\(\w\) = (.+?)</p>", fb).group(1)
            key = parse(key_text, q["variable"])
            assert sp.simplify(key - sympy_str(q["answer"], q["variable"])) == 0
            assert sp.simplify(sp.diff(sympy_str(q["expr"], q["variable"]), x) - key) == 0


def test_same_exam_same_zip(tmp_path):
    exam = build_exam(load_spec(ROOT / "examples" / "quiz3.toml", BANK), versions=1, jobs=1, bank=BANK)
    write_exam(exam, tmp_path / "a", ["qti"], jobs=1, bank=BANK)
    write_exam(exam, tmp_path / "b", ["qti"], jobs=1, bank=BANK)
    assert (tmp_path / "a" / "exam.qti.zip").read_bytes() == (tmp_path / "b" / "exam.qti.zip").read_bytes()
