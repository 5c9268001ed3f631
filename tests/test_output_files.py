"""The one atomic writer (quizgen.util.files): whole files or none, modes from the umask, leftovers of killed runs swept."""

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from quizgen.cli import main
from quizgen.errors import OutputError
from quizgen.util import files


@pytest.fixture
def umask():
    old = os.umask(0o022)
    os.umask(old)

    def set_(mask):
        os.umask(mask)

    yield set_
    os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600), (0o002, 0o664)])
def test_new_files_follow_the_umask(tmp_path, umask, mask, expected):
    umask(mask)
    files.write_text(tmp_path / "a.txt", "hello\n")
    files.write_bytes(tmp_path / "b.bin", b"\0\1")
    with files.atomic_output(tmp_path / "c.pdf") as out:
        out.write(b"%PDF")
    assert [mode(tmp_path / n) for n in ("a.txt", "b.bin", "c.pdf")] == [expected] * 3
    assert (tmp_path / "a.txt").read_text() == "hello\n" and (tmp_path / "c.pdf").read_bytes() == b"%PDF"
    assert temps(tmp_path) == []


def test_a_replaced_file_keeps_its_mode(tmp_path, umask):
    umask(0o022)
    key = tmp_path / "key.pdf"
    key.write_bytes(b"old")
    key.chmod(0o600)  # the teacher locked the key away; writing it again must not open it up
    files.write_bytes(key, b"new")
    assert key.read_bytes() == b"new" and mode(key) == 0o600


@pytest.mark.parametrize("boom, raised", [(OSError(28, "No space left on device"), OutputError),
                                           (KeyboardInterrupt(), KeyboardInterrupt)], ids=["oserror", "ctrl-c"])
def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path, boom, raised):
    target = tmp_path / "w.pdf"
    target.write_bytes(b"old")
    with pytest.raises(raised, match="No space left on device" if raised is OutputError else None):
        with files.atomic_output(target) as out:
            out.write(b"half")
            raise boom
    assert target.read_bytes() == b"old" and temps(tmp_path) == []


def test_write_errors_are_output_errors_naming_the_file(tmp_path):
    with pytest.raises(OutputError, match=r"^cannot write .*/nope/x\.txt: No such file or directory$"):
        files.write_text(tmp_path / "nope" / "x.txt", "x")


def test_temp_names_are_ours_hidden_and_short(tmp_path):
    long = "x" * 250 + ".pdf"
    files.write_bytes(tmp_path / long, b"1")  # a temp name 255+ bytes long would fail
    fd, tmp = files.temp_beside(tmp_path / "worksheet.pdf")
    os.close(fd)
    name = Path(tmp).name
    assert name.startswith(".quizgen-") and name.endswith(".tmp") and "worksheet.pdf" in name
    assert files.is_our_temp(name)
    assert not files.is_our_temp(".worksheet.pdf.abc.tmp") and not files.is_our_temp("notes.tmp")


def _dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def _temp_named(folder: Path, pid: int, host: str | None = None, age_s: float = 0) -> Path:
    path = folder / files.temp_name("w.pdf", pid=pid, host=host)
    path.write_bytes(b"half")
    if age_s:
        t = time.time() - age_s
        os.utime(path, (t, t))
    return path


def test_sweep_removes_temps_of_dead_runs_and_keeps_live_and_foreign_ones(tmp_path):
    dead = _temp_named(tmp_path, _dead_pid())
    live = _temp_named(tmp_path, os.getpid())
    other_host_new = _temp_named(tmp_path, _dead_pid(), host="elsewhere")
    other_host_old = _temp_named(tmp_path, _dead_pid(), host="elsewhere", age_s=2 * 86400)
    live_but_old = _temp_named(tmp_path, 1, age_s=2 * 86400)  # pid reused by a long-lived process
    users = [tmp_path / ".w.pdf.abc.tmp", tmp_path / "notes.tmp", tmp_path / ".quizgen-notes.tmp"]
    for p in users:
        p.write_text("mine")
    removed = files.sweep(tmp_path)
    assert sorted(Path(p).name for p in removed) == sorted(p.name for p in (dead, other_host_old, live_but_old))
    assert live.exists() and other_host_new.exists() and all(p.exists() for p in users)


KILLED = """
import os, signal, sys
from quizgen.util import files
with files.atomic_output(sys.argv[1]) as out:
    out.write(b"half a PDF")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_temp_of_a_killed_run_is_removed_by_the_next_write(tmp_path, monkeypatch):
    target = tmp_path / "worksheet.pdf"
    r = subprocess.run([sys.executable, "-c", KILLED, str(target)], timeout=60)
    assert r.returncode == -signal.SIGKILL
    assert len(temps(tmp_path)) == 1 and not target.exists()
    files.write_bytes(tmp_path / "other.pdf", b"1")
    assert temps(tmp_path) == []


def test_a_sheet_follows_the_umask_and_sweeps_old_temps(tmp_path, monkeypatch, umask):
    monkeypatch.chdir(tmp_path)
    stale = _temp_named(tmp_path, _dead_pid())
    umask(0o027)
    r = CliRunner().invoke(main, ["sheet", "-n", "2", "--seed", "1", "-o", "w.pdf"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert mode(tmp_path / "w.pdf") == 0o640 and mode(tmp_path / "w-key.pdf") == 0o640
    assert not stale.exists() and temps(tmp_path) == []
    r = CliRunner().invoke(main, ["sheet", "-n", "2", "--seed", "1", "-o", "w.html", "--format", "html"],
                           catch_exceptions=False)
    assert r.exit_code == 0 and mode(tmp_path / "w.html") == 0o640


def test_formula_cache_records_follow_the_umask(tmp_path, monkeypatch, umask):
    from quizgen.render import formula

    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path))
    umask(0o077)
    formula.clear_memory_cache()
    formula.render("x^{7}")
    formula.clear_memory_cache()
    (record,) = (tmp_path / "svg").glob("*.json")
    assert mode(record) == 0o600 and temps(tmp_path / "svg") == []
