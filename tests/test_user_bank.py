"""A teacher's own bank: --bank on every command that draws problems, and banks = [...] in an exam spec."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BANK = """
topic = "power"
title = "My own"

[[family]]
id = "my-cubes"
difficulty = 2
title = "Cubes of a multiple of x"
template = "(a*x)^3 + b"
params.a = { int = [2, 5] }
params.b = { int = [-5, 5] }
rules = ["power"]
"""


def run(args, cwd, stdin=None):
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "quizgen", *args], cwd=cwd, capture_output=True, text=True,
                          input=stdin, timeout=240, env=env)


@pytest.fixture()
def teacher(tmp_path):
    """A teacher's folder with a bank, and another folder to run commands from."""
    home = tmp_path / "teacher"
    home.mkdir()
    (home / "my.toml").write_text(BANK, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    return home, elsewhere


@pytest.mark.timeout(300)
def test_generate_with_a_bank_from_another_folder(teacher):
    home, elsewhere = teacher
    r = run(["generate", "--bank", str(home / "my.toml"), "--family", "my-cubes", "-n", "3", "--seed", "1",
             "--format", "json"], elsewhere)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert [p["family"] for p in doc["problems"]] == ["my-cubes"] * 3
    text = run(["generate", "--bank", str(home / "my.toml"), "--family", "my-cubes", "-n", "3", "--seed", "1"],
               elsewhere)
    assert f"regenerate: quizgen generate -n 3 --family my-cubes --bank {home / 'my.toml'} --seed 1" in text.stdout


@pytest.mark.timeout(300)
def test_sheet_and_quiz_with_a_bank(teacher):
    home, elsewhere = teacher
    r = run(["sheet", "--bank", str(home / "my.toml"), "--family", "my-cubes", "-n", "2", "--seed", "1",
             "--format", "html", "--no-key"], elsewhere)
    assert r.returncode == 0, r.stderr
    assert (elsewhere / "worksheet.html").exists()
    q = run(["quiz", "--bank", str(home / "my.toml"), "--family", "my-cubes", "-n", "1", "--seed", "1"],
            elsewhere, stdin="skip\n")
    assert q.returncode == 0, q.stderr
    assert "Problem 1 of 1" in q.stdout and "Score 0/1" in q.stdout
    assert f"Same problems again: quizgen quiz -n 1 --family my-cubes --bank {home / 'my.toml'} --seed 1" in q.stdout


@pytest.mark.timeout(300)
def test_exam_with_a_bank_on_the_command_line_and_in_the_spec(teacher):
    home, elsewhere = teacher
    spec = "title = \"Mine\"\nseed = 1\n[[section]]\nfamily = \"my-cubes\"\ncount = 2\n"
    (home / "mine.toml").write_text(spec, encoding="utf-8")
    r = run(["exam", str(home / "mine.toml"), "--bank", str(home / "my.toml"), "-o", "out", "--format", "json"],
            elsewhere)
    assert r.returncode == 0, r.stderr
    doc = json.loads((elsewhere / "out" / "exam.json").read_text(encoding="utf-8"))
    assert {q["family"] for q in doc["versions"][0]["questions"]} == {"my-cubes"}
    # The same bank named in the spec, relative to the spec's folder (not to where the command runs).
    (home / "mine2.toml").write_text('banks = ["my.toml"]\n' + spec, encoding="utf-8")
    r = run(["exam", "check", str(home / "mine2.toml")], elsewhere)
    assert r.returncode == 0 and r.stdout.startswith("ok:"), r.stderr
    r = run(["exam", str(home / "mine2.toml"), "-o", "out2", "--format", "json"], elsewhere)
    assert r.returncode == 0, r.stderr


def test_a_missing_bank_file_is_named(teacher):
    _home, elsewhere = teacher
    r = run(["generate", "--bank", "nope.toml", "-n", "1"], elsewhere)
    assert r.returncode == 2
    assert "nope.toml: no such file or folder" in r.stderr
    (elsewhere / "s.toml").write_text('banks = ["gone.toml"]\ntitle = "t"\n[[section]]\ntopic = "power"\ncount = 1\n')
    r = run(["exam", "check", "s.toml"], elsewhere)
    assert r.returncode == 2 and "s.toml: banks[0]: no such file" in r.stderr


def test_a_misspelt_rule_is_an_error(tmp_path):
    (tmp_path / "b.toml").write_text(BANK.replace('rules = ["power"]', 'rules = ["quotinet"]'), encoding="utf-8")
    r = run(["banks", "check", str(tmp_path / "b.toml")], tmp_path)
    assert r.returncode == 2
    assert "family my-cubes: rules: unknown rule 'quotinet'" in r.stderr


def test_banks_load_from_a_plain_checkout_without_install(tmp_path):
    # No pip install: the package is found by path, and banks/ beside it is the fallback (as templates/ is).
    code = "from quizgen.bank import load_bank; print(len(load_bank().families))"
    r = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); {code}"],
                       capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) >= 64
