"""The one way quizgen writes a file: a temp file beside it, renamed into place whole, with the mode the umask gives.

Temp files are named `.quizgen-<host>-<pid>-<random>-<final name>.tmp`, so a later run can tell ours from a user's
and know whether the run that made one is still alive (see sweep()).
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import stat
import tempfile
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Iterator

from quizgen.errors import OutputError

TEMP_PREFIX = ".quizgen-"
TEMP_SUFFIX = ".tmp"
# A temp whose writer we cannot ask about (another machine sharing the folder, or a pid now reused by another
# process) is left this long before it counts as abandoned: no single run of ours writes for a day.
ABANDONED_AFTER_S = 24 * 3600
# Keeps the temp name inside the usual 255-byte limit whatever the final name's length.
_NAME_BYTES = 80
_TEMP = re.compile(r"\.quizgen-([0-9a-f]{8})-([0-9]{1,10})-[a-z0-9_]{8}-.*\.tmp", re.S)

_swept: set[str] = set()


@lru_cache(maxsize=1)
def code_digest() -> bytes:
    """sha256 of every quizgen source file (name and bytes): the version of what a cache entry was computed by.
    The drawn-set cache and the verified-family markers key on it, so any change to the code is a miss."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for p in sorted(root.rglob("*.py")):
        h.update(str(p.relative_to(root)).encode())
        h.update(p.read_bytes())
    return h.digest()


@lru_cache(maxsize=1)
def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8", "surrogateescape")).hexdigest()[:8]


def _short(name: str) -> str:
    raw = name.encode("utf-8", "surrogateescape")[:_NAME_BYTES]
    return raw.decode("utf-8", "ignore")


def _prefix(pid: int | None = None, host: str | None = None) -> str:
    return f"{TEMP_PREFIX}{host or _host()}-{os.getpid() if pid is None else pid}-"


def temp_name(final: str, *, pid: int | None = None, host: str | None = None) -> str:
    """A temp file name of ours for `final` (made by process `pid` on `host`); tests use it to fake leftovers."""
    import secrets

    rand = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789_") for _ in range(8))
    host = host if host is None or re.fullmatch(r"[0-9a-f]{8}", host) else hashlib.sha256(host.encode()).hexdigest()[:8]
    return f"{_prefix(pid, host)}{rand}-{_short(final)}{TEMP_SUFFIX}"


def is_our_temp(name: str) -> bool:
    return _TEMP.fullmatch(name) is not None


def temp_beside(path: str | os.PathLike) -> tuple[int, str]:
    """A new temp file (fd, path) in `path`'s folder, mode 0600 until finished; OSError if the folder refuses."""
    path = Path(path)
    return tempfile.mkstemp(dir=_folder(path), prefix=_prefix(), suffix=f"-{_short(path.name)}{TEMP_SUFFIX}")


def _folder(path: Path) -> str:
    return str(path.parent) if str(path.parent) else "."


