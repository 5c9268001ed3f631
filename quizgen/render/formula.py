"""LaTeX to inline SVG with ziamath and the bundled Latin Modern fonts, cached in memory and on disk."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

from ..functions import latex_operator_names

# ziamath sizes are CSS px; 16 px sits with 12 pt text.
FORMULA_PX = 16.0
# Bump when the cached record changes shape or the rendering settings below change.
_CACHE_FORMAT = 5
FONTS_DIR = Path(__file__).resolve().parents[1] / "fonts"
MATH_FONT = FONTS_DIR / "latinmodern-math.otf"

_memory: dict[tuple[str, float], "Svg | None"] = {}
stats = {"memory": 0, "disk": 0, "rendered": 0}


@dataclass(frozen=True)
class Svg:
    """One rendered formula: SVG body and box in CSS px; `depth` is how far it reaches below the baseline."""

    body: str
    viewbox: str
    width: float
    height: float
    depth: float

    def tag(self, scale: float = 1.0) -> str:
        """An inline <svg> element, optionally scaled, that sits on the surrounding text's baseline."""
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width * scale:.2f}" '
            f'height="{self.height * scale:.2f}" viewBox="{self.viewbox}" '
            f'style="vertical-align:{-self.depth * scale:.2f}px">{self.body}</svg>'
        )


def cache_dir() -> Path:
    """Disk cache of rendered formulas: $QUIZGEN_CACHE_DIR or the user cache directory."""
    override = os.environ.get("QUIZGEN_CACHE_DIR")
    if override:
        return Path(override).expanduser() / "svg"
    import platformdirs

    return Path(platformdirs.user_cache_dir("quizgen")) / "svg"


@lru_cache(maxsize=1)
def _renderer_id() -> str:
    """What else decides the output besides the LaTeX and size: ziamath's version and the math font's bytes."""
    from importlib.metadata import version

    font_digest = hashlib.sha256(MATH_FONT.read_bytes()).hexdigest()[:16]
    return f"{_CACHE_FORMAT}|ziamath {version('ziamath')}|{MATH_FONT.name} {font_digest}"


def _key(latex: str, size: float) -> str:
    raw = f"{_renderer_id()}\0{size:g}\0{latex}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1)
def _ziamath():
    import warnings

    with warnings.catch_warnings():
        # ziamath loads its default font through importlib.resources.path, deprecated in Python 3.11.
        warnings.simplefilter("ignore", DeprecationWarning)
        import ziamath

    # svg2 off: SVG 2 reuses glyphs through ids, and many inline SVGs in one page then define the same id twice.
    ziamath.config.svg2 = False
    ziamath.config.math.mathfont = str(MATH_FONT)
    return ziamath


def _render_uncached(latex: str, size: float) -> Svg | None:
    zm = _ziamath()
    try:
        math = zm.Latex(for_ziamath(latex), size=size)
        root = math.svgxml()
    except Exception:  # ziamath raises assorted errors on LaTeX it cannot read; the caller shows plain text
        return None
    body = _one_path(root)
    if body is None:
        import xml.etree.ElementTree as ET

        body = "".join(ET.tostring(child, encoding="unicode") for child in root)
    # Bottom edge of the SVG box is margin + |ymin| below the baseline (ziamath's y axis points up).
    return Svg(
        body=body,
        viewbox=root.attrib["viewBox"],
        width=float(root.attrib["width"]),
        height=float(root.attrib["height"]),
        depth=math.margin - math.getyofst(),
    )


_NUMBER = re.compile(r"-?\d+\.\d+")


def _short(number: re.Match) -> str:
    return f"{float(number.group()):.2f}".rstrip("0").rstrip(".")


def _one_path(root) -> str | None:
    """All glyphs and rules of a formula as a single <path>, coordinates to 0.01 px.

    WeasyPrint styles and draws every SVG element on its own; one element per formula instead of one per glyph
    makes pages faster to lay out and write. None when the SVG holds anything but black paths and rectangles.
    """
    d = []
    for child in root:
        if child.attrib.get("fill", "black") != "black" or set(child.attrib) - {"d", "fill", "x", "y", "width", "height"}:
            return None
        if child.tag.endswith("path"):
            d.append(child.attrib["d"])
        elif child.tag.endswith("rect"):
            x, y, w, h = (child.attrib[k] for k in ("x", "y", "width", "height"))
            # Clockwise on screen, like the glyph outlines, so overlaps stay filled under the nonzero rule.
            d.append(f"M {x} {y} h {w} v {h} h -{w} Z")
        else:
            return None
    return f'<path d="{_NUMBER.sub(_short, " ".join(d))}"/>'


