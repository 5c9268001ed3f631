"""LaTeX source of exam papers (the `exam` document class): one editable file per version, key included."""

from __future__ import annotations

import unicodedata

from quizgen.render.env import render_template

# Characters with a meaning in LaTeX text, and typographic characters pdflatex may not know in every setup.
_TEX_TEXT = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "%": r"\%",
    "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "—": "---", "–": "--", "·": r"\textperiodcentered{}", "′": r"\ensuremath{'}", "″": r"\ensuremath{''}",
    "×": r"\ensuremath{\times}", "÷": r"\ensuremath{\div}", "−": r"\ensuremath{-}", "…": r"\dots{}", "“": "``",
    "”": "''", "‘": "`", "’": "'", "π": r"\ensuremath{\pi}", "≈": r"\ensuremath{\approx}", "≤": r"\ensuremath{\le}",
    "≥": r"\ensuremath{\ge}", "√": r"\ensuremath{\surd}", "\u00a0": "~", "\u2009": r"\,", "\u202f": r"\,",
}
# Unicode superscript and subscript letters (bank titles say eˣ, logₐ x): a run of them is one \textsuperscript.
_SUPERSCRIPT = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ˣⁿᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷʸᶻ",
                        "0123456789+-=()xnabcdefghijklmoprstuvwyz"))
_SUBSCRIPT = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", "0123456789+-=()aeoxhklmnpstijruv"))
_PAPER = {"a4": "a4paper", "letter": "letterpaper"}

# Letters pdflatex prints with T1 + Latin Modern (LaTeX's t1enc.dfu); any other letter needs LuaLaTeX + fontspec.
_T1_MISSING = {0x126, 0x127, 0x138, 0x13F, 0x140, 0x149, 0x166, 0x167, 0x17F}
_T1_EXTRA = set("¡£«»¿")


def _t1_letter(c: str) -> bool:
    o = ord(c)
    return (0xC0 <= o <= 0xFF and o not in (0xD7, 0xF7)) or (0x100 <= o <= 0x17F and o not in _T1_MISSING)


def _drop(c: str) -> bool:
    """Control and format characters, line and paragraph separators: never written into a .tex file."""
    return unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn")


def tex_escape(text: str) -> str:
    """Plain text (a title, a student's name) as LaTeX text that prints the same characters.

    Names are printed as written (NFC, never transliterated); control characters are dropped, line breaks become
    spaces, and "--" stays two hyphens (the TeX ligature would make it an en-dash).
    """
    s = unicodedata.normalize("NFC", str(text))
    out: list[str] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        table = _SUPERSCRIPT if c in _SUPERSCRIPT else _SUBSCRIPT if c in _SUBSCRIPT else None
        if table is not None:
            j = i
            while j < n and s[j] in table:
                j += 1
            run = "".join(table[ch] for ch in s[i:j]).replace("-", r"\ensuremath{-}")
            out.append(rf"\text{'superscript' if table is _SUPERSCRIPT else 'subscript'}{{{run}}}")
            i = j
            continue
        if c in "\t\n\r\v\f\x85\u2028\u2029":
            out.append(" ")
        elif _drop(c):
            pass
        elif c == "-" and i + 1 < n and s[i + 1] == "-":
            out.append(r"-\kern0pt ")  # not -{}: LuaTeX ligatures -{}- into an en-dash all the same
        else:
            out.append(_TEX_TEXT.get(c, c))
        i += 1
    return "".join(out)


def tex_comment(text: str) -> str:
    """Text for a % comment line: no character that could end the line early (CR, LF, NEL, U+2028) or is invisible."""
    s = unicodedata.normalize("NFC", str(text))
    return " ".join("".join(" " if _drop(c) or c.isspace() else c for c in s).split())


def needs_unicode_engine(*texts: str) -> bool:
    """True when some character of `texts` is outside what pdflatex prints with T1 fonts (Cyrillic, CJK, ễ, ...)."""
    for text in texts:
        for c in unicodedata.normalize("NFC", str(text)):
            if (" " <= c <= "~" or c in _TEX_TEXT or c in _SUPERSCRIPT or c in _SUBSCRIPT or c in _T1_EXTRA
                    or _t1_letter(c) or _drop(c) or c.isspace()):
                continue
            return True
    return False


