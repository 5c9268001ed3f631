"""Text that XML 1.0 allows, for every export we write (Moodle, STACK, QTI): no control characters."""

from __future__ import annotations

import unicodedata


def xml_text(text: str) -> str:
    """`text` without the characters XML 1.0 forbids (C0 controls but tab and line breaks, U+FFFE/U+FFFF, lone
    surrogates) and without C1 controls and DEL, which it allows but no importer expects; CR becomes a space."""
    out = []
    for c in str(text):
        if c in "\t\n":
            out.append(c)
        elif c == "\r":
            out.append(" ")
        elif unicodedata.category(c) in ("Cc", "Cs") or c in "\ufffe\uffff":
            continue
        else:
            out.append(c)
    return "".join(out)


def scrub(root) -> None:
    """Clean every text, tail and attribute value of an ElementTree in place, just before it is written."""
    for el in root.iter():
        if el.text:
            el.text = xml_text(el.text)
        if el.tail:
            el.tail = xml_text(el.tail)
        for k, v in list(el.attrib.items()):
            el.attrib[k] = xml_text(v)


__all__ = ["xml_text", "scrub"]
