"""Text as it may be shown on a terminal: control characters written out as escapes, never sent raw."""

from __future__ import annotations

import unicodedata

# Cc: C0/C1 controls, DEL; Cf: format characters (bidi overrides and isolates, zero-width joiners, BOM);
# Cs: lone surrogates (bytes that were not UTF-8); Zl/Zp: line and paragraph separators; Cn: unassigned.
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp", "Cn"})
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(ch: str) -> str:
    code = ord(ch)
    if ch in _SHORT:
        return _SHORT[ch]
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for the byte code - 0xDC00
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def visible(text) -> str:
    """`text` with every control, format, separator and surrogate character escaped (ESC -> \\x1b, U+202E ->
    \\u202e); letters, digits, symbols and spaces stay as they are. For one line: a newline is escaped too."""
    text = str(text)
    if text.isascii() and text.isprintable():
        return text
    return "".join(_escape(ch) if unicodedata.category(ch) in _HIDDEN else ch for ch in text)


def visible_lines(text) -> str:
    """Like visible(), line by line: the newlines between lines stay."""
    return "\n".join(visible(line) for line in str(text).split("\n"))


def is_utf8(text: str) -> bool:
    """False when `text` holds surrogate escapes (bytes from argv or a file name that were not UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
