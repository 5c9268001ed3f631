"""Answer checking: every reasonable way of writing a right answer is accepted, wrong ones are named, batches grade."""

import json

import pytest
import sympy as sp

from quizgen.batch import grade_batch, grade_row
from quizgen.checker import Verdict, check_answer, check_text
from quizgen.equiv import compare, equivalent
from quizgen.form import form_of
from quizgen.render.terminal import format_verdict
from quizgen.errors import LimitError, ParseError
from quizgen.mathparse import parse, symbol
from quizgen.mistakes import MISTAKE_CODES, MISTAKE_FEEDBACK, mistake_variants

x = symbol("x")

# (topic, problem, answer): each answer is a correct derivative written some other way than the key.
ACCEPT = [
    # power
    ("power", "x^-1", "-x^-2"),
    ("power", "x^-1", "−x⁻²"),
    ("power", "1/x", "-1/x^2"),
    ("power", "sqrt(x)", "0.5x^(-0.5)"),
    ("power", "sqrt(x)", "1/(2√x)"),
    ("power", "√x", "(1/2)x^(-1/2)"),
    ("power", "cbrt(x)", "1/(3x^(2/3))"),
    ("power", "x^3 - 2x + 7", "3x² − 2"),
    ("power", "x^3 - 2x + 7", "-2 + 3x^2"),
    ("power", "4x^5", "20x^4"),
    ("power", "x^(3/2)", "1.5 sqrt(x)"),
    ("power", "5", "0"),
    # basic
    ("basic", "e^x", "e^x"),
    ("basic", "e^x", "exp(x)"),
    ("basic", "exp(x)", "e^x"),
    ("basic", "ln(x)", "1/x"),
    ("basic", "log(x)", "1/x"),
    ("basic", "ln x", "x^-1"),
    ("basic", "tan(x)", "sec(x)^2"),
    ("basic", "tan(x)", "1/cos(x)^2"),
    ("basic", "tan(x)", "1+tan(x)^2"),
    ("basic", "tan x", "sec²x"),
    ("basic", "3sin(x) + 2cos(x)", "3cos x − 2sin x"),
    ("basic", "arctan(x)", "1/(1+x^2)"),
    ("basic", "arcsin(x)", "(1-x^2)^(-1/2)"),
    # product
    ("product", "x^2 e^x", "e^x(x^2+2x)"),
    ("product", "x^2 e^x", "2x e^x + x^2 e^x"),
    ("product", "x^2 e^x", "x e^x (x+2)"),
    ("product", "x^2 e^x", "(x²+2x)·eˣ"),
    ("product", "x ln x", "ln x + 1"),
    ("product", "x ln(x)", "1 + log(x)"),
    ("product", "x sin x", "sin x + x cos x"),
    # quotient
    ("quotient", "x^2/(x+1)", "(x^2+2x)/(x+1)^2"),
    ("quotient", "x^2/(x+1)", "x(x+2)/(x+1)^2"),
    ("quotient", "x^2/(x+1)", "(2x(x+1) - x^2)/(x+1)^2"),
    ("quotient", "x^2/(x+1)", "1 - 1/(x+1)^2"),
    ("quotient", "sin(x)/x", "(x cos x - sin x)/x^2"),
    ("quotient", "sin(x)/x", "cos(x)/x - sin(x)/x^2"),
    # chain
    ("chain", "(x^2+1)^3", "3(x²+1)²·2x"),
    ("chain", "(x^2+1)^3", "6x(x^2+1)^2"),
    ("chain", "(x^2+1)^3", "6x^5 + 12x^3 + 6x"),
    ("chain", "(x^2+1)^3", "(x^2+1)^2 * 6x"),
    ("chain", "e^(x^2)", "2x e^(x^2)"),
    ("chain", "ln(x^2+1)", "2x/(x^2+1)"),
    ("chain", "sin(3x)", "3cos(3x)"),
    ("chain", "sqrt(x^2+1)", "x/sqrt(x^2+1)"),
    ("chain", "sqrt(x^2+1)", "x(x^2+1)^(-1/2)"),
    ("chain", "cos(x)^2", "-2 sin x cos x"),
    ("chain", "cos(x)^2", "-sin(2x)"),
    ("chain", "ln(2x)", "1/x"),
    # exp-log (general base)
    ("exp-log", "10^x", "10^x ln 10"),
    ("exp-log", "10^x", "ln(10) 10^x"),
    ("exp-log", "10^x", "10^x·ln10"),
    ("exp-log", "2^x", "2^x ln 2"),
    ("exp-log", "log_3(x)", "1/(x ln 3)"),
    ("exp-log", "log(x, 3)", "1/(x log(3))"),
    ("exp-log", "log_2(x^2+1)", "2x/((x^2+1) ln 2)"),
    ("exp-log", "6^(3x^2+4x-2)", "6^(3x^2+4x-2)(6x+4) ln 6"),
    ("exp-log", "6^(3x^2+4x-2)", "(6x+4) ln(6) 6^(3x^2+4x-2)"),
    ("exp-log", "6^(3x^2+4x-2)", "2(3x+2) 6^(3x^2+4x-2) ln 6"),
    ("exp-log", "x 2^x", "2^x + x 2^x ln 2"),
]


