"""STACK export: one question per free/value question with key, equivalence node, one node per typical mistake
(feedback, mistake code as answer note) and qtests; every Maxima string read back through quizgen's parser equals
the SymPy original, and (when Maxima is installed) Maxima itself agrees that the key is the derivative."""

import random
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.bank import load_bank
from quizgen.draw import DrawRejected, draw
from quizgen.exam import build_exam, load_spec, section_title, write_exam
from quizgen.maxima import from_maxima, to_maxima
from quizgen.mathparse import parse
from quizgen.mistakes import MISTAKE_CODES, mistake_details
from quizgen.problems import make_problem
from quizgen.render.stack import stack_xml

ROOT = Path(__file__).resolve().parents[1]
BANK = load_bank()


def same(a, b) -> bool:
    """Equal as SymPy expressions (the parser distributes 7*(a + b), which a key may keep unexpanded)."""
    return a == b or sp.expand(a - b) == 0


@pytest.fixture(scope="module")
def exam():
    return build_exam(load_spec(ROOT / "examples" / "quiz3.toml", BANK), versions=2, jobs=1, bank=BANK)


@pytest.fixture(scope="module")
def root(exam):
    text = stack_xml(exam, titles=[section_title(s, BANK) for s in exam.spec.sections])
    return ET.fromstring(text.encode("utf-8"))


def qvars(el) -> dict[str, str]:
    """name -> Maxima text of a question's variables (one `name: value;` per line, comments dropped)."""
    text = re.sub(r"/\*.*?\*/", "", el.findtext("questionvariables/text"), flags=re.S)
    return dict(re.match(r"\s*(\w+):\s*(.+?);\s*$", line).groups() for line in text.splitlines() if line.strip())


def questions(root, exam):
    """(xml question, exam question) pairs, matched by idnumber."""
    by_id = {el.findtext("idnumber"): el for el in root if el.get("type") == "stack"}
    out = []
    for v in exam.versions:
        for q in v.questions:
            if q.kind in ("free", "value"):
                out.append((by_id.pop(f"stack-p{q.section}-{v.label}-{q.number}"), q))
    assert not by_id  # nothing else
    return out


def test_one_stack_question_per_free_and_value_question(root, exam):
    pairs = questions(root, exam)
    assert len(pairs) == sum(q.kind in ("free", "value") for v in exam.versions for q in v.questions) == 18
    cats = [el.findtext("category/text") for el in root if el.get("type") == "category"]
    assert cats[1:] == [f"$course$/top/{exam.spec.title} (STACK)/Part {i} — {t}" for i, t in (
        (1, "Power rule (free response)"), (3, "Product rule (value of f′)"), (4, "Quotient rule (free response)"))]


def test_key_nodes_notes_and_qtests(root, exam):
    for el, q in questions(root, exam):
        x = q.problem.var
        v = qvars(el)
        assert same(from_maxima(v["fn"], q.variable), q.problem.expr)
        key = q.problem.answer if q.kind == "free" else q.value
        assert same(from_maxima(v["ta"], q.variable), key)
        assert el.findtext("input/tans") == "ta" and el.findtext("input/insertstars") == "1"
        assert el.findtext("input/forbidwords") == "diff,int"
        assert el.findtext("input/forbidfloat") == ("1" if q.kind == "free" else "0")
        assert "[[input:ans1]] [[validation:ans1]]" in el.findtext("questiontext/text")
        assert el.findtext("defaultgrade") == f"{q.points:g}"
        nodes = el.findall("prt/node")
        test = "AlgEquiv" if q.kind == "free" else "NumAbsolute"
        assert [n.findtext("answertest") for n in nodes] == [test] * len(nodes)
        assert nodes[0].findtext("tans") == "ta" and nodes[0].findtext("truescore") == "1.0000000"
        if q.kind == "value":
            assert {n.findtext("testoptions") for n in nodes} == {"0.0005"}
        mistakes = nodes[1:]
        notes = [n.findtext("trueanswernote") for n in mistakes]
        assert len(set(notes + [n.findtext("falseanswernote") for n in nodes] + ["correct"])) == 2 * len(nodes)
        assert not any(c in note for note in notes for c in "|;:")  # STACK refuses these in answer notes
        details = mistake_details(q.problem.expr, x, sp.diff(q.problem.expr, x))
        if q.kind == "free":
            assert len(mistakes) == len(details) > 0  # one node per generated mistake
        for i, n in enumerate(mistakes, 1):
            assert n.findtext("tans") == f"m{i}" and n.findtext("truescore") == "0.0000000"
            code = re.sub(r"-\d+$", "", n.findtext("trueanswernote"))
            assert code in MISTAKE_CODES
            assert len(n.findtext("truefeedback/text")) > 20
            wrong = from_maxima(v[f"m{i}"], q.variable)
            matches = [d for d in details if d.code == code and
                       same(d.wrong if q.kind == "free" else d.wrong.subs(x, q.point), wrong)]
            assert matches, (n.findtext("trueanswernote"), v[f"m{i}"])
        tests = el.findall("qtest")
        assert len(tests) == 2 + len(mistakes)
        assert [t.findtext("expected/expectedanswernote") for t in tests] == ["correct", "correct"] + notes
        assert [t.findtext("expected/expectedscore") for t in tests[:2]] == ["1.0000000"] * 2
        for t, i in zip(tests[2:], range(1, len(mistakes) + 1)):
            assert t.findtext("testinput/value") == v[f"m{i}"]
            assert t.findtext("expected/expectedpenalty") == el.findtext("penalty")


