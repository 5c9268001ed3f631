"""The terminal quiz, its history and stats with asks (issue 10): `quizgen quiz --ask tangent` prompts for the line,
grades any form of it, names the mistake, stores what was asked; `stats` has mastery per ask; `drill --ask`."""

import json
import re
import sqlite3

import pytest
from click.testing import CliRunner

from quizgen.cli import main
from quizgen.printing import to_text


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("QUIZGEN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path / "home"


def cli(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def generated(*args):
    return json.loads(cli("generate", *args, "--format", "json").output)["problems"]


FA = "f'(a)"


@pytest.mark.timeout(120)
def test_scripted_tangent_quiz_grades_lines_and_stats_show_the_ask(home):
    args = ("-n", "3", "--topic", "power", "--ask", "tangent", "--seed", "3")
    ps = generated(*args)
    lines = []
    p1, p2, p3 = ps
    # 1: right, in point-slope form.  2: slope f(a) (named), then right as a bare right-hand side.
    # 3: not a line, then a different line: wrong after two tries.
    lines.append(f"y - ({p1['f_at_point']}) = ({p1['slope']})(x - ({p1['point']}))")
    lines.append(f"y = ({p2['f_at_point']}) + ({p2['f_at_point']})(x - ({p2['point']}))")
    lines.append(p2["answer"])
    lines.append("x^2")
    lines.append(f"y = ({p3['answer']}) + 1")
    r = cli("quiz", *args, input="\n".join(lines) + "\n")
    assert r.exit_code == 0, r.output
    out = r.output
    for p in ps:
        assert f"f(x) = {p['question_text']};  the tangent line at x = {to_text_of(p['point'])}" in out
        assert f"  tangent at x = {to_text_of(p['point'])}: y = " in out
    assert out.count("✓ Correct.") == 2
    assert "used-f-of-a" in out or "f(a)" in out  # the slope mistake is named
    assert "Score 2/3" in out
    doc = json.loads(cli("stats", "--format", "json").output)
    assert doc["total"] == {"attempts": 3, "correct": 2}
    assert doc["asks"]["tangent"]["attempts"] == 3 and doc["asks"]["tangent"]["correct"] == 2
    assert doc["asks"]["tangent"]["mastery"] == "practising"
    assert doc["rules"]["power"]["attempts"] == 3
    text = cli("stats").output
    assert re.search(r"^tangent +●○○ practising +3 +2 ", text, re.M), text
    assert all(len(line) <= 80 for line in text.splitlines())
    with sqlite3.connect(home / "history.sqlite3") as db:
        rows = db.execute("SELECT ask, point, correct FROM attempts ORDER BY position").fetchall()
        answers = db.execute("SELECT given, correct, mistake FROM answers ORDER BY id").fetchall()
    assert [(a, c) for a, _pt, c in rows] == [("tangent", 1), ("tangent", 1), ("tangent", 0)]
    assert [pt for _a, pt, _c in rows] == [p["point"] for p in ps]
    assert [g for g, _c, _m in answers] == lines
    assert [c for _g, c, _m in answers] == [1, 0, 1, 0, 0]
    assert answers[1][2] == "used-f-of-a"
    assert answers[3][2] == "not-a-line"


def to_text_of(sympy_text: str) -> str:
    from quizgen.mathparse import parse

    return to_text(parse(sympy_text))


@pytest.mark.timeout(120)
def test_second_derivative_quiz_prompt_hint_and_first_derivative_mistake(home):
    args = ("-n", "1", "--topic", "power", "--ask", "second", "--seed", "3")
    (p,) = generated(*args)
    r = cli("quiz", *args, input=f"?\n{p['derivative']}\n{p['answer']}\n")
    assert r.exit_code == 0, r.output
    assert "  f″(x) = " in r.output
    assert "Hint 1 of" in r.output
    assert "gave-first-derivative" in r.output or "first derivative" in r.output
    with sqlite3.connect(home / "history.sqlite3") as db:
        assert db.execute("SELECT ask, ask_order FROM attempts").fetchall() == [("second", 2)]
        assert [m for (m,) in db.execute("SELECT mistake FROM answers ORDER BY id")] == ["gave-first-derivative",
                                                                                         None]


@pytest.mark.timeout(120)
def test_equations_are_answers_only_where_a_line_is_asked(home):
    args = ("-n", "1", "--topic", "power", "--seed", "3")
    (p,) = generated(*args)
    r = cli("quiz", *args, input=f"y = {p['answer']}\nskip\n")
    assert r.exit_code == 0
    assert "✓ Correct." not in r.output
    assert "Cannot read that" in r.output and "Not counted" in r.output  # refused as unreadable, not graded


@pytest.mark.timeout(120)
def test_redo_missed_asks_the_same_tangent_again(home):
    args = ("-n", "2", "--topic", "power", "--ask", "tangent", "--seed", "3")
    ps = generated(*args)
    cli("quiz", *args, input=f"{ps[0]['answer']}\nskip\n")
    redo = cli("quiz", "--redo-missed", input=f"{ps[1]['answer']}\n")
    assert redo.exit_code == 0, redo.output
    assert f"the tangent line at x = {to_text_of(ps[1]['point'])}" in redo.output
    assert "✓ Correct." in redo.output


@pytest.mark.timeout(120)
def test_drill_with_an_ask(home):
    r = cli("drill", "-n", "2", "--seed", "4", "--ask", "normal", input="skip\nskip\n")
    assert r.exit_code == 0, r.output
    assert r.output.count("normal at x = ") == 2
    doc = json.loads(cli("stats", "--format", "json").output)
    assert doc["asks"]["normal"]["attempts"] == 2


def test_a_schema_3_history_gains_the_ask_columns_and_reads_as_derivatives(tmp_path):
    from quizgen.history.progress import compute_stats
    from quizgen.history.store import MIGRATIONS, SCHEMA_VERSION, History

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    for step in MIGRATIONS[:3]:
        for sql in step:
            db.execute(sql)
    db.execute("PRAGMA user_version = 3")
    db.execute("INSERT INTO sessions (kind, started_at) VALUES ('quiz', 1.0)")
    db.execute("""INSERT INTO attempts (session_id, position, problem_id, family, topic, difficulty, expr,
                  question_text, answer_text, given, tries, correct, outcome, started_at, answered_at)
                  VALUES (1, 1, 'p', 'power-basic', 'power', 1, 'x**2', 'x²', '2x', '2*x', 1, 1, 'correct', 1, 2)""")
    db.commit()
    db.close()
    path.chmod(0o444)
    with History(path, readonly=True) as h:  # a read-only old history is still read
        (a,) = h.attempts()
        assert a.ask == "derivative" and a.point is None
    path.chmod(0o644)
    with History(path) as h:
        assert h.schema_version() == SCHEMA_VERSION
        (a,) = h.attempts()
        assert (a.ask, a.point, a.order) == ("derivative", None, 1)
        doc = compute_stats(h.attempts())
    assert doc["asks"]["derivative"]["attempts"] == 1