@pytest.mark.parametrize("topic,problem,answer", ACCEPT, ids=[f"{t}:{p}|{a}" for t, p, a in ACCEPT])
def test_equivalent_forms_are_accepted(topic, problem, answer):
    v = check_text(problem, answer)
    assert v.correct, (v.feedback, v.interpreted_as)
    assert v.mistake is None
    assert v.feedback.startswith("Correct")


def test_accept_table_covers_every_topic():
    assert {t for t, _, _ in ACCEPT} == {"power", "basic", "product", "quotient", "chain", "exp-log"}


@pytest.mark.parametrize("answer,simplified", [
    ("6x(x^2+1)^2", True),
    ("6x^5 + 12x^3 + 6x", True),
    ("(x^2+1)^2·6x", True),
    ("3(x²+1)²·2x", False),
    ("2x·3(x^2+1)^2", False),
    ("6x(x^2+1)^2 + 0", False),
    ("6x^1(x^2+1)^2", False),
    ("1·6x(x^2+1)^2", False),
])
def test_form_simplified_for_a_chain_answer(answer, simplified):
    v = check_text("(x^2+1)^3", answer)
    assert v.correct
    assert v.form["simplified"] is simplified
    if simplified:
        assert v.form["issues"] == [] and v.feedback == "Correct."
    else:
        assert v.form["issues"] and v.feedback.startswith("Correct, but not simplified (")


@pytest.mark.parametrize("problem,answer,simplified,issue", [
    ("tan(x)", "sec(x)^2", True, None),
    ("tan(x)", "1/cos(x)^2", True, None),
    ("tan(x)", "1+tan(x)^2", True, None),
    ("x^2/(x+1)", "(x^2+2x)/(x+1)^2", True, None),
    ("x^2/(x+1)", "(2x(x+1) - x^2)/(x+1)^2", False, "longer than needed"),
    ("x^2 e^x", "2x e^x + x^2 e^x", True, None),
    ("x^3 + x^3", "3x^2 + 3x^2", False, "like terms not combined"),
    ("x^4", "4x^(4-1)", False, "numbers left to add up"),
    ("x^3/6", "3x^2/6", False, "a fraction not in lowest terms"),
    ("x^3/6", "x^2/2", True, None),
    ("x^3/6", "0.5x^2", True, None),
    ("x^3", "x·3x", False, "the same base multiplied twice"),
    ("x", "--1", False, "a double minus"),
])
def test_form_rules(problem, answer, simplified, issue):
    v = check_text(problem, answer)
    assert v.correct
    assert v.form["simplified"] is simplified
    if issue:
        assert issue in v.form["issues"]


def test_require_simplified_turns_unsimplified_into_a_fail():
    v = check_text("(x^2+1)^3", "3(x²+1)²·2x", require_simplified=True)
    assert not v.correct
    assert v.mistake == "not-simplified"
    assert v.feedback == "Your answer is equal to the derivative but not simplified (numbers left to multiply)."
    assert check_text("(x^2+1)^3", "6x(x^2+1)^2", require_simplified=True).correct


@pytest.mark.parametrize("problem,answer", [
    ("sqrt(x)", "0.5/sqrt(x)"),
    ("x^2/4", "0.5x"),
    ("x^5", "5.0x^4"),
    ("e^(0.5x)", "0.5e^(x/2)"),
])
def test_decimals_equal_to_the_exact_value_are_accepted(problem, answer):
    assert check_text(problem, answer).correct


