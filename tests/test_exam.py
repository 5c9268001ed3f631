"""Exams: spec and roster checking (exact messages), versions, the three question kinds, outputs and the CLI."""

import json
import math
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy as sp
from click.testing import CliRunner

from quizgen.bank import load_bank
from quizgen.equiv import equivalent
from quizgen.cli import main
from quizgen.errors import QuizgenError, SpecError
from quizgen.cli.text import parse_formats
from quizgen.exam import (SectionSpec, build_exam, choice_options, decimal_text, derive_seed, load_roster, load_spec,
                          roster_from_text, slugify, spec_from_dict, version_label, write_exam)
from quizgen.mathparse import parse, symbol
from quizgen.util.files import is_our_temp
from quizgen.mistakes import MISTAKE_CODES, MISTAKE_LABELS, mistake_variants

FIX = Path(__file__).parent / "fixtures" / "exam"
BANK = load_bank()
SMALL = FIX / "small.toml"
EXAMPLE = Path(__file__).parents[1] / "examples" / "quiz3.toml"
POINTS = (0.37, 0.81, 1.23, 1.77, 2.41, 3.13, -0.53, -1.31)


def _num(expr, x, x0):
    try:
        v = complex(expr.evalf(30, subs={x: x0}))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if abs(v.imag) > 1e-9 * max(1.0, abs(v.real)) or not math.isfinite(v.real):
        return None
    return v.real


def _same_function(a, b, x) -> bool:
    """Equal at every sample point where both are real (and at least two such points)."""
    agree = 0
    for x0 in POINTS:
        va, vb = _num(a, x, x0), _num(b, x, x0)
        if va is None or vb is None:
            continue
        if abs(va - vb) > 1e-9 * max(1.0, abs(va)):
            return False
        agree += 1
    return agree >= 2


@pytest.fixture(scope="module")
def small_exam():
    return build_exam(load_spec(SMALL, BANK), jobs=1, bank=BANK)


# ------------------------------------------------------------------------------------------------ spec checking

def test_spec_reads_and_totals():
    spec = load_spec(SMALL, BANK)
    assert spec.title == "Quiz — small"
    assert [s.kind for s in spec.sections] == ["free", "choice", "value"]
    assert spec.question_count == 5
    assert spec.total_points == 2 * 2 + 2 * 4 + 1.5
    assert spec.versions == 3 and spec.seed == 11
    assert spec.sections[2].family == "product-power-exp" and spec.sections[2].points == 1.5


def test_bad_spec_lists_every_problem_at_once():
    with pytest.raises(SpecError) as err:
        load_spec(FIX / "bad.toml", BANK)
    name = str(FIX / "bad.toml")
    assert [p.replace(name, "bad.toml") for p in err.value.problems] == [
        "bad.toml: colour: unknown key; did you mean 'columns'? (allowed: title, subtitle, date, instructions, "
        "versions, seed, steps, shuffle, paper, columns, space, section, banks)",
        "bad.toml: versions: must be a whole number from 1 to 200, not 0",
        "bad.toml: seed: must be a whole number from 0 to 2^63 − 1, not '2026'",
        "bad.toml: section[1].topic: unknown topic 'powr'; did you mean 'power'? "
        "(topics: power, basic, product, quotient, chain, exp-log, log-diff, inverse-trig, ml, partial, gradient, implicit)",
        "bad.toml: section[2].kind: 'multi' is not a question kind (free, choice or value)",
        "bad.toml: section[2].points: must be a positive number (points per question), not -4",
        "bad.toml: section[3].count: must be a whole number from 1 to 50, not 0",
        "bad.toml: section[3].family: give topic or family, not both",
        "bad.toml: section[4].options: must be 4 or 5 (the right answer and 3 or 4 typical mistakes), not 6",
        "bad.toml: section[4].difficulty: family 'chain-exp-of-sin' has difficulty 3, not 1",
        "bad.toml: section[4].count: 9 questions but chain-exp-of-sin can make at most 6 distinct ones",
        "bad.toml: section[5].pointz: unknown key; did you mean 'points'? (allowed: title, topic, family, count, "
        "difficulty, points, kind, ask, options, instruction, space)",
        "bad.toml: section[5].options: only choice sections have options",
        "bad.toml: section[5]: give topic = \"...\" (a bank topic) or family = \"...\" (one family id)",
    ]


