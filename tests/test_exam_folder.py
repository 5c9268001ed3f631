"""An exam's output folder: files written by the one atomic writer (umask modes, our temp names, a killed run's
temps swept), and the files of an earlier run there: removed when unchanged and not written again, else kept and
named; a user's file is never touched."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.bank import load_bank
from quizgen.cli import main
from quizgen.exam import build_exam, load_spec, write_exam
from quizgen.util import files

FIX = Path(__file__).parent / "fixtures" / "exam"
SMALL = FIX / "small.toml"
BANK = load_bank()


@pytest.fixture(scope="module")
def three():
    return build_exam(load_spec(SMALL, BANK), versions=3, jobs=1, bank=BANK)


@pytest.fixture(scope="module")
def two():
    return build_exam(load_spec(SMALL, BANK), versions=2, jobs=1, bank=BANK)


def names(folder) -> list[str]:
    return sorted(p.name for p in Path(folder).iterdir())


def sha(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ------------------------------------------------------------------------------------------------------------
# One atomic writer


@pytest.mark.parametrize("mask, mode", [(0o077, 0o600), (0o027, 0o640), (0o002, 0o664)])
def test_exam_files_get_the_mode_the_umask_gives(two, tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        written = write_exam(two, tmp_path, ["tex", "moodle"], bank=BANK)
    finally:
        os.umask(old)
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in written} == {p.name: mode for p in written}


def test_a_replaced_exam_file_keeps_its_mode(two, tmp_path):
    (tmp_path / "exam.json").write_text("{}", encoding="utf-8")
    os.chmod(tmp_path / "exam.json", 0o600)  # a teacher made the key data private
    write_exam(two, tmp_path, ["json"], bank=BANK)
    assert stat.S_IMODE((tmp_path / "exam.json").stat().st_mode) == 0o600


def test_a_killed_runs_temps_are_swept_and_a_users_are_not(two, tmp_path):
    dead = files.temp_name("exam-A.pdf", pid=2**22 + 12345)  # no such process
    (tmp_path / dead).write_bytes(b"half a paper")
    users = [".exam-A.pdf.abc.tmp", "notes.tmp", ".quizgen-notes.tmp"]
    for name in users:
        (tmp_path / name).write_bytes(b"mine")
    write_exam(two, tmp_path, ["tex"], bank=BANK)
    assert names(tmp_path) == sorted(users + ["exam-A.tex", "exam-B.tex", "exam.json"])


def test_temps_are_ours_while_a_run_writes(two, tmp_path, monkeypatch):
    import quizgen.render.tex as tex

    seen = []
    real = tex.exam_tex

    def spy(*args, **kwargs):
        seen.extend(p.name for p in tmp_path.iterdir())
        return real(*args, **kwargs)

    monkeypatch.setattr(tex, "exam_tex", spy)
    write_exam(two, tmp_path, ["tex", "moodle"], bank=BANK)
    staged = [n for n in seen if n not in ("exam-A.tex", "exam-B.tex", "exam.json", "exam.moodle.xml")]
    assert staged and all(files.is_our_temp(n) for n in staged), seen


def test_exam_json_lists_every_file_with_its_content_and_comes_last(two, tmp_path):
    written = write_exam(two, tmp_path, ["tex", "moodle"], bank=BANK)
    assert written[-1].name == "exam.json"
    doc = json.loads((tmp_path / "exam.json").read_text("utf-8"))
    assert doc["files"] == {n: sha(tmp_path / n) for n in ("exam.moodle.xml", "exam-A.tex", "exam-B.tex")}


# ------------------------------------------------------------------------------------------------------------
# An earlier run's files


def test_files_of_an_earlier_run_not_written_again_are_removed(three, two, tmp_path):
    write_exam(three, tmp_path, ["tex", "moodle"], bank=BANK)
    assert "exam-C.tex" in names(tmp_path)
    written = write_exam(two, tmp_path, ["tex", "moodle"], bank=BANK)
    assert names(tmp_path) == ["exam-A.tex", "exam-B.tex", "exam.json", "exam.moodle.xml"]
    assert [p.name for p in written.removed] == ["exam-C.tex"] and written.kept == []
    assert written.notes(tmp_path) == [
        f"removed 1 file of the earlier run in {tmp_path} that this run does not write: exam-C.tex"]


def test_a_file_changed_since_is_kept_and_named(three, two, tmp_path):
    write_exam(three, tmp_path, ["tex"], bank=BANK)
    with open(tmp_path / "exam-C.tex", "a", encoding="utf-8") as f:
        f.write("% my own changes\n")
    written = write_exam(two, tmp_path, ["tex"], bank=BANK)
    assert "exam-C.tex" in names(tmp_path) and "% my own changes" in (tmp_path / "exam-C.tex").read_text("utf-8")
    assert written.removed == [] and [p.name for p in written.kept] == ["exam-C.tex"]
    [note] = written.notes(tmp_path)
    assert note.startswith(f"kept 1 file of an earlier run in {tmp_path}, changed since or not listed in its "
                           f"exam.json: exam-C.tex")
    # The new manifest does not claim it, so a third run leaves it alone and says nothing.
    third = write_exam(two, tmp_path, ["tex"], bank=BANK)
    assert third.removed == third.kept == [] and "exam-C.tex" in names(tmp_path)


def test_files_the_manifest_does_not_list_are_never_touched(three, two, tmp_path):
    write_exam(three, tmp_path, ["tex"], bank=BANK)
    mine = {"exam-Z.tex": b"my own exam", "key-notes.html": b"notes", "exam-notes.txt": b"text", "grades.csv": b"1"}
    for name, data in mine.items():
        (tmp_path / name).write_bytes(data)
    write_exam(two, tmp_path, ["tex"], bank=BANK)
    for name, data in mine.items():
        assert (tmp_path / name).read_bytes() == data


def test_a_manifest_cannot_point_outside_the_folder_or_at_a_users_file(three, two, tmp_path):
    out = tmp_path / "out"
    write_exam(three, out, ["tex"], bank=BANK)
    outside = tmp_path / "thesis.tex"
    outside.write_text("my thesis", encoding="utf-8")
    (out / "sub").mkdir()
    (out / "sub" / "exam-A.tex").write_text("mine", encoding="utf-8")
    doc = json.loads((out / "exam.json").read_text("utf-8"))
    doc["files"].update({"../thesis.tex": sha(outside), "sub/exam-A.tex": sha(out / "sub" / "exam-A.tex"),
                         "grades.csv": "0" * 64})
    (out / "grades.csv").write_text("1", encoding="utf-8")
    (out / "exam.json").write_text(json.dumps(doc), encoding="utf-8")
    write_exam(two, out, ["tex"], bank=BANK)
    assert outside.read_text("utf-8") == "my thesis"
    assert (out / "sub" / "exam-A.tex").read_text("utf-8") == "mine"
    assert (out / "grades.csv").exists()
    assert "exam-C.tex" not in names(out)


def test_a_symlink_in_place_of_our_file_is_kept(three, two, tmp_path):
    out = tmp_path / "out"
    write_exam(three, out, ["tex"], bank=BANK)
    target = tmp_path / "my-copy.tex"
    target.write_bytes((out / "exam-C.tex").read_bytes())  # same content as the file we wrote
    (out / "exam-C.tex").unlink()
    (out / "exam-C.tex").symlink_to(target)
    written = write_exam(two, out, ["tex"], bank=BANK)
    assert (out / "exam-C.tex").is_symlink() and target.exists()
    assert [p.name for p in written.kept] == ["exam-C.tex"]


def test_an_exam_json_from_before_it_listed_files(three, two, tmp_path):
    write_exam(three, tmp_path, ["tex"], bank=BANK)
    doc = json.loads((tmp_path / "exam.json").read_text("utf-8"))
    del doc["files"]
    (tmp_path / "exam.json").write_text(json.dumps(doc), encoding="utf-8")
    written = write_exam(two, tmp_path, ["tex"], bank=BANK)
    assert "exam-C.tex" in names(tmp_path)  # cannot tell it is unchanged: kept, and said
    assert [p.name for p in written.kept] == ["exam-C.tex"]


def test_a_damaged_or_foreign_exam_json_removes_nothing(three, two, tmp_path):
    write_exam(three, tmp_path, ["tex"], bank=BANK)
    for text in ("not json", "[1, 2]", '{"files": {"exam-C.tex": "x"}}', ""):
        (tmp_path / "exam.json").write_text(text, encoding="utf-8")
        written = write_exam(two, tmp_path, ["tex"], bank=BANK)
        assert written.removed == [] and "exam-C.tex" in names(tmp_path)


def test_a_failed_run_removes_nothing_of_the_earlier_one(three, two, tmp_path, monkeypatch):
    import quizgen.render.tex as tex

    write_exam(three, tmp_path, ["tex"], bank=BANK)
    before = {n: (tmp_path / n).read_bytes() for n in names(tmp_path)}

    def broken(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tex, "exam_tex", broken)
    with pytest.raises(KeyboardInterrupt):
        write_exam(two, tmp_path, ["tex"], bank=BANK)
    assert {n: (tmp_path / n).read_bytes() for n in names(tmp_path)} == before


def test_the_cli_says_what_it_removed(tmp_path):
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(main, ["exam", str(SMALL), "-o", str(out), "--versions", "3", "--format", "tex"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(main, ["exam", str(SMALL), "-o", str(out), "--versions", "2", "--format", "tex"])
    assert second.exit_code == 0, second.output
    assert (f"note: removed 1 file of the earlier run in {out} that this run does not write: exam-C.tex\n"
            in second.output)
    assert names(out) == ["exam-A.tex", "exam-B.tex", "exam.json"]