@pytest.mark.parametrize("problem,answer", [("x/3", "0.333333"), ("2^x", "2^x·0.693147"), ("ln(3x)", "0.3333/x·3")])
def test_rounded_decimals_are_wrong_but_named(problem, answer):
    v = check_text(problem, answer)
    assert not v.correct
    assert v.mistake == "rounded-decimals"
    assert v.feedback == "Your answer is close but uses rounded decimals; write exact values such as 1/3, ln 2 or √3."


# (problem, wrong answer, mistake code): every code the mistake generator has, most on several topics.
REJECT = [
    ("(x^2+1)^3", "3(x^2+1)^2", "chain-missing-inner"),
    ("sin(3x)", "cos(3x)", "chain-missing-inner"),
    ("e^(x^2)", "e^(x^2)", "chain-missing-inner"),
    ("ln(x^2+1)", "1/(x^2+1)", "chain-missing-inner"),
    ("x^2 sin(3x)", "2x sin(3x) + x^2 cos(3x)", "chain-missing-inner"),
    ("x^2 e^x", "2x e^x", "product-of-derivatives"),
    ("x sin x", "cos x", "product-of-derivatives"),
    ("x^2/(x+1)", "(x^2 - 2x(x+1))/(x+1)^2", "quotient-sign"),
    ("sin(x)/x", "(sin x - x cos x)/x^2", "quotient-sign"),
    ("x^2/(x+1)", "2x", "quotient-of-derivatives"),
    ("e^x/x", "e^x", "quotient-of-derivatives"),
    ("x^2/(x+1)", "(x^2+2x)/(x+1)", "quotient-denominator"),
    ("sin(x)/x", "(x cos x - sin x)/x", "quotient-denominator"),
    ("10^x", "10^x", "missing-ln-factor"),
    ("10^x", "10^x / ln 10", "missing-ln-factor"),
    ("log_3(x)", "1/x", "missing-ln-factor"),
    ("log_3(x)", "ln 3/x", "missing-ln-factor"),
    ("6^(3x^2+4x-2)", "6^(3x^2+4x-2)(6x+4)", "missing-ln-factor"),
    ("2^x", "x 2^(x-1)", "power-rule-on-exponential"),
    ("e^x", "x e^(x-1)", "power-rule-on-exponential"),
    ("x^5", "5x^5", "exponent-not-lowered"),
    ("(x+1)^(10^9)", "10^9 (x+1)^(10^9)", "exponent-not-lowered"),
    ("cos x", "sin x", "sign-error"),
    ("x^2 + cos x", "2x + sin x", "sign-error"),
    ("ln(x)", "-1/x", "sign-error"),
    # extra codes
    ("x^2 + 5", "2x + 5", "constant-not-zero"),
    ("3 sin x", "cos x", "forgot-constant-multiple"),
    ("ln(x^2+1)", "1/(2x)", "ln-reciprocal"),
    ("x^-3", "-3x^-2", "exponent-raised"),
    ("x e^x", "x e^x", "product-missing-term"),
    ("x^2/(x+1)", "2x(x+1) - x^2", "quotient-no-denominator"),
    ("x^x", "x·x^(x-1)", "needs-log-differentiation"),
    ("sin x", "sin x", "not-differentiated"),
]

# Codes only the checker gives (the answer is the right function, written in a way that is still wrong).
VERDICT_ONLY = [
    ("x/3", "0.333333", "rounded-decimals", {}),
    ("x^2", "2 sqrt(x^3)/sqrt(x)", "domain-mismatch", {}),
    ("(x^2+1)^3", "3(x²+1)²·2x", "not-simplified", {"require_simplified": True}),
]

