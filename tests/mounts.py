"""A tmpfs mounted for one test (needs root; the test is skipped, with the reason, where
this process cannot mount): to put outputs on a read-only file system or a full disk."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest

FILLER = "filler.bin"


class Tmpfs:
    """A tmpfs mounted at ``path`` (made here); :meth:`unmount` when done."""

    def __init__(self, path: Path, size: str) -> None:
        self.path = path
        path.mkdir(parents=True)
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs needs root")
        if shutil.which("mount") is None:
            pytest.skip("no mount(8) here")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0777",
                               "tmpfs", str(path)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")

    def read_only(self) -> Tmpfs:
        subprocess.run(["mount", "-o", "remount,ro", str(self.path)], check=True,
                       capture_output=True)
        return self

    def free(self) -> int:
        fs = os.statvfs(self.path)
        return fs.f_bavail * fs.f_frsize

    def fill(self, leave: int = 0) -> Tmpfs:
        """Fill it to the brim (``leave`` = 0) or until about ``leave`` bytes are free."""
        with open(self.path / FILLER, "ab") as handle:
            chunk = bytes(1 << 16)
            while self.free() > leave:
                try:
                    handle.write(chunk[:max(min(len(chunk), self.free() - leave), 1)])
                    handle.flush()
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
        return self

    def contents(self) -> list[str]:
        """What is in it, the filler left out."""
        return sorted(str(p.relative_to(self.path)) for p in self.path.rglob("*")
                      if p.name != FILLER)

    def unmount(self) -> None:
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)
