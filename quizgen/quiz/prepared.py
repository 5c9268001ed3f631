"""A quiz set drawn in a background thread, whose first question can be on screen before SymPy is imported."""

from __future__ import annotations

import threading

from ..util.seq import OnDemand

# Background imports under way (counted from before their thread starts). Two threads importing the same modules
# at once can meet a cycle among them and see a module half-initialised, so the quiz's live "read as" line does not
# parse (which imports the parser and SymPy) while one runs.
_busy = [0]
_busy_lock = threading.Lock()


def importing() -> bool:
    """True while a prepared quiz imports SymPy and quizgen's checking modules in the background."""
    return _busy[0] > 0


def _count(k: int) -> None:
    with _busy_lock:
        _busy[0] += k


class PreparedProblems(OnDemand):
    """The n problems of a quiz, from `make()` (a lazy set's problems, built in a background thread once `resume()`
    is called: importing SymPy and drawing take place while the student reads). `first` is the first question's
    view when it was kept (quizgen.setcache), shown by the session before any problem exists; `after(problem)`
    runs in that thread once the first problem is drawn (keeping its view, preparing the next quiz)."""

    def __init__(self, n: int, make, *, asks=None, first: dict | None = None, after=None):
        self._n = n
        self._make = make
        self._first = first
        self._after = after
        self.asks = frozenset(asks) if asks is not None else None
        self._problems = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def preview(self, i: int) -> dict | None:
        """The kept view of question i (only the first is ever kept), or None."""
        return self._first if i == 0 else None

    def resume(self) -> None:
        with self._lock:
            if self._thread is None:
                _count(1)
                self._thread = threading.Thread(target=self._work, name="quizgen-prepare", daemon=True)
                self._thread.start()

    def _work(self) -> None:
        try:
            problems = self._make()
            first = problems[0]
            self._problems = problems
        except BaseException as err:  # noqa: BLE001 — raised again in the reader's thread by __getitem__
            self._error = err
            self._ready.set()
            _count(-1)
            return
        self._ready.set()
        try:
            import quizgen.checker  # noqa: F401 — what grading an answer imports (the reader may import it too)
        except BaseException:  # noqa: BLE001 — the reader's own import then says what is wrong
            pass
        finally:
            _count(-1)
        resume = getattr(problems, "resume", None)
        if resume is not None:
            resume()  # the rest of this quiz, in the lazy set's own thread, before the next quiz is prepared
        if self._after is not None:
            try:
                self._after(first)
            except Exception:  # noqa: BLE001 — keeping a view or the next seed only ever costs speed
                pass
        try:
            problems[self._n - 1]  # the rest, while the student types (an error is raised to whoever asks)
        except BaseException:  # noqa: BLE001
            pass

    def join(self, timeout: float) -> None:
        """Give the background work up to `timeout` s to finish (the next quiz's seed is written there)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _get(self, i: int):
        self.resume()
        self._ready.wait()
        if self._error is not None:
            raise self._error
        return self._problems[i]


class PreparedSet:
    """A problem set as the quiz and the history see it: seed, options and the PreparedProblems."""

    def __init__(self, seed: int, options: dict, problems: PreparedProblems):
        self.seed = seed
        self.options = options
        self.problems = problems