@pytest.mark.parametrize("data, problem", [
    ({"title": "T"}, "t.toml: section: no [[section]] tables (each says which problems to draw, e.g. topic = "
                     "\"chain\", count = 3)"),
    ({"section": [{"topic": "power", "count": 1}]}, "t.toml: title: missing (the heading printed on every paper)"),
    ({"title": "T", "section": [{"topic": "power", "count": 1, "difficulty": 4}]},
     "t.toml: section[1].difficulty: must be 1, 2 or 3, not 4"),
    ({"title": "T", "section": [{"topic": "power", "count": 1, "kind": "choice", "options": 3}]},
     "t.toml: section[1].options: must be 4 or 5 (the right answer and 3 or 4 typical mistakes), not 3"),
    ({"title": "T", "paper": "a5", "section": [{"topic": "power", "count": 1}]},
     "t.toml: paper: must be \"a4\" or \"letter\", not 'a5'"),
    ({"title": "T", "steps": "yes", "section": [{"topic": "power", "count": 1}]},
     "t.toml: steps: must be true or false, not 'yes'"),
    ({"title": "T", "section": [{"family": "chain-sin-powr", "count": 1}]},
     "t.toml: section[1].family: unknown family 'chain-sin-powr'; did you mean 'chain-sin-power'? "
     "(see `quizgen banks list`)"),
    ({"title": "T", "section": [{"topic": "power", "count": 30}] * 4},
     "t.toml: section: 120 questions in all; at most 100 per paper"),
])
def test_spec_problem_messages(data, problem):
    with pytest.raises(SpecError) as err:
        spec_from_dict(data, "t.toml", BANK)
    assert problem in err.value.problems


def test_single_bracket_section_and_syntax_errors():
    with pytest.raises(SpecError) as err:
        load_spec(FIX / "bad-single.toml", BANK)
    assert err.value.problems == [f"{FIX / 'bad-single.toml'}: section: write [[section]] with double brackets "
                                  "(a list of sections), not [section]"]
    with pytest.raises(SpecError) as err:
        load_spec(FIX / "syntax.toml", BANK)
    assert err.value.problems[0].startswith(f"{FIX / 'syntax.toml'}: TOML syntax error: ")
    with pytest.raises(SpecError) as err:
        load_spec(FIX / "missing.toml", BANK)
    assert err.value.problems == [f"{FIX / 'missing.toml'}: cannot read file: No such file or directory"]


# ------------------------------------------------------------------------------------------------ roster

def test_roster_reads_ids_and_slugs():
    r = load_roster(FIX / "roster.csv")
    assert [(s.name, s.id, s.slug, s.line) for s in r.students] == [
        ("Ada Lovelace", "S1", "ada-lovelace", 2), ("Alan Turing", "S2", "alan-turing", 3),
        ("Grace Hopper", "S3", "grace-hopper", 4)]
    assert r.notes == []


def test_roster_semicolons_bom_extra_columns_and_accents():
    r = load_roster(FIX / "roster-semicolon.csv")
    assert [(s.name, s.id, s.slug) for s in r.students] == [("José Núñez", "7", "jose-nunez"),
                                                           ("Kim, Alex", "8", "kim-alex")]


def test_roster_bad_rows_reported_with_line_numbers():
    with pytest.raises(SpecError) as err:
        load_roster(FIX / "roster-bad.csv")
    name = str(FIX / "roster-bad.csv")
    assert err.value.problems == [
        f"{name}: line 3: name: empty",
        f"{name}: line 4: id: '1' already used on line 2",
        f"{name}: line 5: 3 fields but the header has 2 (a name with a comma needs quotes: \"Kim, Alex\")",
    ]
    with pytest.raises(SpecError) as err:
        load_roster(FIX / "roster-noname.csv")
    assert err.value.problems == [f"{FIX / 'roster-noname.csv'}: line 1: the header needs a 'name' column "
                                  "(found: student, number)"]
    with pytest.raises(SpecError) as err:
        roster_from_text("name\n", "r.csv")
    assert err.value.problems == ["r.csv: no students (only a header)"]


