"""Hostile command-line text: control characters never reach the terminal, bytes that are not UTF-8, long titles,
one path given for two files."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from quizgen.cli import main
from quizgen.errors import ParseError
from quizgen.util.text import visible

# ESC, BEL, CR, backspace, DEL, C1 CSI and OSC, bidi overrides and isolates, a line separator.
CONTROLS = "\x1b\x07\r\x08\x7f\x9b\x9d\u202e\u2066\u2028"
OSC_TITLE = "\x1b]0;pwned\x07x"


def cli(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def no_controls(text: str) -> bool:
    return not any(c in text for c in CONTROLS)


def test_visible_escapes_control_characters_and_keeps_the_rest():
    assert visible(OSC_TITLE) == r"\x1b]0;pwned\x07x"
    assert visible("a\u202eb\x9bc\rd\te") == r"a\u202eb\x9bc\rd\te"
    assert visible("x² − √2 · e^π … ″") == "x² − √2 · e^π … ″"
    assert visible("w\udcffk.pdf") == r"w\xffk.pdf"  # a byte that was not UTF-8 (surrogate escape)


@given(st.text())
def test_visible_never_lets_a_control_through(text):
    import unicodedata

    out = visible(text)
    assert not [c for c in out if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp", "Cn")]
    out.encode("utf-8")  # and it can always be printed


def test_parse_error_caret_line_escapes_controls_and_still_points_at_the_character():
    err = ParseError("unexpected character", "\x1b]0;x\x07+ $", offset=8)
    pointer = err.pointer()
    assert no_controls(pointer) and no_controls(err.one_line())
    text_line, caret_line = pointer.splitlines()
    assert text_line[caret_line.index("^")] == "$"


def test_solve_with_an_escape_sequence_prints_no_escape():
    for argv in (["solve", OSC_TITLE], ["check", "x^2", OSC_TITLE], ["solve", "x+\u202e1"],
                 ["solve", "sin(x)\x9b31m"], ["check", f"x\r{OSC_TITLE}", "1"]):
        r = cli(*argv)
        assert r.exit_code == 2 and "\x1b" not in r.output and no_controls(r.output), (argv, r.output)
        assert r.output.startswith("error: ")


def test_solve_through_a_real_process_prints_no_escape():
    r = subprocess.run([sys.executable, "-m", "quizgen.cli", "solve", OSC_TITLE], capture_output=True, timeout=120)
    assert r.returncode == 2 and b"\x1b" not in r.stdout + r.stderr and b"\x07" not in r.stderr
    assert b"pwned" in r.stderr


def test_file_names_with_controls_are_shown_escaped(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad_bank = tmp_path / f"bank{OSC_TITLE}.toml"
    bad_bank.write_text("[topic\n", encoding="utf-8")
    r = cli("banks", "check", str(bad_bank))
    assert r.exit_code == 2 and no_controls(r.output) and r"\x1b]0;pwned\x07x" in r.output
    r = cli("sheet", "-n", "1", "-o", f"no{OSC_TITLE}/w.pdf")
    assert r.exit_code == 2 and no_controls(r.output), r.output
    r = cli("sheet", "-n", "1", "--seed", "2", "--format", "html", "--no-key", "-o", f"w{OSC_TITLE}.html")
    assert r.exit_code == 0 and (tmp_path / f"w{OSC_TITLE}.html").is_file()
    assert no_controls(r.output) and r"w\x1b]0;pwned\x07x.html" in r.output
    r = cli("sheet", "-n", "1", "--seed", "2", "--format", "html", "--no-key", "--title", f"T{OSC_TITLE}")
    assert r.exit_code == 0 and no_controls(r.output), r.output


# ---------------------------------------------------------------- --title, bytes that are not UTF-8, -o == --key

def test_title_length_is_capped_and_stated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "at most 200 characters" in " ".join(cli("sheet", "--help").output.split())
    r = cli("sheet", "-n", "1", "--title", "word " * 6000)
    assert r.exit_code == 2
    assert r.output == "error: --title is 30000 characters long: at most 200 are allowed; shorten it\n"
    assert not list(tmp_path.iterdir())
    r = cli("sheet", "-n", "1", "--seed", "1", "--format", "html", "--title", "t" * 200)
    assert r.exit_code == 0, r.output


def test_the_library_caps_the_title_too(tmp_path):
    from quizgen.errors import QuizgenError
    from quizgen.problems import generate_set
    from quizgen.render.pdf import write_sheet

    with pytest.raises(QuizgenError, match="at most 200"):
        write_sheet(generate_set(1, seed=1), tmp_path / "w.html", title="t" * 201, fmt="html")


@pytest.mark.parametrize("argv, shown", [
    (["sheet", "-n", "1", "--title", "caf\udce9"], r"caf\xe9"),
    (["sheet", "-n", "1", "-o", "w\udcff.pdf"], r"w\xff.pdf"),
    (["banks", "check", "b\udcfe.toml"], r"b\xfe.toml"),
    (["solve", "x\udcff"], r"x\xff"),
])
def test_bytes_that_are_not_utf8_are_a_message(tmp_path, monkeypatch, argv, shown):
    monkeypatch.chdir(tmp_path)
    r = cli(*argv)
    assert r.exit_code == 2
    assert r.output == f"error: {shown} is not valid UTF-8: give file names and text in UTF-8\n"
    assert not list(tmp_path.iterdir())


def test_bytes_that_are_not_utf8_through_a_real_process(tmp_path):
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    for argv in ([b"sheet", b"-n", b"1", b"--title", b"caf\xe9"], [b"sheet", b"-n", b"1", b"-o", b"w\xff.pdf"]):
        r = subprocess.run([sys.executable.encode(), b"-m", b"quizgen.cli", *argv], capture_output=True, cwd=tmp_path,
                           env=env, timeout=120)
        assert r.returncode == 2 and b"Traceback" not in r.stderr, r.stderr
        assert r.stderr.endswith(b"is not valid UTF-8: give file names and text in UTF-8\n"), r.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("out, key", [("same.pdf", "same.pdf"), ("same.pdf", "./same.pdf"),
                                      ("same.pdf", "sub/../same.pdf"), ("link.pdf", "same.pdf")])
def test_worksheet_and_key_on_one_path_is_refused(tmp_path, monkeypatch, out, key):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    Path("same.pdf").write_bytes(b"the teacher's file")
    Path("link.pdf").symlink_to("same.pdf")
    r = cli("sheet", "-n", "1", "-o", out, "--key", key)
    assert r.exit_code == 2
    assert r.output == (f"error: {key}: the answer key would overwrite the worksheet {out}: "
                        "give --key another name (or --no-key)\n")
    assert Path("same.pdf").read_bytes() == b"the teacher's file"
    assert cli("sheet", "-n", "1", "--seed", "1", "-o", "same.pdf", "--key", "same.pdf", "--no-key").exit_code == 0


def test_bank_text_with_control_characters_is_refused(tmp_path):
    """Bank titles and instructions reach the terminal (banks list, quiz) and every paper: none may carry ESC."""
    bank = tmp_path / "mine.toml"
    bank.write_text('topic = "chain"\ntitle = "Chain\\u001b]0;pwned\\u0007"\n\n[[family]]\nid = "chain-mine"\n'
                    'difficulty = 1\ntitle = "Mine\\u202e"\ninstruction = "Go\\r"\ntemplate = "(x + a)^2"\n'
                    'params.a = { int = [1, 9] }\n', encoding="utf-8")
    r = cli("banks", "check", str(bank))
    assert r.exit_code == 2 and no_controls(r.output)
    assert r.output.splitlines() == [
        f"{bank}: title: contains a control character (U+001B): remove it",
        f"{bank}: family chain-mine: title: contains a control character (U+202E): remove it",
        f"{bank}: family chain-mine: instruction: contains a control character (U+000D): remove it",
        "3 problems found",
    ]
