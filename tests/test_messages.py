"""Messages that named the wrong thing or nothing at all: working space, --var, the hidden `exam build`, and the
regeneration line of a spec at a long path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import main

FIX = Path(__file__).parent / "fixtures" / "exam"
SMALL = FIX / "small.toml"


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


# ------------------------------------------------------------------------------------------------------------
# Working space: exam check refuses what the build cannot lay out


def _spec(tmp_path, top="", section=""):
    text = SMALL.read_text("utf-8").replace("seed = 11\n", f"seed = 11\n{top}\n", 1)
    text = text.replace('kind = "free"\n', f'kind = "free"\n{section}\n', 1)
    path = tmp_path / "quiz.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("top, section, where", [("space = 22", "", "space"), ("", "space = 20.5", "section[1].space")])
def test_space_beyond_what_a_page_holds_fails_exam_check(tmp_path, top, section, where):
    spec = _spec(tmp_path, top, section)
    value = "22" if top else "20.5"
    expected = f"{spec}: {where}: must be a number of centimetres from 0 to 20, not {value}\n1 problem found\n"
    checked = run("exam", "check", str(spec))
    assert (checked.exit_code, checked.output) == (2, expected)
    built = run("exam", str(spec), "-o", str(tmp_path / "out"), "--format", "pdf", "-j", "1")
    assert (built.exit_code, built.output) == (2, expected)
    assert not (tmp_path / "out").exists()


@pytest.mark.timeout(120)
def test_the_largest_space_exam_check_allows_builds(tmp_path):
    spec = _spec(tmp_path, "space = 20", "space = 20")
    assert run("exam", "check", str(spec)).exit_code == 0
    r = run("exam", str(spec), "-o", str(tmp_path / "out"), "--versions", "1", "-j", "1")
    assert r.exit_code == 0, r.output


def test_sheet_space_limit_is_the_same_number():
    from quizgen.fields import MAX_SPACE_CM
    from quizgen.render.pdf import PageSetup

    PageSetup(space=MAX_SPACE_CM)
    r = run("sheet", "--space", str(MAX_SPACE_CM + 0.5), "-o", "never.pdf")
    assert r.exit_code == 2 and f"0<=x<={MAX_SPACE_CM:g}" in r.output


# ------------------------------------------------------------------------------------------------------------
# --var is blamed as itself


@pytest.mark.parametrize("var", ["xy", "1", "", "é", "e"])
def test_check_blames_a_bad_var(var):
    r = run("check", "--var", var, "x^2", "2x")
    assert r.exit_code == 2
    assert r.output.startswith(f"error: --var {var!r}: ") and r.output.count("\n") == 1, r.output
    assert "problem" not in r.output and "cannot read" not in r.output


@pytest.mark.parametrize("var", ["xy", "e"])
def test_solve_and_batch_blame_a_bad_var(var):
    solved = run("solve", "--var", var, "x^2")
    batch = run("check", "--batch", "-", "--var", var, input="x^2,2x\nx^3,3x^2\n")
    for r in (solved, batch):
        assert r.exit_code == 2
        assert r.output.startswith(f"error: --var {var!r}: ") and r.output.count("\n") == 1, r.output


def test_the_library_names_the_variable_too():
    from quizgen.checker import check_text
    from quizgen.errors import ParseError

    with pytest.raises(ParseError) as err:
        check_text("x^2", "2x", "xy")
    assert err.value.field == "var"
    assert str(err.value) == "the variable must be one letter (a to z or A to Z, not e), not 'xy'"


def test_a_good_var_still_works():
    r = run("check", "--var", "t", "t^2", "2t")
    assert r.exit_code == 0 and r.output.startswith("correct")


# ------------------------------------------------------------------------------------------------------------
# Usage errors of `quizgen exam` name the command the user typed


@pytest.mark.parametrize("args, error", [
    ([], "Error: Missing argument 'SPEC'."),
    (["quiz.toml", "--bogus"], "Error: No such option '--bogus'"),
    (["--versions", "0", "quiz.toml"], "Error: Invalid value for '--versions' / '-k'"),
    (["quiz.toml", "extra"], "Error: Got unexpected extra argument (extra)"),
])
def test_exam_usage_errors_never_mention_a_hidden_subcommand(args, error):
    r = CliRunner().invoke(main, ["exam", *args], prog_name="quizgen")
    assert r.exit_code == 2
    assert "build" not in r.output, r.output
    lines = r.output.splitlines()
    assert lines[0] == "Usage: quizgen exam [OPTIONS] SPEC"
    assert lines[1] == "Try 'quizgen exam --help' for help."
    assert lines[3].startswith(error)


def test_exam_help_still_shows_the_build_options():
    r = run("exam", "--help")
    assert r.exit_code == 0 and "--roster" in r.output and "exam build" not in r.output


# ------------------------------------------------------------------------------------------------------------
# The regeneration line keeps a long path whole


@pytest.mark.timeout(180)
def test_the_regeneration_line_keeps_the_folder_of_a_long_spec_path(tmp_path):
    from pypdf import PdfReader

    folder = tmp_path / ("course materials " * 4).strip() / "unit 3 — derivatives" / "quizzes and tests"
    folder.mkdir(parents=True)
    spec = folder / "quiz 3.toml"
    spec.write_text(SMALL.read_text("utf-8"), encoding="utf-8")
    assert len(str(spec)) > 120
    out = tmp_path / "out"
    r = run("exam", str(spec), "-o", str(out), "--versions", "1", "--format", "pdf,tex,moodle", "-j", "1")
    assert r.exit_code == 0, r.output
    import shlex

    command = f"quizgen exam {shlex.quote(str(spec))} --versions 1"
    tex = (out / "exam-A.tex").read_text("utf-8")
    assert tex.splitlines()[1] == f"% {command} · version A"
    assert str(folder).replace("—", "") in tex.replace("—", "")  # the footer's copy (TeX-escaped only for specials)
    import html

    # HTML inside the XML text: escaped twice
    assert f"({command})" in html.unescape(html.unescape((out / "exam.moodle.xml").read_text("utf-8")))
    pdf_text = " ".join(p.extract_text() for p in PdfReader(out / "exam-A.pdf").pages)
    flat = " ".join(pdf_text.split())
    assert "quizzes and tests/quiz 3.toml" in flat.replace("/ ", "/") and "course materials course" in flat
