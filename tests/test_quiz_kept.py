"""A quiz whose first question was kept shows it before SymPy is imported (issue 14), and grades the problem its
seed draws; a quiz without --seed takes the seed the previous one drew ahead; a tampered record is ignored."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# Runs the CLI on a pipe; at its first read it prints whether SymPy was imported by then (in any thread).
DRIVER = textwrap.dedent("""\
    import sys
    import quizgen.render.terminal as t
    real = t.pipe_io
    def pipe_io(**kw):
        io = real(**kw)
        read, seen = io.read, []
        def first(prompt):
            if not seen:
                seen.append(1)
                sys.stdout.write("[sympy loaded: %s]" % ("sympy" in sys.modules))
            return read(prompt)
        io.read = first
        return io
    t.pipe_io = pipe_io
    from quizgen.cli import main
    main(sys.argv[1:], prog_name="quizgen")
""")


def _quiz(tmp_path, args, answers="quit\n"):
    env = dict(os.environ, QUIZGEN_HOME=str(tmp_path / "home"), QUIZGEN_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("NO_COLOR", None)
    r = subprocess.run([sys.executable, "-c", DRIVER, "quiz", *args], input=answers,
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    loaded = re.search(r"\[sympy loaded: (True|False)\]", r.stdout).group(1) == "True"
    question = re.search(r"Problem 1 of \d+.*?\n\s*\n(.*?)\n", r.stdout, re.S).group(1).strip()
    seed = int(re.search(r"--seed (\d+)", r.stdout).group(1))
    return loaded, question, seed, r.stdout


@pytest.mark.timeout(300)
def test_a_kept_quiz_shows_its_first_question_before_sympy_and_grades_the_drawn_problem(tmp_path):
    from quizgen.problems import generate_set

    loaded, question, seed, _ = _quiz(tmp_path, ["-n", "2", "--seed", "5"])
    assert loaded and seed == 5  # nothing kept yet: drawn first, as before
    p = generate_set(2, seed=5).problems[0]
    assert question == f"d/dx [ {p.question_text} ]"
    loaded, again, seed, out = _quiz(tmp_path, ["-n", "2", "--seed", "5"], f"{p.answer_text}\nquit\n")
    assert (loaded, again, seed) == (False, question, 5)
    assert "✓ Correct." in out and "Score 1/1 (100%)" in out


@pytest.mark.timeout(300)
def test_a_quiz_without_seed_takes_the_seed_drawn_ahead_once(tmp_path):
    runs = [_quiz(tmp_path, ["-n", "3"]) for _ in range(3)]
    seeds = [r[2] for r in runs]
    assert len(set(seeds)) == 3  # a seed drawn ahead is used once
    assert runs[0][0] is True and runs[1][0] is False and runs[2][0] is False
    from quizgen.problems import generate_set

    assert runs[1][1] == f"d/dx [ {generate_set(3, seed=seeds[1]).problems[0].question_text} ]"


@pytest.mark.timeout(300)
def test_a_tampered_kept_question_never_reaches_the_terminal(tmp_path):
    _quiz(tmp_path, ["-n", "2", "--seed", "7"])
    records = list((tmp_path / "cache" / "sets").glob("*.quiz.json"))
    assert len(records) == 1
    data = json.loads(records[0].read_text(encoding="utf-8"))
    real = data["first"]["question"]
    data["first"]["question"] = "\x1b]0;owned\x07 d/dx [ x ]"
    records[0].write_text(json.dumps(data), encoding="utf-8")
    loaded, question, _, out = _quiz(tmp_path, ["-n", "2", "--seed", "7"])
    assert "\x1b" not in out and "owned" not in out
    assert loaded and question == real  # ignored: drawn first, as with nothing kept
    other = {**data, "first": {**data["first"], "question": real}, "seed": 8, "options": {**data["options"], "seed": 8}}
    for broken in ("{", json.dumps({**data, "first": {**data["first"], "difficulty": "2"}}), "[]", json.dumps(other)):
        records[0].write_text(broken, encoding="utf-8")
        assert _quiz(tmp_path, ["-n", "2", "--seed", "7"])[1] == real


def test_a_kept_view_that_differs_from_the_drawn_problem_is_replaced_before_grading():
    """Cannot happen under the same code and banks; if it did, the drawn question is shown and graded."""
    from quizgen.problems import generate_set
    from quizgen.quiz import QuizSession
    from quizgen.quiz.prepared import PreparedProblems
    from quizgen.quiz.session import first_view
    from quizgen.render.terminal import pipe_io
    import io as _io

    ps = generate_set(1, seed=4)
    stale = dict(first_view(ps.problems[0]), question="d/dx [ x⁹ ]")
    lines = iter(["", ps.problems[0].answer_text, "quit"])
    buf = _io.StringIO()
    quiz_io = pipe_io(stdout=buf)
    quiz_io.read = lambda prompt: (buf.write(prompt), next(lines))[1]
    problems = PreparedProblems(1, lambda: ps.problems, asks={"derivative"}, first=stale)
    result = QuizSession(problems, quiz_io, None, kind="quiz", seed=4, options=ps.options).run()
    out = buf.getvalue()
    assert "x⁹" in out and "the question has changed" in out
    assert out.index("the question has changed") < out.rindex(ps.problems[0].question_text)
    assert result.results and result.results[0].correct


@pytest.mark.timeout(60)
def test_quit_at_a_kept_first_prompt_does_not_wait_for_the_draw():
    """The set is drawn in the background: `quit` (or Ctrl-C) at the first prompt ends the quiz at once, without
    waiting for SymPy and the draw (here a draw that never ends)."""
    import io as _io
    import threading

    from quizgen.quiz import QuizSession
    from quizgen.quiz.prepared import PreparedProblems
    from quizgen.render.terminal import pipe_io

    never = threading.Event()
    view = {"topic": "power", "difficulty": 1, "question": "d/dx [ x² ]", "pretty": "", "prompt": "  f′(x) = "}
    for answer in ("quit", KeyboardInterrupt):
        buf = _io.StringIO()
        quiz_io = pipe_io(stdout=buf)

        def read(prompt, answer=answer):
            if answer is KeyboardInterrupt:
                quiz_io.read = lambda p: (_ for _ in ()).throw(KeyboardInterrupt())
                return "x"  # a typed line: the problem is waited for, and Ctrl-C comes during that wait
            return answer

        quiz_io.read = read
        problems = PreparedProblems(1, lambda: never.wait() or [], asks={"derivative"}, first=view)
        if answer is KeyboardInterrupt:
            problems._get = lambda i: (_ for _ in ()).throw(KeyboardInterrupt())
        result = QuizSession(problems, quiz_io, None, kind="quiz", seed=1, options={}).run()
        assert result.stopped and not result.results
        assert "d/dx [ x² ]" in buf.getvalue()
        never.set()  # let the background end (it counts as importing until then)
        problems.join(10)
    from quizgen.quiz.prepared import importing

    assert not importing()


def test_a_kept_seed_is_taken_by_one_quiz_only(tmp_path, monkeypatch):
    from quizgen import setcache

    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path))
    setcache.store_seed("k", 4242)
    assert setcache.take_seed("k") == 4242
    assert setcache.take_seed("k") is None
    assert list((tmp_path / "sets").iterdir()) == []  # nothing claimed is left behind
    for bad in ('{"seed": true}', '{"seed": -3}', '{"seed": 5, "x": 1}', "[5]"):
        (tmp_path / "sets" / "k.next.json").write_text(bad, encoding="utf-8")
        assert setcache.take_seed("k") is None
