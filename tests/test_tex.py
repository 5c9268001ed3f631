"""The exam's LaTeX files compile for real (pdflatex or lualatex, as each file's header says), without errors or
overfull boxes beyond 10 pt, for papers and keys; the key command in the header leaves the paper's PDF alone."""

import hashlib
import re
import shlex
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from quizgen.bank import load_bank
from quizgen.exam import build_exam, load_roster, load_spec, write_exam
from quizgen.render.tex import (fallback_fonts, needs_unicode_engine, split_top, tex_comment, tex_escape,
                                tex_points)

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "exam"
BANK = load_bank()
NAMES = ["José Núñez", "O'Brien & Sons_2", "Nguyễn Văn An", "Анна Петрова", "王伟"]
MAX_OVERFULL_PT = 10.0

needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
needs_lualatex = pytest.mark.skipif(shutil.which("lualatex") is None, reason="lualatex not installed")


def header(tex: str) -> dict:
    """The build instructions a .tex file gives in its header comment."""
    engine = re.search(r"^% !TEX program = (\w+)$", tex, re.M).group(1)
    paper = re.search(r"^%   paper:\s+(.+)$", tex, re.M).group(1)
    key = re.search(r"^%   answer key:\s+(.+)$", tex, re.M).group(1)
    return {"engine": engine, "paper": paper, "key": key}


def run_tex(folder: Path, command: str, log_name: str, passes: int = 1) -> str:
    """Run a build command as the header writes it (through the shell); the log of the last pass."""
    for _ in range(passes):
        done = subprocess.run(command, shell=True, cwd=folder,
                              capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL)
        log = (folder / log_name).read_text("utf-8", "replace")
        assert done.returncode == 0, f"{command} failed:\n" + "\n".join(
            line for line in log.splitlines() if line.startswith("!") or "Error" in line)
    return log


def check_log(log: str, what: str) -> None:
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert not errors, f"{what}: {errors}"
    assert "Missing character" not in log, what
    overfull = [float(w) for w in re.findall(r"Overfull \\[hv]box \(([\d.]+)pt too", log)]
    assert all(w <= MAX_OVERFULL_PT for w in overfull), f"{what}: overfull boxes {overfull}"


def compile_all(folder: Path, names: list[str], *, keys=(), passes: int = 1) -> dict[str, str]:
    """Compile the papers `names` (and the keys of `keys`) in two threads; {job name: last log}."""
    jobs = []
    for name in names:
        h = header((folder / f"{name}.tex").read_text("utf-8"))
        # nonstopmode keeps a failing run from waiting for input; the header's command is otherwise run as written
        jobs.append((f"{h['engine']} -interaction=nonstopmode -halt-on-error {name}.tex", f"{name}.log"))
        if name in keys:
            jobs.append((h["key"], f"{name}-key.log"))
    with ThreadPoolExecutor(2) as pool:
        logs = list(pool.map(lambda j: run_tex(folder, j[0], j[1], passes), jobs))
    return {log_name[:-4]: log for (_cmd, log_name), log in zip(jobs, logs)}


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


# ---------------------------------------------------------------- without TeX


def test_points_as_exam_cls_reads_them():
    assert [tex_points(p) for p in (2, 2.5, 0.5, 1.5, 10, 1.25, 0.3)] == [
        "2", r"2\half", r"\half", r"1\half", "10", None, None]


def test_escape_maps_scripts_and_keeps_double_hyphens():
    assert tex_escape("eˣ, logₐ x and x⁻²") == (r"e\textsuperscript{x}, log\textsubscript{a} x and "
                                                r"x\textsuperscript{\ensuremath{-}2}")
    assert tex_escape("exam --versions 3") == r"exam -\kern0pt -versions 3"
    assert tex_escape("a\rb\nc\x07d\u2028e\x85f") == "a b cd e f"
    assert tex_escape("50% & #1_a {x}") == r"50\% \& \#1\_a \{x\}"


def test_comments_cannot_end_early():
    assert tex_comment("quizgen exam 'quiz\r\\input{evil}.toml'\n\x0b\u2028x") == (
        "quizgen exam 'quiz \\input{evil}.toml' x")


def test_engine_choice():
    assert not needs_unicode_engine("José Núñez", "O'Brien & Sons_2", "Ærøskøbing — Łódź", "eˣ and logₐ x")
    for name in ("Nguyễn Văn An", "Анна Петрова", "王伟"):
        assert needs_unicode_engine(name)
    assert len(fallback_fonts("Анна")) == 1 and len(fallback_fonts("王伟")) == 2  # CJK fonts only when needed