# The cache is a folder anyone with the user's rights (or a shared cache setting) may write: a record is pasted
# into our HTML, so each one is checked before use and a bad one counts as a miss (rendered and written again).
_RECORD_KEYS = frozenset({"body", "viewbox", "width", "height", "depth"})
_MAX_BODY = 1_000_000
_MAX_PX = 100_000.0
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PATH_DATA = r"[MmLlHhVvCcSsQqTtAaZz0-9eE.,+\- \t\n]*"
# What _one_path writes: the one shape almost every formula takes.
_ONE_PATH = re.compile(f'<path d="{_PATH_DATA}"/>')
_VIEWBOX = re.compile(f"{_NUM}(?:[ ,]+{_NUM}){{3}}")
_ID = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_VALUE = {
    "number": re.compile(f"{_NUM}(?:px|%)?"),
    "path": re.compile(_PATH_DATA),
    "transform": re.compile(rf"(?:\s*(?:matrix|translate|scale|rotate|skewX|skewY)\s*\([0-9eE.,+\- ]*\)\s*,?)*\s*"),
    "paint": re.compile(r"none|currentColor|[a-zA-Z]{1,20}|#[0-9a-fA-F]{3,8}|rgb\([0-9., %]*\)"),
    "id": re.compile(_ID),
    "ref": re.compile(f"#{_ID}"),
    "url-ref": re.compile(rf"url\(#{_ID}\)"),
    "word": re.compile(r"[a-zA-Z\-]{1,30}"),
}
_GEOMETRY = {a: "number" for a in ("x", "y", "width", "height", "cx", "cy", "r", "rx", "ry", "x1", "y1", "x2", "y2",
                                    "stroke-width", "opacity", "fill-opacity", "stroke-opacity")}
_PAINT = {"fill": "paint", "stroke": "paint", "transform": "transform", "id": "id", "vector-effect": "word"}
# The elements and attributes ziamath draws (svg2 off); no text, no scripts, no links but to ids in the same SVG.
_SVG_ALLOWED = {
    "path": {"d": "path", **_GEOMETRY, **_PAINT, "marker-end": "url-ref"},
    "rect": {**_GEOMETRY, **_PAINT},
    "circle": {**_GEOMETRY, **_PAINT},
    "ellipse": {**_GEOMETRY, **_PAINT},
    "line": {**_GEOMETRY, **_PAINT, "marker-end": "url-ref"},
    "polygon": {"points": "path", **_GEOMETRY, **_PAINT},
    "polyline": {"points": "path", **_GEOMETRY, **_PAINT},
    "g": {**_GEOMETRY, **_PAINT},
    "defs": {},
    "symbol": {"id": "id", "viewBox": "path"},
    "use": {"href": "ref", **_GEOMETRY, **_PAINT},
    "marker": {"id": "id", "markerWidth": "number", "markerHeight": "number", "refX": "number", "refY": "number",
               "orient": "word", "viewBox": "path"},
}


def _number(value, low: float, high: float) -> bool:
    import math

    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and low <= value <= high)


def _safe_body(body: str) -> str | None:
    """`body` re-written from its parsed elements if it holds only what ziamath draws, else None."""
    if _ONE_PATH.fullmatch(body):
        return body
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(f"<svg>{body}</svg>")
    except ET.ParseError:
        return None

    def fine(el) -> bool:
        allowed = _SVG_ALLOWED.get(el.tag)  # a namespaced tag ("{...}script") is never in the table
        if allowed is None or (el.text or "").strip() or (el.tail or "").strip():
            return False
        for name, value in el.attrib.items():
            kind = allowed.get(name)
            if kind is None or not _VALUE[kind].fullmatch(value):
                return False
        return all(fine(child) for child in el)

    if (root.text or "").strip() or not all(fine(child) for child in root):
        return None
    # Written out again from the checked tree, so nothing the XML parser skipped (comments, CDATA, entities)
    # can reach an HTML parser that reads it differently.
    return "".join(ET.tostring(child, encoding="unicode") for child in root)


def _record(data) -> "Svg | None | bool":
    """The Svg a cache record holds, None for a cached failure, False for a record that is not ours to trust."""
    if data is None:
        return None
    if not isinstance(data, dict) or set(data) != _RECORD_KEYS:
        return False
    body, viewbox = data["body"], data["viewbox"]
    if not (isinstance(body, str) and isinstance(viewbox, str) and len(body) <= _MAX_BODY
            and _VIEWBOX.fullmatch(viewbox)):
        return False
    if not (_number(data["width"], 0, _MAX_PX) and _number(data["height"], 0, _MAX_PX)
            and _number(data["depth"], -_MAX_PX, _MAX_PX)):
        return False
    body = _safe_body(body)
    if body is None:
        return False
    return Svg(body=body, viewbox=viewbox, width=float(data["width"]), height=float(data["height"]),
               depth=float(data["depth"]))


