"""Worker processes: one pool (util/parallel), workers with default signals that die with their parent, and runs
that end on SIGTERM or SIGKILL without a hang or an orphaned worker — tried through real processes."""

from __future__ import annotations

import ast
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from quizgen.util.files import is_our_temp

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "quiz3.toml"


# ---------------------------------------------------------------- /proc helpers (psutil is not a dependency)

def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in _children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def _identity(pid: int):
    """(state, start time) of a process, None once it is gone; the start time tells a reused pid apart."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], fields[19]


class Watch:
    """Every descendant a process ever had, remembered by pid and start time."""

    def __init__(self, pid: int):
        self.pid = pid
        self.seen: dict[int, str] = {}

    def look(self) -> None:
        for child in _descendants(self.pid):
            ident = _identity(child)
            if ident is not None:
                self.seen.setdefault(child, ident[1])

    def alive(self) -> list[int]:
        out = []
        for pid, start in self.seen.items():
            ident = _identity(pid)
            if ident is not None and ident[1] == start and ident[0] != "Z":
                out.append(pid)
        return out

    def wait_all_gone(self, budget: float) -> list[int]:
        """The workers still running after `budget` seconds (a bound on the wait, not a timing assertion)."""
        deadline = time.monotonic() + budget
        while self.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        left = self.alive()
        for pid in left:  # never leave one behind for the next test
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        return left


pytestmark = pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")


# ---------------------------------------------------------------- one pool

def test_every_pool_is_util_parallel():
    """No module but util/parallel.py starts processes: one CPU policy, one fallback, one worker setup."""
    offenders = []
    for path in sorted((ROOT / "quizgen").rglob("*.py")):
        if path.relative_to(ROOT).as_posix() == "quizgen/util/parallel.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Attribute) and node.attr in ("fork", "Pool", "ProcessPoolExecutor"):
                names = [node.attr]
            bad = [n for n in names if n.startswith("multiprocessing") or n.endswith(("ProcessPoolExecutor", "Pool"))
                   or n in ("fork", "os.fork")]
            if bad:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {bad[0]}")
    assert offenders == []


def _probe(_):
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    where = ctypes.c_int(-1)
    libc.prctl(2, ctypes.byref(where))  # PR_GET_PDEATHSIG
    return (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT), where.value,
            signal.SIGTERM in signal.pthread_sigmask(signal.SIG_BLOCK, []), os.getpid())


@pytest.mark.timeout(60)
def test_workers_restore_default_signals_and_die_with_parent():
    from quizgen.util.parallel import fork_map

    old = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # what the CLI installs
    try:
        got = list(fork_map(_probe, range(4), jobs=2))
    finally:
        signal.signal(signal.SIGTERM, old)
    assert {g[:4] for g in got} == {(signal.SIG_DFL, signal.SIG_IGN, signal.SIGKILL, False)}
    assert os.getpid() not in {g[4] for g in got}
    assert signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # the parent's mask is back


def test_one_job_starts_no_process(monkeypatch):
    """--jobs 1 is one process for every step, formulas and PDF layout included."""
    from quizgen.render import formula
    from quizgen.util import parallel

    def no_fork(*args, **kwargs):
        raise AssertionError("a worker pool was started with jobs=1")

    monkeypatch.setattr(parallel, "_start", no_fork)
    monkeypatch.setattr(os, "fork", no_fork)
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", tempfile.mkdtemp())
    formula.clear_memory_cache()
    formula.prefetch([(f"x^{{{i}}} + {i}", 16.0) for i in range(20)], jobs=1)
    assert formula.stats["rendered"] == 20


def test_a_pool_that_cannot_start_runs_here(monkeypatch):
    from quizgen.util import parallel

    def refused(*args, **kwargs):
        raise OSError(38, "Function not implemented")  # a sandbox without semaphores

    import concurrent.futures

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", refused)
    ran = []
    assert sorted(parallel.fork_map(abs, [-3, -1, -2], jobs=2, meanwhile=lambda: ran.append(1))) == [1, 2, 3]
    assert ran == [1]


# ---------------------------------------------------------------- the parent killed: workers go with it

SLOW_POOL = textwrap.dedent("""
    import sys, time
    which = sys.argv[1]
    if which == "formula":
        from quizgen.render import formula
        formula._render_uncached = lambda latex, size: time.sleep(600)
        formula.prefetch([(f"x^{{{i}}}", 16.0) for i in range(40)], jobs=2)
    elif which == "pdf":
        from quizgen.render import pdf
        pdf._write_pdf = lambda html, path: time.sleep(600)
        pdf.write_documents([("<p>a</p>", "a.pdf"), ("<p>b</p>", "b.pdf"), ("<p>c</p>", "c.pdf")], jobs=2)
    else:
        from quizgen.util.parallel import fork_map
        list(fork_map(time.sleep, [600] * 4, jobs=2))
