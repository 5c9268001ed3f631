"""Several variables (issue 11): partial derivatives, gradients, implicit dy/dx — checking, solving, the CLI."""

from __future__ import annotations

import json

import pytest
import sympy as sp
from click.testing import CliRunner

from quizgen.checker import check_text
from quizgen.cli import main
from quizgen.errors import ParseError
from quizgen.mathparse import parse, symbol

x, y, z = symbol("x"), symbol("y"), symbol("z")

pytestmark = pytest.mark.timeout(60)


def run(*args):
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.output


# ---------------------------------------------------------------- variables are declared, typos still refused

def test_a_stray_letter_in_a_one_variable_check_is_still_refused_with_todays_message():
    code, out = run("check", "x^2", "2x + y")
    assert code == 2
    # today's message; its list of functions grows with the table (quizgen.functions), so only its ends are fixed
    first = out.splitlines()[0]
    assert first.startswith("error: answer: cannot read '2x + y' at position 6: unknown name 'y' (the variable is "
                            "'x'; functions: sin cos tan sec csc cot arcsin arccos arctan sinh cosh tanh sech"), out
    assert first.endswith(" ln log exp sqrt sigmoid; constants: e pi)"), out


def test_a_letter_the_problem_does_not_have_is_refused_in_a_partial_answer():
    with pytest.raises(ParseError) as err:
        check_text("x^2 + y^2", "2x + z", wrt="x")
    assert err.value.field == "answer" and "unknown name 'z'" in err.value.message


def test_declared_variables_only():
    # --vars x,y: a z in the problem is a typo, not a variable
    with pytest.raises(ParseError) as err:
        check_text("x^2 + z", "2x", wrt="x", variables="x,y")
    assert err.value.field == "problem" and "unknown name 'z'" in err.value.message


def test_parser_variables_parameter_is_additive():
    assert parse("x^2 y + xy", "x", variables=("y",)) == x**2 * y + x * y
    with pytest.raises(ParseError):
        parse("x^2 y", "x")


# ---------------------------------------------------------------- partial derivatives

def test_partial_done_whens():
    code, out = run("check", "x^2 + y^2", "2x", "--wrt", "x")
    assert code == 0 and out.startswith("correct")
    code, out = run("check", "x^2 + y^2", "2x + 2y", "--wrt", "x")
    assert code == 1 and "mistake:  other-variable-differentiated" in out


@pytest.mark.parametrize("problem,wrt,answer,mistake", [
    ("x^2 y + sin(x y)", "y", "x^2 + x cos(x y)", None),
    ("x^2 y + sin(x y)", "x", "2x y + y cos(x y)", None),
    ("x^2 y", "x", "2x", "forgot-constant-multiple"),
    ("x^2 y + sin(x y)", "x", "2xy + x^2 + cos(xy)(y + x)", "other-variable-differentiated"),
    ("x^2 y + sin(x y)", "x", "x^2 + x cos(x y)", "wrong-variable"),
    ("x^2 y + sin(x y)", "x", "2x y + cos(x y)", "chain-missing-inner"),
    ("x e^y", "y", "x e^y", None),
    ("ln(x^2 + y^2)", "x", "2x/(x^2+y^2)", None),
    ("ln(x^2 + y^2)", "x", "1/(x^2+y^2)", "chain-missing-inner"),
    ("e^(x y)", "x", "y e^(x y)", None),
    ("(3w + b - 5)^2", "w", "6(3w + b - 5)", None),
    ("(3w + b - 5)^2", "w", "2(3w + b - 5)", "chain-missing-inner"),
    ("x^2 y z", "z", "x^2 y", None),
])
def test_partial_checks(problem, wrt, answer, mistake):
    v = check_text(problem, answer, wrt=wrt)
    assert v.correct == (mistake is None), v.feedback
    assert v.mistake == mistake


