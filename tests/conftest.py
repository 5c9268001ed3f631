"""Shared test setup: a private QUIZGEN_HOME and cache per session, and the --runslow switch for stress tests."""

import os

import pytest


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
    os.environ.setdefault("QUIZGEN_HOME", str(home))
    os.environ.setdefault("QUIZGEN_CACHE_DIR", str(tmp_path_factory.mktemp("quizgen-cache")))
    yield
