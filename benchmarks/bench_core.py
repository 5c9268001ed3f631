"""Benchmark: 1,000 problems with keys and steps vs bare sympy.diff + str; `quizgen --help` cold start.

Run: python benchmarks/bench_core.py   (not a test: prints figures, asserts nothing)
"""

import statistics
import subprocess
import sys
import time


def generation(n: int = 1000, seed: int = 1):
    import sympy as sp

    from quizgen.bank import load_bank
    from quizgen.problems import generate_set
    from quizgen.mathparse import symbol

    from sympy.core.cache import clear_cache

    bank = load_bank()
    clear_cache()  # both phases start from SymPy's empty cache, or the second would reuse the first's work
    t0, c0 = time.perf_counter(), time.process_time()
    problems = []
    # 500 is the per-set limit; two sets of 500 make the 1,000.
    for k in range(n // 500):
        ps = generate_set(500, seed=seed + k, bank=bank)
        for p in ps.problems:
            p.steps  # noqa: B018  (steps are part of the work measured)
        problems.extend(ps.problems)
    full, full_cpu = time.perf_counter() - t0, time.process_time() - c0
    x = symbol("x")
    exprs = [p.expr for p in problems]
    clear_cache()
    t0, c0 = time.perf_counter(), time.process_time()
    for e in exprs:
        str(sp.diff(e, x))
    bare, bare_cpu = time.perf_counter() - t0, time.process_time() - c0
    return full, bare, full_cpu, bare_cpu


def help_cold(runs: int = 7):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "quizgen.cli", "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


if __name__ == "__main__":
    import os

    full, bare, full_cpu, bare_cpu = generation()
    print(f"(a) 1,000 problems with keys and steps: {full:.2f} s ({full_cpu:.2f} s CPU); bare sympy.diff + str: "
          f"{bare:.2f} s ({bare_cpu:.2f} s CPU); ratio {full / bare:.2f} wall, {full_cpu / bare_cpu:.2f} CPU "
          f"(target <= 2.5); load {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"(b) quizgen --help cold start, median of 7: {help_cold():.3f} s (target < 0.3 s)")
