"""Registry of deterministic model builders.

A builder is a function ``(params, seed) -> onnx.ModelProto`` registered under a unique name
with :func:`register`; the same params and seed give the same bytes on every machine.
"""

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


# Builder modules register themselves on import; list them here, explicitly.
from bench.zoo.builders import (  # noqa: E402,F401  # noqa: E402,F401
    decoder,
    detection,
    efficientnet,
    mobilebert,
    mobilenet,
    resnet,
    segmentation,
    superres,
    tiny,
    tinyml,
    transformer,
)