def test_roster_duplicate_names_get_their_own_papers():
    r = load_roster(FIX / "roster-dupes.csv")
    assert [(s.slug, s.key) for s in r.students] == [
        ("sam-lee-1", "name:Sam Lee"), ("sam-lee-2", "name:Sam Lee#2"), ("sam-lee-44", "id:44"), ("sam-lee-45", "id:45")]
    assert len(r.notes) == 1 and "line 3: 'Sam Lee' appears 4 times" in r.notes[0]
    exam = build_exam(load_spec(SMALL, BANK), roster=r, jobs=1, bank=BANK)
    papers = [tuple(str(q.problem.expr) for q in v.questions) for v in exam.versions]
    assert len(set(papers)) == 4  # four students, four different papers
    assert len({v.label for v in exam.versions}) == 4


def test_slugify():
    assert slugify("José Núñez") == "jose-nunez"
    assert slugify("  O'Brien, Mary-Kate ") == "o-brien-mary-kate"
    assert slugify("李小龙") == "李小龙"


# ------------------------------------------------------------------------------------------------ versions

@pytest.mark.timeout(120)  # forked workers
def test_same_spec_and_seed_same_papers(small_exam):
    again = build_exam(load_spec(SMALL, BANK), jobs=2, bank=BANK)
    assert again.to_dict() == small_exam.to_dict()  # and the number of worker processes changes nothing
    other = build_exam(load_spec(SMALL, BANK), seed=12, jobs=1, bank=BANK)
    assert other.to_dict() != small_exam.to_dict()


def test_versions_differ_keep_family_mix_points_and_sections(small_exam):
    spec = small_exam.spec
    assert [v.label for v in small_exam.versions] == ["A", "B", "C"]
    seen = set()
    for v in small_exam.versions:
        assert v.total_points == 13.5
        assert [q.number for q in v.questions] == [1, 2, 3, 4, 5]
        assert [q.section for q in v.questions] == [1, 1, 2, 2, 3]
        assert [q.points for q in v.questions] == [2, 2, 4, 4, 1.5]
        for q in v.questions:
            key = str(q.problem.expr)
            assert key not in seen, f"{key} repeats"
            seen.add(key)
    for sec in spec.sections:
        mixes = {tuple(sorted(q.problem.family for q in v.questions if q.section == sec.index))
                 for v in small_exam.versions}
        assert len(mixes) == 1, f"section {sec.index} family mix differs between versions: {mixes}"


def test_version_labels_and_seeds():
    assert [version_label(i) for i in (0, 1, 25, 26, 27, 51, 52)] == ["A", "B", "Z", "AA", "AB", "AZ", "BA"]
    assert derive_seed(2026, "student", "id:S1") == derive_seed(2026, "student", "id:S1")
    assert derive_seed(2026, "student", "id:S1") != derive_seed(2026, "student", "id:S2")


def test_student_paper_depends_only_on_seed_and_student():
    spec = load_spec(SMALL, BANK)
    three = build_exam(spec, roster=load_roster(FIX / "roster.csv"), jobs=1, bank=BANK)
    one = build_exam(spec, roster=roster_from_text("id,name\nS2,Alan Turing\n", "r.csv"), jobs=1, bank=BANK)
    turing = next(v for v in three.versions if v.student.id == "S2")
    assert one.versions[0].to_dict() == turing.to_dict()
    assert turing.label == "alan-turing" and turing.student.name == "Alan Turing"


# ------------------------------------------------------------------------------------------------ question kinds

