"""The registry of deterministic model builders: a builder is a function
``(params) -> onnx.ModelProto`` registered under a unique name with :func:`register`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import onnx

from bench.errors import SpecError

Param = int | float | str | bool
Builder = Callable[[Mapping[str, Param]], onnx.ModelProto]

_BUILDERS: dict[str, Builder] = {}


def register(name: str) -> Callable[[Builder], Builder]:
    """Register a builder under ``name``; a duplicate name is a programming error."""

    def decorate(fn: Builder) -> Builder:
        if name in _BUILDERS:
            raise ValueError(f"builder {name!r} is already registered")
        _BUILDERS[name] = fn
        return fn

    return decorate


def get_builder(name: str) -> Builder:
    try:
        return _BUILDERS[name]
    except KeyError:
        known = ", ".join(sorted(_BUILDERS))
        raise SpecError(f"unknown builder {name!r}; known builders: {known}") from None


def list_builders() -> list[str]:
    return sorted(_BUILDERS)


def builder_code() -> str:
    """The source of every builder module: part of each cache key, so that a changed
    builder or shared layer never serves a stale file from the cache."""
    folder = Path(__file__).parent
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.py")))
