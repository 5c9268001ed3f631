"""Time budgets: every check and solve ends within the budget its caller gives, with a clear "could not decide in
time" verdict when it must; correct trig answers are decided, and wrong ones never accepted, well inside it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from quizgen.checker import check_text
from quizgen.cli import main
from quizgen.util.budget import Budget, OutOfTime, check

pytestmark = pytest.mark.timeout(60)


def _spin():
    while True:
        pass


# ---------------------------------------------------------------- the budget itself

def test_budget_stops_a_runaway_loop_and_says_so():
    with Budget(0.2) as b:
        _spin()
    assert b.expired


def test_budget_is_not_swallowed_by_except_exception():
    with Budget(0.2) as b:
        while True:
            try:
                _spin()
            except Exception:  # what our rewrites and SymPy do around work that may fail
                pass
    assert b.expired


def test_inner_budget_ends_first_and_the_outer_goes_on():
    with Budget(30) as outer:
        with Budget(0.1) as inner:
            _spin()
        after = "ran"
    assert inner.expired and not outer.expired and after == "ran"


def test_an_inner_budget_never_outlasts_the_outer():
    reached = []
    with Budget(0.2) as outer:
        with Budget(30) as inner:
            _spin()
        reached.append("after inner")  # the outer's time is up: this must not run
    assert outer.expired and not reached and not inner.expired


def test_the_hosts_alarm_and_handler_are_put_back():
    fired = []
    old = signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with Budget(0.05) as b:
            _spin()
        assert b.expired and not fired
        assert signal.getsignal(signal.SIGALRM) is not None and 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 0.5
        deadline = time.monotonic() + 5
        while not fired and time.monotonic() < deadline:
            time.sleep(0.01)
        assert fired == [1]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_outside_the_main_thread_the_budget_is_cooperative():
    out = {}

    def work():
        with Budget(0.1) as b:
            while True:
                check()
        out["expired"] = b.expired

    t = threading.Thread(target=work)
    t.start()
    t.join(10)
    assert out == {"expired": True}


def test_a_budget_whose_exit_never_ran_is_dropped():
    """An exception inside __exit__ itself would leave a budget behind, its timer firing forever after."""
    before = signal.getsignal(signal.SIGALRM)

    def leave_open():
        Budget(0.05).__enter__()

    leave_open()
    time.sleep(0.3)  # the timer fires meanwhile and finds the budget's block gone
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) == before
    with Budget(5) as b:
        pass
    assert not b.expired


def test_sympy_switches_are_put_back_after_time_runs_out():
    import sympy as sp
    from sympy.core.parameters import global_parameters

    with Budget(0.1) as b:
        global_parameters.evaluate = False  # as if the `finally` of `with evaluate(False)` had been cut short
        _spin()
    assert b.expired and global_parameters.evaluate is True
    assert sp.Integer(1) + 1 == 2


def test_out_of_time_is_a_base_exception():
    assert not issubclass(OutOfTime, Exception)


# ---------------------------------------------------------------- checking answers

TRIG_RIGHT = [
    ("tan(3x^2+40x)", "(6x+40)(1+tan(3x^2+40x)^2)"),  # the issue's 53 s answer
    ("tan(3x^2+40x)", "(6x+40)sec(3x^2+40x)^2"),
    ("tan(5x^3-7x)", "(15x^2-7)(tan(5x^3-7x)^2+1)"),
    ("tan(x^2+40x)^3", "3tan(x^2+40x)^2 (1+tan(x^2+40x)^2)(2x+40)"),
    ("sin(30x)cos(40x)", "30cos(30x)cos(40x) - 40sin(30x)sin(40x)"),
    ("cot(12x^2+50x)", "-(24x+50)(1+cot(12x^2+50x)^2)"),
    ("sec(25x)", "25 sec(25x) tan(25x)"),
]
TRIG_WRONG = [
    ("tan(3x^2+40x)", "(6x+40)(1+tan(3x^2+40x)^2) + 10^(-30)"),
    ("tan(3x^2+40x)", "(6x+40)(1-tan(3x^2+40x)^2)"),
    ("tan(3x^2+40x)", "(6x+41)(1+tan(3x^2+40x)^2)"),
    ("sin(30x)cos(40x)", "30cos(30x)cos(40x) + 40sin(30x)sin(40x)"),
    # Zero at every dyadic point m/2^24 (and at any dyadic point of a finer grid): numbers alone at those
    # points would call it equal.
    ("tan(3x^2+40x)", "(6x+40)(1+tan(3x^2+40x)^2) + sin(16777216 pi x)"),
    ("x^2", "2x + sin(2^30 pi x)/10^40"),
]


@pytest.fixture(scope="module")
def warm():
    """The first check of a process imports the checker's modules: that is start-up, not deciding."""
    check_text("x^3", "3x^2")


@pytest.mark.parametrize("problem,answer", TRIG_RIGHT)
def test_correct_trig_answers_are_decided_within_the_default_budget(problem, answer, warm):
    from sympy.core.cache import clear_cache

    from quizgen import checker, numeric

    # From cold caches, inside the default 2 s: the 53 s symbolic expansion this guards against fails it at any
    # load. The 200 ms figure is measured by benchmarks/bench_check.py (a wall-clock limit here failed on a
    # machine running eight other jobs: no timed assertions in tests).
    clear_cache()
    checker._problem.cache_clear()
    numeric._frame.cache_clear()
    v = check_text(problem, answer)
    assert (v.decided, v.correct, v.equivalence) == (True, True, "equal"), v.feedback