def _check_choice(q):
    x = q.problem.var
    d = sp.diff(q.problem.expr, x)
    assert 4 <= len(q.options) <= 5
    correct = [o for o in q.options if o.correct]
    assert len(correct) == 1 and q.options[q.correct] is correct[0]
    assert _same_function(correct[0].expr, d, x)
    variants = mistake_variants(q.problem.expr, x)
    for i, a in enumerate(q.options):
        if not a.correct:
            assert equivalent(d, a.expr, x) == "different", a.text
            if not a.code.startswith("generic-"):
                # A real typical mistake: the option is that mistake's wrong derivative.
                assert a.code in MISTAKE_CODES and a.code in MISTAKE_LABELS
                assert any(code == a.code and _same_function(w, a.expr, x) for code, w in variants), a.text
        for b in q.options[i + 1:]:
            assert not _same_function(a.expr, b.expr, x), (a.text, b.text)
    assert len({o.text for o in q.options}) == len(q.options)


def _check_value(q):
    x = q.problem.var
    d = sp.diff(q.problem.expr, x)
    truth = complex(d.evalf(30, subs={x: q.point}))
    assert abs(truth.imag) < 1e-12
    assert abs(truth.real - q.decimal) <= 1e-9 * max(1, abs(truth.real))
    assert abs(complex(q.value.evalf(30)) - truth) <= 1e-9 * max(1, abs(truth.real))
    for near in (q.point - sp.Rational(1, 100), q.point, q.point + sp.Rational(1, 100)):
        assert _num(q.problem.expr, x, near) is not None  # inside the domain, not at its edge


def test_kinds_in_small_exam(small_exam):
    for v in small_exam.versions:
        for q in v.questions:
            if q.kind == "choice":
                _check_choice(q)
            elif q.kind == "value":
                _check_value(q)
            else:
                assert not q.options and q.point is None


@pytest.mark.parametrize("family", ["chain-power-quadratic", "quotient-ln-power", "explog-exp-base-linear",
                                    "product-power-trig", "basic-tan", "power-line", "chain-arctan-linear"])
def test_choice_questions_across_families(family):
    from quizgen.exam.build import _make_question

    fam = BANK.family(family)
    sec = SectionSpec(index=1, count=1, kind="choice", family=family, options=5)
    for seed in range(3):
        q = _make_question(sec, fam, random.Random(seed), set(), [fam])
        assert q is not None and len(q.options) == 5
        _check_choice(q)


def test_generic_distractors_only_when_needed():
    from quizgen.problems import make_problem

    fam = BANK.family("chain-arctan-linear")
    problem = make_problem(fam, parse("atan(8*x)"))
    assert choice_options(problem, 5, random.Random(1), allow_generic=False) is None
    options, correct, generic = choice_options(problem, 5, random.Random(1), allow_generic=True)
    assert generic and len(options) == 5 and options[correct].correct
    assert any(o.code.startswith("generic-") for o in options)


@pytest.mark.parametrize("family", ["basic-sin-cos", "product-power-ln", "chain-sqrt-quadratic", "explog-log-base",
                                    "quotient-trig-trig", "power-fractional", "basic-everything"])
def test_value_questions_across_families(family):
    from quizgen.exam.build import _make_question

    fam = BANK.family(family)
    sec = SectionSpec(index=1, count=1, kind="value", family=family)
    for seed in range(3):
        q = _make_question(sec, fam, random.Random(seed), set(), [fam])
        assert q is not None
        _check_value(q)
        assert len(q.value_text) <= 40


def test_value_points_for_trig_are_multiples_of_pi():
    from quizgen.exam import value_point
    from quizgen.problems import make_problem

    problem = make_problem(BANK.family("basic-sin-cos"), parse("3*sin(x) + 4*cos(x)"))
    a, exact, dec = value_point(problem, random.Random(0))
    assert (a / sp.pi).is_Rational and not exact.has(sp.sin, sp.cos)
    assert abs(dec - float(3 * sp.cos(a) - 4 * sp.sin(a))) < 1e-12


