"""The one worker pool (fork_map), its CPU policy and fallback, and how a run and its workers end on a signal."""

from __future__ import annotations

import os
import signal
import sys

# Signals a worker must not see half-way through being forked, nor the parent while it forks.
_DEFERRED = (signal.SIGTERM, signal.SIGINT)
# How long a terminated run may spend cleaning up (temp files, workers) before the kernel ends it.
CLEANUP_GRACE = 5
_stopping = {"code": None}


def cpu_count() -> int:
    """Processes worth starting: the CPUs this process may run on (a container's share), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def resolve_jobs(jobs: int | None, tasks: int) -> int:
    """`jobs` as asked (None: one per CPU), never more than the tasks, at least 1."""
    n = cpu_count() if jobs is None else int(jobs)
    return max(1, min(n, tasks))


def worker_init(parent: int | None = None) -> None:
    """Run first in every worker: default signal handling whatever the parent installed, and death with the parent.

    A forked worker inherits the parent's handlers; with the CLI's SIGTERM handler a worker could catch the pool's
    terminate() and carry on. Workers leave Ctrl-C to the parent, which stops them.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    # The parent blocks these signals while it forks (see _start); a SIGTERM sent meanwhile is delivered now.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _DEFERRED)
    if parent is not None and os.getppid() != parent:
        os._exit(1)  # the parent died before the line above could take effect


