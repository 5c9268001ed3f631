"""Typical-mistake variants: built from the expression tree, pairwise distinct, never the key, really matched."""

import pytest
import sympy as sp

from quizgen.checker import check_answer
from quizgen.equiv import equivalent
from quizgen.mathparse import parse, symbol
from quizgen.mistakes import (MISTAKE_CODES, MISTAKE_FEEDBACK, diagnose, mistake_details, mistake_variants,
                              rules_needed)
from quizgen.printing import to_text

x = symbol("x")


def variants_of(text):
    return mistake_variants(parse(text), x)


def has_variant(text, code, wrong_text):
    wrong = parse(wrong_text)
    return any(c == code and equivalent(w, wrong, x) == "equal" for c, w in variants_of(text))


@pytest.mark.parametrize("problem,code,wrong", [
    ("(x^2+1)^3", "chain-missing-inner", "3(x^2+1)^2"),
    ("(x^2+1)^3", "exponent-not-lowered", "3(x^2+1)^3·2x"),
    ("x^2 e^x", "product-of-derivatives", "2x e^x"),
    ("x^2 e^x", "product-missing-term", "2x e^x"),  # dropped for coinciding with product-of-derivatives? see below
    ("x^2/(x+1)", "quotient-sign", "(x^2 - 2x(x+1))/(x+1)^2"),
    ("x^2/(x+1)", "quotient-of-derivatives", "2x"),
    ("x^2/(x+1)", "quotient-denominator", "(2x(x+1) - x^2)/(x+1)"),
    ("x^2/(x+1)", "quotient-no-denominator", "2x(x+1) - x^2"),
    ("3^x", "missing-ln-factor", "3^x"),
    ("3^x", "missing-ln-factor", "3^x/ln 3"),
    ("3^x", "power-rule-on-exponential", "x 3^(x-1)"),
    ("log_5(x^2+1)", "missing-ln-factor", "2x/(x^2+1)"),
    ("log_5(x^2+1)", "chain-missing-inner", "1/((x^2+1) ln 5)"),
    ("x^7", "exponent-not-lowered", "7x^7"),
    ("x^-2", "exponent-raised", "-2x^-1"),
    ("cos(x)", "sign-error", "sin x"),
    ("sin(x^2)", "sign-error", "-2x cos(x^2)"),
    ("ln(x^3+x)", "ln-reciprocal", "1/(3x^2+1)"),
    ("5x^3 + 2", "constant-not-zero", "15x^2 + 2"),
    ("5x^3", "forgot-constant-multiple", "3x^2"),
    ("sin(x)", "not-differentiated", "sin(x)"),
])
def test_variant_is_built_for_the_applicable_rule(problem, code, wrong):
    if problem == "x^2 e^x" and code == "product-missing-term":
        # f′g alone is 2x eˣ, the same as f′g′ here: kept once, under the more specific code.
        assert not has_variant(problem, code, wrong) and has_variant(problem, "product-of-derivatives", wrong)
        return
    assert has_variant(problem, code, wrong), variants_of(problem)


def test_nested_sites_are_used():
    # The product's second factor is a chain: forgetting its inner derivative is a variant of the whole.
    assert has_variant("x^2 sin(3x)", "chain-missing-inner", "2x sin(3x) + x^2 cos(3x)")
    # A quotient inside an exponential: the quotient mistake is carried through e^u·(...)
    assert has_variant("e^(x/(x+1))", "quotient-sign", "-e^(x/(x+1))/(x+1)^2")
    # The chain inside a log-base: ln 2 forgotten *and* inner kept.
    assert has_variant("log_2(sin x)", "missing-ln-factor", "cos(x)/sin(x)")


@pytest.mark.parametrize("problem,absent", [
    ("x^2", "chain-missing-inner"),        # the inside is x itself
    ("sin(x+1)", "chain-missing-inner"),   # inner derivative 1: the "mistake" is the right answer
    ("x^2 + x", "constant-not-zero"),
    ("x^2", "quotient-sign"),
    ("e^x", "missing-ln-factor"),
    ("x^3", "exponent-raised"),            # only for negative exponents
])
def test_variants_only_where_they_apply(problem, absent):
    assert absent not in [c for c, _ in variants_of(problem)]


PROBLEMS = ["(x^2+1)^3", "x^2 e^x", "x^2/(x+1)", "3^x", "log_5(x^2+1)", "x^7", "cos(x)", "ln(x^3+x)", "5x^3 + 2",
            "x sin(x) cos(x)", "e^(x^2) ln x", "sqrt(x^2+1)/x", "tan(3x)^2", "arctan(x^2)", "2^(x^2) sin x", "x^x"]


@pytest.mark.parametrize("problem", PROBLEMS)
def test_variants_are_pairwise_different_and_never_the_key(problem):
    expr = parse(problem)
    key = sp.diff(expr, x)
    vs = mistake_variants(expr, x)
    assert vs, problem
    for _, w in vs:
        assert equivalent(key, w, x, domain=expr) != "equal"
    for i, (_, a) in enumerate(vs):
        for _, b in vs[i + 1:]:
            assert equivalent(a, b, x, domain=expr) != "equal"


@pytest.mark.parametrize("problem", PROBLEMS)
def test_each_variant_is_diagnosed_as_its_own_code(problem):
    expr = parse(problem)
    for code, w in mistake_variants(expr, x):
        assert diagnose(expr, x, w)[0] == code
        v = check_answer(expr, to_text(w))  # through the text a student would type
        assert (v.correct, v.mistake) == (False, code), (code, to_text(w))


