"""Several-variable questions on paper and in every export (issue 11): the student is told which partial is asked,
and Moodle, Canvas (QTI) and STACK say f(x, y), ∂f/∂x, ∇f and dy/dx where they used to say f(x) and f′(x)."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile

import pytest
import sympy as sp
from click.testing import CliRunner

from quizgen.bank import load_bank
from quizgen.cli import main
from quizgen.exam import build_exam, load_spec, section_title
from quizgen.maxima import from_maxima
from quizgen.mathparse import symbol

pytestmark = pytest.mark.timeout(300)
BANK = load_bank()

SPEC = """title = "Several variables"
versions = 2
seed = 7
[[section]]
topic = "partial"
count = 2
points = 2
[[section]]
topic = "gradient"
count = 2
points = 3
[[section]]
topic = "implicit"
count = 2
points = 3
[[section]]
topic = "partial"
count = 1
kind = "choice"
[[section]]
topic = "gradient"
count = 1
kind = "choice"
[[section]]
topic = "implicit"
count = 1
kind = "choice"
[[section]]
topic = "partial"
ask = "mixed"
count = 1
"""


def run(*args):
    r = CliRunner().invoke(main, [str(a) for a in args])
    return r.exit_code, r.output


def layer(pdf) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "several.toml"
    path.write_text(SPEC, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def exam(spec_file):
    return build_exam(load_spec(str(spec_file), BANK), jobs=1, bank=BANK)


def _request(q) -> str:
    """What the paper must name for the question: ∂f/∂x, ∂²f/∂x∂y, ∇f or dy/dx."""
    p = q.problem
    return {"partial": "∂", "mixed": "∂²", "gradient": "∇", "implicit": "dy/dx"}[p.ask]


def test_every_section_asks_its_own_thing(exam):
    asks = [(q.section, q.problem.ask) for q in exam.versions[0].questions]
    assert asks == [(1, "partial")] * 2 + [(2, "gradient")] * 2 + [(3, "implicit")] * 2 + [
        (4, "partial"), (5, "gradient"), (6, "implicit"), (7, "mixed")]


def test_the_worksheet_says_which_partial_derivative_to_find(tmp_path):
    code, out = run("generate", "--topic", "partial", "-n", "6", "--seed", "3")
    assert code == 0, out
    asked = re.findall(r"∂/∂(\w) \[", out)
    assert len(asked) == 6
    code, out = run("sheet", "--topic", "partial", "-n", "6", "--seed", "3", "-o", tmp_path / "s.pdf")
    assert code == 0, out
    text = layer(tmp_path / "s.pdf")
    found = re.findall(r"Find\s+∂(\w)/∂(\w)", text)
    assert sorted(v for _f, v in found) == sorted(asked), text  # two columns: pdftotext may interleave them
    assert {f for f, _v in found} <= {"f", "L"}


def test_the_exam_paper_says_which_partial_and_what_each_part_asks(tmp_path, spec_file):
    out = tmp_path / "out"
    code, text = run("exam", spec_file, "-o", out, "--format", "pdf,tex", "--jobs", "1")
    assert code == 0, text
    paper = layer(out / "exam-A.pdf")
    assert "Find the derivative." not in paper  # no part of this exam asks f′(x)
    for instruction in ("Find the partial derivative; the other variables are constants.",
                        "Find the gradient (the vector of partial derivatives).",
                        "Find dy/dx by implicit differentiation (in terms of x and y).",
                        "Circle the letter of the correct partial derivative.",
                        "Circle the letter of the correct gradient."):
        assert instruction in paper, instruction
    assert len(re.findall(r"Find\s+∂[fL]/∂[a-z]", paper)) == 3  # parts 1 and 4 (free and choice)
    assert "Find ∂²" in paper  # part 7, the mixed partial
    tex = (out / "exam-A.tex").read_text(encoding="utf-8")
    assert len(re.findall(r"Find \$\\frac\{\\partial [fL]\}\{\\partial [a-z]\}\$", tex)) == 3, tex
    assert "Find the derivative." not in tex


def _moodle_questions(xml: str) -> list:
    root = ET.fromstring(xml.encode("utf-8"))
    return [el for el in root if el.get("type") != "category"]


def test_moodle_names_the_function_of_several_variables_and_the_partial(exam):
    from quizgen.render.moodle import moodle_xml

    els = _moodle_questions(moodle_xml(exam, titles=[section_title(s, BANK) for s in exam.spec.sections]))
    qs = [q for v in exam.versions for q in v.questions]
    assert len(els) == len(qs)
    by_id = {el.findtext("idnumber"): el for el in els}
    for v in exam.versions:
        for q in v.questions:
            el = by_id[f"p{q.section}-{v.label}-{q.number}"]
            stem = el.findtext("questiontext/text")
            key = el.findtext("graderinfo/text") if q.kind == "free" else el.findtext("generalfeedback/text")
            assert "f(x) =" not in stem and "f(w) =" not in stem and "f(y) =" not in stem, stem
            assert "f^{\\prime}" not in stem + key, key
            assert "derivative of" not in stem, stem
            ask = q.problem.ask
            if ask in ("partial", "gradient", "mixed"):
                names = ", ".join(q.problem.variables)
                assert f"({names}) =" in stem, stem
            if ask == "partial":
                assert re.search(r"\\frac\{\\partial [fL]\}\{\\partial [a-z]\}", stem), stem
                assert re.search(r"\\frac\{\\partial [fL]\}\{\\partial [a-z]\} =", key), key
            elif ask == "gradient":
                assert "\\nabla" in stem and "\\nabla f =" in key and "pmatrix" in key
            elif ask == "implicit":
                assert "\\frac{dy}{dx}" in stem and "\\frac{dy}{dx} =" in key
            elif ask == "mixed":
                assert "\\partial^{2}" in stem + key


def test_canvas_qti_names_the_function_of_several_variables_and_the_partial(exam, tmp_path):
    from quizgen.render.qti import assessment_xml

    xml = assessment_xml(exam, titles=[section_title(s, BANK) for s in exam.spec.sections])
    root = ET.fromstring(xml.encode("utf-8"))
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    items = root.findall(".//q:item", ns)
    assert len(items) == sum(len(v.questions) for v in exam.versions)
    for item in items:
        stem = item.find("q:presentation/q:material/q:mattext", ns).text
        assert "f(x) =" not in stem and "f(w) =" not in stem and "derivative of" not in stem, stem
        assert re.search(r"\\partial|\\nabla|\\frac\{dy\}\{dx\}", stem), stem
        general = item.find("q:itemfeedback[@ident='general_fb']/q:flow_mat/q:material/q:mattext", ns).text
        assert "f^{\\prime}" not in general and "f′(" not in general, general


def _stack(exam):
    from quizgen.render.stack import stack_xml

    return ET.fromstring(stack_xml(exam, titles=[section_title(s, BANK) for s in exam.spec.sections]).encode())


def qvars(el) -> dict[str, str]:
    text = re.sub(r"/\*.*?\*/", "", el.findtext("questionvariables/text"), flags=re.S)
    return dict(re.match(r"\s*(\w+):\s*(.+?);\s*$", line).groups() for line in text.splitlines() if line.strip())


def _read(text, q):
    names = tuple(q.problem.variables)
    if text.startswith("["):
        return [from_maxima(t, names[0], variables=names[1:]) for t in _split_list(text)]
    return from_maxima(text, names[0], variables=names[1:])


def _split_list(text: str) -> list[str]:
    inner, parts, depth, start = text[1:-1], [], 0, 0
    for i, ch in enumerate(inner):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    return parts + [inner[start:]]


def _same(a, b) -> bool:
    if isinstance(a, list) or isinstance(b, (list, sp.Tuple)):
        return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b))
    return a == b or sp.simplify(a - b) == 0


def test_stack_grades_partials_gradients_and_implicit_derivatives(exam):
    root = _stack(exam)
    by_id = {el.findtext("idnumber"): el for el in root if el.get("type") == "stack"}
    free = [(v, q) for v in exam.versions for q in v.questions if q.kind == "free"]
    assert len(by_id) == len(free) == 14
    for v, q in free:
        el = by_id[f"stack-p{q.section}-{v.label}-{q.number}"]
        qv = qvars(el)
        p = q.problem
        assert _same(_read(qv["ta"], q), list(p.answer) if p.ask == "gradient" else p.answer), qv["ta"]
        html = el.findtext("questiontext/text")
        assert "[[input:ans1]]" in html and "f^{\\prime}" not in html and "derivative of" not in html, html
        tests = el.findall("qtest")
        first = tests[0].findtext("testinput/value")
        assert "diff(" in first, first  # Maxima's own derivative cross-checks quizgen's key on import
        ms = sorted(k for k in qv if re.fullmatch(r"m\d+", k))
        assert ms, (p.ask, p.question_text)  # every question recognises typical mistakes
        notes = [n.findtext("trueanswernote") for n in el.findall("prt/node")[1:]]
        assert [t.findtext("expected/expectedanswernote") for t in tests[2:]] == notes
        if p.ask == "gradient":
            assert qv["ta"].startswith("[") and "partials-swapped" in notes
        if p.ask == "implicit":
            assert any(n.startswith("implicit-") for n in notes), notes


MAXIMA_CHECK = """display2d:false$ linel: 100000$
ok(d) := block([v: errcatch(float(rectform(d)))], if v = [] then unknown else if cabs(first(v)) < 1.0e-8 then 0 else 1)$
okl(d) := if listp(d) then map(ok, d) else [ok(d)]$
at3(e) := [okl(subst([x = 0.731, y = 0.419, w = 0.613, b = 0.287], e)), okl(subst([x = 1.377, y = -0.845,
   w = 1.213, b = -0.571], e)), okl(subst([x = 2.113, y = 1.291, w = -0.733, b = 1.114], e))]$