def test_decimal_text():
    assert [decimal_text(v) for v in (2.0794415, -192.1154, 0.00805, 24.0, 0.5)] == [
        "2.079", "−192.115", "0.00805", "24", "0.5"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["choice", "value"])
def test_every_family_many_seeds(kind):
    from quizgen.exam.build import _make_question

    for fam in BANK.families:
        sec = SectionSpec(index=1, count=1, kind=kind, family=fam.id)
        for seed in range(15):
            q = _make_question(sec, fam, random.Random(seed), set(), [fam])
            assert q is not None, (fam.id, seed)
            (_check_choice if kind == "choice" else _check_value)(q)


# ------------------------------------------------------------------------------------------------ outputs

def test_json_shape_and_sympy_syntax(small_exam, tmp_path):
    written = write_exam(small_exam, tmp_path, ["json"], jobs=1, bank=BANK)
    assert [p.name for p in written] == ["exam.json"]
    data = json.loads((tmp_path / "exam.json").read_text("utf-8"))
    assert set(data) >= {"title", "seed", "versions"} and data["seed"] == 11
    assert data["title"] == "Quiz — small"
    v = data["versions"][0]
    assert set(v) >= {"label", "seed", "questions"} and "student" not in v
    kinds = {q["kind"]: q for q in v["questions"]}
    for q in v["questions"]:
        assert {"number", "section", "kind", "points", "variable", "expr", "answer"} <= set(q)
        x = symbol(q["variable"])
        expr, answer = parse(q["expr"], q["variable"]), parse(q["answer"], q["variable"])
        assert _same_function(sp.diff(expr, x), answer, x)
    choice = kinds["choice"]
    assert choice["correct_option"] in "ABCD" and len(choice["options"]) == 4
    right = choice["options"]["ABCD".index(choice["correct_option"])]
    x = symbol(choice["variable"])
    assert _same_function(parse(right, "x"), parse(choice["answer"], "x"), x)
    value = kinds["value"]
    d = sp.diff(parse(value["expr"], "x"), x)
    assert abs(float(d.subs(x, parse(value["point"], "x"))) - value["decimal"]) < 1e-9
    assert abs(float(parse(value["value"], "x")) - value["decimal"]) < 1e-9


def test_tex_source(small_exam):
    from quizgen.render.tex import exam_tex, tex_escape

    titles = ["Power rule", "Chain rule", "Product rule"]
    tex = exam_tex(small_exam, small_exam.versions[0], titles=titles)
    assert tex.count(r"\question[") == 5
    assert r"\question[1\half]" in tex and r"\question[4]" in tex  # exam.cls cannot read [1.5]
    assert tex.count(r"\CorrectChoice ") == 2 and tex.count(r"\choice ") == 6
    assert r"\documentclass[11pt,addpoints]{exam}" in tex and r"\end{document}" in tex
    assert "Quiz --- small" in tex and "Version A" in tex
    assert tex_escape("50% & #1_a {x}") == r"50\% \& \#1\_a \{x\}"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_tex_compiles_with_pdflatex(small_exam, tmp_path):
    from quizgen.render.tex import exam_tex

    kpse = subprocess.run(["kpsewhich", "exam.cls", "lmodern.sty"], capture_output=True, text=True,
                          timeout=60).stdout.split()
    if len(kpse) < 2:
        pytest.skip("exam.cls or lmodern.sty missing")
    (tmp_path / "exam-A.tex").write_text(exam_tex(small_exam, small_exam.versions[0], titles=["P", "C", "V"]), "utf-8")
    for _ in range(2):
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "exam-A.tex"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-2000:]