def umask() -> int:
    """The process umask, read without changing it where the system allows (changing it races other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def mode_for(path: str | os.PathLike) -> int:
    """The mode a file we write at `path` gets: that of the regular file it replaces, else 0666 less the umask
    (as open() gives any program), so a key the teacher made private stays private."""
    try:
        st = os.stat(path)
        if stat.S_ISREG(st.st_mode):
            return stat.S_IMODE(st.st_mode) & 0o777
    except OSError:
        pass
    return 0o666 & ~umask()


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


@contextmanager
def atomic_output(path: str | os.PathLike, *, durable: bool = True) -> Iterator[BinaryIO]:
    """A binary file to write `path`'s new content into; on leaving the block it replaces `path` whole.

    On any error (or Ctrl-C) inside the block the temp file is removed and `path` is untouched; OSErrors become
    OutputError naming `path`. `durable` syncs the data (and the rename) to disk; a cache can do without.
    """
    path = Path(path)
    _sweep_once(_folder(path))
    try:
        fd, tmp = temp_beside(path)
    except OSError as err:
        raise OutputError(f"cannot write {path}: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            if durable:
                os.fsync(out.fileno())
            os.fchmod(out.fileno(), mode_for(path))
        os.replace(tmp, path)
    except BaseException as err:
        _unlink(tmp)
        if isinstance(err, OSError):
            raise OutputError(f"cannot write {path}: {err.strerror or err}") from None
        raise
    if durable:
        _sync_folder(_folder(path))


def _sync_folder(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename itself is still atomic
    finally:
        os.close(fd)


def write_bytes(path: str | os.PathLike, data: bytes, *, durable: bool = True) -> Path:
    """Write `data` to `path` whole (see atomic_output)."""
    with atomic_output(path, durable=durable) as out:
        out.write(data)
    return Path(path)


def write_text(path: str | os.PathLike, text: str, *, durable: bool = True) -> Path:
    """Write `text` as UTF-8 to `path` whole, newlines as given (see atomic_output)."""
    return write_bytes(path, text.encode("utf-8"), durable=durable)


def check_folder(path: str | os.PathLike) -> None:
    """OSError unless a temp file can be made beside `path` (the folder exists and is writable)."""
    fd, tmp = temp_beside(path)
    os.close(fd)
    _unlink(tmp)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except (OverflowError, ValueError, OSError):
        return False
    return True


def sweep(folder: str | os.PathLike, *, now: float | None = None) -> list[Path]:
    """Remove our temp files in `folder` that no run will finish; returns what was removed.

    Ours are told by name; a user's file is never touched. A temp made on this machine is abandoned once its
    process is gone (a killed run); one from another machine, or whose pid now belongs to some other process,
    once it is ABANDONED_AFTER_S old.
    """
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP.fullmatch(entry.name)
        if match is None:
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            old = now - entry.stat(follow_symlinks=False).st_mtime > ABANDONED_AFTER_S
            host, pid = match.group(1), int(match.group(2))
            if old or (host == _host() and pid != os.getpid() and not _alive(pid)):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _sweep_once(folder: str) -> None:
    key = os.path.abspath(folder)
    if key not in _swept:
        _swept.add(key)
        sweep(folder)


class Staging:
    """Several files written as one: each into a temp file of ours beside its final name (path() hands it out, for
    a writer that opens it itself), all renamed into place by commit(), in the order staged; discard() removes
    them. Modes, temp names and the sweep of a killed run's temps are those of atomic_output."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        _sweep_once(str(self.folder))
        self.pending: list[tuple[str, Path]] = []

    def path(self, name: str) -> str:
        final = self.folder / name
        try:
            fd, tmp = temp_beside(final)
        except OSError as err:
            raise OutputError(f"cannot write {final}: {err.strerror or err}") from None
        os.close(fd)
        self.pending.append((tmp, final))
        return tmp

    def write_bytes(self, name: str, data: bytes) -> None:
        tmp = self.path(name)
        try:
            with open(tmp, "wb") as out:
                out.write(data)
        except OSError as err:
            raise OutputError(f"cannot write {self.folder / name}: {err.strerror or err}") from None

    def write_text(self, name: str, text: str) -> None:
        self.write_bytes(name, text.encode("utf-8"))

    def commit(self, *, durable: bool = True) -> list[Path]:
        """Rename every staged file into place; every one's data reaches the disk before the first rename, so a
        crash leaves old files or new ones, never a renamed empty one."""
        try:
            for tmp, final in self.pending:
                os.chmod(tmp, mode_for(final))
                if durable:
                    fd = os.open(tmp, os.O_RDONLY)
                    try:
                        os.fsync(fd)
                    finally:
                        os.close(fd)
            done = []
            for tmp, final in self.pending:
                os.replace(tmp, final)
                done.append(final)
        except OSError as err:
            raise OutputError(f"cannot write into {self.folder}: {err.strerror or err}") from None
        self.pending = []
        if durable:
            _sync_folder(str(self.folder))
        return done

    def discard(self) -> None:
        for tmp, _final in self.pending:
            _unlink(tmp)
        self.pending = []
