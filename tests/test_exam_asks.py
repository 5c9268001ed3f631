"""Exam sections that ask more than f′(x) (issue 10): `ask = "second" | "tangent" | "normal" | "value"` with kind free
or choice. PDFs, TeX (compiled), Moodle XML, QTI and STACK; distractors are the ask's real mistakes, never the key;
`exam check` names a bad ask in the file/place/fix style, all problems at once."""

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import pytest
from click.testing import CliRunner

from quizgen.checker import check_problem
from quizgen.cli import main
from quizgen.exam import build_exam, load_spec, write_exam
from quizgen.mistakes import MISTAKE_FEEDBACK

from .test_tex import check_log, compile_all, needs_pdflatex

SPEC = """title = "Derivative unit"
seed = 7
versions = 2

[[section]]
topic = "power"
count = 2
ask = "second"
points = 2

[[section]]
topic = "product"
count = 2
ask = "tangent"
points = 3

[[section]]
topic = "power"
count = 2
kind = "choice"
ask = "tangent"
points = 2

[[section]]
topic = "chain"
count = 2
ask = "normal"
points = 3

[[section]]
topic = "basic"
count = 1
kind = "choice"
ask = "second"

[[section]]
topic = "power"
count = 1
kind = "value"
"""


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("asks")
    (folder / "unit.toml").write_text(SPEC, "utf-8")
    exam = build_exam(load_spec(folder / "unit.toml"), jobs=1)
    out = folder / "out"
    write_exam(exam, out, ["pdf", "tex", "moodle", "stack", "qti"], jobs=1)
    return exam, out


def asked(exam):
    return [(v, q) for v in exam.versions for q in v.questions if q.ask != "derivative"]


def test_sections_draw_what_they_ask(built):
    exam, _ = built
    by_section = {}
    for _v, q in [(v, q) for v in exam.versions for q in v.questions]:
        by_section.setdefault(q.section, set()).add((q.kind, q.ask))
    assert by_section == {1: {("free", "second")}, 2: {("free", "tangent")}, 3: {("choice", "tangent")},
                          4: {("free", "normal")}, 5: {("choice", "second")}, 6: {("value", "derivative")}}
    for _v, q in asked(exam):
        assert check_problem(q.problem, q.problem.answer_text).correct  # the key is its own right answer


def test_choice_distractors_are_real_mistakes_and_never_the_key(built):
    exam, _ = built
    choices = [q for _v, q in asked(exam) if q.kind == "choice"]
    assert choices
    for q in choices:
        assert sum(o.correct for o in q.options) == 1 and len(q.options) == 4
        assert len({o.text for o in q.options}) == 4
        for o in q.options:
            verdict = check_problem(q.problem, o.text)
            assert verdict.correct == o.correct, (q.problem.question_text, o.text)
            if not o.correct:
                assert o.code in MISTAKE_FEEDBACK, o.code  # a named mistake, not a generic filler
    codes = {o.code for q in choices for o in q.options}
    assert codes & {"used-f-of-a", "point-uses-derivative", "unevaluated-derivative"}
    assert len(codes - {"correct"}) >= 4


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed")
def test_papers_ask_and_keys_answer(built):
    exam, out = built
    for v in exam.versions:
        paper = squash(subprocess.run(["pdftotext", str(out / f"exam-{v.label}.pdf"), "-"], capture_output=True,
                                      text=True, timeout=60).stdout)
        key = squash(subprocess.run(["pdftotext", str(out / f"key-{v.label}.pdf"), "-"], capture_output=True,
                                    text=True, timeout=60).stdout)
        for q in v.questions:
            if q.ask == "derivative":
                continue
            words, _tex, txt = q.ask_sentence
            assert squash(f"{words}{txt}") in paper and squash(f"{words}{txt}") in key
            if q.kind == "free":
                for _pt, pre, _t, line in q.key_rows:
                    assert squash(f"{pre}{line}") in key
                last = squash(q.key_rows[-1][3])
                assert len(last) < 6 or last not in paper  # (f″ = 2 would be found in any page)
            else:
                for o in q.options:
                    assert squash(o.text) in paper
        assert "Findthesecondderivative." in paper and "Circletheletterofthecorrecttangentline." in paper


@needs_pdflatex
@pytest.mark.timeout(600)
def test_tex_papers_and_keys_compile(built):
    exam, out = built
    logs = compile_all(out, ["exam-A"], keys=["exam-A"])
    for name, log in logs.items():
        check_log(log, name)
    tex = (out / "exam-A.tex").read_text("utf-8")
    assert r"Find the tangent line at $x = 1$." in tex or "Find the tangent line at $x =" in tex
    assert r"Find $f''(x)$." in tex


def test_moodle_xml_has_the_asks(built):
    exam, out = built
    root = ET.parse(out / "exam.moodle.xml").getroot()
    questions = [q for q in root if q.get("type") != "category"]
    texts = {q.findtext("name/text"): q for q in questions}
    assert len(questions) == sum(len(v.questions) for v in exam.versions)
    choice = [q for q in questions if q.get("type") == "multichoice"]
    for q in choice:
        assert [a.get("fraction") for a in q.findall("answer")].count("100") == 1
    stems = " ".join(q.findtext("questiontext/text") for q in questions)
    assert "Which of these is the tangent line at" in stems
    assert "Find the normal line at" in stems and "Find \\(f''(x)\\)" in stems
    essays = [q for q in questions if q.get("type") == "essay"]
    assert all("y = " in q.findtext("graderinfo/text") or "f''" in q.findtext("graderinfo/text") for q in essays)
    assert texts


def test_stack_leaves_out_ask_parts_and_qti_carries_them(built):
    exam, out = built
    root = ET.parse(out / "exam.stack.xml").getroot()
    stack = [q for q in root if q.get("type") == "stack"]
    assert len(stack) == len(exam.versions)  # only the value part: the asks are not derivative checks
    assert any("exam.stack.xml leaves out section[1] (ask = 'second')" in n for n in exam.notes)
    with zipfile.ZipFile(out / "exam.qti.zip") as z:
        xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
    assert "Which of these is the tangent line at" in xml and "Key: f(" in xml


def test_exam_check_names_every_bad_ask(tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text('title = "t"\n[[section]]\ntopic = "power"\ncount = 1\nask = "tangnt"\n'
                    '[[section]]\ntopic = "power"\ncount = 1\nkind = "value"\nask = "normal"\n'
                    '[[section]]\ntopic = "power"\ncount = 1\nask = 3\n', "utf-8")
    r = CliRunner().invoke(main, ["exam", "check", str(spec)])
    assert r.exit_code == 2
    lines = r.output.splitlines()
    assert (f"{spec}: section[1].ask: 'tangnt' is not an ask (derivative, second, value, tangent, normal, partial, mixed, gradient or implicit); "
            f"did you mean 'tangent'?") in lines
    assert (f"{spec}: section[2].ask: kind = \"value\" asks f′(a) itself; for ask = 'normal' use kind = \"free\" "
            f"or \"choice\"") in lines
    assert f"{spec}: section[3].ask: 3 is not an ask (derivative, second, value, tangent, normal, partial, mixed, gradient or implicit)" in lines
    assert "Traceback" not in r.output
