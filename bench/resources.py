"""Where the shipped data folders (models/, devices/, reports/) are found.

In a checkout or an editable install they sit beside the package; a wheel carries them
inside it under ``bench/_data/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the shipped data folder ``name`` (``models``, ``devices`` or ``reports``)."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    return _PACKAGE.parent / name
