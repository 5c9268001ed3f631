"""Class lists and batch files as teachers' tools save them, or as a mistake hands them over: stray quotes,
CR-only line endings, /dev/zero and huge files, names that would collide with our own files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from quizgen.cli import main
from quizgen.errors import SpecError
from quizgen.exam import build_exam, load_roster, load_spec, roster_from_text
from quizgen.exam.write import FORMATS, output_files
from quizgen.fields import MAX_FILE_BYTES

FIX = Path(__file__).parent / "fixtures" / "exam"
SMALL = FIX / "small.toml"


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


# ------------------------------------------------------------------------------------------------------------
# Rosters: a stray quote


def test_a_stray_opening_quote_is_reported_with_its_line():
    text = 'name,id\nAnn,1\n"Bob,2\nCarl,3\nDee,4\n'
    with pytest.raises(SpecError) as err:
        roster_from_text(text, "class.csv")
    assert err.value.problems == [
        "class.csv: line 3: a quote opens here and is never closed, so lines 3-5 were read as one name "
        "(remove the stray \" or close it)"]


def test_a_quoted_name_broken_over_two_lines_is_reported():
    with pytest.raises(SpecError) as err:
        roster_from_text('name,id\n"Bob\nSmith",2\nAnn,3\n', "class.csv")
    assert err.value.problems == [
        "class.csv: line 2: a quote opens here and is closed only on line 3, so lines 2-3 were read as one name "
        "(remove the stray \" or close it on line 2)"]


def test_quotes_used_as_csv_intends_are_fine():
    r = roster_from_text('name,id\n"Kim, Alex",1\n"Ann ""Nan"" Lee",2\nBo"b,3\n', "class.csv")
    assert [s.name for s in r.students] == ["Kim, Alex", 'Ann "Nan" Lee', 'Bo"b']


def test_exam_check_reports_the_stray_quote(tmp_path):
    roster = tmp_path / "class.csv"
    roster.write_text('name,id\nAnn,1\n"Bob,2\nCarl,3\nDee,4\n', encoding="utf-8")
    r = run("exam", "check", str(SMALL), "--roster", str(roster))
    assert r.exit_code == 2
    assert r.output == (f"{roster}: line 3: a quote opens here and is never closed, so lines 3-5 were read as one "
                        "name (remove the stray \" or close it)\n1 problem found\n")


# ------------------------------------------------------------------------------------------------------------
# Rosters: line endings


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_roster_line_endings(tmp_path, newline):
    path = tmp_path / "class.csv"
    path.write_bytes(newline.join(["name,id", '"Kim, Alex",1', "Bob,2", ""]).encode("utf-8"))
    r = load_roster(path)
    assert [(s.name, s.id, s.line) for s in r.students] == [("Kim, Alex", "1", 2), ("Bob", "2", 3)]


def test_roster_with_cr_only_through_exam_check(tmp_path):
    path = tmp_path / "class.csv"
    path.write_bytes(b'name,id\r"Ann",1\rBob,2\r')
    r = run("exam", "check", str(SMALL), "--roster", str(path))
    assert r.exit_code == 0, r.output
    assert ", 2 students" in r.output


# ------------------------------------------------------------------------------------------------------------
# Rosters: size


@pytest.mark.timeout(60)
@pytest.mark.parametrize("command", ["check", "build"])
def test_dev_zero_as_roster(tmp_path, command):
    args = ["exam", "check", str(SMALL)] if command == "check" else ["exam", str(SMALL), "-o", str(tmp_path / "o")]
    r = run(*args, "--roster", "/dev/zero")
    assert r.exit_code == 2, r.output
    limit = MAX_FILE_BYTES // 1_000_000
    assert r.output.splitlines()[0] == f"/dev/zero: file too large (limit {limit} MB): is this the right file?"
    assert not (tmp_path / "o").exists()


def test_a_huge_roster_file(tmp_path):
    path = tmp_path / "class.csv"
    with open(path, "wb") as f:
        f.write(b"name\n")
        f.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(SpecError, match=r"file too large \(limit 2 MB\)"):
        load_roster(path)


# ------------------------------------------------------------------------------------------------------------
# Rosters: student file names never collide with the files a run writes


@pytest.mark.parametrize("name", ["All", "all", "ALL", " All "])
def test_a_student_named_all_keeps_their_own_paper(name):
    roster = roster_from_text(f"name\nBob\n{name}\n", "class.csv")
    [bob, student] = roster.students
    assert student.slug != "all" and bob.slug == "bob"
    assert any(f"line 3: {' '.join(name.split())!r}" in note and "exam-all.pdf" in note for note in roster.notes)


def _unique_files(roster):
    exam = build_exam(load_spec(SMALL), roster=roster, jobs=1)
    names = output_files(exam, FORMATS)
    folded = [n.casefold() for n in names]  # a case-insensitive file system (macOS, Windows) too
    assert len(set(folded)) == len(folded), names
    return exam, names


@pytest.mark.parametrize("names", [
    ["All", "Exam", "Key", "Json", "Moodle", "exam.json", "exam moodle", "All 2", "all-3", "Bob", "Ann-Marie",
     "Ann Marie", "José", "Jose", "Ελένη", "Straße", "Strasse", "!!!", "???"],
    ["Bob", "bob", "BOB", "Ελένη", "ελένη", "ΕΛΈΝΗ", "all", "All-2"],
])
def test_no_student_file_name_collides_with_ours(names):
    _unique_files(roster_from_text("name\n" + "\n".join(names) + "\n", "class.csv"))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), min_size=1,
                        max_size=12).filter(lambda s: s.strip() and "," not in s and '"' not in s),
                min_size=1, max_size=6))
def test_student_file_names_are_unique_for_any_names(names):
    roster = roster_from_text("name\n" + "\n".join(names) + "\n", "class.csv")
    slugs = [s.slug.casefold() for s in roster.students]
    assert len(set(slugs)) == len(slugs)
    assert "all" not in slugs


@pytest.mark.timeout(180)
def test_student_all_through_the_cli_gets_a_paper_of_their_own(tmp_path):
    from pypdf import PdfReader

    roster = tmp_path / "class.csv"
    roster.write_text("name\nAll\nBob\n", encoding="utf-8")
    out = tmp_path / "out"
    r = run("exam", str(SMALL), "--roster", str(roster), "-o", str(out), "-j", "1")
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["exam-all-2.pdf", "exam-all.pdf", "exam-bob.pdf", "exam.json", "key-all-2.pdf", "key-bob.pdf"]

    def text(name):
        return "".join(page.extract_text() for page in PdfReader(out / name).pages)

    assert "All" in text("exam-all-2.pdf") and "Bob" not in text("exam-all-2.pdf")
    combined = text("exam-all.pdf")
    assert combined.count("Answer key") == 0 and "Bob" in combined
    assert len(PdfReader(out / "exam-all.pdf").pages) == (len(PdfReader(out / "exam-all-2.pdf").pages)
                                                          + len(PdfReader(out / "exam-bob.pdf").pages))
    assert "note: " in r.output and "exam-all.pdf" in r.output


# ------------------------------------------------------------------------------------------------------------
# Batch files


@pytest.mark.parametrize("newline", [b"\r", b"\r\n", b"\n"])
def test_batch_line_endings(tmp_path, newline):
    path = tmp_path / "answers.tsv"
    path.write_bytes(newline.join([b"problem\tanswer", b"x^2\t2x", b"x^3\t3x", b""]))
    r = run("check", "--batch", str(path))
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.output.splitlines()]
    assert [(row["line"], row["problem"], row["correct"]) for row in rows] == [(2, "x^2", True), (3, "x^3", False)]


def test_batch_line_endings_from_stdin():
    r = run("check", "--batch", "-", input=b"x^2,2x\rx^3,3x^2\r")
    assert [json.loads(line)["correct"] for line in r.output.splitlines()] == [True, True]


def test_a_cr_split_across_reads_is_one_line_ending():
    from quizgen.batch import batch_lines

    class Trickle:  # hands over a byte at a time, so "\r" and "\n" arrive in different reads
        def __init__(self, data):
            self.data = data

        def read1(self, n=-1):
            chunk, self.data = self.data[:1], self.data[1:]
            return chunk

    assert list(batch_lines(Trickle(b"a\r\nb\rc\n\nd"), "f")) == [b"a", b"b", b"c", b"", b"d"]


@pytest.mark.timeout(60)
def test_dev_zero_as_batch_file():
    r = run("check", "--batch", "/dev/zero")
    assert r.exit_code == 2
    assert r.output == ("error: /dev/zero: line 1 is longer than 16 kB (a row is a problem and an answer of at most "
                        "1,000 characters each): is this a batch file?\n")


@pytest.mark.timeout(60)
def test_a_huge_line_after_good_rows(tmp_path):
    path = tmp_path / "answers.csv"
    path.write_bytes(b"x^2,2x\n" + b"x" * 5_000_000 + b"\nx^3,3x^2\n")
    r = run("check", "--batch", str(path))
    assert r.exit_code == 2
    first, err = r.output.splitlines()
    assert json.loads(first)["correct"] is True  # rows before it are graded and printed as they come
    assert err == (f"error: {path}: line 2 is longer than 16 kB (a row is a problem and an answer of at most "
                   "1,000 characters each): is this a batch file?")


@pytest.mark.timeout(60)
def test_a_long_but_legal_row_is_graded(tmp_path):
    path = tmp_path / "answers.tsv"
    long_sum = "+".join(["x"] * 499)  # 997 characters: inside the formula limit
    path.write_text(f"{long_sum}\t499\n", encoding="utf-8")
    r = run("check", "--batch", str(path))
    assert r.exit_code == 0 and json.loads(r.output)["correct"] is True
