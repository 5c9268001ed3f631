"""Wall-clock budgets: `with Budget(2.0) as b:` ends the block when its time is up, wherever it is (b.expired).

In the main thread the budget is hard: an interval timer (ITIMER_REAL) raises OutOfTime between two Python
bytecodes, so a SymPy rewrite that would run for a minute stops on time. SymPy is pure Python, so that is as
good as killing a child process, at a few microseconds instead of a fork per check (and the caches — sample
points, parsed problems, mistake variants — stay in this process for the next answer). Elsewhere (other
threads) Python cannot interrupt a thread, so the budget is cooperative: `check()` and `remaining()` at the
points our own code loops. A single C call (one huge integer product) is not interrupted either; the parser's
size limits keep those short.

Budgets nest: an inner one never outlasts the outer (the outer's time bounds both), and when time is up the
outermost expired budget is the one that ends. A timer or SIGALRM handler installed by the host program is put
back afterwards (its alarm delayed by at most the budget). Do not yield (in a generator) inside a budget.
"""

from __future__ import annotations

import signal
import sys
import threading
import time

__all__ = ["Budget", "OutOfTime", "check", "remaining"]


class OutOfTime(BaseException):
    """A budget's time is up. A BaseException, so `except Exception` around a SymPy rewrite cannot swallow it."""

    def __init__(self, budget: "Budget"):
        super().__init__(f"out of time ({budget.seconds:g} s)")
        self.budget = budget


_local = threading.local()
_saved: dict = {}  # the host's SIGALRM handler and timer while our budgets run in the main thread
# While a budget's OutOfTime unwinds, the timer keeps running: if the exception was swallowed (a finalizer, a C
# callback), it is raised again after this long, not sooner (a second one during the unwinding would interrupt
# the `finally` blocks that put SymPy's global switches back).
_AGAIN = 0.05


def _stack() -> list:
    s = getattr(_local, "stack", None)
    if s is None:
        s = _local.stack = []
    return s


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")


def _on_alarm(signum, frame):
    f, depth = frame, 0
    while f is not None and depth < 3:
        if f.f_code in _OWN:  # entering or leaving a budget: the timer fires again shortly
            return
        f, depth = f.f_back, depth + 1
    stack = _stack()
    live = set()
    f = frame
    while f is not None:
        live.add(id(f))
        f = f.f_back
    # A budget whose `with` is no longer running missed its exit (an exception inside __exit__ itself): drop it.
    for i, b in enumerate(stack):
        if id(b._frame) not in live:
            del stack[i:]
            break
    if not any(b._hard for b in stack):
        signal.setitimer(signal.ITIMER_REAL, 0)
        _restore()
        return
    now = time.monotonic()
    for b in stack:  # outermost first
        if now >= b.deadline and now >= b._raised + _AGAIN:
            b.expired = True
            b._raised = now
            raise OutOfTime(b)
    _arm()


def _arm() -> None:
    stack = _stack()
    if stack:
        left = max(1e-4, min(b.deadline for b in stack) - time.monotonic())
        signal.setitimer(signal.ITIMER_REAL, left, _AGAIN)


class Budget:
    """A block of work that ends after `seconds` (None: no limit of its own, only the enclosing budget's)."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.expired = False
        self.deadline = float("inf")
        self._hard = False
        self._raised = float("-inf")
        self._frame = None

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def __enter__(self) -> "Budget":
        stack = _stack()
        now = time.monotonic()
        self._frame = sys._getframe(1)
        self.deadline = now + self.seconds if self.seconds is not None else float("inf")
        if stack:
            self.deadline = min(self.deadline, stack[-1].deadline)
        self._hard = _main_thread() and self.deadline != float("inf")
        if self._hard and not any(b._hard for b in stack):
            try:
                old_handler = signal.signal(signal.SIGALRM, _on_alarm)
            except ValueError:  # not the main interpreter's main thread after all
                self._hard = False
            else:
                old_timer = signal.setitimer(signal.ITIMER_REAL, 0)
                _saved.update(handler=old_handler, timer=old_timer, since=now)
        stack.append(self)
        if self._hard:
            _arm()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        stack = _stack()
        if self in stack:  # with whatever inner budget an OutOfTime cut short before its own exit ran
            del stack[stack.index(self):]
        if self._hard:
            if any(b._hard for b in stack):
                _arm()
            else:
                signal.setitimer(signal.ITIMER_REAL, 0)
                _restore()
        self._frame = None
        if self.expired:
            _sympy_defaults()
        if exc_type is OutOfTime and exc.budget is self:
            self.expired = True
            return True
        return False


def _restore() -> None:
    if not _saved:
        return
    handler = _saved.pop("handler", None)
    timer = _saved.pop("timer", (0.0, 0.0))
    since = _saved.pop("since", time.monotonic())
    signal.signal(signal.SIGALRM, handler if handler is not None else signal.SIG_DFL)
    delay, interval = timer
    if delay > 0:  # the host's alarm, later by the time we held the timer, but never lost
        signal.setitimer(signal.ITIMER_REAL, max(1e-4, delay - (time.monotonic() - since)), interval)


def _sympy_defaults() -> None:
    """SymPy's global switches back to their defaults: an OutOfTime that lands inside the `finally` of
    `with evaluate(False):` would otherwise leave every later expression unevaluated."""
    params = getattr(sys.modules.get("sympy.core.parameters"), "global_parameters", None)
    if params is not None:
        params.evaluate = True
        params.distribute = True
        params.exp_is_pow = False


_OWN = {Budget.__enter__.__code__, Budget.__exit__.__code__, _arm.__code__, _restore.__code__,
        _sympy_defaults.__code__}


def remaining() -> float:
    """Seconds left in the innermost budget (infinity when none is running)."""
    stack = _stack()
    return stack[-1].remaining() if stack else float("inf")


def check() -> None:
    """OutOfTime if the outermost expired budget's time is up (the cooperative check, for any thread)."""
    now = time.monotonic()
    for b in _stack():
        if now >= b.deadline:
            b.expired = True
            raise OutOfTime(b)