# Fonts the LuaLaTeX preamble looks for, the first installed one of each group: Latin/Greek/Cyrillic serifs, then
# (only when a paper has CJK letters, since loading a CJK font costs seconds) Chinese/Japanese/Korean ones from
# TeX Live (Fandol), Debian/Ubuntu (Noto CJK, Droid), Windows (SimSun) and macOS (Songti).
FALLBACK_FONTS = ("DejaVu Serif", "CMU Serif", "Noto Serif", "FreeSerif", "Times New Roman")
CJK_FALLBACK_FONTS = ("Noto Serif CJK SC", "Source Han Serif SC", "FandolSong-Regular", "Noto Sans CJK SC",
                      "Droid Sans Fallback", "SimSun", "Songti SC")


def _cjk(c: str) -> bool:
    o = ord(c)
    return (0x2E80 <= o <= 0x9FFF or 0xAC00 <= o <= 0xD7AF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF
            or 0x20000 <= o <= 0x3FFFF)


def fallback_fonts(*texts: str) -> list[tuple[str, ...]]:
    """Groups of fallback fonts a LuaLaTeX paper with these texts asks for (it uses the first installed of each)."""
    groups = [FALLBACK_FONTS]
    if any(_cjk(c) for text in texts for c in str(text)):
        groups.append(CJK_FALLBACK_FONTS)
    return groups


def tex_points(p: float) -> str | None:
    r"""Points as exam.cls reads them: 2 -> "2", 2.5 -> "2\half", 0.5 -> "\half"; None when not a multiple of ½."""
    twice = p * 2
    if abs(twice - round(twice)) > 1e-9:
        return None
    whole, half = divmod(int(round(twice)), 2)
    if not half:
        return str(whole)
    return rf"{whole or ''}\half"


def split_top(latex: str, sep: str = "=") -> list[str]:
    """`latex` split at each `sep` outside braces and \\left...\\right pairs: a = b = c -> [a, b, c]."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(latex):
        if depth == 0 and latex.startswith(sep, i):
            parts.append(latex[start:i].strip())
            i = start = i + len(sep)
            continue
        if latex.startswith(r"\left", i) and not latex[i + 5 : i + 6].isalpha():
            depth += 1
            i += 5
            continue
        if latex.startswith(r"\right", i) and not latex[i + 6 : i + 7].isalpha():
            depth -= 1
            i += 6
            continue
        c = latex[i]
        if c == "\\":
            i += 2
            continue
        depth += (c == "{") - (c == "}")
        i += 1
    parts.append(latex[start:].strip())
    return [p for p in parts if p]


def _step_line(tex: str) -> tuple[str, list[str]]:
    """How the template breaks one step formula when it is too wide: at its equals signs, or between the
    "u = …, f(u) = …" definitions of a rule's pieces."""
    defs = split_top(tex, r", \quad")
    if len(defs) > 1:
        return "list", defs
    return "chain", split_top(tex, "=")


def _question_context(q, spec) -> dict:
    """One question as the template sees it; brackets around flat content are plain, as TeX would size them."""
    from quizgen.mistakes import MISTAKE_LABELS
    from quizgen.render.exam_pdf import points_words
    from quizgen.render.formula import plain_delimiters as flat

    p = q.problem
    sec = spec.sections[q.section - 1]
    space = sec.space if sec.space is not None else spec.space * (0.5 if q.kind == "choice" else 1)
    d = {"number": q.number, "kind": q.kind, "points": tex_points(q.points), "points_words": points_words(q.points),
         "var": q.variable, "question": flat(p.question_latex), "answer": flat(p.answer_latex),
         "space": f"{space:g}cm", "options": [], "steps": [], "correct_letter": q.correct_letter}
    from quizgen.render.exam_pdf import _question_prefixes

    (d["qpre"], _), (d["apre"], _) = _question_prefixes(q)  # f(x) = and f'(x) =; ∂f/∂x =, ∇f =, dy/dx = ...
    if q.kind == "choice":
        d["options"] = [{"latex": flat(o.latex), "correct": o.correct,
                         "note": tex_escape(MISTAKE_LABELS.get(o.code, o.code)) if not o.correct else "correct"}
                        for o in q.options]
    sentence = q.ask_sentence
    d["ask_words"], d["ask"] = (tex_escape(sentence[0]), flat(sentence[1])) if sentence else ("", "")
    # The key's lines when something other than f′(x) is asked: f(a), f′(a) then y = …, or f′ then f″.
    d["key_lines"] = [f"{pre} {flat(tex)}".strip() for pre, _pt, tex, _t in q.key_rows] if sentence else []
    if q.kind == "value":
        d["point"] = q.point_latex
        d["value"] = flat(q.value_latex)
        d["decimal"] = "" if q.value_is_decimal else q.decimal_text.replace("−", "-")
    for depth, title, formulas in q.steps:
        lines = []
        for tex, _txt in formulas:
            how, pieces = _step_line(flat(tex))
            lines.append({"how": how, "first": pieces[0], "rest": pieces[1:]})
        d["steps"].append({"depth": depth, "title": tex_escape(title), "lines": lines})
    return d


