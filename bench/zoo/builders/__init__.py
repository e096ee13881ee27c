"""Deterministic model builders: the same params give the same bytes on every machine.

Builders register by name in :mod:`bench.zoo.builders.registry`; importing this package
registers the built-in ones (listed here, explicitly).
"""

from __future__ import annotations

from bench.zoo.builders import (  # noqa: F401  (each registers its builders)
    decoder,
    decoder_gqa,
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
from bench.zoo.builders.registry import (
    Builder,
    Param,
    builder_code,
    get_builder,
    list_builders,
    register,
)

__all__ = ["Builder", "Param", "builder_code", "get_builder", "list_builders", "register"]
