"""The quiz shows its first problem as soon as it is drawn and draws the rest meanwhile (issue 14): same seed, same
problems, in the same order, as generate_set."""

import threading

import pytest
from click.testing import CliRunner

from quizgen.cli import main
from quizgen.errors import GenerationError
from quizgen.problems import LazyProblems, generate_set, lazy_set


def _keys(problems):
    return [(p.id, p.question_text, p.answer_text) for p in problems]


@pytest.mark.timeout(300)
def test_lazy_set_is_generate_set():
    for kw in ({"n": 6, "seed": 3}, {"n": 4, "seed": 11, "topics": ["chain", "power"]},
               {"n": 3, "seed": 2, "ask": "value"}):
        eager = generate_set(**kw)
        lazy = lazy_set(**kw)
        assert len(lazy.problems) == kw["n"] and lazy.options == eager.options and lazy.seed == eager.seed
        first = lazy.problems[0]
        lazy.problems.resume()
        assert _keys([first] + list(lazy.problems)[1:]) == _keys(eager.problems)


def test_bad_options_raise_at_once_not_in_the_thread():
    with pytest.raises(GenerationError, match="unknown topic"):
        lazy_set(3, topics=["nope"], seed=1)


def test_an_error_while_drawing_reaches_the_reader():
    def source():
        yield "a"
        raise GenerationError("produced only 1")

    lp = LazyProblems(source(), 2)
    assert lp[0] == "a"
    lp.resume()
    with pytest.raises(GenerationError, match="produced only 1"):
        lp[1]


def test_first_problem_is_drawn_alone_until_resume():
    drawn = []

    def source():
        for i in range(5):
            drawn.append(i)
            yield i

    lp = LazyProblems(source(), 5)
    assert lp[0] == 0 and drawn == [0]
    lp.resume()
    assert list(lp) == [0, 1, 2, 3, 4]
    assert not any(t.name == "quizgen-draw" and t.is_alive() and t is not threading.current_thread()
                   for t in threading.enumerate()) or drawn == [0, 1, 2, 3, 4]


@pytest.mark.timeout(300)
def test_cli_quiz_asks_the_seeded_problems_in_order(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZGEN_HOME", str(tmp_path))
    ps = generate_set(3, seed=5, command="quiz")
    r = CliRunner().invoke(main, ["quiz", "-n", "3", "--seed", "5"], input="skip\nskip\nskip\n")
    assert r.exit_code == 0, r.output
    shown = [line.strip() for line in r.output.splitlines() if line.strip().startswith("d/d")]
    assert shown[:3] == [f"d/d{p.variable} [ {p.question_text} ]" for p in ps.problems]


@pytest.mark.timeout(300)
def test_the_first_prompt_waits_for_one_problem_only():
    # The quiz's banner asked every problem for its ask (to pick the "how to answer" line), which drew the whole
    # set before the first prompt: 0.62 s to the prompt against 0.27 s for `import sympy` (issue 14).
    import io

    from quizgen.quiz.session import QuizSession
    from quizgen.render.terminal import pipe_io

    for kw in ({"n": 6, "seed": 3}, {"n": 4, "seed": 2, "ask": "tangent"}):
        ps = lazy_set(**kw)
        drawn_at_prompt = []
        qio = pipe_io(io.StringIO(""), io.StringIO())
        resume = ps.problems.resume

        def on_screen(resume=resume, problems=ps.problems):
            # Called once the first question is on screen: the rest are drawn from then on, in the background
            # (measured here, not at the first read, which the background drawing may already have passed).
            drawn_at_prompt.append(len(problems._done))
            resume()

        ps.problems.resume = on_screen
        QuizSession(ps.problems, qio, None, seed=ps.seed).run()
        assert drawn_at_prompt[0] == 1, kw
    out = io.StringIO()
    ps = lazy_set(2, seed=2, ask="tangent")
    QuizSession(ps.problems, pipe_io(io.StringIO(""), out), None).run()
    assert "Type each line the way you write it" in out.getvalue()  # one ask in the pool: its line is still shown
