"""Bank validation: every problem in every file reported at once, with file, family and field."""

from pathlib import Path

import pytest

from quizgen.bank import TOPICS, load_bank
from quizgen.errors import BankError

FIX = Path(__file__).parent / "fixtures" / "banks"


def test_shipped_banks_are_valid_and_cover_every_topic_and_difficulty():
    bank = load_bank()
    assert len(bank.families) >= 40
    from quizgen.rules import SEVERAL_TOPICS

    assert list(bank.topics) == list(TOPICS) + list(SEVERAL_TOPICS)
    for t in bank.topics.values():
        assert {f.difficulty for f in t.families} == {1, 2, 3}, t.name


def test_broken_file_lists_every_problem():
    with pytest.raises(BankError) as e:
        load_bank([FIX / "broken.toml"])
    name = str(FIX / "broken.toml")
    assert e.value.problems == [
        f"{name}: colour: unknown key (allowed: description, family, mixed, title, topic)",
        f"{name}: family Bad Id: extra: unknown key (allowed: ask, constant_derivative, constraints, difficulty, id, "
        "instruction, max_answer_length, max_order, neg_powers, params, rules, template, title, variable, variables, "
        "wrt)",
        f"{name}: family Bad Id: id: 'Bad Id' must be lower-case words joined by '-', e.g. chain-exp-poly",
        f"{name}: family Bad Id: difficulty: must be 1, 2 or 3, not 4",
        f"{name}: family Bad Id: params.a.int: must be [lo, hi] with whole numbers lo <= hi",
        f"{name}: family Bad Id: template: cannot read '(x^2 + a' at position 1: this parenthesis is never closed "
        "(add ')')",
        f"{name}: family chain-unused: template: cannot read \"__import__('os').system('touch /tmp/pwne\"… at "
        "position 1: '__' is not allowed in a formula (formulas are math, not Python)",
        f"{name}: family chain-ok: id: duplicate: already used in {name}",
        f"{name}: family chain-ok: params.a.choice: 'x' is not a whole number or a fraction written like \"3/2\"",
        f"{name}: family chain-ok: constraints[0]: a single comparison such as \"a != b\" or \"n > 1\" "
        "(operators != == < <= > >=)",
    ]


def test_toml_syntax_error_names_line_and_column():
    with pytest.raises(BankError) as e:
        load_bank([FIX / "syntax.toml"])
    assert e.value.problems == [
        f"{FIX / 'syntax.toml'}: TOML syntax error: Expected ']]' at the end of an array declaration "
        "(at line 2, column 9)"]


def test_errors_from_several_files_at_once():
    with pytest.raises(BankError) as e:
        load_bank([FIX / "syntax.toml", FIX / "broken.toml"])
    assert len(e.value.problems) == 11


def test_teacher_family_loads():
    bank = load_bank([FIX / "good.toml"])
    fam = bank.family("teacher-cubes")
    assert fam.difficulty == 2 and fam.capacity == 4 * 11


@pytest.mark.timeout(30)
def test_unsatisfiable_family_is_reported(tmp_path):
    p = tmp_path / "t.toml"
    p.write_text('topic = "power"\n[[family]]\nid = "never"\ndifficulty = 1\ntitle = "t"\n'
                 'template = "a*x^2"\nparams.a = { int = [1, 3] }\nconstraints = ["a > 5"]\n')
    with pytest.raises(BankError) as e:
        load_bank([p])
    assert e.value.problems == [f"{p}: family never: params: no acceptable draw in 40 tries (most common reason: "
                                "a constraint does not hold); widen the domains or relax the constraints"]


def test_a_family_verified_once_reads_the_same_and_a_changed_one_is_checked_again(tmp_path, monkeypatch):
    # Issue 14: a family that passed its template parse and trial draw is not parsed again at the next start (the
    # quiz waited for 131 parses). The family read from the marker must be the one read in full, and an edit is a
    # miss: a broken template is reported even though the family was verified before the edit.
    from quizgen.bank import load_bank
    from quizgen.errors import BankError

    monkeypatch.setenv("QUIZGEN_CACHE_DIR", str(tmp_path / "cache"))
    good = ('topic = "power"\n[[family]]\nid = "t-one"\ntitle = "t"\ndifficulty = 1\ntemplate = "a*x^n"\n'
            'constraints = ["n > 1"]\n[family.params]\na = { int = [2, 3] }\nn = { int = [2, 4] }\n')
    bank = tmp_path / "b.toml"
    bank.write_text(good, encoding="utf-8")
    first = load_bank([bank]).families
    assert list((tmp_path / "cache" / "families").iterdir())  # the marker was written
    second = load_bank([bank]).families
    assert first == second
    bank.write_text(good.replace('"a*x^n"', '"a*x^n + q"').replace('"n > 1"', '"n > (1"'), encoding="utf-8")
    with pytest.raises(BankError) as err:
        load_bank([bank])
    text = str(err.value)
    assert "unknown name 'q'" in text and "constraints[0]" in text
