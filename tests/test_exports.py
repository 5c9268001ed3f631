"""Exports beyond the PDFs: spec checks that keep control characters out of them, STACK and Canvas QTI files."""

from pathlib import Path

from click.testing import CliRunner

from quizgen.cli import main

FIX = Path(__file__).parent / "fixtures" / "exam"


def test_exam_check_reports_control_characters_in_titles(tmp_path):
    spec = tmp_path / "ctl.toml"
    spec.write_text((FIX / "small.toml").read_text("utf-8").replace('title = "Quiz — small"', 'title = "Quiz\\u0085"')
                    .replace('topic = "power"', 'topic = "power"\ntitle = "Part\\u0007 one"\ninstruction = "a\\u007fb"'),
                    "utf-8")
    res = CliRunner().invoke(main, ["exam", "check", str(spec)])
    assert res.exit_code == 2, res.output
    assert res.output.splitlines() == [
        f"{spec}: title: contains control characters (remove them)",
        f"{spec}: section[1].title: contains control characters (remove them)",
        f"{spec}: section[1].instruction: contains control characters (remove them)",
        "3 problems found",
    ]
