"""The one Jinja environment of quizgen: packaged templates, with a teacher's --template-dir searched first."""

from __future__ import annotations

import re
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


# A template is a page layout, never data: a bigger file is a mistake (or a way to exhaust memory).
MAX_TEMPLATE_BYTES = 1 << 20
# More arithmetic than a layout needs; a template asking for 9**(9**9) or "x" * 10**9 would hang the run.
MAX_POWER = 64
MAX_REPEAT = 100_000
# A width, count or size given to one call (a filter, a string method): one C call with 10**9 allocates a gigabyte
# before any time limit can act, so the number is refused before the call.
MAX_ARGUMENT = 100_000
# What one template may write, and one string it may build: a worksheet of 200 problems is about 2 MB of HTML.
MAX_TEXT = 10_000_000
# A page layout renders in milliseconds; nested loops of allowed sizes (10^10 turns) end here. Seconds of CPU
# time, not of the clock: a wall-clock limit failed a real exam paper on a machine busy with eight other jobs (one
# of 25 stress runs), while a loop burns CPU whatever the load.
TEMPLATE_SECONDS = 10.0


class _OutOfCpu(BaseException):
    """The template's CPU time is up (a BaseException: template code cannot catch it)."""


class _CpuLimit:
    """Ends the block after `seconds` of this process's CPU time (ITIMER_VIRTUAL), in the main thread; elsewhere
    (no signals there) it limits nothing. The host's handler and timer for SIGVTALRM are put back."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._armed = False

    def __enter__(self):
        import signal
        import threading

        if threading.current_thread() is threading.main_thread() and hasattr(signal, "ITIMER_VIRTUAL"):
            def on_timer(signum, frame):
                raise _OutOfCpu()

            self._old_handler = signal.signal(signal.SIGVTALRM, on_timer)
            self._old_timer = signal.setitimer(signal.ITIMER_VIRTUAL, self.seconds)
            self._armed = True
        return self

    def __exit__(self, *exc):
        if self._armed:
            import signal

            signal.setitimer(signal.ITIMER_VIRTUAL, 0)
            signal.signal(signal.SIGVTALRM, self._old_handler)
            if self._old_timer[0] > 0:
                signal.setitimer(signal.ITIMER_VIRTUAL, *self._old_timer)
        return False


def _loader(user_dir: str | None):
    """Packaged templates, with `user_dir` searched first: only regular files inside the folder (a link out of
    it would copy any file the user can read into the output), at most MAX_TEMPLATE_BYTES, UTF-8."""
    import os

    import jinja2
    from jinja2.loaders import split_template_path

    dirs = ([(user_dir, False)] if user_dir is not None else []) + [(str(templates_dir()), True)]

    class Loader(jinja2.BaseLoader):
        def get_source(self, environment, template):
            pieces = split_template_path(template)  # refuses ".." and absolute paths
            for base, shipped in dirs:
                filename = os.path.join(base, *pieces)
                if not os.path.isfile(filename):
                    continue
                if not shipped:
                    real = os.path.realpath(filename)
                    if os.path.commonpath([real, os.path.realpath(base)]) != os.path.realpath(base):
                        raise QuizgenError(f"template {filename} is a link to a file outside {base}: "
                                           "copy the file into the folder")
                    if os.path.getsize(filename) > MAX_TEMPLATE_BYTES:
                        raise QuizgenError(f"template {filename} is over {MAX_TEMPLATE_BYTES >> 20} MB: "
                                           "a template holds a page layout, not data")
                try:
                    with open(filename, encoding="utf-8") as f:
                        source = f.read()
                except UnicodeDecodeError as err:
                    raise QuizgenError(f"template {filename} is not UTF-8 text (byte {err.start + 1}): "
                                       "save it as UTF-8") from None
                mtime = os.path.getmtime(filename)

                def uptodate(filename=filename, mtime=mtime):
                    try:
                        return os.path.getmtime(filename) == mtime
                    except OSError:
                        return False

                return source, filename, uptodate
            raise jinja2.TemplateNotFound(template)

    return Loader()


# A printf or str.format field width or precision of six digits or more ("%999999999d", "{:>999999999}").
_WIDE_FIELD = re.compile(r"[%:][^%:{}]*?\d{6,}")


def _limits():
    """The checks one call of a filter or string method passes first (raising jinja2's SecurityError)."""
    from jinja2.sandbox import SecurityError

    def number(value):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ARGUMENT:
            raise SecurityError(f"a number above {MAX_ARGUMENT:,} in a call")

    def field(text):
        if isinstance(text, str) and _WIDE_FIELD.search(text):
            raise SecurityError(f"a field width above {MAX_ARGUMENT:,}")

    def size(n):
        if n > MAX_TEXT:
            raise SecurityError(f"a text longer than {MAX_TEXT:,} characters")

    def arguments(name, target, args, kwargs):
        for v in (*args, *kwargs.values()):
            number(v)
        if name in ("format", "format_map"):
            field(target)
        elif name == "replace" and isinstance(target, str) and len(args) >= 2:
            old, new = str(args[0]), str(args[1])
            size(len(target) + (target.count(old) + 1 if old else len(target) + 1) * len(new))
        elif name == "join" and isinstance(target, str) and args:
            items = args[0] if isinstance(args[0], (list, tuple)) else list(args[0])
            args = (items, *args[1:])
            size(sum(len(str(i)) for i in items) + len(target) * max(len(items) - 1, 0))
        return args

    return number, field, size, arguments


def _sandbox_class():
    """Jinja's immutable sandbox (no attribute starting with "_", no Python internals, no changes to the data we
    pass), with powers, repetitions, widths and the sizes of single calls bounded."""
    import operator

    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

    _number, field, size, arguments = _limits()

    class Sandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"**", "*", "%"})

        def call_binop(self, context, op, left, right):
            if op == "**":
                if isinstance(right, (int, float)) and abs(right) > MAX_POWER and abs(left) > 1:
                    raise SecurityError(f"a power above {MAX_POWER}")
                return operator.pow(left, right)
            if op == "%":
                field(left)
                return operator.mod(left, right)
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int):
                    if len(seq) * times > MAX_REPEAT:
                        raise SecurityError(f"a repetition longer than {MAX_REPEAT:,}")
            return operator.mul(left, right)

        def getattr(self, obj, attribute):
            # Jinja hands out str.format already wrapped (no __self__ left to check at the call): check here.
            if isinstance(obj, str) and attribute in ("format", "format_map"):
                field(obj)
            return super().getattr(obj, attribute)

        def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
            if isinstance(__obj, jinja2.Undefined):  # calling an unknown name: Jinja's own message says which
                return super().call(__context, __obj, *args, **kwargs)
            target = getattr(__obj, "__self__", None)
            args = arguments(getattr(__obj, "__name__", ""), target, args, kwargs)
            return super().call(__context, __obj, *args, **kwargs)

    return Sandbox


