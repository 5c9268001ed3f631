"""Benchmark: `quizgen exam` with 30 versions x 12 questions (papers, keys, combined PDF) against 1 version.

Run: python benchmarks/bench_exam.py [--repeat 1] [--jobs J] [--steps]   (not a test: prints figures, asserts nothing)

Every timed run is a fresh `quizgen exam` process (imports included) writing PDFs into a new folder. "cold" starts
from an empty formula cache, "warm" reuses the cache the cold run of the same size filled. CPU is user+system of
the run and its worker processes; with other work on the machine, wall times vary more than CPU times.
Target (issue 6): wall(30 versions) / wall(1 version) <= 12 on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPEC = """\
title = "Benchmark — 12 questions"
instructions = "Differentiate."
seed = 77
steps = {steps}

[[section]]
topic = "power"
count = 3
difficulty = 1
points = 2
kind = "free"

[[section]]
topic = "chain"
count = 3
difficulty = 2
points = 4
kind = "choice"

[[section]]
topic = "product"
count = 3
difficulty = 2
points = 3
kind = "value"

[[section]]
topic = "quotient"
count = 3
difficulty = 2
points = 3
kind = "free"
"""


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(spec: Path, versions: int, cache: Path, jobs: int | None) -> tuple[float, float]:
    out = Path(tempfile.mkdtemp(prefix="bench-exam-out-"))
    cmd = [sys.executable, "-m", "quizgen.cli", "exam", str(spec), "-o", str(out), "--versions", str(versions)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    env = dict(os.environ, QUIZGEN_CACHE_DIR=str(cache))
    cpu0 = _children_cpu()
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    wall = time.perf_counter() - t0
    cpu = _children_cpu() - cpu0
    n_pdf = len(list(out.glob("*.pdf")))
    assert n_pdf == 2 * versions + 1, n_pdf
    shutil.rmtree(out)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--steps", action="store_true", help="keys with worked steps")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-exam-"))
    spec = work / "bench.toml"
    spec.write_text(SPEC.format(steps="true" if args.steps else "false"), encoding="utf-8")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"cores: {cores}, jobs: {args.jobs or 'default'}, steps in keys: {args.steps}, "
          f"load average before: {os.getloadavg()[0]:.2f}")
    results: dict[tuple[int, str], list[tuple[float, float]]] = {}
    for _ in range(args.repeat):
        for versions in (1, 30):
            cache = work / f"cache-{versions}"
            shutil.rmtree(cache, ignore_errors=True)
            for state in ("cold", "warm"):
                results.setdefault((versions, state), []).append(run(spec, versions, cache, args.jobs))
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in results.items()}
    for (versions, state), (wall, cpu) in sorted(med.items()):
        print(f"{versions:>2} version{'s' if versions > 1 else ' '} ({versions * 12:>3} questions, "
              f"{2 * versions + 1:>2} PDFs), {state} cache: wall {wall:6.2f} s, CPU {cpu:6.2f} s")
    for state in ("cold", "warm"):
        w1, c1 = med[(1, state)]
        w30, c30 = med[(30, state)]
        print(f"ratio 30/1, {state} cache: wall {w30 / w1:.1f} (target <= 12), CPU {c30 / c1:.1f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
