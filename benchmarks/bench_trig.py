"""Benchmark: correct trig answers that once took 53 s are decided, each from cold caches, and how long that takes.

Run: python benchmarks/bench_trig.py [REPEATS]   (not a test: prints figures, asserts nothing)

Target (issue 15): each decided correctly in ≤ 200 ms. The floor, measured in the same run, is a check of a
polynomial key (x³ answered 3x²) from the same cold caches: the ratio says what trig costs beyond any check.
"""

import statistics
import sys
import time

ANSWERS = [
    ("tan(3x^2+40x)", "(6x+40)(1+tan(3x^2+40x)^2)"),
    ("tan(3x^2+40x)", "(6x+40)sec(3x^2+40x)^2"),
    ("tan(5x^3-7x)", "(15x^2-7)(tan(5x^3-7x)^2+1)"),
    ("tan(x^2+40x)^3", "3tan(x^2+40x)^2 (1+tan(x^2+40x)^2)(2x+40)"),
    ("sin(30x)cos(40x)", "30cos(30x)cos(40x) - 40sin(30x)sin(40x)"),
    ("cot(12x^2+50x)", "-(24x+50)(1+cot(12x^2+50x)^2)"),
    ("sec(25x)", "25 sec(25x) tan(25x)"),
]
FLOOR = ("x^3", "3x^2")


def cold_check(problem, answer):
    from sympy.core.cache import clear_cache

    from quizgen import checker, numeric
    from quizgen.checker import check_text

    clear_cache()
    checker._problem.cache_clear()
    numeric._frame.cache_clear()
    t0 = time.perf_counter()
    v = check_text(problem, answer, budget=10.0)
    return time.perf_counter() - t0, v


def main(repeats: int = 5):
    from quizgen.checker import check_text

    check_text(*FLOOR)  # imports: start-up, not deciding
    rows = []
    for problem, answer in ANSWERS:
        times, floors, ok = [], [], True
        for _ in range(repeats):  # interleaved: the floor and the answer under the same load
            floors.append(cold_check(*FLOOR)[0])
            dt, v = cold_check(problem, answer)
            times.append(dt)
            ok = ok and v.decided and v.correct
        rows.append((problem, answer, statistics.median(times), statistics.median(floors), ok))
    print(f"{'problem':<20} {'answer':<45} {'median':>9} {'floor':>8} {'ratio':>6}  verdict")
    for problem, answer, t, f, ok in rows:
        print(f"{problem:<20} {answer:<45} {t * 1000:7.1f}ms {f * 1000:6.1f}ms {t / f:6.1f}  "
              f"{'correct' if ok else 'NOT DECIDED CORRECT'}")
    worst = max(r[2] for r in rows)
    print(f"slowest median {worst * 1000:.1f} ms (target ≤ 200 ms); all decided correct: {all(r[4] for r in rows)}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
