"""What bank and spec readers share: reading a TOML file, and field checks that collect every problem at once."""

from __future__ import annotations

import tomllib
from pathlib import Path

MAX_FILE_BYTES = 2_000_000  # a bank or spec is a few kB; /dev/zero or a stray video must not be read whole
# Working space under a question or problem: up to 20 cm a problem and its space still fit on one page of either
# paper size. Specs, `sheet --space` and the page layout all check this one number.
MAX_SPACE_CM = 20.0


def read_toml(path, name: str) -> tuple[dict | None, str | None]:
    """(data, None) or (None, "name: what is wrong") for a TOML file; banks and exam specs read files alike."""
    try:
        raw = read_capped(path, MAX_FILE_BYTES)
    except OSError as e:
        return None, f"{name}: cannot read file: {e.strerror or e}"
    if raw is None:
        return None, f"{name}: file too large (limit {MAX_FILE_BYTES // 1_000_000} MB): is this the right file?"
    try:
        return tomllib.loads(raw.decode("utf-8-sig")), None
    except UnicodeDecodeError:
        return None, f"{name}: not UTF-8 text"
    except tomllib.TOMLDecodeError as e:
        return None, f"{name}: TOML syntax error: {e}"


def read_capped(path, limit: int) -> bytes | None:
    """A file's bytes, or None when it holds more than `limit` (read at most limit + 1 bytes: /dev/zero ends too)."""
    if hasattr(path, "open") and not isinstance(path, (str, Path)):
        with path.open("rb") as f:  # an importlib Traversable (the shipped banks)
            raw = f.read(limit + 1)
    else:
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
    return None if len(raw) > limit else raw
