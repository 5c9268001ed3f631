"""Our exam PDFs never split a multiple-choice question across pages: stem and every option on one page."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from quizgen.bank import load_bank
from quizgen.exam import build_exam, load_spec, write_exam

ROOT = Path(__file__).resolve().parents[1]
BANK = load_bank()


def page_texts(pdf: Path) -> list[str]:
    """Each page's text in content order (pdftotext -raw keeps an option's letter, formula and label together),
    without spaces, so a match does not depend on how the text layer spaces a formula."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    n = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    out = []
    for i in range(1, n + 1):
        text = subprocess.run(["pdftotext", "-raw", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout
        out.append(re.sub(r"[\s\u200b]+", "", text))
    return out


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
@pytest.mark.timeout(600)
def test_no_choice_question_splits_across_pages(tmp_path):
    exam = build_exam(load_spec(ROOT / "examples" / "quiz3.toml", BANK), versions=4, jobs=2, bank=BANK)
    write_exam(exam, tmp_path, ["pdf"], jobs=2, bank=BANK)
    checked = 0
    for v in exam.versions:
        for name, letter in ((v.paper_name, "({})"), (v.key_name, "{}")):
            pages = page_texts(tmp_path / f"{name}.pdf")
            for q in v.questions:
                if q.kind != "choice":
                    continue
                stem = squash(f"{q.number}) f({q.variable}) = {q.problem.question_text}")
                where = [i for i, t in enumerate(pages) if stem in t]
                assert len(where) == 1, (name, q.number, where)
                page = pages[where[0]]
                for i, o in enumerate(q.options):
                    assert squash(letter.format("ABCDE"[i]) + o.text) in page, (name, q.number, "ABCDE"[i])
                checked += 1
    assert checked == 4 * 3 * 2