""")


@pytest.mark.timeout(120)
@pytest.mark.parametrize("which", ["formula", "pdf", "draw"])
def test_kill_9_of_the_parent_kills_its_workers(which, tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", SLOW_POOL, which], cwd=tmp_path,
                            env=dict(os.environ, QUIZGEN_CACHE_DIR=str(tmp_path / "cache")))
    watch = Watch(proc.pid)
    try:
        deadline = time.monotonic() + 60
        while len(_children(proc.pid)) < 2:
            assert proc.poll() is None, "the script ended before its pool started"
            assert time.monotonic() < deadline, "the pool never started"
            time.sleep(0.02)
        time.sleep(0.3)  # past worker_init
        watch.look()
        proc.kill()
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(watch.seen) >= 2
    assert watch.wait_all_gone(20) == []


# ---------------------------------------------------------------- SIGTERM at any moment is never lost

FORK_LOOP = textwrap.dedent("""
    from quizgen.util.parallel import exit_on_sigterm, fork_map
    with exit_on_sigterm():
        print("ready", flush=True)
        while True:
            list(fork_map(abs, range(4), jobs=2))
""")


@pytest.mark.timeout(240)
def test_sigterm_while_pools_fork_always_ends_the_run():
    """A SIGTERM landing inside os.fork() was swallowed ("Exception ignored"), and the run went on (3 of 20)."""
    rng = random.Random(15)
    outcomes = []
    for _ in range(12):
        proc = subprocess.Popen([sys.executable, "-c", FORK_LOOP], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        watch = Watch(proc.pid)
        try:
            proc.stdout.readline()
            time.sleep(rng.uniform(0.1, 0.5))
            watch.look()
            proc.send_signal(signal.SIGTERM)
            if rng.random() < 0.5:
                time.sleep(0.01)
                proc.send_signal(signal.SIGTERM)  # a second one, during the cleanup
            _, err = proc.communicate(timeout=30)
            outcomes.append((proc.returncode, err[-1500:]))
        except subprocess.TimeoutExpired:
            outcomes.append(("hang", ""))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert watch.wait_all_gone(10) == []
    assert outcomes == [(143, "")] * 12


IN_FINALIZER = textwrap.dedent("""
    import time
    from quizgen.util.parallel import exit_on_sigterm

    class Resource:
        def __del__(self):
            time.sleep(0.02)  # a slow finalizer: most SIGTERMs land in here, where Python drops exceptions

    def work():
        return Resource()

    with exit_on_sigterm():
        print("ready", flush=True)
        while True:
            work()
