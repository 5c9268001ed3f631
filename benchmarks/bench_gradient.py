"""Benchmark: checking a gradient in process (issue 11): right answers in several forms and typical wrong ones.

Run: python benchmarks/bench_gradient.py [N_PROBLEMS]   (not a test: prints figures, asserts nothing)

Problems are the gradient bank's (seeded), each checked as a student meets it: the key first (that pays for the
sample points of the plane), then the key typed as <…>, as [ … ], with i and j, the components swapped, one
component wrong by a typical mistake, and an arbitrary wrong vector. Target: median ≤ 10 ms.
"""

import statistics
import sys
import time


def answers_for(p):
    from quizgen.asks.gradient import variants
    from quizgen.asks.several import vector_text

    comps = [c for c in p.answer]
    inner = vector_text(comps)[1:-1]
    right = [p.answer_text, f"<{inner}>", f"[{inner}]"]
    if len(comps) == 2:
        right.append(" + ".join(f"({c}) {u}" for c, u in zip(inner.split(", "), "ij")))
    wrong = [vector_text(list(v.wrong)) for v in variants(p)[:4]]
    wrong.append(vector_text([c + 1 for c in comps]))
    return [("right", t) for t in right] + [("wrong", t) for t in wrong]


def main(n: int = 30, seed: int = 5):
    from sympy.core.cache import clear_cache

    from quizgen import numeric as N
    from quizgen.checker import check_problem
    from quizgen.problems import generate_set

    problems = generate_set(n, topics=["gradient"], seed=seed).problems
    plan = [(p, answers_for(p)) for p in problems]
    clear_cache()
    N._frame.cache_clear()
    N._compile_cached.cache_clear()
    times = {"right": [], "wrong": []}
    first = []
    for p, answers in plan:
        for i, (kind, text) in enumerate(answers):
            t0 = time.perf_counter()
            v = check_problem(p, text)
            dt = time.perf_counter() - t0
            times[kind].append(dt)
            if i == 0:
                first.append(dt)
            if v.correct != (kind == "right"):
                print(f"  ! {kind} answer judged {v.correct}: {p.question_text} | {text} | {v.feedback}")
    every = times["right"] + times["wrong"]
    q = statistics.quantiles(every, n=100)
    print(f"gradient checks in process: {len(every)} checks over {len(problems)} problems")
    print(f"  all:   median {statistics.median(every) * 1e3:.1f} ms, p90 {q[89] * 1e3:.1f} ms, "
          f"p99 {q[98] * 1e3:.1f} ms, max {max(every) * 1e3:.1f} ms")
    for kind in ("right", "wrong"):
        print(f"  {kind}: median {statistics.median(times[kind]) * 1e3:.1f} ms ({len(times[kind])} checks)")
    print(f"  first check of a problem: median {statistics.median(first) * 1e3:.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