def _bounded_filter(name, fn):
    """`fn` (a Jinja filter) with its arguments checked as a string method's are; the first argument is the value."""
    import functools

    _number, _field, _size, arguments = _limits()

    @functools.wraps(fn)
    def bounded(*args, **kwargs):
        # pass_context / pass_environment filters get those first; the filtered value follows.
        skip = 1 if getattr(fn, "jinja_pass_arg", None) is not None else 0
        head, value, rest = args[:skip], args[skip] if len(args) > skip else None, args[skip + 1:]
        if name == "join" and len(args) > skip:
            sep = rest[0] if rest else kwargs.get("d", "")
            items = list(value)
            arguments("join", str(sep), (items,), {})
            value = items
        else:
            arguments(name, value, rest, kwargs)
        return fn(*head, value, *rest, **kwargs) if len(args) > skip else fn(*args, **kwargs)

    return bounded


@lru_cache(maxsize=8)
def _environment(user_dir: str | None):
    import jinja2

    env = _sandbox_class()(
        loader=_loader(user_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    for name, fn in list(env.filters.items()):
        env.filters[name] = _bounded_filter(name, fn)
    env.filters["css_string"] = css_string
    env.globals.pop("lipsum", None)  # lorem ipsum of any length: no layout of ours needs it
    return env


def get_env(template_dir: str | Path | None = None):
    """The shared sandboxed Jinja environment; `template_dir` (a teacher's copy) overrides packaged templates by
    name. Templates may read the values they are given, never reach Python objects' internals or change them."""
    user_dir = None
    if template_dir is not None:
        path = Path(template_dir).expanduser()
        if not path.is_dir():
            raise QuizgenError(f"template directory not found: {path}")
        user_dir = str(path.resolve())
    return _environment(user_dir)


def _place(err: BaseException, fallback: str) -> str:
    """"file, line N" of the innermost template line in `err`'s traceback: Jinja rewrites the frames of template
    code to carry the template's file name and line."""
    import traceback

    place = None
    for frame, lineno in traceback.walk_tb(err.__traceback__):
        filename = frame.f_code.co_filename
        if filename.endswith((".html", ".htm", ".xml", ".svg", ".txt", ".tex", ".css")) and Path(filename).is_file():
            place = f"{filename}, line {lineno}"
    return place or fallback


def render_template(name: str, context: dict, template_dir: str | Path | None = None) -> str:
    """Render template `name` with `context`; template mistakes become one-line QuizgenErrors naming file and line."""
    import jinja2
    from jinja2.sandbox import SecurityError

    env = get_env(template_dir)
    try:
        # Written piece by piece so that an endless page stops at MAX_TEXT instead of filling memory first.
        where = name
        with _CpuLimit(TEMPLATE_SECONDS):
            template = env.get_template(name)
            where = template.filename or name
            pieces, total = [], 0
            for piece in template.generate(context):
                total += len(piece)
                if total > MAX_TEXT:
                    raise QuizgenError(f"template {where} wrote over {MAX_TEXT:,} characters: "
                                       "a page layout is far shorter (a loop too long?)")
                pieces.append(piece)
        return "".join(pieces)
    except _OutOfCpu:
        raise QuizgenError(f"template {where} took over {TEMPLATE_SECONDS:g} s of computing: "
                           "a page layout renders at once (a loop too long?)") from None
    except QuizgenError:
        raise
    except jinja2.TemplateNotFound as err:
        raise QuizgenError(f"template not found: {err.name}") from None
    except jinja2.TemplateSyntaxError as err:
        where = f"{err.filename or err.name}, line {err.lineno}"
        raise QuizgenError(f"template error in {where}: {err.message}") from None
    except SecurityError as err:
        what = str(err).rstrip(".")
        raise QuizgenError(f"template {_place(err, name)}: {what}: not allowed in a template "
                           "(a template may use the values it is given, not Python internals)") from None
    except jinja2.UndefinedError as err:
        raise QuizgenError(f"template {_place(err, name)} uses an unknown value: {err.message}") from None
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError, RecursionError) as err:
        raise QuizgenError(f"template {_place(err, name)}: {type(err).__name__}: {err}") from None
