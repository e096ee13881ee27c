"""onnxruntime's own log, kept off the terminal and counted for the report.

onnxruntime writes its log from C++ to file descriptor 2 (``std::clog``, coloured on a
terminal), so Python's ``sys.stderr`` never sees it. While a :class:`RuntimeLog` is open, fd
2 is a pipe read by one thread that blocks on it (``select``, no polling): lines in
onnxruntime's format (``2026-12-01 21:47:27.667 [W:onnxruntime:, graph.cc:5809 ...] text``)
are kept, distinct lines counted; every other byte (edgebench's own progress line, Python
warnings, a library's prints) goes straight on to the real stderr. Bytes that arrive together
are taken together: the thread waits ``_SETTLE_S`` after the last byte before it decides, so
an onnxruntime line written in several pieces is still seen whole.

``echo=True`` (``edgebench run --verbose``) passes onnxruntime's lines on too.
"""

from __future__ import annotations

import ctypes
import os
import re
import select
import sys
import threading
from collections import Counter
from dataclasses import dataclass

_SETTLE_S = 0.05
_ANSI = re.compile(rb"\x1b\[[0-9;]*m")
_HEADER = re.compile(
    rb"(?:\x1b\[[0-9;]*m)?\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \[([VIWEF]):onnxruntime:[^\]]*\] ")
_LEVELS = {"V": "verbose", "I": "info", "W": "warning", "E": "error", "F": "fatal"}


@dataclass(frozen=True)
class LogLine:
    """One distinct line onnxruntime wrote, and how many times."""

    level: str
    message: str
    count: int


def _parse(line: bytes) -> tuple[str, str]:
    plain = _ANSI.sub(b"", line).decode("utf-8", "replace").strip()
    head, _, message = plain.partition("] ")
    letter = head.split("[", 1)[1][:1] if "[" in head else "W"
    return _LEVELS.get(letter, "warning"), message.strip()


class RuntimeLog:
    """A context manager: fd 2 captured while open; :meth:`lines` afterwards."""

    def __init__(self, echo: bool = False) -> None:
        self.echo = echo
        self._counts: Counter[tuple[str, str]] = Counter()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> RuntimeLog:
        self._active = os.name == "posix"  # select() on a pipe: not on Windows
        if not self._active:
            return self
        sys.stderr.flush()
        try:
            self._saved = os.dup(2)
        except OSError:  # no fd 2 at all (a daemon): nothing to keep off the screen
            self._active = False
            return self
        read_end, write_end = os.pipe()
        self._stop_read, self._stop_write = os.pipe()
        os.dup2(write_end, 2)
        os.close(write_end)
        self._thread = threading.Thread(target=self._pump, args=(read_end,), daemon=True,
                                        name="edgebench-runtime-log")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if not self._active:
            return
        try:
            sys.stderr.flush()
        finally:
            _flush_c_stdio()
            os.dup2(self._saved, 2)  # the pipe's last writer is gone: the thread sees EOF
            os.write(self._stop_write, b"x")  # and stops even if a child still holds it
            if self._thread is not None:
                self._thread.join(timeout=5)
            for fd in (self._saved, self._stop_read, self._stop_write):
                os.close(fd)

    def lines(self) -> list[LogLine]:
        """The distinct lines, in order of first appearance, each with its count."""
        return [LogLine(level, message, n) for (level, message), n in self._counts.items()]

    # --- the reading thread ---------------------------------------------------------

    def _pump(self, fd: int) -> None:
        pending = b""
        try:
            while True:
                timeout = _SETTLE_S if pending else None
                ready, _, _ = select.select([fd, self._stop_read], [], [], timeout)
                if fd in ready:
                    chunk = os.read(fd, 1 << 16)
                    if not chunk:
                        break
                    pending += chunk
                    continue
                if self._stop_read in ready:
                    pending += _drain(fd)
                    break
                pending = self._sort(pending, final=False)  # settled: decide
        finally:
            self._sort(pending, final=True)
            os.close(fd)

    def _sort(self, data: bytes, final: bool) -> bytes:
        """Keep onnxruntime's lines, pass everything else on; return an unfinished
        onnxruntime line (no newline yet) unless ``final``."""
        while data:
            match = _HEADER.search(data)
            if match is None:
                self._forward(data)
                return b""
            self._forward(data[:match.start()])
            end = _line_end(data, match)
            if end < 0 and not final:
                return data[match.start():]
            line = data[match.start():] if end < 0 else data[match.start():end + 1]
            self._counts[_parse(line)] += 1
            if self.echo:
                self._forward(line)
            data = b"" if end < 0 else data[end + 1:]
        return b""

    def _forward(self, data: bytes) -> None:
        while data:
            try:
                data = data[os.write(self._saved, data):]
            except OSError:
                return


def _line_end(data: bytes, match: re.Match[bytes]) -> int:
    """Where an onnxruntime line ends: at its newline; a coloured one (its message may span
    lines) at the newline after the colour's reset."""
    start = match.start()
    if data.startswith(b"\x1b[", start):
        reset = data.find(b"\x1b[m", match.end())
        if reset < 0:
            return -1
        start = reset
    return data.find(b"\n", start)


def _drain(fd: int) -> bytes:
    """What is left in the pipe, without blocking."""
    out = b""
    while select.select([fd], [], [], 0)[0]:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        out += chunk
    return out


def _flush_c_stdio() -> None:
    try:
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError):  # no C library to ask (not on Linux/macOS)
        pass
