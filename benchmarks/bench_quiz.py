"""Benchmark: time to the first prompt of `quizgen quiz -n 10`, through a pty, against `python -c "import sympy"`.

Run: python benchmarks/bench_quiz.py [--repeat 5]   (not a test: prints figures, asserts nothing)

Both are fresh processes measured in the same run, rounds interleaved (floor, quiz, floor, quiz ...). The quiz runs
on a pseudo-terminal as a student sees it (line editing on) with an empty history in a temporary QUIZGEN_HOME; the
time is from spawning it until the answer prompt "f′(x) =" has been written; the quiz is then sent Ctrl-D.
CPU is the child's own (user + system, from wait4) — for the quiz, up to its exit just after the prompt.
Target from issue 14: first prompt <= 1.3 x the import of SymPy. A quiz whose first question was kept (see
quizgen.quiz.prepared) shows it before SymPy loads; one with nothing kept draws it first: both are measured.
"""

import argparse
import os
import pty
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

PROMPT = "′(x) =".encode()  # prompt_toolkit writes the trailing space as a cursor move


def floor_run(env) -> tuple[float, float]:
    t0 = time.perf_counter()
    pid = os.spawnve(os.P_NOWAIT, sys.executable, [sys.executable, "-c", "import sympy"], env)
    _, status, ru = os.wait4(pid, 0)
    return time.perf_counter() - t0, ru.ru_utime + ru.ru_stime


def quiz_run(env, args) -> tuple[float, float]:
    t0 = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, "-m", "quizgen.cli", "quiz", *args], env)
    seen = b""
    wall = None
    while wall is None:
        r, _, _ = select.select([fd], [], [], 120)
        if not r:
            break
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        if b"\x1b[6n" in chunk:
            os.write(fd, b"\x1b[1;1R")  # answer prompt_toolkit's cursor-position request as a terminal would
        seen += chunk
        if PROMPT in seen:
            wall = time.perf_counter() - t0
    os.write(fd, b"\x04")  # Ctrl-D: the quiz ends, saving nothing answered
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            r, _, _ = select.select([fd], [], [], 1)
            if r and not os.read(fd, 4096):
                break
        except OSError:
            break
    _, status, ru = os.wait4(pid, 0)
    os.close(fd)
    if wall is None:
        raise SystemExit(f"no prompt seen; output was {seen[-400:]!r}")
    return wall, ru.ru_utime + ru.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=3)
    opts = parser.parse_args()
    env = dict(os.environ, QUIZGEN_HOME=tempfile.mkdtemp(prefix="quizgen-bench-quiz-"), TERM="xterm")
    env.pop("NO_COLOR", None)
    args = ["-n", "10", "--seed", str(opts.seed)]
    subprocess.run([sys.executable, "-c", "import sympy, quizgen.cli"], check=True)  # warm the OS file cache
    # Three quizzes a student starts: (a) `quiz -n 10` after an earlier one with the same options (its seed and
    # first question were drawn ahead: the daily case), (b) `quiz -n 10 --seed N` run before (kept), (c) the same
    # with no quiz kept (a cache folder holding only the banks' verified-family markers, which every run after the
    # very first on a machine has).
    daily_cache = tempfile.mkdtemp(prefix="quizgen-bench-cache-")
    quiz_run(dict(env, QUIZGEN_CACHE_DIR=daily_cache), ["-n", "10"])  # the earlier quiz
    quiz_run(dict(env, QUIZGEN_CACHE_DIR=daily_cache), args)
    floor, daily, seeded, cold = [], [], [], []
    for i in range(opts.repeat):
        env["QUIZGEN_HOME"] = tempfile.mkdtemp(prefix="quizgen-bench-quiz-")
        floor.append(floor_run(env))
        daily.append(quiz_run(dict(env, QUIZGEN_CACHE_DIR=daily_cache), ["-n", "10"]))
        seeded.append(quiz_run(dict(env, QUIZGEN_CACHE_DIR=daily_cache), args))
        fresh = tempfile.mkdtemp(prefix="quizgen-bench-cold-")
        shutil.copytree(os.path.join(daily_cache, "families"), os.path.join(fresh, "families"))
        cold.append(quiz_run(dict(env, QUIZGEN_CACHE_DIR=fresh), args))

    def med(runs, k):
        return statistics.median(r[k] for r in runs)

    print(f"measured through a pty, {opts.repeat} interleaved rounds")
    print(f"{'':52}{'wall s':>8}{'CPU s':>8}   (medians; quiz CPU: to its exit)")
    rows = [('floor: python -c "import sympy"', floor),
            ("(a) quiz -n 10, after an earlier quiz", daily),
            (f"(b) quiz {' '.join(args)}, run before", seeded),
            (f"(c) quiz {' '.join(args)}, nothing kept", cold)]
    for name, runs in rows:
        print(f"  {name:50}{med(runs, 0):8.2f}{med(runs, 1):8.2f}")
    for name, runs in rows[1:]:
        print(f"  ratio {name[:3]} first prompt / floor: wall {med(runs, 0) / med(floor, 0):.2f}   (target <= 1.3)")
    print(f"  machine load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
