"""Model inputs: bind every dynamic dim to a size, then generate seeded values once.

Binding, in this order (the first that applies wins):

1. ``--shape INPUT=D1,D2,...`` (or a manifest's ``shape``) gives a whole input; a named dim
   in it binds that name for every other input that shares it.
2. ``--dim NAME=V`` (or a manifest's ``dims``) binds a named dim across all inputs.
3. A name that is an expression (``past_sequence_length + 1``) is computed from the names
   it uses once they are bound.
4. A dynamic leading dim that is a batch (unnamed, ``-1``, ``batch``, ``batch_size``, ``N``,
   ``unk__*``) defaults to 1, as onnxruntime's perf tool does; the result records it.

Whatever is still unset is one ``InputError`` listing every such dim, with flags that work.
In a run of several models ``MODEL:NAME`` scopes a flag to one model (``bench.zoo.binding``).

Default generators: floating inputs draw uniformly from [0, 1); integer and boolean inputs
draw from {0, 1}, which is safe for token ids, masks and indices of any table; string inputs
draw from the strings the model's nodes name (categories, labels), else {"0", "1"}; a
manifest or ``--value NAME=NUMBER`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.device import session
from bench.errors import InputError
from bench.spec import Generator, InputSpec
from bench.zoo.binding import (
    example_shape,
    example_sizes,
    is_batch,
    is_symbol,
    label,
    symbols_of,
    value_of,
)
from bench.zoo.graph import BFLOAT16, STRING, GraphInput

_FLOAT_DEFAULT = Generator(kind="uniform", low=0.0, high=1.0)
_INT_DEFAULT = Generator(kind="int", low=0, high=2)
_WORDS = ("0", "1")


@dataclass(frozen=True)
class InputPlan:
    name: str
    dtype: np.dtype
    shape: tuple[int, ...]
    generator: Generator
    elem_type: int = 1
    vocabulary: tuple[str, ...] = ()
    defaulted: tuple[tuple[int, str | None], ...] = ()  # (axis, dim name) set by default


def _check_shape(model: str, g: GraphInput, shape: tuple[int, ...], flag: str) -> None:
    if len(shape) != len(g.dims):
        example = ",".join(str(d) if isinstance(d, int) else "1" for d in g.dims) or "scalar"
        raise InputError(f"model {model!r}: {flag} {g.name}= gives {len(shape)} dims, but the "
                         f"input has rank {len(g.dims)} (e.g. {flag} {g.name}={example})")
    for axis, (want, got) in enumerate(zip(g.dims, shape)):
        if isinstance(want, int) and want != got:
            raise InputError(f"model {model!r}: {flag} {g.name}= sets dim {axis} to {got}, "
                             f"but the model fixes it at {want}")


def _bind_names(model: str, graph: Sequence[GraphInput], whole: Mapping[str, tuple[int, ...]],
                dims: Mapping[str, int], specs: Mapping[str, InputSpec]) -> dict[str, int]:
    """Every name bound by a whole shape, a flag or a manifest (flags win)."""
    names: dict[str, int] = {}
    for spec in specs.values():
        names.update(spec.dims)
    names.update(dims)
    given: dict[str, tuple[str, int]] = {}
    for g in graph:
        shape = whole.get(g.name)
        for d, size in zip(g.dims, shape or ()):
            if not is_symbol(d):
                continue
            if d in dims and dims[d] != size:
                raise InputError(f"model {model!r}: --shape {g.name}= sets {d!r} to {size}, "
                                 f"but --dim {d}={dims[d]}")
            if d in given and given[d][1] != size:
                raise InputError(f"model {model!r}: inputs {given[d][0]!r} and {g.name!r} "
                                 f"share dim {d!r}, but their shapes give {given[d][1]} "
                                 f"and {size}")
            given[d] = (g.name, size)
            names[d] = size
    return names


Works = Callable[[dict[str, tuple[int, ...]]], bool]


@dataclass(frozen=True)
class Resolution:
    """What binding made of a model's inputs: shapes (0 where still unset), the dims set
    by default (``{input: ((axis, name), ...)}``), the unset ``(input, axis)`` and every
    bound name."""

    shapes: dict[str, tuple[int, ...]]
    defaulted: dict[str, tuple[tuple[int, str | None], ...]]
    unset: list[tuple[GraphInput, int]]
    names: dict[str, int]


def resolve_dims(model: str, graph: Sequence[GraphInput], specs: Sequence[InputSpec] = (),
                 shapes: Mapping[str, tuple[int, ...]] | None = None,
                 dims: Mapping[str, int] | None = None) -> Resolution:
    """Bind what the flags, the manifest and the batch default bind; raise only on
    contradictions (an unset dim is left 0 and listed)."""
    by_name = {s.name: s for s in specs}
    whole: dict[str, tuple[int, ...]] = {}
    for g in graph:
        given = (shapes or {}).get(g.name)
        flag = "--shape"
        if given is None and g.name in by_name and by_name[g.name].shape is not None:
            given, flag = tuple(by_name[g.name].shape or ()), "manifest shape"
        if given is not None:
            _check_shape(model, g, tuple(given), flag)
            whole[g.name] = tuple(given)
    names = _bind_names(model, graph, whole, dims or {}, by_name)
    defaulted: dict[str, list[tuple[int, str | None]]] = {}
    for g in graph:  # a leading batch dim nobody set: 1, bound once for every input
        if g.name not in whole and g.dims and is_batch(g.dims[0]):
            head = g.dims[0]
            if not isinstance(head, str) or head not in names:
                if isinstance(head, str):
                    names[head] = 1
                defaulted.setdefault(g.name, []).append((0, head))
    resolved: dict[str, tuple[int, ...]] = {}
    unset: list[tuple[GraphInput, int]] = []
    for g in graph:
        if g.name in whole:
            resolved[g.name] = whole[g.name]
            continue
        sizes = []
        for axis, d in enumerate(g.dims):
            size = 1 if (axis, d) in defaulted.get(g.name, ()) else value_of(d, names)
            if size is None:
                unset.append((g, axis))
            sizes.append(size or 0)
        resolved[g.name] = tuple(sizes)
    return Resolution(resolved, {k: tuple(v) for k, v in defaulted.items()}, unset, names)


def bind_shapes(model: str, graph: Sequence[GraphInput], specs: Sequence[InputSpec] = (),
                shapes: Mapping[str, tuple[int, ...]] | None = None,
                dims: Mapping[str, int] | None = None, works: Works | None = None,
                scope: str = "") -> Resolution:
    """:func:`resolve_dims`, and one ``InputError`` for every dim still unset. ``works``
    (one inference on given shapes) lets the error try its example first; ``scope``
    (``MODEL:``) prefixes the flags it suggests."""
    r = resolve_dims(model, graph, specs, shapes, dims)
    if r.unset:
        raise InputError(_unset_message(model, graph, r.shapes, r.unset, r.names, works,
                                        scope))
    return r


def _unset_message(model: str, graph: Sequence[GraphInput], resolved: dict[str, tuple],
                   unset: list[tuple[GraphInput, int]], names: Mapping[str, int],
                   works: Works | None, scope: str) -> str:
    listed = ", ".join(label(g, axis) for g, axis in unset)
    sizes = example_sizes(graph, resolved, unset, names, works)
    flags: dict[str, str] = {}
    for g in dict.fromkeys(g for g, _ in unset):
        axes = [axis for h, axis in unset if h is g]
        if all(isinstance(g.dims[axis], str) for axis in axes):  # named: bind each once
            free = [s for axis in axes for s in symbols_of(str(g.dims[axis])) if s not in names]
            flags.update({s: f"--dim {scope}{s}={sizes[s]}" for s in free})
        else:  # an unnamed dim: the whole shape (it binds the input's named dims too)
            shape = ",".join(map(str, example_shape(g, resolved, sizes, names)))
            flags[g.name] = f"--shape {scope}{g.name}={shape or 'scalar'}"
    count = f"{len(unset)} dynamic dims are" if len(unset) > 1 else "a dynamic dim is"
    return (f"model {model!r}: {count} unset: {listed}\n"
            f"  set them, e.g. {' '.join(flags.values())}")


def _generator(g: GraphInput, spec: InputSpec | None,
               values: Mapping[str, float]) -> Generator:
    if g.name in values:
        return Generator(kind="constant", value=values[g.name])
    if spec and spec.generator:
        return spec.generator
    if g.elem_type == BFLOAT16 or np.issubdtype(g.dtype, np.floating):
        return _FLOAT_DEFAULT
    return _INT_DEFAULT


def plan_inputs(
    model: str,
    graph: Sequence[GraphInput],
    specs: Sequence[InputSpec] = (),
    shapes: Mapping[str, tuple[int, ...]] | None = None,
    values: Mapping[str, float] | None = None,
    dims: Mapping[str, int] | None = None,
    path: Path | None = None,
    scope: str = "",
) -> list[InputPlan]:
    """Decide the shape and generator of every input; flags for other inputs are ignored
    here (``bench.zoo.binding.check_flags`` checks that each flag names something).
    ``path``: the model file, on which the example of an unset-dims error is tried."""
    by_name = {s.name: s for s in specs}
    generators = {g.name: _generator(g, by_name.get(g.name), values or {}) for g in graph}

    def works(trial: dict[str, tuple[int, ...]]) -> bool:
        plans = [InputPlan(g.name, g.dtype, trial[g.name], generators[g.name], g.elem_type,
                           g.vocabulary) for g in graph]
        try:
            return session.try_run(path, generate_inputs(plans, 0)) if path else False
        except InputError:  # a generator's file of another shape
            return False

    bound = bind_shapes(model, graph, specs, shapes, dims, works if path else None, scope)
    return [InputPlan(g.name, g.dtype, bound.shapes[g.name], generators[g.name], g.elem_type,
                      g.vocabulary, bound.defaulted.get(g.name, ())) for g in graph]


def defaulted_dims(plans: Sequence[InputPlan]) -> list[tuple[str, int, str | None, int]]:
    """``(input, axis, dim name, size)`` of every dim that was set by default and is still
    that size (a scenario's batch, ``--batch 8``, replaces a default)."""
    return [(p.name, axis, name, p.shape[axis]) for p in plans for axis, name in p.defaulted
            if p.shape[axis] == 1]


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
        raise InputError(f"input {plan.name!r}: {path} cannot be read: {exc}") from None
    if tuple(loaded.shape) != plan.shape:
        raise InputError(f"input {plan.name!r}: {path} has shape {tuple(loaded.shape)}, the "
                         f"input needs {plan.shape}")
    return np.asarray(loaded)


def _draw(plan: InputPlan, rng: np.random.Generator) -> np.ndarray:
    g = plan.generator
    if plan.elem_type == STRING and g.kind != "file":
        words = np.array(plan.vocabulary or _WORDS, dtype=object)
        if g.kind == "constant":
            return np.full(plan.shape, str(g.value), dtype=object)
        return words[rng.integers(0, len(words), size=plan.shape)]
    if g.kind == "uniform":
        return rng.uniform(g.low, g.high, size=plan.shape)
    if g.kind == "normal":
        return rng.normal(g.mean, g.std, size=plan.shape)
    if g.kind == "int":
        return rng.integers(int(g.low), int(g.high), size=plan.shape)
    if g.kind == "file":
        return load_array(plan, g)
    return np.full(plan.shape, g.value)


def generate_inputs(plans: Sequence[InputPlan], seed: int) -> dict[str, np.ndarray]:
    """Generate every input once from one seeded generator, in input order. A bfloat16
    input, which onnxruntime takes only as an OrtValue, is handed over as one."""
    rng = np.random.default_rng(seed)
    feeds: dict[str, np.ndarray] = {}
    for plan in plans:
        # np.array, not np.ascontiguousarray: the latter turns a rank-0 scalar into shape (1,)
        data = np.array(_draw(plan, rng), dtype=plan.dtype, order="C")
        if plan.elem_type == BFLOAT16:
            data = session.ort_value(data.view(np.uint16), BFLOAT16)  # type: ignore[assignment]
        feeds[plan.name] = data
    return feeds