def test_split_top_keeps_groups_whole():
    tex = r"\frac{d}{dx}\left[\frac{x}{x = 1}\right] = \frac{f'g - fg'}{g^{2}} = {a = b} = c"
    assert split_top(tex) == [r"\frac{d}{dx}\left[\frac{x}{x = 1}\right]", r"\frac{f'g - fg'}{g^{2}}", "{a = b}",
                              "c"]
    assert split_top(r"u = x^{2}, \quad f(u) = \sin{(u)}", r", \quad") == ["u = x^{2}", r"f(u) = \sin{(u)}"]


def test_header_names_engine_and_key_command(tmp_path):
    exam = build_exam(load_spec(FIX / "small.toml", BANK), versions=1, jobs=1, bank=BANK)
    write_exam(exam, tmp_path, ["tex"], jobs=1, bank=BANK)
    tex = (tmp_path / "exam-A.tex").read_text("utf-8")
    assert header(tex) == {"engine": "pdflatex", "paper": "pdflatex exam-A.tex",
                           "key": r'pdflatex -jobname=exam-A-key "\def\answerkey{}\input{exam-A}"'}
    assert r"\question[1\half]" in tex and r"\numpoints" in tex and r"\gradetable[h][questions]" in tex


# ---------------------------------------------------------------- compiled


@needs_pdflatex
@pytest.mark.timeout(600)
def test_example_spec_three_versions_compile_and_key_keeps_paper(tmp_path):
    from quizgen.cli.text import exam_command

    exam = build_exam(load_spec(ROOT / "examples" / "quiz3.toml", BANK), versions=3, jobs=1, bank=BANK)
    exam.regen = exam_command(exam, "examples/quiz3.toml")  # what the CLI prints in the footer
    write_exam(exam, tmp_path, ["tex"], jobs=1, bank=BANK)
    names = ["exam-A", "exam-B", "exam-C"]
    assert sorted(p.stem for p in tmp_path.glob("*.tex")) == names
    logs = compile_all(tmp_path, names, keys=names)
    for job, log in logs.items():
        check_log(log, job)
    # The header says three runs settle the totals: run the paper and the key of A twice more, as it says.
    paper_pdf = tmp_path / "exam-A.pdf"
    h = header((tmp_path / "exam-A.tex").read_text("utf-8"))
    run_tex(tmp_path, h["paper"], "exam-A.log", passes=2)
    before = hashlib.sha256(paper_pdf.read_bytes()).hexdigest()
    key_log = run_tex(tmp_path, h["key"], "exam-A-key.log", passes=2)
    assert hashlib.sha256(paper_pdf.read_bytes()).hexdigest() == before  # the key went to its own file
    paper_log = (tmp_path / "exam-A.log").read_text("utf-8", "replace")
    for log in (paper_log, key_log):
        check_log(log, "third run")
        assert "Rerun" not in log and "run LaTeX again" not in log
    key_text, paper_text = pdf_text(tmp_path / "exam-A-key.pdf"), pdf_text(paper_pdf)
    assert "Answer key" in key_text and "Answer key" not in paper_text
    assert "35 points" in paper_text and "Page 1 of" in paper_text and "??" not in paper_text
    assert "quizgen exam" in paper_text and "--versions 3" in paper_text  # two hyphens, not an en-dash


@needs_pdflatex
@pytest.mark.timeout(600)
def test_half_points_and_five_options_compile(tmp_path):
    exam = build_exam(load_spec(FIX / "half-points.toml", BANK), jobs=1, bank=BANK)
    write_exam(exam, tmp_path, ["tex"], jobs=1, bank=BANK)
    tex = (tmp_path / "exam-A.tex").read_text("utf-8")
    assert tex.count(r"\question[2\half]") == 2 and tex.count(r"\question[\half]") == 2
    assert r"\question[2.5]" not in tex and tex.count(r"\choice ") + tex.count(r"\CorrectChoice ") == 10
    for job, log in compile_all(tmp_path, ["exam-A"], keys=["exam-A"], passes=2).items():
        check_log(log, job)
    assert re.search(r"5 questions, 7\s*(1/2|½) points", pdf_text(tmp_path / "exam-A.pdf"))  # exam.cls's total


@needs_pdflatex
@pytest.mark.timeout(600)
def test_steps_with_quotients_compile(tmp_path):
    exam = build_exam(load_spec(FIX / "quotient-steps.toml", BANK), jobs=1, bank=BANK)
    write_exam(exam, tmp_path, ["tex"], jobs=1, bank=BANK)
    tex = (tmp_path / "exam-A.tex").read_text("utf-8")
    assert r"\qgchain" in tex and not re.search(r"\^\{[^{}]*\}\^", tex)  # no double superscript x^{2}^{2}
    for job, log in compile_all(tmp_path, ["exam-A"], keys=["exam-A"]).items():
        check_log(log, job)
    assert "Quotient rule" in pdf_text(tmp_path / "exam-A-key.pdf")


