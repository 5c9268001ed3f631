"""Plain-text renderings for the terminal: problem lists, solutions, steps, bank listings, quiz screens and stats."""

from __future__ import annotations

import os
import sys

from ..quiz.session import QuizIO, bar, plain, preview


# The printers import SymPy: imported at first use, so the quiz's first screen can be written before SymPy loads.
def to_text(*args, **kwargs) -> str:
    from ..printing import to_text as printed

    return printed(*args, **kwargs)


def text_or_str(*args, **kwargs) -> str:
    from ..printing import text_or_str as printed

    return printed(*args, **kwargs)


def step_line(step) -> str:
    """One step as a sentence a teacher would say: the rule, its pieces, and the result."""
    from ..steps import RULE_TITLES

    from ..solution import ASKED_RULES, operator, step_formulas

    title = RULE_TITLES.get(step.rule, step.rule)
    if step.rule in ASKED_RULES or step.rule == "log-diff":
        return f"{title}: " + "; ".join(text for _tex, text in step_formulas(step))
    head = f"{title}: {operator(step)[1]} [{to_text(step.expr)}]"
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


def problem_set_text(ps, steps: bool = False, regen: str = "") -> str:
    """A set as text: a header (with `regen`, the caller's rebuild command), then each problem and its key."""
    head = f"# quizgen: {len(ps.problems)} problems · seed {ps.seed}" + (f" · regenerate: {regen}" if regen else "")
    lines = [head, ""]
    width = len(str(len(ps.problems)))
    for p in ps.problems:
        lines.append(f"{p.number:>{width}}. {p.asked.question(p)}")
        if p.ask == "derivative":
            lines.append(f"{'':>{width}}  = {p.answer_text}")
        else:
            lines += [f"{'':>{width}}  {pre_txt + ' ' if pre_txt else ''}{txt}"
                      for _pt, pre_txt, _t, txt in p.asked.key_lines(p)]
        lines.append(f"{'':>{width}}  ({p.topic}, difficulty {p.difficulty}, {p.family})")
        if steps:
            for s in step_lines(p.steps):
                lines.append(f"{'':>{width}}    · {s}")
        lines.append("")
    return "\n".join(lines).rstrip()


def solve_text(result, steps: bool = False) -> str:
    p = result.problem
    if p is None:
        lines = [f"d/d{result.variable} [ {to_text(result.expr)} ] = {result.derivative_text}"]
    else:
        lines = [p.asked.question(p)] + [f"  {pre + ' ' if pre else ''}{txt}"
                                         for _pt, pre, _t, txt in p.asked.key_lines(p)]
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
    head = "correct" if v.correct else "incorrect" if getattr(v, "decided", True) else "undecided"
    expected = v.expected_text if hasattr(v, "expected_text") else text_or_str(v.expected)
    lines = [head, f"  read as:  {v.interpreted_as}"]
    lines += [f"  note:     {n}" for n in getattr(v, "notes", ())]
    lines.append(f"  expected: {expected}")
    if v.mistake:
        lines.append(f"  mistake:  {v.mistake}")
    lines.append(f"  {v.feedback}")
    return "\n".join(lines)


# ---------------------------------------------------------------- quiz screens and terminal I/O


def _screen(template_dir=None):
    """A QuizIO screen renderer: templates/terminal/NAME.txt with the session's context."""
    def screen(name: str, context: dict) -> str:
        from .env import render_template

        return render_template(f"terminal/{name}.txt", context, template_dir)

    return screen


def _not_utf8(n: int, raw: bytes, start: int):
    from ..errors import InputError

    return InputError(f"standard input: line {n}: not UTF-8 text (byte {start + 1} is 0x{raw[start]:02x}); "
                      f"type answers in UTF-8")


def decode_line(line, n: int) -> str:
    """A line read from the student, as text: bytes are decoded as UTF-8 whatever the locale says, and a line that
    is not UTF-8 (raw bytes, or the surrogate escapes Python makes of them) is an InputError naming it."""
    if isinstance(line, str):
        try:
            line.encode("utf-8")
            return line
        except UnicodeEncodeError:
            try:
                line = line.encode("utf-8", "surrogateescape")  # back to the bytes they stand for
            except UnicodeEncodeError:
                line = line.encode("utf-8", "surrogatepass")  # any other lone surrogate: not UTF-8 either
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _not_utf8(n, line, e.start) from None


