"""Shared test setup: a private QUIZGEN_HOME and cache per session, the --runslow switch, derandomized Hypothesis in CI."""

import os
import shutil
import tempfile

import pytest

try:  # CI must be reproducible: the same examples every run (a local run still explores new ones)
    from hypothesis import settings

    settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
    settings.register_profile("dev", deadline=None)
    settings.load_profile("ci" if os.environ.get("CI") else "dev")
except ImportError:  # pragma: no cover - hypothesis is in the test extras
    pass


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="run many-seed stress tests")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow stress test: use --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


_PRIVATE_ROOT = None


def pytest_configure(config):
    # Unconditionally, and before collection (test modules build banks and exams at import): a developer's own
    # QUIZGEN_HOME (their real history) and formula cache must never be touched by a test run. Subprocesses inherit
    # os.environ, so the CLI runs the tests start see the same private folders.
    global _PRIVATE_ROOT
    _PRIVATE_ROOT = tempfile.mkdtemp(prefix="quizgen-tests-")
    for var, name in (("QUIZGEN_HOME", "home"), ("QUIZGEN_CACHE_DIR", "cache")):
        os.environ[var] = os.path.join(_PRIVATE_ROOT, name)
        os.mkdir(os.environ[var])


def pytest_unconfigure(config):
    if _PRIVATE_ROOT is not None:
        shutil.rmtree(_PRIVATE_ROOT, ignore_errors=True)