@needs_pdflatex
@needs_lualatex
@pytest.mark.timeout(900)
def test_roster_names_in_any_script_compile_as_written(tmp_path):
    roster_file = tmp_path / "class.csv"
    roster_file.write_text("name,id\n" + "".join(f'"{n}",S{i}\n' for i, n in enumerate(NAMES, 1)), "utf-8")
    exam = build_exam(load_spec(FIX / "small.toml", BANK), roster=load_roster(roster_file), jobs=1, bank=BANK)
    out = tmp_path / "out"
    write_exam(exam, out, ["tex"], jobs=1, bank=BANK)
    names = [v.paper_name for v in exam.versions]
    engines = {n: header((out / f"{n}.tex").read_text("utf-8"))["engine"] for n in names}
    assert list(engines.values()) == ["pdflatex", "pdflatex", "lualatex", "lualatex", "lualatex"]
    cyrillic = names[3]
    logs = compile_all(out, names, keys=[cyrillic])
    for job, log in logs.items():
        check_log(log, job)
    for v, name in zip(exam.versions, NAMES):
        # TeX prints the ASCII apostrophe as the typographic one (’); every letter is as written.
        assert name in pdf_text(out / f"{v.paper_name}.pdf").replace("’", "'"), name
    assert f"Paper of {NAMES[3]} (S4)" in pdf_text(out / f"{cyrillic}-key.pdf")


@needs_pdflatex
@pytest.mark.timeout(600)
def test_bank_titles_with_unicode_scripts_compile(tmp_path):
    """Family titles such as "eˣ plus a power" and "logₐ of a quadratic" head their parts in the .tex."""
    from quizgen.exam import spec_from_dict

    # The first six topics' titles (eˣ, logₐ) typeset in pdflatex; the newer topics' σ, ∂ and ∇ take lualatex, the
    # engine chosen for scripts pdflatex lacks (tested with the unicode names).
    first = ("power", "basic", "product", "quotient", "chain", "exp-log")
    fams = [f for f in BANK.families if not f.title.isascii() and f.topic in first]
    assert len(fams) >= 17
    spec = spec_from_dict({"title": "Titles", "seed": 3, "section": [{"family": f.id, "count": 1} for f in fams]},
                          "titles.toml", BANK)
    exam = build_exam(spec, versions=1, jobs=1, bank=BANK)
    write_exam(exam, tmp_path, ["tex"], jobs=1, bank=BANK)
    tex = (tmp_path / "exam-A.tex").read_text("utf-8")
    assert header(tex)["engine"] == "pdflatex" and r"e\textsuperscript{x}" in tex and r"log\textsubscript{a}" in tex
    for job, log in compile_all(tmp_path, ["exam-A"]).items():
        check_log(log, job)
    text = pdf_text(tmp_path / "exam-A.pdf")
    assert "Part 1" in text and f"Part {len(fams)}" in text


@needs_pdflatex
@pytest.mark.timeout(600)
def test_control_characters_in_file_names_stay_in_their_comment(tmp_path):
    """A CR in the spec's or roster's file name must not end the header's comment line (the rest would be TeX)."""
    spec_file = tmp_path / "quiz\r\\input{evil}\x0b.toml"
    spec_file.write_text((FIX / "small.toml").read_text("utf-8"), "utf-8")
    roster_file = tmp_path / "class\r\\end{document}.csv"
    roster_file.write_text("name\nAda Lovelace\n", "utf-8")
    from click.testing import CliRunner

    from quizgen.cli import main

    res = CliRunner().invoke(main, ["exam", str(spec_file), "--roster", str(roster_file), "-o", str(tmp_path / "out"),
                                    "--format", "tex,moodle,stack,qti", "--jobs", "1"])
    assert res.exit_code == 0, res.output
    tex = (tmp_path / "out" / "exam-ada-lovelace.tex").read_text("utf-8")
    assert not re.search("[\r\x0b\x85\u2028]", tex)
    assert "\\input{evil}" in tex.splitlines()[1] and tex.splitlines()[1].startswith("% quizgen exam")
    assert all(line.startswith("%") for line in tex.splitlines()[:10])
    assert "\n\\input{evil}" not in tex and tex.count("\n\\end{document}") == 1
    for job, log in compile_all(tmp_path / "out", ["exam-ada-lovelace"]).items():
        check_log(log, job)
    import xml.etree.ElementTree as ET
    import zipfile

    for name in ("exam.moodle.xml", "exam.stack.xml"):
        ET.parse(tmp_path / "out" / name)  # well-formed despite the control characters in the names
    with zipfile.ZipFile(tmp_path / "out" / "exam.qti.zip") as zf:
        for member in zf.namelist():
            ET.fromstring(zf.read(member))
