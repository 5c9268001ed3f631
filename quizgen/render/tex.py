"""LaTeX source of exam papers (the `exam` document class): one editable file per version, key included."""

from __future__ import annotations

from quizgen.render.env import render_template

# Characters with a meaning in LaTeX text, and typographic characters pdflatex may not know in every setup.
_TEX_TEXT = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#", "%": r"\%",
    "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}", "<": r"\textless{}", ">": r"\textgreater{}",
    "—": "---", "–": "--", "·": r"\textperiodcentered{}", "′": r"\ensuremath{'}", "″": r"\ensuremath{''}",
    "×": r"\ensuremath{\times}", "−": r"\ensuremath{-}", "…": r"\dots{}", "“": "``", "”": "''", "‘": "`", "’": "'",
    "π": r"\ensuremath{\pi}", "≈": r"\ensuremath{\approx}", "≤": r"\ensuremath{\le}", "≥": r"\ensuremath{\ge}",
    "²": r"\textsuperscript{2}", "³": r"\textsuperscript{3}", "\u00a0": "~",
}
_PAPER = {"a4": "a4paper", "letter": "letterpaper"}


def tex_escape(text: str) -> str:
    """Plain text (a title, a student's name) as LaTeX text that prints the same characters."""
    return "".join(_TEX_TEXT.get(c, c) for c in str(text))


def _points(p: float) -> str:
    return f"{p:g}"


def _question_context(q, spec) -> dict:
    """One question as the template sees it; brackets around flat content are plain, as TeX would size them."""
    from quizgen.mistakes import MISTAKE_LABELS
    from quizgen.render.exam_pdf import points_words

    from quizgen.render.formula import plain_delimiters as flat

    p = q.problem
    sec = spec.sections[q.section - 1]
    space = sec.space if sec.space is not None else spec.space * (0.5 if q.kind == "choice" else 1)
    d = {"number": q.number, "kind": q.kind, "points": _points(q.points), "points_words": points_words(q.points),
         "var": q.variable, "question": flat(p.question_latex), "answer": flat(p.answer_latex),
         "space": f"{space:g}cm", "options": [], "steps": [], "correct_letter": q.correct_letter}
    if q.kind == "choice":
        d["options"] = [{"latex": flat(o.latex), "correct": o.correct,
                         "note": tex_escape(MISTAKE_LABELS.get(o.code, o.code)) if not o.correct else "correct"}
                        for o in q.options]
    if q.kind == "value":
        d["point"] = q.point_latex
        d["value"] = flat(q.value_latex)
        d["decimal"] = "" if q.value_is_decimal else q.decimal_text.replace("−", "-")
    for depth, title, formulas in q.steps:
        d["steps"].append({"depth": depth, "title": tex_escape(title), "math": [flat(tex) for tex, _txt in formulas]})
    return d


def exam_tex(exam, version, *, titles: list[str], template_dir=None) -> str:
    """LaTeX source of one paper; uncommenting \\printanswers (or compiling with it) prints the key."""
    from quizgen.render.exam_pdf import KIND_INSTRUCTIONS, points_words

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
                         "instruction": tex_escape(sec.instruction or KIND_INSTRUCTIONS[sec.kind]),
                         "questions": [_question_context(q, spec) for q in qs]})
    regen = exam.regen + (f" · paper {version.label}" if student else f" · version {version.label}")
    context = {
        "title": tex_escape(spec.title),
        "subtitle": tex_escape(" · ".join(t for t in (spec.subtitle, spec.date) if t)),
        "instructions": tex_escape(spec.instructions),
        "version": tex_escape(f"Version {version.label}" if student is None else "Personal paper"),
        "label": tex_escape(version.label),
        "student_name": tex_escape(student.name) if student else "",
        "student_id": tex_escape(student.id or "") if student else "",
        "regen": tex_escape(regen),
        "regen_comment": regen.replace("\n", " "),
        "paper": _PAPER.get(spec.paper, "a4paper"),
        "total": _points(version.total_points),
        "count": len(version.questions),
        "sections": sections,
        "show_steps": exam.steps,
    }
    return render_template("exam/exam.tex", context, template_dir)


__all__ = ["exam_tex", "tex_escape"]