def pipe_io(stdin=None, stdout=None, style=plain, template_dir=None) -> QuizIO:
    """One answer per line from a pipe or file; the prompt and the line read are echoed, so the output reads as
    a transcript of the session. A text stdin is read through its bytes: a strict or ASCII locale must not
    decide what an answer is, and bytes that are not UTF-8 are never echoed back."""
    stdin = stdin or sys.stdin
    source = getattr(stdin, "buffer", stdin)
    stdout = stdout or sys.stdout
    count = 0

    def write(text: str) -> None:
        stdout.write(text)
        stdout.flush()

    def read(prompt: str) -> str:
        nonlocal count
        write(prompt)
        line = source.readline()
        if not line:
            write("\n")
            raise EOFError
        count += 1
        line = decode_line(line, count).rstrip("\r\n")
        write(line + "\n")
        return line

    return QuizIO(read, write, style, _screen(template_dir))


def terminal_io(style=plain, variable: str = "x", history_path=None, use_prompt_toolkit: bool = True,
                template_dir=None, stdout=None) -> QuizIO:
    """An interactive terminal: prompt_toolkit when installed (line editing, input history, and a live
    "read as" preview under the prompt), otherwise input() with readline's line editing and history."""
    out = stdout or sys.stdout

    def write(text: str) -> None:
        out.write(text)
        out.flush()

    if use_prompt_toolkit:
        try:
            from prompt_toolkit import PromptSession
            from prompt_toolkit.history import FileHistory, InMemoryHistory
        except ImportError:
            pass
        else:
            history = InMemoryHistory()
            if history_path is not None:
                try:
                    os.makedirs(os.path.dirname(str(history_path)) or ".", exist_ok=True)
                    history = FileHistory(str(history_path))
                except OSError:
                    pass
            session = PromptSession(history=history)

            def toolbar():
                return preview(session.default_buffer.text, variable)

            def read_pt(prompt: str) -> str:
                return session.prompt(prompt, bottom_toolbar=toolbar)

            return QuizIO(read_pt, write, style, _screen(template_dir))
    try:
        import readline  # noqa: F401 — importing it gives input() line editing and history
    except ImportError:
        pass
    count = 0

    def read(prompt: str) -> str:
        nonlocal count
        try:
            line = input(prompt)
        except UnicodeDecodeError as e:  # a strict locale's own decoding refused the bytes
            raise _not_utf8(count + 1, e.object, e.start) from None
        count += 1
        return decode_line(line, count)

    return QuizIO(read, write, style, _screen(template_dir))


# ---------------------------------------------------------------- stats


def stats_text(doc: dict, style=None) -> str:
    """The stats document as compact tables with accuracy bars (80 columns)."""
    from .env import render_template

    style = style or plain
    from ..history.store import LEVELS

    def pct(d):
        return "   -" if d["accuracy"] is None else f"{round(100 * d['accuracy']):3d}%"

    def row_bar(d):
        return "··········" if d["accuracy"] is None else bar(d["accuracy"])

    def gauge(level):
        k = LEVELS.index(level)
        return "●" * k + "○" * (len(LEVELS) - 1 - k)

    total = doc["total"]
    week = {"attempts": sum(r["last_7_days"]["attempts"] for r in doc["rules"].values()),
            "correct": sum(r["last_7_days"]["correct"] for r in doc["rules"].values())}
    rules = [{"name": k, "gauge": gauge(v["mastery"]), "mastery": v["mastery"], "attempts": v["attempts"],
              "correct": v["correct"], "pct": pct(v), "bar": row_bar(v), "streak": v["streak"],
              "week": v["last_7_days"]["attempts"], "week_pct": pct(v["last_7_days"])}
             for k, v in doc["rules"].items()]
    asked = doc.get("asks") or {}
    # What was asked gets its own table once anything beyond f′(x) has been: f″, f′(a), tangent and normal lines.
    asks = [{"name": k, "gauge": gauge(v["mastery"]), "mastery": v["mastery"], "attempts": v["attempts"],
             "correct": v["correct"], "pct": pct(v), "bar": row_bar(v), "streak": v["streak"],
             "week": v["last_7_days"]["attempts"], "week_pct": pct(v["last_7_days"])}
            for k, v in asked.items()] if set(asked) - {"derivative"} else []
    diffs = [{"name": k, "attempts": v["attempts"], "correct": v["correct"], "pct": pct(v), "bar": row_bar(v),
              "week": v["last_7_days"]["attempts"], "week_pct": pct(v["last_7_days"])}
             for k, v in doc["difficulties"].items()]

    return render_template("terminal/stats.txt", {
        "style": style, "total": total, "total_pct": round(100 * total["correct"] / total["attempts"])
        if total["attempts"] else None, "week": week, "week_pct": round(100 * week["correct"] / week["attempts"])
        if week["attempts"] else None, "rules": rules, "asks": asks, "diffs": diffs})
