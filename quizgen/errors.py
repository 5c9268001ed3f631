"""Exception types that the CLI turns into one-line messages and exit codes."""

from __future__ import annotations


class QuizgenError(Exception):
    """Base for every error a user can cause; the CLI prints str(err) and exits with `exit_code`."""

    exit_code = 2


class ParseError(QuizgenError):
    """Text that is not a readable formula; `offset` is the 0-based character position of the problem."""

    def __init__(self, message: str, text: str = "", offset: int | None = None, hint: str | None = None):
        self.message = message
        self.text = text
        self.offset = offset
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        from quizgen.util.text import visible

        where = f" at position {self.offset + 1}" if self.offset is not None else ""
        hint = f" ({self.hint})" if self.hint else ""
        return visible(f"cannot read {_snippet(self.text, self.offset)}{where}: {self.message}{hint}")

    def pointer(self) -> str:
        """The input with a caret under the offending character, for terminals; control characters (ESC, CR,
        bidi overrides ...) are shown escaped, never sent, and the caret counts their escapes."""
        from quizgen.util.text import visible

        if self.offset is None or not self.text or "\n" in self.text or len(self.text) > 200:
            return ""
        return f"  {visible(self.text)}\n  {' ' * len(visible(self.text[:self.offset]))}^"


def _snippet(text: str, offset: int | None, width: int = 40) -> str:
    """The input as quoted in a message, cut around the offset so a 20,000-character input stays one short line."""
    if len(text) <= width:
        return repr(text)
    start = max(0, min((offset or 0) - width // 2, len(text) - width))
    cut = text[start:start + width]
    return ("…" if start else "") + repr(cut) + ("…" if start + width < len(text) else "")


class VariableError(ParseError):
    """A variable that is not one letter other than e; `field` is "var" (the caller's option, not the formula)."""

    REASON = "must be one letter (a to z or A to Z, not e)"

    def __init__(self, var):
        self.var = var
        self.field = "var"
        super().__init__(self.REASON, str(var), None)

    def one_line(self) -> str:
        from quizgen.util.text import visible

        return visible(f"the variable {self.REASON}, not {self.var!r}")


class LimitError(ParseError):
    """Input beyond a stated size limit (length, nesting, number size); refused before any work."""


class ValidationError(QuizgenError):
    """Every problem found in a file we read, at once; `problems` holds each as 'file: place: reason'."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class BankError(ValidationError):
    """Problems in bank files, each as 'file: family <id>: field: reason'."""


class SpecError(ValidationError):
    """Problems in an exam spec or roster file, each as 'file: section[2].kind: reason'."""


class GenerationError(QuizgenError):
    """A request the banks cannot satisfy (too many distinct problems, unknown topic or family)."""


class OutputError(QuizgenError):
    """An output path that cannot be written."""


class InputError(QuizgenError):
    """Text read from a file or stream that cannot be what it should be (not UTF-8, a line beyond the limit)."""


class StoreError(QuizgenError):
    """The history database cannot be opened, read or written."""


class TimeLimitError(QuizgenError):
    """Work that did not finish within the time budget its caller gave (exit 3: undecided, not a bad input)."""

    exit_code = 3