# Codes of what a question asks beyond f′(x) (quizgen.asks): the second derivative, f′(a), tangent and normal lines.
TANGENT_AT_1 = {"ask": "tangent", "at": "1"}
NORMAL_AT_1 = {"ask": "normal", "at": "1"}
ASK_ROWS = [
    ("x^3", "3x^2", "gave-first-derivative", {"ask": "second"}),
    ("sin(x^2)", "2x cos(x^2)", "gave-first-derivative", {"ask": "second"}),
    ("x^4", "4x^3", "gave-first-derivative", {"ask": "second", "order": 3}),
    ("x^4", "12x^2", "gave-first-derivative", {"ask": "second", "order": 3}),
    ("x^3", "3x^2", "unevaluated-derivative", {"ask": "value", "at": "2"}),
    ("x^2", "y - 1 = 2x(x - 1)", "unevaluated-derivative", TANGENT_AT_1),
    ("x^3", "8", "used-f-of-a", {"ask": "value", "at": "2"}),
    ("x^2", "y = x + 1", "used-f-of-a", TANGENT_AT_1),  # y − f′(a) = f(a)(x − a): the two numbers swapped
    ("x^2", "y = x", "used-f-of-a", TANGENT_AT_1),  # slope f(a) through the right point
    ("x^2", "y = 2x", "point-uses-derivative", TANGENT_AT_1),
    ("x^2", "y - 2 = -1/2 (x - 1)", "point-uses-derivative", NORMAL_AT_1),
    ("x^2", "y = -2x + 3", "normal-not-inverted", NORMAL_AT_1),
    ("x^2", "y = x/2 + 1/2", "normal-not-negated", NORMAL_AT_1),
    ("x^2", "y = 2x - 1", "gave-tangent-line", NORMAL_AT_1),
    ("x^2", "y = x^2", "not-a-line", TANGENT_AT_1),
    ("x^2", "y^2 = 2x - 1", "not-a-line", TANGENT_AT_1),
    ("(x^2+1)^3", "y - 8 = 12(x - 1)", "chain-missing-inner", TANGENT_AT_1),  # f′ itself wrong: the slope is
    ("(x^2+1)^3", "y - 8 = -1/12 (x - 1)", "chain-missing-inner", NORMAL_AT_1),
    ("(x^2+1)^3", "12", "chain-missing-inner", {"ask": "value", "at": "1"}),
    ("sin(x^2)", "-sin(x^2) 2x", "chain-missing-inner", {"ask": "second"}),  # (2x cos x²)′ without the product
]

ALL_ROWS = [(p, a, c, {}) for p, a, c in REJECT] + VERDICT_ONLY + ASK_ROWS


@pytest.mark.parametrize("problem,answer,code,kw", ALL_ROWS, ids=[f"{c}:{p}|{a}" for p, a, c, _ in ALL_ROWS])
def test_typical_mistakes_are_rejected_with_their_code(problem, answer, code, kw):
    v = check_text(problem, answer, **kw)
    assert not v.correct
    assert v.mistake == code
    assert v.feedback and "\n" not in v.feedback


def test_every_mistake_code_is_named_by_some_row():
    """Derived from the real lists, so a new code without a row fails here (the test above checks each row)."""
    in_rows = {c for _, _, c, _ in ALL_ROWS}
    assert sorted(set(MISTAKE_CODES) - in_rows) == [], "generator codes no row names"
    assert sorted(set(MISTAKE_FEEDBACK) - in_rows) == [], "codes with feedback that no row names"
    assert sorted(in_rows - set(MISTAKE_FEEDBACK)) == [], "rows naming a code that does not exist"
    # The generator itself builds each of its codes for one of the rows' problems (not only diagnose names it).
    built = {code for p, _, _ in REJECT for code, _ in mistake_variants(parse(p), x)}
    assert sorted(set(MISTAKE_CODES) - built) == []


def test_feedback_names_the_pieces_of_the_problem():
    assert check_text("(x^2+1)^3", "3(x^2+1)^2").feedback == (
        "Chain rule: after differentiating the outer function, multiply by the derivative of the inside, "
        "(x² + 1)′ = 2x.")
    assert check_text("x^2/(x+1)", "(x^2+2x)/(x+1)").feedback == (
        "In the quotient rule the denominator is squared: divide by (x + 1)², not by x + 1.")
    assert check_text("10^x", "10^x").feedback == "The factor ln 10 is missing in your answer: (aᵘ)′ = aᵘ · ln a · u′."
    assert check_text("cos x", "sin x").feedback == (
        "Check the sign: your answer has the right size but the opposite sign — (cos u)′ = −sin u · u′.")


def test_wrong_answer_matching_no_mistake_gets_null_code_and_helpful_feedback():
    v = check_text("x^2 e^x", "x^3 + 7")
    assert not v.correct and v.mistake is None
    assert v.feedback == ("This is not the derivative; it needs the power rule, the exponential rule and the product "
                          "rule — work through them one step at a time.")


def test_a_named_mistake_must_really_match():
    # STACK #718: "integrated instead" was said for e^x + 2; here nothing typical gives e^x + 2x.
    v = check_text("e^x + 2", "e^x + 2x")
    assert not v.correct and v.mistake is None