def _read_disk(key: str) -> Svg | None | bool:
    """The cached Svg, None for a cached failure, False for a miss (or an unreadable or untrustworthy entry)."""
    try:
        data = json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return _record(data)


def _write_disk(key: str, svg: Svg | None) -> None:
    from quizgen.errors import OutputError
    from quizgen.util.files import write_text

    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Not synced to disk: a record lost or torn by a crash is only a miss next time.
        write_text(folder / f"{key}.json", json.dumps(None if svg is None else asdict(svg)), durable=False)
    except (OSError, OutputError):
        pass  # a read-only or full cache only costs speed


def render(latex: str, size: float = FORMULA_PX) -> Svg | None:
    """The formula as an Svg, or None when ziamath cannot typeset this LaTeX."""
    hit = _memory.get((latex, size), False)
    if hit is not False:
        stats["memory"] += 1
        return hit
    prefetch([(latex, size)])
    return _memory[(latex, size)]


def prefetch(requests, *, while_waiting=None, jobs: int | None = 1) -> None:
    """Bring every (latex, size) into the memory cache: from disk, or rendered (in `jobs` worker processes when
    there are many; None: one per CPU, quizgen.util.parallel).

    `while_waiting` (if given) runs in this process meanwhile, e.g. to import the PDF engine on the other core.
    """
    misses: list[tuple[str, float]] = []
    for latex, size in dict.fromkeys((tex, float(sz)) for tex, sz in requests):
        if (latex, size) in _memory:
            continue
        cached = _read_disk(_key(latex, size))
        if cached is False:
            misses.append((latex, size))
        else:
            stats["disk"] += 1
            _memory[(latex, size)] = cached
    if not misses:
        if while_waiting is not None:
            while_waiting()
        return
    for (latex, size), svg in zip(misses, _render_parallel(misses, while_waiting, jobs)):
        stats["rendered"] += 1
        _write_disk(_key(latex, size), svg)
        _memory[(latex, size)] = svg


def _render_chunk(task: tuple[int, list[tuple[str, float]]]) -> tuple[int, list[Svg | None]]:
    index, requests = task
    return index, [_render_uncached(latex, size) for latex, size in requests]


# Below this many misses a worker pool costs more than it saves.
_PARALLEL_MIN = 12


