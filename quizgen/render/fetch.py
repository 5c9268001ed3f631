"""What WeasyPrint may load while it lays out a page: our shipped fonts and data: URLs, nothing else.

Its default fetcher follows any file:// or http(s):// link, so a template could embed a local file in the PDF
(`<link rel="attachment" href="file:///etc/...">`) or call out to the network. Every weasyprint.HTML we make gets a
Fetcher: it serves the font files quizgen ships (and the one text-layer font it takes from ziafont), and data:
URLs, which carry their content in the page itself; it refuses and records everything else.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from quizgen.errors import QuizgenError

_FONT_SUFFIXES = (".otf", ".ttf", ".woff", ".woff2")
# Only so much of a refused URL is repeated in the message.
_SHOWN = 120


class RefusedURL(ValueError):
    """A URL the page may not load (WeasyPrint catches it, skips the resource, and we report it)."""


@lru_cache(maxsize=1)
def allowed_files() -> frozenset[str]:
    """Real paths of the files a page may load."""
    from quizgen.render.formula import FONTS_DIR, layer_font

    fonts = [p for p in FONTS_DIR.iterdir() if p.suffix.lower() in _FONT_SUFFIXES and p.is_file()]
    return frozenset(os.path.realpath(p) for p in [*fonts, layer_font()])


def base_url() -> str:
    """The base of relative URLs in our pages: the shipped fonts' folder."""
    from quizgen.render.formula import FONTS_DIR

    return FONTS_DIR.as_uri() + "/"


def _checked(url: str) -> str:
    """The URL to load for `url`, or RefusedURL."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "data":
        return url
    if scheme == "file" and parts.netloc in ("", "localhost"):
        real = os.path.realpath(unquote(parts.path))
        if real in allowed_files():
            return Path(real).as_uri()
    raise RefusedURL(f"not loaded: {url[:_SHOWN]}")


class _LogFilter(logging.Filter):
    """Drops WeasyPrint's own "failed to load" lines for URLs we refused: the caller reports them, once."""

    def filter(self, record):
        try:
            return "RefusedURL" not in record.getMessage()
        except Exception:  # a record that cannot format itself is not ours to judge
            return True


_filter = _LogFilter()


def new_fetcher():
    """A fresh fetcher for one document; its `refused` list holds every URL it would not load."""
    import weasyprint.urls as urls

    logger = logging.getLogger("weasyprint")
    if _filter not in logger.filters:
        logger.addFilter(_filter)
    base = getattr(urls, "URLFetcher", None)
    if base is not None:  # WeasyPrint 66 and later: a fetcher is a URLFetcher

        class Fetcher(base):
            def __init__(self):
                super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
                self.refused: list[str] = []

            def fetch(self, url, headers=None):
                try:
                    target = _checked(url)
                except RefusedURL:
                    self.refused.append(url)
                    raise
                return super().fetch(target, headers)

        return Fetcher()

    class LegacyFetcher:  # earlier WeasyPrint: a function returning a dict
        def __init__(self):
            self.refused: list[str] = []

        def __call__(self, url, *args, **kwargs):
            try:
                target = _checked(url)
            except RefusedURL:
                self.refused.append(url)
                raise
            return urls.default_url_fetcher(target, *args, **kwargs)

    return LegacyFetcher()


def refused_error(name: str, refused: list[str]) -> QuizgenError:
    """The one-line message for a page that asked for URLs we do not load."""
    shown = ", ".join(dict.fromkeys(u[:_SHOWN] for u in refused))
    return QuizgenError(f"{name}: the template links to {shown}, which quizgen does not load (only its own fonts "
                        "and data: URLs): remove the link or embed the file as a data: URL")