"""


@pytest.mark.skipif(shutil.which("maxima") is None, reason="maxima not installed")
def test_maxima_agrees_with_every_several_variable_key_and_no_mistake_passes(exam):
    """What STACK's first qtest checks on import, run here in Maxima: the key minus Maxima's own derivative is 0,
    and every mistake differs from the key somewhere."""
    root = _stack(exam)
    script = [MAXIMA_CHECK]
    els = [el for el in root if el.get("type") == "stack"]
    assert len(els) == 14
    for i, el in enumerate(els):
        qv = qvars(el)
        block = "".join(f"{k}: {t}$" for k, t in qv.items())
        deriv = el.findall("qtest")[0].findtext("testinput/value")
        ms = sorted((k for k in qv if re.fullmatch(r"m\d+", k)), key=lambda k: int(k[1:]))
        script.append(f"kill(fn, ta, {', '.join(ms)})$ {block} "
                      f"print(\"Q{i}\", at3(ta - ({deriv})), [{', '.join(f'at3({m} - ta)' for m in ms)}])$")
    done = subprocess.run(["maxima", "--very-quiet"], input="\n".join(script) + "\n", capture_output=True,
                          text=True, timeout=240)
    lines = [ln.strip() for ln in done.stdout.splitlines() if ln.startswith("Q")]
    assert len(lines) == len(els), done.stdout[-2000:] + done.stderr[-2000:]
    for line in lines:
        key, mistakes = re.fullmatch(r"Q\d+ (\[\[.*?\]\]) \[(.*)\]", line).groups()
        assert "1" not in key and "0" in key, line
        for m in re.findall(r"\[\[.*?\]\]", mistakes):
            assert "1" in m, line


def test_a_section_ask_applies_to_several_variable_topics(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('title = "t"\nseed = 1\n[[section]]\ntopic = "partial"\nask = "gradient"\ncount = 2\n',
                    encoding="utf-8")
    exam = build_exam(load_spec(str(spec), BANK), versions=1, jobs=1, bank=BANK)
    assert [q.problem.ask for q in exam.versions[0].questions] == ["gradient"] * 2


def test_a_one_variable_ask_on_a_several_variable_topic_is_refused(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('title = "t"\nseed = 1\n[[section]]\ntopic = "gradient"\nask = "tangent"\ncount = 1\n'
                    '[[section]]\ntopic = "power"\nask = "partial"\ncount = 1\n'
                    '[[section]]\ntopic = "implicit"\nkind = "value"\ncount = 1\n', encoding="utf-8")
    code, out = run("exam", "check", spec)
    assert code == 2, out
    lines = [ln for ln in out.splitlines() if ln.startswith(str(spec))]
    assert len(lines) == 3, out
    assert "section[1].ask: 'tangent' asks about a function of one variable" in lines[0]
    assert "topic 'gradient' is in several variables (use partial, mixed or gradient)" in lines[0]
    assert "section[2].ask: 'partial' needs a function of several variables" in lines[1]
    assert "topic 'power' is in one variable" in lines[1]
    assert "section[3].kind: kind = \"value\" asks f′(a) of a function of one variable" in lines[2]


def test_steps_inside_a_partial_derivative_write_the_partial_sign():
    """Inside ∂/∂y every step holds x constant: its operator is ∂/∂y, not d/dy; the chain rule's outer f(u) is a
    function of u alone and keeps d/du; a one-variable trace keeps d/dx."""
    code, out = run("solve", "x^2 y + sin(x y)", "--wrt", "y", "--steps")
    assert code == 0, out
    steps = out.split("Steps:")[1]
    assert "d/dy" not in steps, steps
    assert "Sum rule: ∂/∂y [x²y + sin(xy)] = x² + x cos(xy)" in steps
    assert "Chain rule: ∂/∂y [sin(xy)] with u = xy" in steps
    assert "d/du [sin(u)] = cos(u)" in steps
    code, out = run("solve", "x^2 + y^2 = 25", "--ask", "implicit", "--steps")
    assert "Power rule: ∂/∂x [x²] = 2x" in out or "Power rule: d/dx [x²] = 2x" in out
    assert "Sum rule: ∂/∂x [x² + y² − 25] = 2x" in out, out
    code, out = run("solve", "x^2 sin(x)", "--steps")
    assert "d/dx" in out and "∂" not in out
    from quizgen.solution import step_rows
    from quizgen.steps import trace

    x, y = symbol("x"), symbol("y")
    rows = step_rows(trace(x ** 2 * y + sp.sin(x * y), y, expected=sp.diff(x ** 2 * y + sp.sin(x * y), y)))
    tex = " ".join(t for _d, _title, formulas in rows for t, _txt in formulas)
    assert r"\frac{\partial}{\partial y}" in tex and r"\frac{d}{dy}" not in tex
