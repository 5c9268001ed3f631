"""Benchmark: 1,000 problems with keys and steps vs bare sympy.diff + str; `quizgen --help` cold start.

Run: python benchmarks/bench_core.py [rounds]   (not a test: prints figures, asserts nothing)

Rounds interleave the two phases (A B A B ...) and the ratio is the median of the rounds' ratios, so a machine
whose speed drifts (a noisy neighbour) moves both sides alike. Each phase starts from SymPy's empty cache, and the
bare phase differentiates fresh copies of the functions (unpickled), not the objects the full phase already asked
about, which keep what SymPy learnt of them (their assumptions) whatever the cache. Each round draws other
seeds, so quizgen's own caches (printed forms, steps) never see a function twice; a warm-up set of 20 first
imports the modules a run loads on first use.
"""

import pickle
import statistics
import subprocess
import sys
import time


def generation(n: int = 1000, seed: int = 1, bank=None):
    """(full wall, full CPU, the functions pickled): n problems with keys and steps, from an empty cache."""
    from sympy.core.cache import clear_cache

    import quizgen.problems as problems

    problems._STEPS_CACHE.clear()  # steps are cached by problem id: a later round would get them for free
    clear_cache()
    t0, c0 = time.perf_counter(), time.process_time()
    out = []
    # 500 is the per-set limit; two sets of 500 make the 1,000.
    size = min(n, 500)
    for k in range(n // size):
        ps = problems.generate_set(size, seed=seed + k, bank=bank)
        for p in ps.problems:
            p.steps  # noqa: B018  (steps are part of the work measured)
        out.extend(ps.problems)
    full, full_cpu = time.perf_counter() - t0, time.process_time() - c0
    return full, full_cpu, pickle.dumps([(p.expr, p.variable) for p in out])


def bare(blob):
    """(wall, CPU) of sympy.diff + str over fresh copies of the same functions, from an empty cache."""
    import sympy as sp
    from sympy.core.cache import clear_cache

    from quizgen.mathparse import symbol

    exprs = pickle.loads(blob)
    clear_cache()
    t0, c0 = time.perf_counter(), time.process_time()
    for e, v in exprs:
        str(sp.diff(e, symbol(v)))
    return time.perf_counter() - t0, time.process_time() - c0


def help_cold(runs: int = 7):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "quizgen.cli", "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


if __name__ == "__main__":
    import os

    from quizgen.bank import load_bank

    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    bank = load_bank()
    generation(20, seed=10_000, bank=bank)  # warm-up
    rows = []
    for r in range(rounds):
        full, full_cpu, blob = generation(seed=1 + 2 * r, bank=bank)
        b, b_cpu = bare(blob)
        rows.append((full, full_cpu, b, b_cpu))
        print(f"    round {r + 1}: full {full:.2f} s ({full_cpu:.2f} CPU), bare {b:.2f} s ({b_cpu:.2f} CPU), "
              f"ratio {full / b:.2f}", flush=True)
    med = lambda i: statistics.median(row[i] for row in rows)  # noqa: E731
    ratio = statistics.median(row[0] / row[2] for row in rows)
    ratio_cpu = statistics.median(row[1] / row[3] for row in rows)
    print(f"(a) 1,000 problems with keys and steps: {med(0):.2f} s ({med(1):.2f} s CPU); bare sympy.diff + str: "
          f"{med(2):.2f} s ({med(3):.2f} s CPU); ratio {ratio:.2f} wall, {ratio_cpu:.2f} CPU, median of {rounds} "
          f"interleaved rounds (target <= 2.5); load {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"(b) quizgen --help cold start, median of 7: {help_cold():.3f} s (target < 0.3 s)")
