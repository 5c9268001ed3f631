"""The cache of drawn sheet sets (issue 14): a sheet re-run with the same selection and seed (to change --columns or
--paper) reuses the drawn problems, and gives the very sheet an uncached run gives."""

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from quizgen import setcache
from quizgen.cli import main


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(folder))
    return folder


def _sheet(tmp_path, name, *args):
    out = tmp_path / f"{name}.html"
    r = CliRunner().invoke(main, ["sheet", "-n", "4", "--seed", "5", "--format", "html", "--steps", "-o", str(out),
                                  *args])
    assert r.exit_code == 0, r.output
    key = tmp_path / f"{name}-key.html"
    return out.read_text(encoding="utf-8"), key.read_text(encoding="utf-8") if "--no-key" not in args else None


def _no_drawing(monkeypatch):
    import quizgen.problems

    def refuse(*a, **k):
        raise AssertionError("drew problems although the set was cached")

    monkeypatch.setattr(quizgen.problems, "generate_set", refuse)


@pytest.mark.timeout(300)
def test_a_rerun_with_other_columns_reuses_the_drawn_set(tmp_path, cache, monkeypatch):
    first = _sheet(tmp_path, "a")
    assert len(list((cache / "sets").glob("*.json"))) == 1
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path / "other-cache"))  # what runs without the cache give
    assert _sheet(tmp_path, "fresh") == first
    fresh_cols = _sheet(tmp_path, "fresh", "--columns", "1", "--paper", "letter")
    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(cache))
    _no_drawing(monkeypatch)
    assert _sheet(tmp_path, "b") == first
    assert _sheet(tmp_path, "c", "--columns", "1", "--paper", "letter") == fresh_cols


@pytest.mark.timeout(300)
def test_other_options_or_a_changed_bank_are_misses(tmp_path, cache):
    bank = tmp_path / "mine.toml"
    bank.write_text('topic = "power"\ntitle = "Mine"\n\n[[family]]\nid = "my-cubes"\ndifficulty = 2\n'
                    'title = "Cubes"\ntemplate = "(a*x)^3 + b"\nparams.a = { int = [2, 5] }\n'
                    'params.b = { int = [-5, 5] }\nrules = ["power"]\n', encoding="utf-8")
    _sheet(tmp_path, "a")
    _sheet(tmp_path, "b", "--bank", str(bank))
    _sheet(tmp_path, "c", "--no-key")  # no steps shown: another record
    assert len(list((cache / "sets").glob("*.json"))) == 3
    bank.write_text(bank.read_text(encoding="utf-8").replace("[2, 5]", "[2, 6]"), encoding="utf-8")
    _sheet(tmp_path, "d", "--bank", str(bank))
    assert len(list((cache / "sets").glob("*.json"))) == 4


@pytest.mark.timeout(300)
def test_a_damaged_or_foreign_record_is_a_miss(tmp_path, cache):
    first = _sheet(tmp_path, "a")
    (record,) = (cache / "sets").glob("*.json")
    data = json.loads(record.read_text(encoding="utf-8"))
    for bad in ("{not json", json.dumps({**data, "extra": 1}),
                json.dumps({**data, "problems": [{**data["problems"][0], "number": "1"}]}),
                json.dumps({**data, "problems": [{**data["problems"][0], "step_rows": [[0, "x", [["a"]]]]}]})):
        record.write_text(bad, encoding="utf-8")
        assert setcache.load(record.stem) is None
        assert _sheet(tmp_path, "b") == first  # drawn again, and written back whole
        assert setcache.load(record.stem) is not None


@pytest.mark.timeout(300)
def test_a_warm_sheet_does_not_import_sympy(tmp_path, cache):
    _sheet(tmp_path, "a")
    code = ("import sys; from quizgen.cli import main\n"
            "try:\n    main(['sheet', '-n', '4', '--seed', '5', '--format', 'html', '--steps', '-o', sys.argv[1]])\n"
            "except SystemExit:\n    pass\n"
            "print('sympy' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code, str(tmp_path / "w.html")], capture_output=True, text=True,
                       env=dict(os.environ), timeout=240)
    assert r.stdout.strip().splitlines()[-1] == "False", r.stdout + r.stderr
    assert (tmp_path / "w.html").read_text(encoding="utf-8") == (tmp_path / "a.html").read_text(encoding="utf-8")