def test_partial_json_and_domain():
    code, out = run("check", "ln(x^2 + y^2)", "2x/(x^2+y^2)", "--wrt", "x", "--format", "json")
    d = json.loads(out)
    assert code == 0 and d["correct"] is True and d["ask"] == "partial"


def test_solve_partial_names_the_constant_step():
    code, out = run("solve", "x^2 y + sin(x y)", "--wrt", "y", "--steps")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "∂/∂y [ x²y + sin(xy) ]"
    assert lines[1] == "  ∂f/∂y = x² + x cos(xy)"
    assert "  1. Partial derivative: treat x as a constant (only y varies); ∂/∂y [x²y + sin(xy)] = x² + x cos(xy)" \
        in lines


def test_solve_partial_json_carries_variables_and_wrt():
    code, out = run("solve", "x^2 y + sin(x y)", "--wrt", "y", "--format", "json")
    d = json.loads(out)
    assert code == 0 and d["variables"] == ["x", "y"] and d["wrt"] == "y" and d["ask"] == "partial"
    assert parse(d["answer"].replace("**", "^"), "x", variables=("y",)) == sp.diff(x**2 * y + sp.sin(x * y), y)


def test_partial_without_wrt_is_a_clear_error():
    code, out = run("check", "x^2 + y^2", "2x", "--ask", "partial")
    assert code == 2 and "--ask partial needs the variable: add --wrt x (one of x, y)" in out


# ---------------------------------------------------------------- gradients

@pytest.mark.parametrize("typed", ["<2x, 2y>", "(2x, 2y)", "[2x, 2y]", "2x i + 2y j", "⟨2x, 2y⟩", "2y j + 2x i"])
def test_gradient_forms(typed):
    code, out = run("check", "x^2+y^2", typed, "--ask", "gradient")
    assert code == 0, out


def test_gradient_done_whens():
    code, out = run("check", "x^2+y^2", "(2y, 2x)", "--ask", "gradient")
    assert code == 1 and "mistake:  partials-swapped" in out
    code, out = run("check", "x^2+y^2", "(2, 4)", "--ask", "gradient", "--at", "1,2")
    assert code == 0, out
    code, out = run("check", "x^2+y^2", "(4, 2)", "--ask", "gradient", "--at", "1,2")
    assert code == 1 and "partials-swapped" in out


@pytest.mark.parametrize("typed,mistake", [
    ("2x", "not-a-vector"),
    ("(2x, 2y, 0)", "wrong-dimension"),
    ("(2x + 2y, 2y)", "other-variable-differentiated"),
    ("(2x, -2y)", "sign-error"),
])
def test_gradient_mistakes(typed, mistake):
    v = check_text("x^2 + y^2", typed, ask="gradient")
    assert not v.correct and v.decided and v.mistake == mistake


def test_gradient_component_mistake_is_placed():
    v = check_text("x^2 y + sin(x y)", "(2xy + y cos(xy), x^2 + cos(xy))", ask="gradient")
    assert v.mistake == "chain-missing-inner" and v.feedback.startswith("Component 2, ∂f/∂y: ")


def test_gradient_three_variables_and_weights():
    assert check_text("x^2 y z", "(2xyz, x^2 z, x^2 y)", ask="gradient").correct
    v = check_text("(3w + b - 5)^2", "(6(3w + b - 5), 2(3w + b - 5))", ask="gradient")
    assert v.correct and v.expected == sp.Tuple(*[sp.diff((3 * symbol("w") + symbol("b") - 5) ** 2, s)
                                                  for s in (symbol("w"), symbol("b"))])


def test_gradient_unreadable_component_points_into_the_whole_text():
    with pytest.raises(ParseError) as err:
        check_text("x^2 + y^2", "(2x, 2y +)", ask="gradient")
    assert err.value.text == "(2x, 2y +)" and err.value.offset == 8


def test_gradient_point_outside_the_domain():
    code, out = run("check", "ln(x y)", "(1, 1)", "--ask", "gradient", "--at", "-1,1")
    assert code == 2 and "not differentiable at (x, y) = (−1, 1)" in out