""")


@pytest.mark.timeout(120)
def test_sigterm_inside_a_finalizer_still_ends_the_run_quietly():
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", IN_FINALIZER], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            proc.stdout.readline()
            time.sleep(0.2)
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert (proc.returncode, err) == (143, "")


# ---------------------------------------------------------------- the real command, killed in each phase

def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # renamed meanwhile
        return 0


def _exam_trial(tmp_path, phase: str, signals: list[int], versions: int = 3):
    """Run `quizgen exam` (fresh formula cache), send `signals` once it reaches `phase`; (returncode, stderr,
    files left, workers left alive). Phases: draw (workers before any file is staged), formulas/pdf (workers
    after the exam's files are staged: the formula pool comes first, then the PDF pool)."""
    out = tmp_path / "out"
    out.mkdir(parents=True)  # the many-trials test gives each trial a folder of its own
    env = dict(os.environ, QUIZGEN_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.Popen([sys.executable, "-m", "quizgen.cli", "exam", str(EXAMPLE), "--versions", str(versions),
                             "--format", "pdf,tex,moodle", "-j", "2", "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    watch = Watch(proc.pid)
    try:
        deadline = time.monotonic() + 120  # a budget for reaching the phase, not a timing assertion
        while True:
            assert proc.poll() is None, f"the run ended before its {phase} phase"
            assert time.monotonic() < deadline, f"the run never reached its {phase} phase"
            kids = _children(proc.pid)
            temps = [p for p in out.iterdir() if is_our_temp(p.name)]
            staged = any(p.name.endswith("-exam-all.pdf.tmp") for p in temps)
            watch.look()
            if phase == "draw" and kids and not staged:
                break
            if phase == "formulas" and staged and len(kids) >= 2:
                break
            if phase == "pdf" and kids and any(_size(p) > 0 for p in temps if p.name.endswith(".pdf.tmp")):
                break  # a first PDF is being written, by a worker of the PDF pool
            time.sleep(0.01)
        for sig in signals:
            proc.send_signal(sig)
            time.sleep(0.02)
            watch.look()
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        err = "hang"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err, sorted(p.name for p in out.iterdir()), watch.wait_all_gone(10)


TRIALS = [("draw", [signal.SIGKILL]), ("formulas", [signal.SIGTERM, signal.SIGTERM]), ("pdf", [signal.SIGKILL]),
          ("draw", [signal.SIGTERM]), ("formulas", [signal.SIGKILL]), ("pdf", [signal.SIGTERM]),
          ("pdf", [signal.SIGTERM, signal.SIGTERM]), ("draw", [signal.SIGTERM, signal.SIGTERM])]


def _check_trial(phase, signals, result):
    code, err, left, alive = result
    assert err != "hang", f"{phase}: the run did not end within 60 s of {signals}"
    assert alive == [], f"{phase}: workers left running after {signals}"
    if signals[0] == signal.SIGTERM:
        assert code == 143, err
        assert "Traceback" not in err and "Exception ignored" not in err, err
        assert left == []  # cleaned up like Ctrl-C
    else:
        assert code == -signal.SIGKILL
        assert "Traceback" not in err, err  # no worker writing tracebacks to the terminal after its parent died


@pytest.mark.timeout(400)
@pytest.mark.parametrize("phase,signals", TRIALS[:3], ids=["draw-kill", "formulas-term-term", "pdf-kill"])
def test_exam_run_ends_cleanly_on_signals(tmp_path, phase, signals):
    _check_trial(phase, signals, _exam_trial(tmp_path, phase, signals))


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_exam_run_signal_trials_many(tmp_path):
    for k, (phase, signals) in enumerate(TRIALS * 3):
        _check_trial(phase, signals, _exam_trial(tmp_path / str(k), phase, signals))
        print(f"trial {k + 1} of {len(TRIALS) * 3} ({phase}, {[s.name for s in signals]}): ok", flush=True)


@pytest.mark.slow
@pytest.mark.timeout(4 * 3600)
def test_exam_200_consecutive_runs(tmp_path):
    """The issue's stress test: 200 runs of the README's exam command, each with a fresh formula cache (so the
    formula pool starts every time), each within its budget and leaving no worker behind."""
    runs = int(os.environ.get("QUIZGEN_STRESS_RUNS", "200"))
    for k in range(runs):
        out, cache, log = tmp_path / f"out{k}", tmp_path / f"cache{k}", tmp_path / "stderr.txt"
        env = dict(os.environ, QUIZGEN_CACHE_DIR=str(cache))
        with open(log, "w") as err_file:
            proc = subprocess.Popen([sys.executable, "-m", "quizgen.cli", "exam", str(EXAMPLE), "--versions", "3",
                                     "--format", "pdf,tex,moodle", "-j", "2", "-o", str(out)],
                                    stdout=subprocess.DEVNULL, stderr=err_file, env=env)
        watch = Watch(proc.pid)
        try:
            deadline = time.monotonic() + 300
            while proc.poll() is None and time.monotonic() < deadline:
                watch.look()
                time.sleep(0.05)
            assert proc.poll() is not None, f"run {k} hung (over 300 s)"
            err = log.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == 0, f"run {k}: {err}"
        assert watch.wait_all_gone(10) == [], f"run {k} left workers"
        assert len([p for p in out.iterdir() if not p.name.startswith(".")]) == 12
        shutil.rmtree(cache)
        shutil.rmtree(out)
        print(f"run {k + 1} of {runs}: ok", flush=True)  # with -s, the count so far