def test_written_by_exam_run(tmp_path, exam):
    written = write_exam(exam, tmp_path, ["stack"], jobs=1, bank=BANK)
    assert sorted(p.name for p in written) == ["exam.json", "exam.stack.xml"]
    ET.parse(tmp_path / "exam.stack.xml")


def _families():
    return sorted(f.id for f in BANK.families if not f.variables)  # STACK export: one variable


@settings(max_examples=60)
@given(st.sampled_from(_families()), st.integers(0, 10**6))
def test_maxima_round_trip_for_keys_and_mistakes(family, seed):
    fam = next(f for f in BANK.families if f.id == family)
    try:
        expr, values = draw(fam, random.Random(seed))
    except DrawRejected:
        return
    p = make_problem(fam, expr, values)
    x = p.var
    for e in [p.expr, p.answer] + [d.wrong for d in mistake_details(p.expr, x, sp.diff(p.expr, x))]:
        text = to_maxima(e)
        assert not re.search(r"\*\*|\bE\b|\bpi\b|\bln\b", text), text  # Maxima spelling: ^, %e, %pi, log
        assert same(from_maxima(text, p.variable), e), text


def test_maxima_text_samples():
    x = sp.Symbol("x", real=True)
    for text, maxima in (("3^(2x)ln(x)", "3^(2*x)*log(x)"), ("log_10(x^2 + 1)", "log(x^2 + 1)/log(10)"),
                         ("e^(-x)/sqrt(x)", "%e^(-x)/sqrt(x)"), ("arctan(2x) - 2/3x", "atan(2*x) - 2*x/3"),
                         ("pi sec(x)^2", "%pi*sec(x)^2"), ("x^(-2) + x^(1/3)", "x^(1/3) + 1/x^2")):
        e = parse(text)
        assert to_maxima(e) == maxima
        assert same(from_maxima(maxima), e)
    with pytest.raises(Exception):
        from_maxima("x: 2; system(\"ls\")")
    with pytest.raises(Exception):
        from_maxima("e^x")  # Maxima's e is a plain variable: a key must say %e
    assert to_maxima(-x ** 2 + 1) == "1 - x^2" or to_maxima(-x ** 2 + 1) == "-x^2 + 1"


MAXIMA_CHECK = """display2d:false$ linel: 100000$
ok(d) := block([v: errcatch(float(rectform(d)))], if v = [] then unknown else if cabs(first(v)) < 1.0e-8 then 0 else 1)$
at3(e, x) := [ok(subst(x = 0.731, e)), ok(subst(x = 1.377, e)), ok(subst(x = 2.913, e))]$
"""


@pytest.mark.skipif(shutil.which("maxima") is None, reason="maxima not installed")
@pytest.mark.timeout(300)
def test_maxima_agrees_key_is_the_derivative_and_mistakes_are_not(root, exam):
    """What STACK's qtests check on import, checked here with Maxima itself (numerically, at three points)."""
    script = [MAXIMA_CHECK]
    pairs = questions(root, exam)
    for i, (el, q) in enumerate(pairs):
        v, x = qvars(el), q.variable
        block = "".join(f"{k}: {t}$" for k, t in v.items())
        deriv = f"diff(fn, {x})" if q.kind == "free" else f"subst(pt, {x}, diff(fn, {x}))"
        ms = [k for k in v if re.fullmatch(r"m\d+", k)]
        script.append(f"kill(fn, ta, pt, {', '.join(ms) or 'm0'})$ {block} "
                      f"print(\"Q{i}\", at3(ta - {deriv}, {x}), [{', '.join(f'at3({m} - ta, {x})' for m in ms)}])$")
    run = subprocess.run(["maxima", "--very-quiet"], input="\n".join(script) + "\n", capture_output=True,
                         text=True, timeout=240)
    lines = [ln.strip() for ln in run.stdout.splitlines() if ln.startswith("Q")]
    assert len(lines) == len(pairs), run.stdout[-2000:] + run.stderr[-2000:]
    for line in lines:
        key, mistakes = re.fullmatch(r"Q\d+ (\[.*?\]) \[(.*)\]", line).groups()
        assert "1" not in key and "0" in key, line  # the key is Maxima's derivative wherever both are defined
        for m in re.findall(r"\[[^\]]*\]", mistakes):
            assert "1" in m, line  # every mistake differs from the key somewhere