def _die_with_parent() -> None:
    """On Linux, ask the kernel to kill this worker when its parent dies (kill -9 of a run leaves no orphans)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def message_queue():
    """A queue workers of a later fork_map can put short messages on (progress), or None when this system cannot
    make one (no fork, or no semaphores): run the tasks here then."""
    if not can_fork():
        return None
    import multiprocessing

    try:
        return multiprocessing.get_context("fork").Queue()
    except (OSError, PermissionError, NotImplementedError):
        return None


def fork_map(fn, tasks, jobs: int | None = 1, *, meanwhile=None, tick=None, tick_every: float = 0.1):
    """Results of fn over tasks, in completion order: in forked workers when jobs > 1, else in this process.

    `meanwhile` runs once in this process after the workers start (e.g. importing the PDF engine on the other
    core); `tick` runs every `tick_every` seconds while waiting. A pool that cannot start (no fork, no processes
    left, a sandbox without semaphores) falls back to running the tasks here: slower, same results, since every
    task carries its own seed. On any exception (Ctrl-C, SIGTERM, a task's error) the workers are killed.
    """
    tasks = list(tasks)
    n = resolve_jobs(jobs, len(tasks))
    pool = None
    if n > 1 and can_fork():
        pool, futures, mask = _start(fn, tasks, n)
    if pool is None:
        if meanwhile is not None:
            meanwhile()
        for t in tasks:
            _raise_if_stopping()
            yield fn(t)
        return
    from concurrent.futures import FIRST_COMPLETED, wait

    # The pool's own code (its locks, its manager thread) is shielded: a SIGTERM or Ctrl-C that arrives there is
    # raised just after, in this function, never half-way through concurrent.futures (a lock left held there made
    # the interpreter's exit wait for the manager thread forever).
    try:
        with _shielded():
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a SIGTERM that came while forking is recorded here
        _raise_if_stopping()
        if meanwhile is not None:
            meanwhile()
        pending = set(futures)
        while pending:
            with _shielded():
                done, pending = wait(pending, timeout=tick_every, return_when=FIRST_COMPLETED)
                if tick is not None:
                    tick()
                results = [fut.result() for fut in done]  # a task's own error is raised here
            _raise_if_stopping()
            yield from results
    except BaseException:
        with _shielded():
            _terminate(pool)
        raise
    finally:
        # Not cancel_futures: cancelling from this thread races the pool's own thread, which fails the futures
        # of dead workers and prints InvalidStateError on a cancelled one (Python 3.11).
        with _shielded():
            pool.shutdown(wait=True)
    _raise_if_stopping()


_shield = [0]


class _shielded:
    """While inside, exit_on_sigterm's handlers only record a SIGTERM or Ctrl-C (_raise_if_stopping raises it)."""

    def __enter__(self):
        _shield[0] += 1

    def __exit__(self, *exc):
        _shield[0] -= 1
        return False


def _start(fn, tasks, n):
    """(pool, futures, signal mask to restore) with every worker started; (None, [], None) if none could start.

    SIGTERM and SIGINT stay blocked on return, until the caller is inside the block that stops the workers: a
    Python handler raising inside os.fork()'s at-fork hooks is swallowed ("Exception ignored") and can leave a
    module lock (logging's) held, and one raising right after would leave the workers without anyone to stop them.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    mask = signal.pthread_sigmask(signal.SIG_BLOCK, _DEFERRED)
    try:
        pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"), initializer=worker_init,
                                   initargs=(os.getpid(),))
        # With fork, the first submit starts every worker, here in this thread (PR_SET_PDEATHSIG follows the
        # thread that forked: a helper thread's exit would kill the workers).
        futures = [pool.submit(fn, t) for t in tasks]
    except (OSError, PermissionError, NotImplementedError):
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        return None, [], None
    return pool, futures, mask


def _terminate(pool, grace: float = 1.0) -> None:
    """Stop workers now: SIGTERM (they restored SIG_DFL), then SIGKILL for any still there after `grace` s."""
    import time

    procs = list((getattr(pool, "_processes", None) or {}).values())
    for p in procs:
        try:
            p.terminate()
        except (OSError, AttributeError, ValueError):
            pass
    deadline = time.monotonic() + grace
    for p in procs:
        try:
            p.join(max(0.0, deadline - time.monotonic()))
            if p.exitcode is None:
                p.kill()
                p.join(grace)
        except (OSError, AttributeError, ValueError, AssertionError):
            pass


class exit_on_sigterm:
    """For the CLI, around a command's work: SIGTERM ends the run like Ctrl-C (SystemExit(code) unwinds, so temp
    files are removed), and the previous handler is back afterwards.

    Only the first SIGTERM counts: one arriving during that cleanup must not interrupt it half-way (a second
    exception in a `finally` can leave a pool or a lock behind). The cleanup is bounded all the same: CLEANUP_GRACE
    seconds after the first SIGTERM the kernel ends the process (SIGALRM, default action), and workers die with it.
    """

    def __init__(self, code: int = 143):
        self.code = code
        self.old = None

    def _handler(self, signum, frame):
        if _stopping["code"] is not None:
            return
        _stopping["code"] = self.code
        # Ignored from now on, by the kernel: Python puts SIG_DFL back for its own handlers while the interpreter
        # shuts down, and a second SIGTERM then would kill the process before its cleanup is done.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.alarm(CLEANUP_GRACE)
        if _shield[0]:
            return  # inside the pool's own code: fork_map raises it on the way out
        raise SystemExit(self.code)

    def _on_sigint(self, signum, frame):
        if _shield[0]:
            _stopping["interrupt"] = True
            return
        raise KeyboardInterrupt

    def _unraisable(self, unraisable):
        if isinstance(unraisable.exc_value, SystemExit) and _stopping["code"] is not None:
            # Our SystemExit, raised inside a finalizer (__del__), where Python prints and drops it: raise it
            # again at the next Python call, outside the finalizer.
            sys.settrace(_raise_stop)
            return
        self.old_hook(unraisable)

    def __enter__(self):
        _stopping["code"] = None
        _stopping.pop("interrupt", None)
        try:
            self.old = signal.signal(signal.SIGTERM, self._handler)
        except ValueError:  # not the main thread: signals cannot be handled here
            self.old = None
            return self
        self.old_int = signal.signal(signal.SIGINT, self._on_sigint)
        self.old_hook, sys.unraisablehook = sys.unraisablehook, self._unraisable
        return self

    def __exit__(self, exc_type, exc, tb):
        if _stopping["code"] is None:
            if self.old is not None:
                signal.signal(signal.SIGTERM, self.old)
                signal.signal(signal.SIGINT, self.old_int)
                sys.unraisablehook = self.old_hook
            return False
        # Terminated: leave the alarm armed through interpreter exit (pool threads are joined there too).
        if exc_type is None:
            raise SystemExit(_stopping["code"])  # its SystemExit was swallowed somewhere: end as asked
        return False


def _raise_stop(frame, event, arg):
    if frame.f_code.co_name == "__del__":
        return None  # still finalizing: wait for the next call
    sys.settrace(None)
    raise SystemExit(_stopping["code"])


def stopping() -> int | None:
    """The exit code asked for by a SIGTERM seen so far (None: none), even if its SystemExit was swallowed."""
    return _stopping["code"]


def _raise_if_stopping() -> None:
    # A handler's SystemExit raised inside a finalizer or callback is printed and dropped by Python; the
    # flag it set is not, so the run still ends at its next result.
    if _stopping["code"] is not None:
        raise SystemExit(_stopping["code"])
    if _stopping.pop("interrupt", None):
        raise KeyboardInterrupt