def test_quotient_sign_wins_over_plain_sign_error():
    # (fg′ − f′g)/g² is exactly −(key): the more specific code names it.
    assert check_text("x/(x+1)", "-1/(x+1)^2").mistake == "quotient-sign"


def test_tiny_differences_are_not_accepted():
    assert not check_text("x^2", "2x + 10^-60").correct
    assert not check_text("x^3", "3x^2 + 10^-60 x").correct
    assert not check_text("x^2", "2.0000001x").correct


def test_domain_mismatch_is_reported_as_such():
    v = check_text("x^2", "2 sqrt(x^3)/sqrt(x)")
    assert not v.correct
    assert v.domain_mismatch and v.mistake == "domain-mismatch"
    assert v.feedback.startswith("Your answer agrees with the derivative where both are defined, but it is undefined")
    assert equivalent(2 * x, parse("2 sqrt(x^3)/sqrt(x)"), x) == "domain-mismatch"


def test_answers_restricted_to_the_problems_domain_are_fine():
    # ln x lives on x > 0, where 1/x and 2/(2x) and x^(-1) agree; points outside the problem's domain don't count.
    assert check_text("ln x", "1/x").correct
    assert check_text("ln(x) + sqrt(x)", "1/x + 1/(2sqrt(x))").correct


@pytest.mark.parametrize("a,b,expected", [
    ("2x", "x+x", "equal"),
    ("sec(x)^2", "1+tan(x)^2", "equal"),
    ("sin(2x)", "2sin(x)cos(x)", "equal"),
    ("ln(6)", "ln 2 + ln 3", "equal"),
    ("2x", "2x+1", "different"),
    ("1/x", "1/x + 10^-80", "different"),
    ("x", "sqrt(x)^2", "equal"),
    ("x", "sqrt(x^2)", "different"),
    ("x", "sqrt(x^3)/sqrt(x)", "domain-mismatch"),
])
def test_equivalent(a, b, expected):
    assert equivalent(parse(a), parse(b), "x") == expected


def test_equivalent_at_complex_points_when_there_are_no_real_ones():
    # ln(−x² − 1) is nowhere real; its derivative is still 2x/(x² + 1), and checking must not crash.
    assert check_text("ln(-x^2-1)", "2x/(x^2+1)").correct
    assert not check_text("ln(-x^2-1)", "2x").correct
    assert check_text("log(-x^2)", "2/x").correct


@pytest.mark.parametrize("problem,answer,correct", [
    ("6^(3x^2+4x-2)", "6^(3x^2+4x-2)(6x+4) ln 6", True),
    ("(x+1)^(10^9)", "10^9 (x+1)^(10^9-1)", True),
    ("x^(10^100)", "10^100 x^(10^100 - 1)", True),
    ("x^(10^100)", "x^(10^100)", False),
    ("e^(10^50 x)", "10^50 e^(10^50 x)", True),
    ("sin(10^100 x)", "10^100 cos(10^100 x)", True),
    ("e^(e^(e^(e^x)))", "e^(e^(e^(e^x)) + e^(e^x) + e^x + x)", True),
])
@pytest.mark.timeout(30)
def test_huge_exponents_are_compared_without_huge_integers(problem, answer, correct):
    assert check_text(problem, answer).correct is correct


def test_verdict_json_has_exactly_the_issue_keys():
    v = check_text("(x^2+1)^3", "3(x²+1)²·2x")
    j = v.to_json()
    assert list(j) == ["correct", "expected", "expected_text", "interpreted_as", "mistake", "feedback", "form"]
    assert j == {
        "correct": True, "expected": "6*x*(x**2 + 1)**2", "expected_text": "6x(x² + 1)²",
        "interpreted_as": "3(x² + 1)²·2x", "mistake": None,  # as typed (issue 13), not SymPy's 6x(x² + 1)²
        "feedback": "Correct, but not simplified (numbers left to multiply).",
        "form": {"simplified": False, "issues": ["numbers left to multiply"]},
    }
    assert json.loads(json.dumps(j, ensure_ascii=False)) == j
    assert parse(j["expected"].replace("**", "^")) == v.expected  # SymPy syntax reads back


def test_interpreted_as_shows_how_the_answer_was_read():
    # In the student's own structure (issue 13): SymPy would reorder to (x² + 2x)eˣ and 1/(2√x).
    assert check_text("x^2 e^x", "e^x(2x+x^2)").interpreted_as == "eˣ(2x + x²)"
    assert check_text("sqrt(x)", "0.5x^(-0.5)").interpreted_as == "0.5x^(−0.5)"


