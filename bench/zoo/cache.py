"""Where built models are kept: a folder under the user cache dir, files written atomically.

``EDGEBENCH_CACHE_DIR`` overrides the location (tests point it at a temporary folder).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs


def cache_dir() -> Path:
    root = os.environ.get("EDGEBENCH_CACHE_DIR") or platformdirs.user_cache_dir("edgebench")
    path = Path(root) / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def build_key(builder: str, params: Mapping[str, object], code: str) -> str:
    """A stable name for what a builder makes from these params with this code: a changed
    builder never serves a stale file from the cache."""
    canonical = json.dumps({"builder": builder, "params": dict(params)}, sort_keys=True)
    return hashlib.sha256(canonical.encode() + code.encode()).hexdigest()[:16]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
