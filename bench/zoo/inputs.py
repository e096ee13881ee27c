"""Model inputs: resolve every dimension to a size, then generate seeded values once.

Default generators: floating inputs draw uniformly from [0, 1); integer and boolean inputs
draw from {0, 1}, which is safe for token ids, masks and indices of any table; a manifest or
``--value NAME=NUMBER`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.errors import InputError
from bench.spec import Generator, InputSpec
from bench.zoo.graph import GraphInput

_FLOAT_DEFAULT = Generator(kind="uniform", low=0.0, high=1.0)
_INT_DEFAULT = Generator(kind="int", low=0, high=2)


@dataclass(frozen=True)
class InputPlan:
    name: str
    dtype: np.dtype
    shape: tuple[int, ...]
    generator: Generator


def _example_shape(graph_input: GraphInput) -> str:
    return ",".join(str(d) if isinstance(d, int) else "1" for d in graph_input.dims) or "scalar"


def _resolve_shape(
    model: str, graph_input: GraphInput, spec: InputSpec | None, shape: tuple[int, ...] | None
) -> tuple[int, ...]:
    dims = graph_input.dims
    if shape is not None:
        if len(shape) != len(dims):
            raise InputError(
                f"model {model!r}: --shape {graph_input.name}= gives {len(shape)} dims, but the "
                f"input has rank {len(dims)} (e.g. --shape {graph_input.name}="
                f"{_example_shape(graph_input)})"
            )
        for axis, (want, got) in enumerate(zip(dims, shape, strict=True)):
            if isinstance(want, int) and want != got:
                raise InputError(
                    f"model {model!r}: --shape {graph_input.name}= sets dim {axis} to {got}, "
                    f"but the model fixes it at {want}"
                )
        return shape
    if spec is not None and spec.shape is not None:
        return _resolve_shape(model, graph_input, None, tuple(spec.shape))
    resolved = []
    bound = spec.dims if spec else {}
    for axis, dim in enumerate(dims):
        if isinstance(dim, int):
            resolved.append(dim)
        elif isinstance(dim, str) and dim in bound:
            resolved.append(bound[dim])
        else:
            label = f" ({dim!r})" if dim else ""
            raise InputError(
                f"model {model!r}: input {graph_input.name!r} dim {axis}{label} is dynamic and "
                f"unset; fix it with --shape {graph_input.name}={_example_shape(graph_input)}"
            )
    return tuple(resolved)


def plan_inputs(
    model: str,
    graph: Sequence[GraphInput],
    specs: Sequence[InputSpec] = (),
    shapes: Mapping[str, tuple[int, ...]] | None = None,
    values: Mapping[str, float] | None = None,
) -> list[InputPlan]:
    """Decide the shape and generator of every input; flags for other inputs are ignored
    here (the caller checks that each flag names an input of some model)."""
    by_name = {s.name: s for s in specs}
    shapes, values = shapes or {}, values or {}
    plans = []
    for graph_input in graph:
        spec = by_name.get(graph_input.name)
        shape = _resolve_shape(model, graph_input, spec, shapes.get(graph_input.name))
        if graph_input.name in values:
            generator = Generator(kind="constant", value=values[graph_input.name])
        elif spec and spec.generator:
            generator = spec.generator
        elif np.issubdtype(graph_input.dtype, np.floating):
            generator = _FLOAT_DEFAULT
        else:
            generator = _INT_DEFAULT
        plans.append(InputPlan(graph_input.name, graph_input.dtype, shape, generator))
    return plans


def load_array(plan: InputPlan, generator: Generator) -> np.ndarray:
    """An input's values from a ``.npy`` file or one array of a ``.npz``; the shape must be
    the planned one."""
    path = Path(generator.path or "")
    try:
        loaded = np.load(path, allow_pickle=False)
        if isinstance(loaded, np.lib.npyio.NpzFile):
            with loaded:
                if generator.key is None or generator.key not in loaded.files:
                    raise InputError(f"input {plan.name!r}: {path} holds {loaded.files}; set "
                                     "generator.key to one of them")
                loaded = loaded[generator.key]
    except (OSError, ValueError) as exc:
        raise InputError(f"input {plan.name!r}: cannot read {path}: {exc}") from None
    if tuple(loaded.shape) != plan.shape:
        raise InputError(f"input {plan.name!r}: {path} has shape {tuple(loaded.shape)}, the "
                         f"input needs {plan.shape}")
    return np.asarray(loaded)


def generate_inputs(plans: Sequence[InputPlan], seed: int) -> dict[str, np.ndarray]:
    """Generate every input once from one seeded generator, in input order."""
    rng = np.random.default_rng(seed)
    feeds: dict[str, np.ndarray] = {}
    for plan in plans:
        g = plan.generator
        if g.kind == "uniform":
            data = rng.uniform(g.low, g.high, size=plan.shape)
        elif g.kind == "normal":
            data = rng.normal(g.mean, g.std, size=plan.shape)
        elif g.kind == "int":
            data = rng.integers(int(g.low), int(g.high), size=plan.shape)
        elif g.kind == "file":
            data = load_array(plan, g)
        else:
            data = np.full(plan.shape, g.value)
        # np.array, not np.ascontiguousarray: the latter turns a rank-0 scalar into shape (1,)
        feeds[plan.name] = np.array(data, dtype=plan.dtype, order="C")
    return feeds
