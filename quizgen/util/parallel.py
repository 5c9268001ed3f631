"""The one fork-map: worker processes with one CPU policy, one fallback, and default signal handling in workers."""

from __future__ import annotations

import os
import signal


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


def worker_init() -> None:
    """Run first in every worker: default signal handling, whatever the parent (the CLI) installed.

    A forked worker inherits the parent's handlers; with the CLI's SIGTERM handler a worker ignores
    Pool.terminate() and a killed run leaves it alive. Workers also leave Ctrl-C to the parent.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "getppid") and hasattr(signal, "SIGKILL"):
        _die_with_parent()


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


def fork_map(fn, tasks: list, jobs: int | None = 1):
    """Results of fn over tasks, in completion order: in forked workers when jobs > 1, else in this process.

    A pool that cannot start (no fork, no processes left, a sandbox without semaphores) falls back to running
    the tasks here: slower, same results, since every task carries its own seed.
    """
    tasks = list(tasks)
    n = resolve_jobs(jobs, len(tasks))
    if n <= 1 or not can_fork():
        for t in tasks:
            yield fn(t)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    try:
        pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"), initializer=worker_init)
        futures = [pool.submit(fn, t) for t in tasks]
    except (OSError, PermissionError, NotImplementedError):
        for t in tasks:
            yield fn(t)
        return
    try:
        for fut in as_completed(futures):
            yield fut.result()
    except BaseException:
        for fut in futures:
            fut.cancel()
        _terminate(pool)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _terminate(pool) -> None:
    """Stop workers now (Ctrl-C, SIGTERM or an error): they restore SIG_DFL, so SIGTERM ends them."""
    for p in list(getattr(pool, "_processes", {}).values()):
        try:
            p.terminate()
        except (OSError, AttributeError):
            pass
