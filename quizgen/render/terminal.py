"""Plain-text renderings for the terminal: problem lists, solutions, steps and bank listings."""

from __future__ import annotations

from ..printing import text_or_str, to_text


def step_line(step) -> str:
    """One step as a sentence a teacher would say: the rule, its pieces, and the result."""
    from ..steps import RULE_TITLES

    title = RULE_TITLES.get(step.rule, step.rule)
    wrt = to_text(step.wrt) if step.wrt is not None else "x"
    head = f"{title}: d/d{wrt} [{to_text(step.expr)}]"
    parts = dict(step.parts)
    if step.rule == "chain" and "u" in parts:
        outer_d = parts.get("f'(u)")
        inner_d = parts.get("u'")
        mid = ""
        if outer_d is not None and inner_d is not None:
            mid = f" outer′ · inner′ = {_factor(outer_d)} · {_factor(inner_d)} ="
        return f"{head} with u = {to_text(parts['u'])}:{mid} {to_text(step.result)}"
    if step.rule == "product" and {"f", "g", "f'", "g'"} <= parts.keys():
        f, g, fd, gd = (parts[k] for k in ("f", "g", "f'", "g'"))
        return (f"{head} = f′g + fg′ = {_factor(fd)} · {_factor(g)} + {_factor(f)} · {_factor(gd)}"
                f" = {to_text(step.result)}")
    if step.rule == "quotient" and {"f", "g", "f'", "g'"} <= parts.keys():
        f, g, fd, gd = (parts[k] for k in ("f", "g", "f'", "g'"))
        return (f"{head} = (f′g − fg′)/g² = ({_factor(fd)} · {_factor(g)} − {_factor(f)} · {_factor(gd)})"
                f"/{_factor(g)}² = {to_text(step.result)}")
    return f"{head} = {to_text(step.result)}"


def _factor(e) -> str:
    s = to_text(e)
    return f"({s})" if (e.is_Add or e.could_extract_minus_sign()) else s


def step_lines(root) -> list[str]:
    """The worked solution, parent rule first, without trivial leaves (constants, x′ = 1)."""
    from ..steps import hints

    return [step_line(s) for s in hints(root)] or [step_line(root)]


def problem_set_text(ps, steps: bool = False) -> str:
    lines = [f"# quizgen: {len(ps.problems)} problems · seed {ps.seed} · regenerate: {ps.regen_code}", ""]
    width = len(str(len(ps.problems)))
    for p in ps.problems:
        lines.append(f"{p.number:>{width}}. d/d{p.variable} [ {p.question_text} ]")
        lines.append(f"{'':>{width}}  = {p.answer_text}")
        lines.append(f"{'':>{width}}  ({p.topic}, difficulty {p.difficulty}, {p.family})")
        if steps:
            for s in step_lines(p.steps):
                lines.append(f"{'':>{width}}    · {s}")
        lines.append("")
    return "\n".join(lines).rstrip()


def solve_text(result, steps: bool = False) -> str:
    lines = [f"d/d{result.variable} [ {to_text(result.expr)} ] = {result.derivative_text}"]
    if steps:
        lines.append("")
        lines.append("Steps:")
        for i, s in enumerate(step_lines(result.steps), 1):
            lines.append(f"  {i}. {s}")
    return "\n".join(lines)


def bank_listing(bank) -> str:
    lines = []
    total = 0
    for t in bank.topics.values():
        by_d = {d: sum(1 for f in t.families if f.difficulty == d) for d in (1, 2, 3)}
        lines.append(f"{t.name} — {t.title} ({len(t.families)} families: "
                     f"{by_d[1]} at difficulty 1, {by_d[2]} at 2, {by_d[3]} at 3)  [{t.source}]")
        for f in sorted(t.families, key=lambda f: (f.difficulty, f.id)):
            cap = f.capacity
            lines.append(f"  {f.id:<32} d{f.difficulty}  {f.title}  (template {f.template}; ≤{cap} draws)")
        total += len(t.families)
        lines.append("")
    lines.append(f"{total} families in {len(bank.topics)} topics")
    return "\n".join(lines)


def format_verdict(v) -> str:
    """Several lines for a terminal: the verdict, how the answer was read, the key, and the feedback."""
    head = "correct" if v.correct else "incorrect"
    lines = [head, f"  read as:  {v.interpreted_as}", f"  expected: {text_or_str(v.expected)}"]
    if v.mistake:
        lines.append(f"  mistake:  {v.mistake}")
    lines.append(f"  {v.feedback}")
    return "\n".join(lines)