def test_check_answer_with_a_given_key_and_variable():
    t = symbol("t")
    v = check_answer(t**3, "3t^2", "t", expected=3 * t**2)
    assert v.correct and isinstance(v, Verdict)
    assert v.expected == 3 * t**2


def test_unreadable_answers_raise_parse_error_naming_the_field():
    with pytest.raises(ParseError) as e:
        check_text("x^2", "2x +")
    assert e.value.field == "answer" and e.value.offset == 3
    with pytest.raises(ParseError) as e:
        check_text("x^2 +", "2x")
    assert e.value.field == "problem"
    with pytest.raises(LimitError):
        check_text("x^2", "9^9^9^9")


def test_format_verdict_text():
    assert format_verdict(check_text("cos x", "sin x")) == (
        "incorrect\n  read as:  sin(x)\n  expected: −sin(x)\n  mistake:  sign-error\n"
        "  Check the sign: your answer has the right size but the opposite sign — (cos u)′ = −sin u · u′.")
    assert format_verdict(check_text("x^2", "2x")) == "correct\n  read as:  2x\n  expected: 2x\n  Correct."


def test_compare_details_say_how_it_was_decided():
    verdict, info = compare(sp.sec(x) ** 2, 1 + sp.tan(x) ** 2, x)
    assert verdict == "equal" and info["proof"] in ("symbolic", "numeric")
    verdict, info = compare(2 * x, 2 * x + 1, x)
    assert verdict == "different" and "at" in info


# ---------------------------------------------------------------------------------------------------------------
# Batch grading


def test_grade_batch_mixed_rows_in_order():
    lines = [
        "problem\tanswer",
        "x^2\t2x",
        "x^2\t3x",
        "",
        "# a comment",
        "(x^2+1)^3\t3(x^2+1)^2",
        "x^2\t2x +",
        "foo\tbar",
        "x^2",
        '"log(x, 3)","1/(x ln 3)"',
        "x^3, 3x^2",
        "x^2\t__import__('os').system('true')",
    ]
    rows = list(grade_batch(lines))
    assert [r["line"] for r in rows] == [2, 3, 6, 7, 8, 9, 10, 11, 12]
    assert rows[0]["correct"] is True and rows[0]["problem"] == "x^2" and rows[0]["answer"] == "2x"
    assert rows[1]["correct"] is False and rows[1]["mistake"] is None
    assert rows[2]["mistake"] == "chain-missing-inner"
    assert rows[3]["error"].startswith("answer: cannot read '2x +' at position 4")
    assert rows[4]["error"].startswith("problem: cannot read 'foo'")
    assert rows[5] == {"line": 9, "error": "expected 2 columns (problem, answer), found 1; in CSV put formulas "
                                          "that contain commas in double quotes"}
    assert rows[6]["correct"] is True and rows[6]["problem"] == "log(x, 3)"
    assert rows[7]["correct"] is True
    assert rows[8]["error"].startswith("answer: cannot read")
    for r in rows:
        json.dumps(r)
        assert ("error" in r) != ("correct" in r)


def test_grade_batch_bytes_bom_and_bad_utf8():
    rows = list(grade_batch([b"\xef\xbb\xbfx^2\t2x\n", b"x^2\t\xff\xfe\n", "x^2\t2x\r\n".encode()]))
    assert rows[0]["correct"] is True
    assert rows[1] == {"line": 2, "error": "not UTF-8 text (byte 5)"}
    assert rows[2]["correct"] is True


def test_grade_batch_require_simplified_and_variable():
    rows = list(grade_batch(["t^3\t3t·t", "t^3\t3t^2"], var="t", require_simplified=True))
    assert [r["correct"] for r in rows] == [False, True]
    assert rows[0]["mistake"] == "not-simplified"


@pytest.mark.timeout(30)
def test_grade_row_never_raises():
    assert "error" in grade_row("x^2", "\n")
    assert "error" in grade_row("(" * 5000, "x")
    assert grade_row("x^2", "2x")["correct"] is True


def test_form_of_directly():
    answer = parse("2x·3(x^2+1)^2")
    assert form_of("2x·3(x^2+1)^2", answer, answer, x) == {"simplified": False, "issues": ["numbers left to multiply"]}