def engine_for(exam, version, titles: list[str]) -> str:
    """pdflatex when T1 fonts print every letter of the paper, else lualatex (with fontspec and fallback fonts)."""
    return "lualatex" if needs_unicode_engine(*_paper_texts(exam, version, titles)) else "pdflatex"


def _paper_texts(exam, version, titles: list[str]) -> list[str]:
    spec = exam.spec
    texts = [spec.title, spec.subtitle, spec.date, spec.instructions, exam.regen, *titles]
    texts += [sec.instruction for sec in spec.sections]
    if version.student is not None:
        texts += [version.student.name, version.student.id or ""]
    return texts


def key_command(engine: str, name: str) -> str:
    """The command that builds the key from the paper's own file, into NAME-key.pdf (the paper's PDF untouched)."""
    return rf'{engine} -jobname={name}-key "\def\answerkey{{}}\input{{{name}}}"'


def exam_tex(exam, version, *, titles: list[str], template_dir=None) -> str:
    r"""LaTeX source of one paper; defining \answerkey before it (see the file's header) prints the key."""
    from quizgen.render.exam_pdf import kind_instruction, points_words

    spec = exam.spec
    student = version.student
    sections = []
    for sec in spec.sections:
        qs = [q for q in version.questions if q.section == sec.index]
        if not qs:
            continue
        n = len(qs)
        meta = f"{n} questions $\\times$ {points_words(sec.points)}" if n > 1 else points_words(sec.points)
        sections.append({"title": tex_escape(titles[sec.index - 1]), "meta": meta,
                         "instruction": tex_escape(sec.instruction or kind_instruction(sec.kind, sec.ask)),
                         "questions": [_question_context(q, spec) for q in qs]})
    regen = exam.regen + (f" · paper {version.label}" if student else f" · version {version.label}")
    engine = engine_for(exam, version, titles)
    points_ok = all(tex_points(q.points) is not None for q in version.questions)
    count = len(version.questions)
    context = {
        "engine": engine,
        "unicode": engine == "lualatex",
        "fallback_fonts": fallback_fonts(*_paper_texts(exam, version, titles)),
        "name": version.paper_name,
        "build_paper": f"{engine} {version.paper_name}.tex",
        "build_key": key_command(engine, version.paper_name),
        "title": tex_escape(spec.title),
        "subtitle": tex_escape(" · ".join(t for t in (spec.subtitle, spec.date) if t)),
        "instructions": tex_escape(spec.instructions),
        "version": tex_escape(f"Version {version.label}" if student is None else "Personal paper"),
        "key_version": tex_escape(f"Version {version.label}" if student is None else
                                  f"Paper of {student.name}" + (f" ({student.id})" if student.id else "")),
        "label": tex_escape(version.label),
        "student_name": tex_escape(student.name) if student else "",
        "student_id": tex_escape(student.id or "") if student else "",
        "regen": tex_escape(regen),
        "regen_comment": tex_comment(regen),
        "paper": _PAPER.get(spec.paper, "a4paper"),
        # exam.cls adds up points itself (\numpoints, grade table) when every question has whole or half points.
        "exam_points": points_ok,
        "total": f"{version.total_points:g}",
        "count": count,
        "grade_table": "questions" if count <= 20 else "pages",
        "sections": sections,
        "show_steps": exam.steps,
    }
    return render_template("exam/exam.tex", context, template_dir)


__all__ = ["exam_tex", "tex_escape", "tex_comment", "tex_points", "needs_unicode_engine", "engine_for",
           "key_command", "split_top"]