# ---------------------------------------------------------------- implicit dy/dx

def test_implicit_done_whens():
    code, out = run("check", "x^2 + y^2 = 25", "-x/y", "--ask", "implicit")
    assert code == 0, out
    code, out = run("check", "x^2 + y^2 = 25", "-y/x", "--ask", "implicit")
    assert code == 1 and "implicit-inverted" in out


@pytest.mark.parametrize("typed,ok", [("x/(-y)", True), ("(-2x)/(2y)", True), ("dy/dx = -x/y", True),
                                      ("y' = -x/y", True), ("-x/sqrt(25 - x^2)", False), ("x/y", False)])
def test_implicit_compared_as_functions_of_x_and_y(typed, ok):
    # equal on the curve (the upper half) is not enough: −x/√(25 − x²) is not −x/y as a function of x and y
    assert check_text("x^2 + y^2 = 25", typed, ask="implicit").correct is ok


def test_implicit_missing_chain_factor():
    v = check_text("x^2 y + y^3 = x", "(1 - 2x y - x^2)/(3y^2)", ask="implicit")
    assert v.mistake == "implicit-missing-dy-dx" and "x²y" in v.feedback
    assert check_text("x^2 y + y^3 = x", "(1-2x y)/(x^2+3y^2)", ask="implicit").correct


def test_implicit_needs_an_equation():
    code, out = run("check", "x^2 + y^2", "-x/y", "--ask", "implicit")
    assert code == 2 and "an implicit curve is an equation in x and y" in out


def test_solve_implicit_steps():
    code, out = run("solve", "x^2 + y^2 = 25", "--ask", "implicit", "--steps")
    assert code == 0
    assert out.splitlines()[:2] == ["x² + y² = 25;  find dy/dx", "  dy/dx = −x/y"]
    assert ("1. Implicit differentiation: differentiate both sides (y is a function of x): 2x + 2y·dy/dx = 0; "
            "collect dy/dx: 2y·dy/dx = −2x; solve: dy/dx = −x/y") in out


# ---------------------------------------------------------------- the numeric engine in several variables

def test_multiframe_points_are_inside_the_domain():
    from quizgen.numeric import evaluate, frame_for, point_float

    f = sp.log(x * y) + sp.sqrt(x - y)
    from quizgen.numeric import N_POINTS

    fr = frame_for((x, y), f)
    assert len(fr.points) == N_POINTS and fr.real
    for p in fr.points:
        a, b = point_float(p)
        assert a * b > 0 and a >= b
    assert evaluate(x**2 + y**2, (x, y), (1, 2)) == 5.0


def test_vanishing_at_the_frame_points_does_not_pass():
    # the confirmation points are moved off the dyadic frame, in every coordinate
    v = check_text("x^2 + y^2", "2x + sin(2^24 pi x) sin(2^24 pi y)", wrt="x")
    assert not v.correct


# ---------------------------------------------------------------- second partials

def test_mixed_partials():
    assert check_text("x^2 y^3", "6x y^2", wrt="x,y").correct
    assert check_text("x^2 y^3", "2y^3", wrt="x,x").correct
    v = check_text("x^2 y^3", "3x^2 y^2", wrt="x,y")
    assert v.mistake == "gave-first-partial" and "with respect to x" in v.feedback
    code, out = run("solve", "x^2 y^3", "--wrt", "x,y")
    assert code == 0 and out.splitlines() == ["∂²/∂x∂y [ x²y³ ]", "  ∂f/∂y = 3x²y²", "  ∂²f/∂x∂y = 6xy²"]
    code, out = run("solve", "x^2 y^3 + sin(x y)", "--wrt", "x,y", "--format", "json")
    assert json.loads(out)["clairaut"] == "The mixed partials are equal (Clairaut): ∂²f/∂y∂x gives the same."


