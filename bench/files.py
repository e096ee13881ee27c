"""Files: atomic writes (a reader sees the old file or the whole new one, never a part), the
one check of an output path before anything is measured or written, and the one content
hash of files edgebench computes.

Every command that writes calls :func:`check_output` first, with an estimate of what it will
write: a path that cannot take it (under a regular file, on a read-only file system, not
writable, too little room) is one line and exit 2, before any measurement and with nothing
written. A write that still fails (the disk filled meanwhile) is a :class:`WriteError`
(exit 1) naming the path; no partial file is left.
"""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.errors import UsageError, WriteError

# What a report costs on disk, for the estimate a command checks the room against: report.json
# holds the samples on one line of JSON, 7 or 8 bytes each; the rest (host, settings, figures,
# report.md) is a few KiB a result. A lower bound: a fast model measured for its whole
# duration records more queries than min_queries.
REPORT_BYTES_PER_RESULT = 16 << 10
REPORT_BYTES_PER_SAMPLE = 8


def report_bytes(results: int, samples: int) -> int:
    """The least a report of ``results`` results of ``samples`` samples each takes."""
    return max(1, results) * (REPORT_BYTES_PER_RESULT + REPORT_BYTES_PER_SAMPLE * samples)


def file_size(path: Path) -> int:
    """The size of ``path`` in bytes, 0 when it is not a readable file (yet)."""
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def size_text(size: int) -> str:
    """``12.0 KiB``: a byte count for a message."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def new_file_mode() -> int:
    """The mode a plain ``open()`` would give a new file under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _cannot_write(path: Path, exc: OSError) -> WriteError:
    why = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        why += " (the disk filled while writing)"
    return WriteError(f"{path}: cannot write: {why}")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename;
    a failure is a ``WriteError`` naming the path, and the temporary file is removed."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, new_file_mode())  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise _cannot_write(path, exc) from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def writing(flag: str, path: Path) -> Iterator[None]:
    """Turn a failed write inside (an ``OSError``, SQLite's "disk is full") into a
    ``WriteError`` naming the flag and path; SQLite rolls its transaction back itself."""
    try:
        yield
    except WriteError:
        raise
    except sqlite3.OperationalError as exc:
        raise WriteError(f"{flag} {path}: cannot write: {exc}") from None
    except OSError as exc:
        raise _cannot_write(path, exc) from None


def _nearest_existing(path: Path, flag: str, shown: Path) -> Path:
    """The deepest existing folder on the way to ``path``; a regular file on the way is bad
    input."""
    for candidate in (path, *path.parents):
        try:
            mode = candidate.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            continue
        except OSError as exc:
            raise UsageError(f"{flag} {shown}: cannot use {candidate}: "
                             f"{exc.strerror or exc}") from None
        if not stat.S_ISDIR(mode):
            what = "exists and is not a directory" if candidate == shown else \
                f"{candidate} is a file, not a folder"
            raise UsageError(f"{flag} {shown}: {what}; choose another path")
        return candidate
    return Path(os.curdir)


def _check_writable(folder: Path, flag: str, shown: Path, need: int) -> None:
    try:
        fs = os.statvfs(folder)
    except OSError as exc:
        raise UsageError(f"{flag} {shown}: cannot use {folder}: {exc.strerror}") from None
    if fs.f_flag & os.ST_RDONLY:
        raise UsageError(f"{flag} {shown}: {folder} is on a read-only file system; choose "
                         "another folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{flag} {shown}: {folder} is not writable by this user; choose "
                         "another folder")
    free = fs.f_bavail * fs.f_frsize
    if free < need:
        raise UsageError(f"{flag} {shown}: {size_text(free)} free on its file system, and "
                         f"this writes about {size_text(need)}; free some space or choose "
                         "another folder")
    if fs.f_files and not fs.f_favail:
        raise UsageError(f"{flag} {shown}: its file system has no free inodes left")


def check_output(path: Path, flag: str, need: int, *, folder: bool = False,
                 in_place: bool = False) -> None:
    """Refuse (``UsageError``, one line) an output path that cannot take about ``need``
    bytes: it must be, or be creatable as, a folder (``folder``) or a file in one; writable;
    with room. ``in_place``: an existing file is changed where it is (a database), so it
    must be writable itself. Nothing is created."""
    if folder:
        target = path
    else:
        if path.is_dir():
            raise UsageError(f"{flag} {path}: is a directory; name a file")
        target = path.parent
    existing = _nearest_existing(target, flag, path)
    _check_writable(existing, flag, path, need)
    if in_place and path.is_file() and not os.access(path, os.W_OK):
        raise UsageError(f"{flag} {path}: the file is not writable; choose another one")


def fallback_dirs(name: str) -> list[Path]:
    """Where output goes when its own place failed mid-way: ``name`` in the temporary
    folder, then in the home folder (a measurement is never lost for want of a folder)."""
    return [Path(tempfile.gettempdir()) / name, Path.home() / name]


def file_sha256(*paths: Path) -> str:
    """The sha256 of the files' bytes one after the other (``cat A B | sha256sum``)."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