@pytest.mark.parametrize("problem,answer", TRIG_WRONG)
def test_wrong_trig_answers_are_never_accepted(problem, answer):
    v = check_text(problem, answer, budget=2.0)
    assert v.correct is False and v.equivalence == "different", v.feedback


def test_out_of_time_is_its_own_verdict(monkeypatch):
    import quizgen.equiv as equiv

    monkeypatch.setattr(equiv, "compare", lambda *a, **k: _spin())
    v = check_text("x^2", "2x", budget=0.3)
    assert (v.correct, v.equivalence, v.mistake, v.decided) == (False, "timeout", None, False)
    assert v.feedback == ("quizgen could not decide in time (0.3 s) whether this equals the derivative; "
                          "the expected answer is 2x.")
    assert v.to_json()["decided"] is False
    monkeypatch.undo()
    assert "decided" not in check_text("x^2", "2x").to_json()  # decided rows keep exactly their keys


def test_cli_check_out_of_time_exits_3(monkeypatch):
    import quizgen.equiv as equiv

    monkeypatch.setattr(equiv, "compare", lambda *a, **k: _spin())
    r = CliRunner().invoke(main, ["check", "--time-limit", "0.3", "x^2", "2x"])
    assert r.exit_code == 3, r.output
    assert r.output.splitlines()[0] == "undecided"
    assert "could not decide in time (0.3 s)" in r.output
    r = CliRunner().invoke(main, ["check", "--format", "json", "--time-limit", "0.3", "x^2", "2x"])
    assert r.exit_code == 3 and json.loads(r.output)["decided"] is False


def test_batch_rows_have_their_own_budget(monkeypatch):
    import quizgen.equiv as equiv
    from quizgen.batch import grade_batch

    real = equiv.compare
    monkeypatch.setattr(equiv, "compare", lambda e, a, *r, **k: _spin() if a.has(__import__("sympy").sin) else
                        real(e, a, *r, **k))
    rows = list(grade_batch(["x^2\t2x", "x^2\tsin(x)", "x^3\t3x^2"], budget=0.3))
    assert [(r["correct"], r.get("decided", True)) for r in rows] == [(True, True), (False, False), (True, True)]


@pytest.mark.timeout(120)
def test_issue_command_is_correct_and_quick_in_a_real_process():
    """The issue's command, as a student's grader runs it (a fresh process and SymPy cache)."""
    r = subprocess.run([sys.executable, "-m", "quizgen.cli", "check", "tan(3x^2+40x)", "(6x+40)(1+tan(3x^2+40x)^2)"],
                       capture_output=True, text=True, timeout=100)
    assert r.returncode == 0 and r.stdout.startswith("correct"), r.stdout + r.stderr


# ---------------------------------------------------------------- solving

def test_step_self_check_algebra_is_bounded(monkeypatch):
    """The tracer's self-check fell back to unbounded simplify when the numbers could not settle it."""
    import sympy as sp

    from quizgen import steps
    from quizgen.mathparse import symbol
    from quizgen.numeric import Tally

    x = symbol("x")

    class Silent:  # a frame whose points settle nothing, as when every value is too big to compute
        points = []

        def tally(self, *a, **k):
            return Tally()

    monkeypatch.setattr(steps, "frame_for", lambda *a: Silent())
    monkeypatch.setattr(sp, "simplify", lambda e, *a, **k: _spin())
    steps._check(sp.sin(x) ** 2 + sp.cos(x) ** 2, sp.Integer(1), x, sp.sin(x))  # returns: nothing proven wrong


def test_solve_out_of_time_is_a_clear_error(monkeypatch):
    from quizgen import solver
    from quizgen.errors import TimeLimitError

    monkeypatch.setattr(solver, "trace", lambda *a, **k: _spin())
    with pytest.raises(TimeLimitError) as err:
        solver.solve("sin(x)cos(x)e^(1000000x)", budget=0.3)
    assert str(err.value) == "could not finish 'sin(x)cos(x)e^(1000000x)' within the time limit (0.3 s)"
    r = CliRunner().invoke(main, ["solve", "--time-limit", "0.3", "sin(x)e^(1000000x)"])
    assert r.exit_code == 3
    assert r.output == "error: could not finish 'sin(x)e^(1000000x)' within the time limit (0.3 s)\n"


@pytest.mark.parametrize("text", ["sin(x)cos(2x)tan(3x)sec(4x)e^(1000000x)", "sin(x)^3 cos(x)^2 tan(x) e^(10^6 x)",
                                  "sin(x)cos(x)tan(x)sec(x)csc(x)cot(x)e^(10⁶x)"])
def test_solve_trig_products_times_a_huge_exponential(text):
    import sympy as sp

    from quizgen.equiv import equivalent
    from quizgen.solver import solve

    r = solve(text, budget=2.0)
    x = r.expr.free_symbols.pop()
    assert equivalent(sp.diff(r.expr, x), r.derivative, x) == "equal"
