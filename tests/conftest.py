"""Shared test setup: a private QUIZGEN_HOME and cache per session, the --runslow switch, derandomized Hypothesis in CI."""

import os

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


@pytest.fixture(autouse=True, scope="session")
def _private_dirs(tmp_path_factory):
    home = tmp_path_factory.mktemp("quizgen-home")
    # Unconditionally: a developer's own QUIZGEN_HOME (their real history) must never be touched by a test run.
    os.environ["QUIZGEN_HOME"] = str(home)
    os.environ["QUIZGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("quizgen-cache"))
    yield
