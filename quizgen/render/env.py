"""The one Jinja environment of quizgen: packaged templates, with a teacher's --template-dir searched first."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from quizgen.errors import QuizgenError

# Autoescape by the template's file name: markup formats escape, plain-text formats (.txt, .tex, .css) do not,
# because escaping "&" or "<" there would corrupt the output rather than protect it.
_ESCAPED_SUFFIXES = (".html", ".htm", ".xml", ".svg")


def templates_dir() -> Path:
    """The folder of the packaged templates (top-level templates/ in a checkout, quizgen/templates in a wheel)."""
    try:
        from importlib.resources import files

        path = Path(str(files("quizgen.templates")))
        if path.is_dir():
            return path
    except ModuleNotFoundError:
        pass
    # A source checkout that was not pip-installed: the package-dir mapping of pyproject.toml is not in effect.
    return Path(__file__).resolve().parents[2] / "templates"


def css_string(value) -> str:
    """A quoted CSS string for `content:`; also safe inside a <style> element (no "<", quotes or newlines)."""
    out = []
    for ch in str(value):
        if ch in '"\\<>&\'' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _autoescape(name: str | None) -> bool:
    return name is None or name.lower().endswith(_ESCAPED_SUFFIXES)


@lru_cache(maxsize=8)
def _environment(user_dir: str | None):
    import jinja2

    searchpath = [str(templates_dir())]
    if user_dir is not None:
        searchpath.insert(0, user_dir)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(searchpath),
        undefined=jinja2.StrictUndefined,
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = css_string
    return env


def get_env(template_dir: str | Path | None = None):
    """The shared jinja2.Environment; `template_dir` (a teacher's copy) overrides packaged templates by name."""
    user_dir = None
    if template_dir is not None:
        path = Path(template_dir).expanduser()
        if not path.is_dir():
            raise QuizgenError(f"template directory not found: {path}")
        user_dir = str(path.resolve())
    return _environment(user_dir)


def render_template(name: str, context: dict, template_dir: str | Path | None = None) -> str:
    """Render template `name` with `context`; template mistakes become one-line QuizgenErrors."""
    import jinja2

    env = get_env(template_dir)
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as err:
        raise QuizgenError(f"template not found: {err.name}") from None
    except jinja2.TemplateSyntaxError as err:
        where = f"{err.filename or err.name}, line {err.lineno}"
        raise QuizgenError(f"template error in {where}: {err.message}") from None
    except jinja2.UndefinedError as err:
        raise QuizgenError(f"template {name} uses an unknown value: {err.message}") from None
