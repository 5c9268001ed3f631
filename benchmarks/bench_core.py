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
    t0 = time.perf_counter()
    problems = []
    # 500 is the per-set limit; two sets of 500 make the 1,000.
    for k in range(n // 500):
        ps = generate_set(500, seed=seed + k, bank=bank)
        for p in ps.problems:
            p.steps  # noqa: B018  (steps are part of the work measured)
        problems.extend(ps.problems)
    full = time.perf_counter() - t0
    x = symbol("x")
    exprs = [p.expr for p in problems]
    clear_cache()
    t0 = time.perf_counter()
    for e in exprs:
        str(sp.diff(e, x))
    bare = time.perf_counter() - t0
    return full, bare


def help_cold(runs: int = 7):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "quizgen.cli", "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


if __name__ == "__main__":
    full, bare = generation()
    print(f"(a) 1,000 problems with keys and steps: {full:.2f} s; bare sympy.diff + str: {bare:.2f} s; "
          f"ratio {full / bare:.2f} (target <= 3)")
    print(f"(b) quizgen --help cold start, median of 7: {help_cold():.3f} s (target < 0.3 s)")
