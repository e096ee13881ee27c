"""The registry of report writers: each renders a ``Report`` to bytes under a format name
and a file name; a writer module registers itself with :func:`register_writer`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.errors import UsageError
from bench.result.models import Report

Render = Callable[[Report], bytes]


@dataclass(frozen=True)
class Writer:
    name: str
    filename: str
    render: Render


_WRITERS: dict[str, Writer] = {}


def register_writer(name: str, filename: str) -> Callable[[Render], Render]:
    def decorate(render: Render) -> Render:
        if name in _WRITERS:
            raise ValueError(f"writer {name!r} is already registered")
        _WRITERS[name] = Writer(name, filename, render)
        return render

    return decorate


def get_writer(name: str) -> Writer:
    try:
        return _WRITERS[name]
    except KeyError:
        raise UsageError(f"unknown report format {name!r}; choose from "
                         f"{', '.join(sorted(_WRITERS))}") from None


def list_writers() -> list[str]:
    return sorted(_WRITERS)