@pytest.mark.timeout(120)  # forked workers
def test_pdf_run_writes_every_file_and_combined_pdf(tmp_path):
    from pypdf import PdfReader

    exam = build_exam(load_spec(SMALL, BANK), versions=2, jobs=2, bank=BANK)
    written = write_exam(exam, tmp_path / "out", ["pdf", "moodle"], jobs=2, bank=BANK)
    names = sorted(p.name for p in written)
    assert names == ["exam-A.pdf", "exam-B.pdf", "exam-all.pdf", "exam.json", "exam.moodle.xml",
                     "key-A.pdf", "key-B.pdf"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == names  # no temp files left
    pages = {n: PdfReader(tmp_path / "out" / n).pages for n in names if n.endswith(".pdf")}
    assert len(pages["exam-all.pdf"]) == len(pages["exam-A.pdf"]) + len(pages["exam-B.pdf"])
    text_a = "".join(p.extract_text() for p in pages["exam-A.pdf"])
    assert "Version A" in text_a and "/ 13.5" in text_a.replace("\u2009", " ") and "1.5 pts" in text_a
    first_q = exam.versions[0].questions[0].problem.question_text
    assert first_q in text_a.replace("\u200b", "")  # the formula's text layer
    key_b = "".join(p.extract_text() for p in pages["key-B.pdf"])
    assert "Answer key" in key_b and "Version B" in key_b
    for q in exam.versions[1].questions:
        if q.kind == "free":
            assert q.problem.answer_text in key_b.replace("\u200b", "")
    all_text = "".join(p.extract_text() for p in pages["exam-all.pdf"])
    assert all_text.index("Version A") < all_text.index("Version B")


@pytest.mark.timeout(60)
def test_failed_run_leaves_nothing_behind(small_exam, tmp_path, monkeypatch):
    import quizgen.render.exam_pdf as exam_pdf

    (tmp_path / "exam-A.pdf").write_bytes(b"old paper")

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(exam_pdf, "write_pdfs", broken)
    with pytest.raises(KeyboardInterrupt):
        write_exam(small_exam, tmp_path, ["pdf", "tex", "moodle"], jobs=1, bank=BANK)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exam-A.pdf"]
    assert (tmp_path / "exam-A.pdf").read_bytes() == b"old paper"


@pytest.mark.timeout(120)
def test_sigterm_mid_run_cleans_up_like_ctrl_c(tmp_path):
    """`kill` during the PDF step: exit 143, no temp file left, an older paper under a final name untouched."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "exam-A.pdf").write_bytes(b"old paper")
    proc = subprocess.Popen([sys.executable, "-c", "from quizgen.cli import main; main()", "exam", str(SMALL),
                             "-o", str(out), "--format", "pdf,tex", "--jobs", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90  # a budget for reaching the PDF step, not a timing assertion
        # exam-all.pdf is staged just before the papers are laid out
        while not [p for p in out.iterdir() if is_our_temp(p.name) and p.name.endswith("-exam-all.pdf.tmp")]:
            assert proc.poll() is None, "the run ended before its PDF step began"
            assert time.monotonic() < deadline, "the run never reached its PDF step"
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == ["exam-A.pdf"]
    assert (out / "exam-A.pdf").read_bytes() == b"old paper"


def test_parse_formats():
    assert parse_formats("pdf,tex, moodle") == ["pdf", "tex", "moodle"]
    assert parse_formats("json") == ["json"]
    with pytest.raises(QuizgenError) as err:
        parse_formats("pdf,docx")
    # Exactly our base error (the CLI turns it into one line and exit 2), not a subclass or a stray ValueError.
    assert type(err.value) is QuizgenError
    assert str(err.value) == "unknown format 'docx' in --format (choose from pdf, tex, moodle, stack, qti, json, html)"


# ------------------------------------------------------------------------------------------------ CLI

def test_cli_check_ok_and_problems():
    runner = CliRunner()
    ok = runner.invoke(main, ["exam", "check", str(SMALL)])
    assert ok.exit_code == 0, ok.output
    assert ok.output == f"ok: {SMALL}: 3 sections, 5 questions, 13.5 points per paper, 3 versions\n"
    bad = runner.invoke(main, ["exam", "check", str(FIX / "bad.toml")])
    assert bad.exit_code == 2
    lines = bad.output.strip().splitlines()
    assert lines[-1] == "14 problems found"
    assert f"{FIX / 'bad.toml'}: section[2].kind: 'multi' is not a question kind (free, choice or value)" in lines
    with_roster = runner.invoke(main, ["exam", "check", str(SMALL), "--roster", str(FIX / "roster-bad.csv")])
    assert with_roster.exit_code == 2 and "roster-bad.csv: line 3: name: empty" in with_roster.output


def test_cli_build_json_only_and_roster(tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["exam", str(SMALL), "-o", str(tmp_path / "o"), "--format", "json", "--jobs", "1",
                               "--versions", "2"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith(f"wrote 1 file to {tmp_path / 'o'}: exam.json (2 versions; 5 questions, "
                                 "13.5 points each; seed 11)")
    data = json.loads((tmp_path / "o" / "exam.json").read_text("utf-8"))
    assert [v["label"] for v in data["versions"]] == ["A", "B"]
    res = runner.invoke(main, ["exam", str(SMALL), "-o", str(tmp_path / "r"), "--format", "json,tex", "--jobs", "1",
                               "--roster", str(FIX / "roster.csv")])
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        "exam-ada-lovelace.tex", "exam-alan-turing.tex", "exam-grace-hopper.tex", "exam.json"]
    assert "Ada Lovelace" in (tmp_path / "r" / "exam-ada-lovelace.tex").read_text("utf-8")
    data = json.loads((tmp_path / "r" / "exam.json").read_text("utf-8"))
    assert data["versions"][0]["student"] == {"name": "Ada Lovelace", "id": "S1"}


def test_cli_errors_are_one_line():
    runner = CliRunner()
    both = runner.invoke(main, ["exam", str(SMALL), "--versions", "2", "--roster", str(FIX / "roster.csv")])
    assert both.exit_code == 2 and "give --versions or --roster, not both" in both.output
    fmt = runner.invoke(main, ["exam", str(SMALL), "--format", "docx"])
    assert fmt.exit_code == 2
    assert fmt.output == "error: unknown format 'docx' in --format (choose from pdf, tex, moodle, stack, qti, json, html)\n"
    missing = runner.invoke(main, ["exam"])
    assert missing.exit_code == 2 and "Usage: main exam [OPTIONS] SPEC" in missing.output
    helped = runner.invoke(main, ["exam", "--help"])
    assert helped.exit_code == 0 and "quizgen exam check SPEC" in helped.output and "--roster" in helped.output


def test_example_spec_checks():
    assert re.match(r"ok: .*quiz3\.toml: 4 sections, 12 questions, 35 points per paper, 4 versions",
                    CliRunner().invoke(main, ["exam", "check", str(EXAMPLE)]).output)


def test_too_few_distinct_problems_for_the_versions_is_a_note():
    spec = spec_from_dict({"title": "Tight", "seed": 3, "versions": 4,
                           "section": [{"family": "explog-exp-base-of-sin", "count": 2, "kind": "value"}]}, "t.toml", BANK)
    exam = build_exam(spec, jobs=1, bank=BANK)
    assert exam.notes == ["4 questions repeat between versions: the families cannot make enough distinct problems "
                          "for this many versions"]
    for v in exam.versions:  # still never twice on one paper
        assert len({str(q.problem.expr) for q in v.questions}) == 2


def test_progress_bar_text():
    import io

    from quizgen.cli.text import Progress, run_steps

    out = io.StringIO()
    bar = Progress(stream=out, enabled=True, width=10, total=run_steps(2, ["pdf"]))
    bar.add(99)  # a total known up front stays put
    for label in ["drawing A", "drawing B", "exam.json", "typesetting formulas", "key-A.pdf", "key-B.pdf",
                  "exam-A.pdf", "exam-B.pdf", "exam-all.pdf"]:
        bar.advance(label)
    bar.close()
    frames = [f for f in out.getvalue().split("\r") if f.strip()]
    assert frames[-1].startswith("██████████ 9/9 exam-all.pdf")
    assert out.getvalue().endswith("\r" + " " * 80 + "\r")
    quiet = io.StringIO()
    Progress(stream=quiet, enabled=False, total=3).advance("x")
    assert quiet.getvalue() == ""