def _render_parallel(requests: list[tuple[str, float]], while_waiting, jobs: int | None) -> list[Svg | None]:
    from ..util.parallel import fork_map, resolve_jobs

    workers = resolve_jobs(jobs, len(requests) // (_PARALLEL_MIN // 2)) if len(requests) >= _PARALLEL_MIN else 1
    if workers > 1:
        _ziamath().Latex("x", size=FORMULA_PX)  # load the math font before the fork, so every worker starts warm
    out: list[Svg | None] = [None] * len(requests)
    chunks = [(i, requests[i::workers]) for i in range(workers)]
    for i, part in fork_map(_render_chunk, chunks, workers, meanwhile=while_waiting):
        out[i::workers] = part
    return out


def clear_memory_cache() -> None:
    """Forget formulas rendered in this process (the disk cache stays)."""
    _memory.clear()
    for name in stats:
        stats[name] = 0


def _top_level(latex: str):
    r"""Yield (index, char) of every character outside braces and \left...\right pairs."""
    depth = 0
    i, n = 0, len(latex)
    while i < n:
        if latex.startswith("\\left", i) and not latex[i + 5 : i + 6].isalpha():
            depth += 1
            i += 5
            continue
        if latex.startswith("\\right", i) and not latex[i + 6 : i + 7].isalpha():
            depth -= 1
            i += 6
            continue
        ch = latex[i]
        if ch == "\\":
            i += 2  # "\{" and "\}" are not groups, and command names cannot start a split
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            yield i, ch
        i += 1


def split_terms(latex: str) -> list[str]:
    """Split a formula before its top-level =, + and − so a long one can wrap between terms, as TeX would.

    A sign right after "=" or at the start is unary and stays put. Later pieces start with an empty group
    ("{}+ 3 x", "{}= 2 x") so ziamath spaces the operator as binary.
    """
    cuts = []
    for i, ch in _top_level(latex):
        if ch not in "=+-" or latex[i - 1 : i] != " " or latex[i + 1 : i + 2] != " ":
            continue
        before = latex[:i].rstrip()
        if not before or before[-1] in "=+-(,{" or before.endswith(("\\cdot", "\\quad", "\\left(")):
            continue
        cuts.append(i)
    pieces = [latex[a:b].strip() for a, b in zip([0] + cuts, cuts + [len(latex)])]
    return [pieces[0]] + ["{}" + piece for piece in pieces[1:]]


def open_outer(latex: str) -> str:
    r"""Make the top-level \left( ... \right) pairs plain, so split_terms can cut inside them."""
    out = []
    depth = braces = 0
    i = 0
    while i < len(latex):
        for word, step in (("\\left", 1), ("\\right", -1)):
            if latex.startswith(word, i) and latex[i + len(word) : i + len(word) + 1] in "()[]":
                outer = braces == 0 and (depth, step) in ((0, 1), (1, -1))
                out.append(latex[i + len(word)] if outer else latex[i : i + len(word) + 1])
                depth += step
                i += len(word) + 1
                break
        else:
            ch = latex[i]
            if ch == "\\":
                out.append(latex[i : i + 2])
                i += 2
                continue
            braces += {"{": 1, "}": -1}.get(ch, 0)
            out.append(ch)
            i += 1
    return "".join(out)


def _fit_pieces(latex: str, size: float, width: float) -> list[str]:
    """Pieces of `latex` narrower than `width` where possible: between terms, then inside outer parentheses."""
    pieces = split_terms(latex)
    prefetch([(piece, size) for piece in pieces])
    out = []
    for piece in pieces:
        svg = render(piece, size)
        if svg is not None and svg.width > width:
            inner = split_terms(open_outer(piece))
            if len(inner) > 1:
                prefetch([(sub, size) for sub in inner])
                if all(render(sub, size) for sub in inner):
                    out += inner
                    continue
        out.append(piece)
    return out


_TALL = ("\\frac", "\\dfrac", "\\tfrac", "\\sqrt", "\\sum", "\\int", "\\prod", "\\begin", "\\binom", "\0")
_INNERMOST = re.compile(r"\\left(\\[{}]|[()\[\]|.])((?:(?!\\left|\\right).)*?)\\right(\\[{}]|[()\[\]|.])", re.S)


def plain_delimiters(latex: str) -> str:
    r"""Turn \left( ... \right) around flat content into plain ( ... ).

    SymPy writes \left( \right) everywhere; ziamath then picks a larger size than TeX would for content such as
    x^{2} + 1, which makes (x² + 1)³ look heavy. Pairs around fractions, roots or other stretched pairs stay.
    """
    def one(match: re.Match) -> str:
        left, body, right = match.groups()
        if any(tall in body for tall in _TALL):
            return f"\0L{left}{body}\0R{right}"  # masked so the enclosing pair sees it as tall
        return f"{'' if left == '.' else left}{body}{'' if right == '.' else right}"

    previous = None
    while previous != latex:
        previous, latex = latex, _INNERMOST.sub(one, latex)
    return latex.replace("\0L", "\\left").replace("\0R", "\\right")


# The LaTeX operators the printers emit for course functions (from the one table of functions): \sin, or
# \operatorname{sech} for a name LaTeX has no command for (it needs the same spacing).
_NAMES = "|".join(latex_operator_names())
_FUNCTION = re.compile(rf"\\(?:operatorname\{{({_NAMES})\}}|({_NAMES})(?![A-Za-z]))")


def _skip_scripts(latex: str, i: int) -> int:
    """Index just past any ^{...} / _{...} (or single-character) scripts starting at i."""
    while i < len(latex) and latex[i] in "^_":
        i += 1
        if latex[i : i + 1] == "{":
            depth = 0
            while i < len(latex):
                depth += {"{": 1, "}": -1}.get(latex[i], 0)
                i += 1
                if depth == 0:
                    break
        else:
            i += 1
    return i


def function_spacing(latex: str) -> str:
    r"""Write \sin, \ln ... as \operatorname{sin} with TeX's thin spaces made explicit.

    ziamath sets \sin as an operator with space on both sides, so "sin (x)" gets a gap before the parenthesis
    and "= tan" a double one. As \operatorname it is tight; "\," then restores the space TeX puts between a
    product and a function (x² sin x) and between a function and a bare argument (ln 3).
    """
    out = []
    pos = 0
    for match in _FUNCTION.finditer(latex):
        out.append(latex[pos : match.start()])
        before = "".join(out).rstrip()
        space_before = bool(before) and (before[-1].isalnum() or before[-1] in ")]}|") and not re.search(
            r"\\[A-Za-z]+$", before)
        end = _skip_scripts(latex, match.end())
        rest = latex[end:].lstrip()
        space_after = not rest.startswith(("(", "{(", "\\left", "{\\left", "[", "{[")) and bool(rest)
        out.append(("\\," if space_before else "") + f"\\operatorname{{{match.group(1) or match.group(2)}}}" + latex[match.end() : end]
                   + ("\\, " if space_after else ""))
        pos = end
    out.append(latex[pos:])
    return "".join(out)


_UNARY_MINUS = re.compile(r"(^|[=(\[{,]|\\left[(\[]|\\quad)(\s*)-")


def for_ziamath(latex: str) -> str:
    """SymPy's LaTeX adjusted so ziamath sets it as TeX would.

    Besides delimiters and function names: a minus at the start or after "(", "=" or "," is unary, but once the
    parentheses are plain ziamath spaces it as binary ("( − 1)"); "{-}" makes it an ordinary symbol.
    """
    return _UNARY_MINUS.sub(r"\1\2{-}", function_spacing(plain_delimiters(latex)))


# Rough advance widths (in em) of the text layer's characters, to size it over its formula.
_NARROW = set("ijlrtf()[]|.,:;'′ ¹²³⁴⁵⁶⁷⁸⁹⁰⁻ⁿ₀₁₂₃₄₅₆₇₈₉")
_WIDE = set("mwMW−+=·×÷√∛")


def _text_em(text: str) -> float:
    return sum(0.3 if c in _NARROW else 0.8 if c in _WIDE else 0.5 for c in text) or 1.0


class Typeset(str):
    """HTML of a typeset formula (safe for Jinja like Markup); `hang` is the prefix width in px, so a block can
    indent continuation lines of a wrapped formula to where the formula starts."""

    hang: float

    def __new__(cls, html: str, hang: float = 0.0):
        obj = super().__new__(cls, html)
        obj.hang = hang
        return obj

    def __html__(self) -> str:
        return str(self)


def typeset(latex: str, text: str, *, prefix: str | None = None, prefix_text: str | None = None,
            max_width: float | None = None, size: float = FORMULA_PX):
    """HTML for one formula: SVG pieces on the baseline plus an invisible unicode text layer for search and copy.

    `prefix` (e.g. "f'(x) =") is typeset on its own, so it is rendered once for a whole sheet. A formula wider than
    `max_width` px is split between terms so it can wrap, and any piece still too wide is scaled down to fit.
    Call prefetch() first with every formula of a page to render them in one batch.
    """
    parts: list[str] = []
    total = 0.0
    if prefix:
        pre = render(prefix, size)
        parts.append(f'<span class="prefix">{pre.tag() if pre else escape(prefix_text or prefix)}</span>')
        total += (pre.width if pre else size * len(prefix_text or prefix) * 0.5)
    prefix_width = total
    whole = render(latex, size)
    if whole is None:
        parts.append(f'<span class="fallback">{escape(text)}</span>')
        return Typeset(f'<span class="math">{"".join(parts)}</span>', total)
    svgs = [whole]
    if max_width is not None and whole.width + total > max_width:
        room = max(max_width - total, max_width * 0.5)
        svgs = [svg for svg in (render(piece, size) for piece in _fit_pieces(latex, size, room)) if svg] or [whole]
        for svg in svgs:
            parts.append(f'<span class="piece">{svg.tag(min(1.0, room / svg.width))}</span>')
    else:
        parts.append(f'<span class="piece">{whole.tag()}</span>')
    total += sum(svg.width for svg in svgs)
    full_text = f"{prefix_text} {text}" if prefix and prefix_text else text
    fit = min(total, max_width) if max_width else total
    text_px = max(4.0, min(size, fit / _text_em(full_text)))
    # The text layer is a zero-width inline-block on the baseline whose text overflows over the SVG.
    layer = f'<span class="tl"><span style="font-size:{text_px:.2f}px">{escape(full_text)}</span></span>'
    # U+200B between pieces is where a long formula may wrap.
    return Typeset(f'<span class="math">{layer}{chr(0x200B).join(parts)}</span>', prefix_width)


def layer_font() -> Path:
    """The font of the invisible text layer over each formula (DejaVu Sans from ziafont: it has every glyph we print)."""
    from importlib.util import find_spec

    spec = find_spec("ziafont")
    if spec is not None and spec.submodule_search_locations:
        path = Path(list(spec.submodule_search_locations)[0]) / "fonts" / "DejaVuSans.ttf"
        if path.is_file():
            return path
    return FONTS_DIR / "latinmodern-math.otf"