def test_variants_are_ordered_most_specific_first():
    codes = [c for c, _ in variants_of("x^2/(x+1)")]
    ranks = [MISTAKE_CODES.index(c) for c in codes]
    assert ranks == sorted(ranks)


def test_mistake_details_carry_feedback():
    d = {v.code: v for v in mistake_details(parse("x^2/(x+1)"), x)}
    assert d["quotient-of-derivatives"].feedback() == (
        "The derivative of a quotient is not f′/g′: use (f′g − fg′)/g² with f = x² and g = x + 1.")
    d = {v.code: v for v in mistake_details(parse("ln(x^2+1)"), "x")}
    assert d["ln-reciprocal"].feedback() == ("(ln u)′ = u′/u: divide the derivative of the inside, 2x, by the inside "
                                             "itself, x² + 1; 1/u′ is something else.")


def test_every_code_has_one_sentence_of_feedback():
    for code in (*MISTAKE_CODES, "rounded-decimals", "domain-mismatch", "not-simplified"):
        text = MISTAKE_FEEDBACK[code]
        assert text.endswith(".") and "\n" not in text


def test_diagnose_without_a_match():
    assert diagnose(parse("x^2 e^x"), x, parse("x^3")) == (
        None, "This is not the derivative; it needs the power rule, the exponential rule and the product rule — "
              "work through them one step at a time.")


def test_rules_needed():
    assert rules_needed(parse("(x^2+1)^3"), x) == ["sum", "power", "chain"]
    assert rules_needed(parse("x^2/(x+1)"), "x") == ["sum", "power", "quotient"]


@pytest.mark.timeout(30)
def test_big_problems_get_only_whole_answer_variants_quickly():
    expr = parse("".join(f"(x+{k})" for k in range(1, 61)))
    codes = {c for c, _ in mistake_variants(expr, x)}
    assert codes <= {"sign-error", "not-differentiated"}


def test_one_label_per_mistake_code():
    from quizgen.mistakes import MISTAKE_LABELS

    assert set(MISTAKE_CODES) <= set(MISTAKE_LABELS)
    assert all(label and "\n" not in label for label in MISTAKE_LABELS.values())


# Two mistakes at once (issue 13): both named, most specific first (`mistakes` in the JSON).
@pytest.mark.parametrize("problem,answer,codes", [
    ("2^(x^2)", "x^2 2^(x^2-1)", ["power-rule-on-exponential", "chain-missing-inner"]),
    ("3^(sin x)", "sin(x) 3^(sin(x)-1)", ["power-rule-on-exponential", "chain-missing-inner"]),
    ("(x^2+1)^3", "3(x^2+1)^3", ["exponent-not-lowered", "chain-missing-inner"]),
    ("log_3(sin x)", "1/sin(x)", ["missing-ln-factor", "chain-missing-inner"]),
    ("cos(x^2)", "sin(x^2)", ["chain-missing-inner", "sign-error"]),
    ("sin(x^2) + e^(3x)", "cos(x^2) + e^(3x)", ["chain-missing-inner", "forgot-constant-multiple"]),
    ("x^2 e^x + sin(4x)", "2x e^x + cos(4x)", ["product-of-derivatives", "chain-missing-inner"]),
    ("x/(x+1) + (2x+1)^4", "(x - (x+1))/(x+1)^2 + 4(2x+1)^3", ["quotient-sign", "chain-missing-inner"]),
    ("ln(x^2+1) + 7^x", "1/(x^2+1) + 7^x", ["missing-ln-factor", "chain-missing-inner"]),
    ("(x^2+1)^(-2)", "-2(x^2+1)^(-1)", ["exponent-raised", "chain-missing-inner"]),
    ("sin(x e^x) + x^3", "cos(x e^x) e^x + 3x^3", ["product-of-derivatives", "exponent-not-lowered"]),
])
def test_two_mistakes_are_both_named(problem, answer, codes):
    from quizgen.checker import check_text

    v = check_text(problem, answer)
    assert (v.correct, v.mistake, list(v.mistakes)) == (False, codes[0], codes), v.feedback
    j = v.to_json()
    assert j["mistake"] == codes[0] and j["mistakes"] == codes
    assert v.feedback.startswith("Two mistakes. ")


@pytest.mark.parametrize("problem", PROBLEMS)
def test_every_pair_the_generator_builds_is_named_with_both_codes(problem):
    from quizgen.mistakes import _pair_details

    expr = parse(problem)
    key = sp.diff(expr, x)
    singles = [w for _, w in mistake_variants(expr, x)]
    for v in _pair_details(expr, x, key):
        if any(equivalent(w, v.wrong, x, domain=expr) == "equal" for w in singles):
            continue  # the same function as one mistake: the single mistake names it
        verdict = check_answer(expr, v.wrong)
        assert verdict.mistakes[:1] == v.codes[:1] and len(verdict.mistakes) == 2, (v.codes, verdict.mistakes)


def test_one_mistake_is_a_list_of_one_in_json():
    from quizgen.checker import check_text

    j = check_text("(x^2+1)^3", "3(x^2+1)^2").to_json()
    assert (j["mistake"], j["mistakes"]) == ("chain-missing-inner", ["chain-missing-inner"])
    assert "mistakes" not in check_text("(x^2+1)^3", "6x(x^2+1)^2").to_json()