def test_mixed_needs_two_variables():
    code, out = run("check", "x^2 y", "2x", "--ask", "mixed", "--wrt", "x")
    assert code == 2 and "--ask mixed needs two variables" in out


# ---------------------------------------------------------------- banks: partial, gradient, implicit

def _read(text, names):
    return parse(text.replace("E", "e") if "exp" not in text else text, names[0], variables=tuple(names[1:]))


def _check_keys(p: dict):
    """The JSON key of one generated problem equals sympy.diff (component by component for a gradient)."""
    names = p["variables"]
    vs = [symbol(n) for n in names]
    f = _read(p["expr"], names)
    if p["ask"] == "gradient":
        assert isinstance(p["answer"], list) and len(p["answer"]) == len(names)
        for comp, v in zip(p["answer"], vs):
            assert sp.simplify(_read(comp, names) - sp.diff(f, v)) == 0
    elif p["ask"] == "partial":
        assert p["wrt"] in names
        assert sp.simplify(_read(p["answer"], names) - sp.diff(f, symbol(p["wrt"]))) == 0
    else:
        assert p["ask"] == "implicit" and names == ["x", "y"]
        lhs, rhs = (_read(p["equation"][k], names) for k in ("lhs", "rhs"))
        assert sp.simplify(lhs - rhs - f) == 0
        key = -sp.diff(f, x) / sp.diff(f, y)
        assert sp.simplify(_read(p["answer"], names) - key) == 0


@pytest.mark.parametrize("topic", ["partial", "gradient", "implicit"])
def test_generate_several_variable_topics(topic):
    code, out = run("generate", "--topic", topic, "-n", "12", "--seed", "1", "--format", "json")
    assert code == 0, out
    ps = json.loads(out)["problems"]
    assert len(ps) == 12 and len({p["expr"] for p in ps}) == 12
    assert {p["topic"] for p in ps} == {topic} and {p["ask"] for p in ps} == {topic}
    assert {p["difficulty"] for p in ps} == {1, 2, 3}
    for p in ps:
        _check_keys(p)


def test_generate_text_shows_the_asks():
    code, out = run("generate", "--topic", "partial", "--family", "partial-loss-weight", "-n", "2", "--seed", "3")
    assert code == 0 and "∂L/∂w = " in out and "∂/∂w [ " in out
    code, out = run("generate", "--family", "gradient-bowl", "-n", "1", "--seed", "3")
    assert code == 0 and "∇f = (" in out
    code, out = run("generate", "--family", "implicit-circle", "-n", "1", "--seed", "3")
    assert code == 0 and "find dy/dx" in out and "dy/dx = −x/y" in out


def test_mixed_sets_are_unchanged_by_the_new_topics():
    from quizgen import generate

    assert not {p.topic for p in generate(n=40, seed=7).problems} & {"partial", "gradient", "implicit"}


