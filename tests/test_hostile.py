"""Hostile and pathological input at the library level: nothing runs, nothing hangs, every refusal is clean.

CLI-level rows (exit codes, stderr, no traceback) go in tests/test_cli.py once `quizgen check` exists.
"""

import pytest

from quizgen.batch import grade_batch
from quizgen.checker import check_answer, check_text
from quizgen.errors import LimitError, ParseError, QuizgenError
from quizgen.mathparse import parse, symbol

# Every test here is about input that must be refused or answered, never hang: each gets a timeout.
pytestmark = pytest.mark.timeout(60)


def injections(canary: str) -> list[str]:
    touch = f"open('{canary}', 'w').write('owned')"
    return [
        f"__import__('os').system('touch {canary}')",
        f"__import__(\"os\").system(\"touch {canary}\")",
        "().__class__.__bases__[0].__subclasses__()",
        "x.__class__",
        "x.__dict__",
        "__builtins__",
        f"(lambda: {touch})()",
        "lambda x: x",
        f"exec(\"{touch}\")",
        f"eval(\"{touch}\")",
        touch,
        f"sin(\"{touch}\")",
        "'2+3'",
        '"x"',
        "sin('x')",
        "x[0]",
        "[x for x in ().__class__.__base__.__subclasses__()]",
        "{x: 1}",
        "x; import os",
        f"x\nimport os; os.system('touch {canary}')",
        "x\r\n2",
        "x.real",
        "getattr(x, '__class__')",
        "globals()",
        "S('x')",
        "Symbol('x')",
        "sympify('x')",
        "f'{x}'",
        "x if 1 else 0",
        "x = 1",
        "sin(x=1)",
        "**{'a': 1}",
        "x @ x",
        "`x`",
        "x # comment",
        "\\sin x",
        "$x$",
        "%x",
        "\x00x",
        "x\u202e",
        "import os",
        "os.system",
        "exp(x).func",
    ]


ROLES = ["problem", "answer"]


@pytest.mark.parametrize("role", ROLES)
def test_injection_attempts_are_refused_and_nothing_runs(tmp_path, role):
    canary = tmp_path / "canary"
    for attempt in injections(str(canary)):
        with pytest.raises(ParseError) as e:
            if role == "problem":
                check_text(attempt, "1")
            else:
                check_text("x^2", attempt)
        msg = e.value.one_line()
        assert "\n" not in msg and msg.startswith("cannot read "), (attempt, msg)
        assert e.value.field == role
        assert not canary.exists(), attempt


def test_injection_rows_in_a_batch_are_error_rows(tmp_path):
    canary = tmp_path / "canary"
    attempts = [a for a in injections(str(canary)) if "\t" not in a and "\n" not in a and "\r" not in a]
    lines = [f"{a}\t1" for a in attempts] + [f"x^2\t{a}" for a in attempts] + ["x^2\t2x"]
    rows = list(grade_batch(lines))
    assert rows[-1]["correct"] is True
    for r in rows[:-1]:
        assert "correct" not in r, r
        assert "\n" not in r["error"]
    assert not canary.exists()


def test_check_answer_refuses_injection_as_answer(tmp_path):
    canary = tmp_path / "canary"
    with pytest.raises(ParseError):
        check_answer(symbol("x") ** 2, f"__import__('os').system('touch {canary}')")
    assert not canary.exists()


# Pathological input: a clean verdict or a clean refusal (ParseError/LimitError), never a hang.
PATHOLOGICAL = [
    "9^9^9^9",
    "x^(10^100)",
    "(x+1)^(10^9)",
    "factorial(10^9)",
    "(" * 5000 + "x" + ")" * 5000,
    "+".join(["x"] * 20000),
    "sin(" * 300 + "x" + ")" * 300,
    "x" * 999,
    "(" * 41 + "x" + ")" * 41,
    "2^(10^6)",
    "x^(10^101)",
    "10^100^100",
    "e^(e^(e^(e^(e^x))))",
    "x^x^x^x^x^x",
    "sin(10^100 x)",
    "tan(x)^1000000",
    "".join(f"(x+{k})" for k in range(1, 61)),
    "exp(10^100)",
    "1/(x-x)",
    "ln(0)",
    "log(x, 1)",
    "log_1(x)",
    "0^-1",
    "sqrt(-1)",
    "ln(-x^2-1)",
    "arcsin(x^2+2)",
    "9" * 31,
    "0." + "0" * 40 + "1",
]


@pytest.mark.parametrize("text", PATHOLOGICAL, ids=[t[:25] + (f"…{len(t)}" if len(t) > 25 else "") for t in PATHOLOGICAL])
@pytest.mark.parametrize("role", ROLES)
def test_pathological_input_returns(text, role):
    try:
        v = check_text(text, "1") if role == "problem" else check_text("x^2", text)
    except LimitError as e:
        assert "limit" in e.one_line()
        assert "\n" not in e.one_line()
        return
    except ParseError as e:
        assert "\n" not in e.one_line()
        return
    assert isinstance(v.correct, bool) and v.feedback


@pytest.mark.parametrize("text,limit", [
    ("9^9^9^9", "limit 10^100"),
    ("(" * 5000 + "x" + ")" * 5000, "limit 1000"),
    ("+".join(["x"] * 20000), "limit 1000"),
    ("sin(" * 300 + "x" + ")" * 300, "limit 1000"),
    ("(" * 41 + "x" + ")" * 41, "limit 40 levels"),
    ("9" * 31, "limit 30 digits"),
])
def test_limits_are_stated_in_the_error(text, limit):
    with pytest.raises(LimitError) as e:
        parse(text)
    assert limit in e.value.one_line()


def test_huge_but_legal_inputs_get_a_verdict():
    assert check_text("x^(10^100)", "10^100 x^(10^100-1)").correct
    assert not check_text("x^(10^100)", "x").correct
    assert check_text("(x+1)^(10^9)", "10^9 (x+1)^(999999999)").correct
    v = check_text("e^(e^(e^(e^(e^x))))", "1")
    assert not v.correct


def test_errors_are_quizgen_errors_with_one_line():
    for text in ("x +", ")", "sin", "x^", "2 3", "In x", "E^x", "ln x ="):
        with pytest.raises(QuizgenError) as e:
            check_text("x^2", text)
        assert "\n" not in str(e.value)
