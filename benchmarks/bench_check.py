"""Benchmark: answer-checking time in process over bank problems (right and wrong answers), and batch throughput.

Run: python benchmarks/bench_check.py [N_PROBLEMS]   (not a test: prints figures, asserts nothing)

Every problem is checked as a student would meet it: first its key (the very first check of a problem pays for
the sample points and, on a wrong answer, the mistake variants), then other right forms, then wrong answers —
each typical-mistake variant and one arbitrary wrong answer. Targets: median ≤ 10 ms, p99 ≤ 200 ms.
"""

import statistics
import sys
import time


def answers_for(p):
    """(kind, text) pairs: right answers in a few forms, the mistake variants, and one arbitrary wrong answer."""
    import sympy as sp

    from quizgen.mistakes import mistake_variants
    from quizgen.printing import to_text

    right = [p.answer_text, str(p.answer).replace("**", "^").replace("E", "e")]
    if sp.count_ops(p.answer) < 40:
        right.append(to_text(sp.expand(p.answer)))
    wrong = [to_text(w) for _, w in mistake_variants(p.expr, p.var, p.answer)]
    wrong.append(to_text(p.answer + p.var))
    return [("right", t) for t in right] + [("wrong", t) for t in wrong]


def in_process(n: int, seed: int = 7):
    from sympy.core.cache import clear_cache

    from quizgen import checker as C
    from quizgen import form as F
    from quizgen import mistakes as M
    from quizgen import numeric as N
    from quizgen.checker import check_answer
    from quizgen.errors import ParseError
    from quizgen.problems import generate_set

    problems = generate_set(n, seed=seed).problems
    # Build every answer text first (that uses the same caches), then start the clock from empty caches.
    plan = [(p, answers_for(p)) for p in problems]
    clear_cache()
    for f in (N._frame, N._compile_cached, F._key_forms, C._problem, M._raw_variants, M._details,
              getattr(M, "_pair_details", None)):
        if f is not None:
            f.cache_clear()
    times = {"right": [], "wrong": []}
    first = []
    unreadable = 0
    for p, answers in plan:
        for i, (kind, text) in enumerate(answers):
            t0 = time.perf_counter()
            try:
                v = check_answer(p.expr, text, p.variable, expected=p.answer)
            except ParseError:
                unreadable += 1
                continue
            dt = time.perf_counter() - t0
            times[kind].append(dt)
            if i == 0:
                first.append(dt)
            if v.correct != (kind == "right"):
                print(f"  ! {kind} answer judged {v.correct}: {p.question_text} | {text}")
    return times, first, unreadable


def batch(n: int, seed: int = 11):
    from quizgen.batch import grade_batch
    from quizgen.problems import generate_set

    lines = []
    for i, p in enumerate(generate_set(n, seed=seed).problems):
        q = p.question_text
        lines.append(f"{q}\t{p.answer_text}")
        lines.append(f"{q}\t{p.answer_text} + 1")
        if i % 5 == 0:
            lines.append(f"{q}\t{p.answer_text} +")  # unreadable
    t0 = time.perf_counter()
    rows = list(grade_batch(lines))
    dt = time.perf_counter() - t0
    errors = sum("error" in r for r in rows)
    return len(rows), errors, dt


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    times, first, unreadable = in_process(n)
    allt = times["right"] + times["wrong"]
    ms = 1000
    print(f"checks over {n} bank problems (all topics and difficulties): {len(allt)} answers "
          f"({len(times['right'])} right, {len(times['wrong'])} wrong; {unreadable} printed forms unreadable)")
    for label, xs in (("all", allt), ("right", times["right"]), ("wrong", times["wrong"]),
                      ("first check of a problem", first)):
        print(f"  {label:26} median {statistics.median(xs) * ms:6.2f} ms   p99 {pct(xs, 0.99) * ms:7.2f} ms   "
              f"max {max(xs) * ms:7.2f} ms")
    rows, errors, dt = batch(n)
    print(f"batch: {rows} rows ({errors} unreadable) in {dt:.2f} s = {rows / dt:.0f} rows/s "
          "(in process; `quizgen check --batch` adds one interpreter start)")


if __name__ == "__main__":
    main()