def test_bank_families_of_several_variables_are_validated(tmp_path):
    from quizgen.bank import load_bank
    from quizgen.errors import BankError

    bad = tmp_path / "bad.toml"
    bad.write_text('topic = "mine"\n[[family]]\nid = "m-one"\ndifficulty = 1\ntitle = "T"\n'
                   'template = "a*x*y"\nvariables = ["x", "j"]\nask = "partial"\nparams.a = { int = [1, 3] }\n'
                   '[[family]]\nid = "m-two"\ndifficulty = 1\ntitle = "T"\ntemplate = "a*x*y"\n'
                   'variables = ["x", "y"]\nparams.a = { int = [1, 3] }\n'
                   '[[family]]\nid = "m-three"\ndifficulty = 1\ntitle = "T"\ntemplate = "y*x^2"\n'
                   'variables = ["x", "y"]\nask = "partial"\nparams.y = { int = [1, 3] }\n', encoding="utf-8")
    with pytest.raises(BankError) as err:
        load_bank(extra=[str(bad)])
    text = "\n".join(err.value.problems)
    assert "family m-one: variables: must be a list of one-letter names (not e, i, j or k)" in text
    assert "family m-two: variables: a family of several variables says what it asks" in text
    assert "family m-three: params.y: a parameter name must be one lower-case letter other than e and the " \
           "variables x, y" in text


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_stress_every_several_variable_family_over_many_seeds():
    """Every new family, 40 seeds each: the key is sympy.diff (each gradient component), a correct answer typed as
    the key's text passes, and the steps end at the key."""
    from quizgen.bank import load_bank
    from quizgen.checker import check_problem
    from quizgen.problems import generate_set

    bank = load_bank()
    fams = [f for f in bank.families if f.variables]
    assert len(fams) >= 20
    for fam in fams:
        for seed in range(40):
            ps = generate_set(1, families=[fam.id], seed=seed, bank=bank)
            p = ps.problems[0]
            d = p.to_dict(with_steps=False)
            _check_keys(d)
            v = check_problem(p, p.answer_text)
            assert v.correct, (fam.id, seed, p.answer_text, v.feedback)
            got = list(p.steps.result) if p.ask == "gradient" else [p.steps.result]
            want = list(p.answer) if p.ask == "gradient" else [p.answer]
            assert all(sp.simplify(g - w) == 0 for g, w in zip(got, want)), (fam.id, seed)


# ---------------------------------------------------------------- everywhere: sheets, quiz, exams

@pytest.mark.timeout(300)
def test_sheet_keys_typeset_partials_gradients_and_dy_dx(tmp_path):
    import subprocess

    for topic, wanted in (("partial", "∂f/∂"), ("gradient", "∇f = ("), ("implicit", "dy/dx = ")):
        out, key = tmp_path / f"{topic}.pdf", tmp_path / f"{topic}-key.pdf"
        code, text = run("sheet", "--topic", topic, "-n", "4", "--seed", "1", "-o", str(out), "--key", str(key))
        assert code == 0, text
        layer = subprocess.run(["pdftotext", str(key), "-"], capture_output=True, text=True, check=True).stdout
        assert wanted in layer, (topic, layer)
        assert "f′(x)" not in layer
    layer = subprocess.run(["pdftotext", str(tmp_path / "gradient.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "f(x, y) = " in layer


def test_piped_quiz_prompts_and_checks_in_several_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZGEN_HOME", str(tmp_path))
    code, out = run("generate", "--family", "gradient-bowl", "-n", "1", "--seed", "4", "--format", "json")
    p = json.loads(out)["problems"][0]
    r = CliRunner().invoke(main, ["quiz", "--family", "gradient-bowl", "-n", "1", "--seed", "4"],
                           input=f"<{', '.join(a.replace('*', '') for a in p['answer'])}>\n")
    assert r.exit_code == 0, r.output
    assert f"    ∇ [ {p['question_text']} ]" in r.output and "  ∇f = " in r.output and "Score 1/1" in r.output
    r = CliRunner().invoke(main, ["quiz", "--family", "implicit-circle", "-n", "1", "--seed", "4"],
                           input="-y/x\n-x/y\n")
    assert "find dy/dx" in r.output and "  dy/dx = " in r.output and "upside down" in r.output


@pytest.mark.timeout(300)
def test_exam_sections_with_the_new_asks(tmp_path):
    import subprocess

    spec = tmp_path / "spec.toml"
    spec.write_text('title = "Several variables"\nseed = 3\n'
                    '[[section]]\ntopic = "partial"\ncount = 2\n'
                    '[[section]]\ntopic = "gradient"\ncount = 1\n'
                    '[[section]]\ntopic = "implicit"\ncount = 1\n', encoding="utf-8")
    code, out = run("exam", str(spec), "--versions", "1", "-o", str(tmp_path / "out"), "--format", "pdf,tex",
                    "--jobs", "1")
    assert code == 0, out
    layer = subprocess.run(["pdftotext", str(tmp_path / "out" / "key-A.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "∂" in layer and "∇" in layer and "dy/dx" in layer
    tex = (tmp_path / "out" / "exam-A.tex").read_text(encoding="utf-8")
    assert r"\frac{\partial " in tex and r"\nabla " in tex and r"\keyline{\frac{dy}{dx} =" in tex


def test_hostile_vectors_end_at_once():
    # a unit vector inside a big power of a sum would be expanded into thousands of terms: refused unexpanded
    with pytest.raises(ParseError) as err:
        check_text("x^2 + y^2", "(x + y + i + j)^100", ask="gradient")
    assert "a vector with i, j, k is a sum of components times unit vectors" in err.value.message
    v = check_text("x^2 + y^2", "(" + ", ".join(["x"] * 300) + ")", ask="gradient")
    assert v.mistake == "wrong-dimension"


def test_generate_gradients_at_a_point():
    code, out = run("generate", "--topic", "gradient", "--at", "1,2", "-n", "3", "--seed", "1", "-d", "1",
                    "--format", "json")
    assert code == 0, out
    for p in json.loads(out)["problems"]:
        assert p["point"] == ["1", "2"] and len(p["answer"]) == 2
        f = _read(p["expr"], p["variables"])
        at = {x: 1, y: 2}
        assert [sp.Integer(a) for a in p["answer"]] == [sp.diff(f, v).subs(at) for v in (x, y)]
    code, out = run("generate", "--topic", "power", "--ask", "value", "--at", "1,2", "-n", "1")
    assert code == 2 and "one number for --ask value" in out


def test_choice_questions_in_several_variables():
    from quizgen.exam import build_exam, load_spec

    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        spec = Path(d) / "spec.toml"
        spec.write_text('title = "Choice"\nseed = 3\n'
                        '[[section]]\ntopic = "partial"\ncount = 2\nkind = "choice"\n'
                        '[[section]]\ntopic = "gradient"\ncount = 2\nkind = "choice"\n'
                        '[[section]]\ntopic = "implicit"\ncount = 2\nkind = "choice"\n', encoding="utf-8")
        exam = build_exam(load_spec(str(spec)), versions=1)
    qs = exam.versions[0].questions
    assert [q.problem.ask for q in qs] == ["partial"] * 2 + ["gradient"] * 2 + ["implicit"] * 2
    for q in qs:
        texts = [o.text for o in q.options]
        assert len(set(texts)) == len(texts) == 4
        right = q.options[q.correct]
        assert right.code == "correct" and right.text == q.problem.answer_text
        if q.problem.ask == "gradient":  # every option a column vector, the key's too
            assert all(o.latex.startswith(r"\begin{pmatrix}") for o in q.options)
        for o in q.options:
            if o.code != "correct" and not o.code.startswith("generic"):
                assert not check_text_problem(q.problem, o.expr).correct


def check_text_problem(p, expr):
    from quizgen.checker import check_problem

    return check_problem(p, list(expr) if isinstance(expr, sp.Tuple) else expr)


def test_several_variable_problems_round_trip_through_the_history(tmp_path):
    from quizgen.history.store import History
    from quizgen.problems import generate_set
    from quizgen.quiz.runs import rebuild_problem

    ps = [generate_set(1, families=[f], seed=2).problems[0] for f in ("gradient-ln-bowl", "implicit-cubic",
                                                                      "partial-loss-weight")]
    with History(tmp_path / "h.db") as h:
        sid = h.start_session("quiz")
        for i, p in enumerate(ps):
            h.record(sid, i + 1, p, outcome="wrong", correct=False, tries=1)
        rows = h.attempts()
    for p, a in zip(ps, rows):
        q = rebuild_problem(a)
        assert (q.ask, q.variables, q.answer_text) == (p.ask, p.variables, p.answer_text)
        if p.ask != "implicit":  # an implicit curve comes back as F(x, y) = 0
            assert q.question_text == p.question_text
