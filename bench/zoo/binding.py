"""Names of dynamic dims, and which model a flag is for.

A named dim is a *symbol* (``batch``, ``p2o.DynamicDimension.0``, ``unk__12``) or an
*expression* over symbols (``past_sequence_length + 1``, ``2*s0``, ``floor(s0/2)``): one
that parses as arithmetic with at least one operator. An expression is never bound by a
flag; it is computed once every symbol in it is.

Flags (``--shape``, ``--dim``, ``--value``) name an input or a dim of every model of the run
that has it; ``MODEL:NAME`` (``MODEL`` a suite name, a file's stem or the file as given)
names it in that model only. A name that is an input of some model as written (TensorFlow
writes ``x:0``) is taken as written.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bench.errors import InputError
from bench.zoo.graph import Dim, GraphInput

_BATCH = re.compile(r"^(batch(_?size)?|n|bs|-1|unk__\d+)$", re.IGNORECASE)
_FUNCTIONS: dict[str, Callable[..., float]] = {
    "max": max, "min": min, "floor": math.floor, "ceil": math.ceil, "ceiling": math.ceil}
_BINARY: dict[type, Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: a // b, ast.Div: lambda a, b: a / b, ast.Mod: lambda a, b: a % b}
# example sizes, tried in turn: the spatial dims of an image input, then any other dim
_IMAGE_SIZES = (224, 640, 32, 48)
_OTHER_SIZES = (1, 16, 64, 512)


@lru_cache(maxsize=1024)
def _expression(text: str) -> ast.expr | None:
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    operators = (ast.BinOp, ast.UnaryOp, ast.Call)
    return tree if any(isinstance(n, operators) for n in ast.walk(tree)) else None


def symbols_of(dim: str) -> tuple[str, ...]:
    """The symbols a named dim stands for: itself, or those its expression uses."""
    tree = _expression(dim)
    if tree is None:
        return (dim,)
    calls = {n.func.id for n in ast.walk(tree)
             if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    return tuple(dict.fromkeys(n.id for n in ast.walk(tree)
                               if isinstance(n, ast.Name) and n.id not in calls))


def is_symbol(dim: Dim) -> bool:
    return isinstance(dim, str) and _expression(dim) is None


def is_batch(dim: Dim) -> bool:
    """Whether a leading dim may default to 1: unnamed, -1, or named like a batch."""
    return dim is None or (is_symbol(dim) and bool(_BATCH.match(str(dim))))


def _evaluate(node: ast.AST, names: Mapping[str, int]) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.Name):
        return names[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _evaluate(node.operand, names)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        return _BINARY[type(node.op)](_evaluate(node.left, names), _evaluate(node.right, names))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id.lower() in _FUNCTIONS:
        return _FUNCTIONS[node.func.id.lower()](*(_evaluate(a, names) for a in node.args))
    raise KeyError(ast.dump(node))


def value_of(dim: Dim, names: Mapping[str, int]) -> int | None:
    """A dim's size once bound: fixed, a bound symbol, or an expression of bound symbols
    that comes out positive; else None."""
    if isinstance(dim, int) or dim is None:
        return dim
    tree = _expression(dim)
    if tree is None:
        return names.get(dim)
    try:
        value = _evaluate(tree, names)
    except (KeyError, ZeroDivisionError, TypeError, ValueError):
        return None
    return int(value) if value >= 1 and float(value).is_integer() else None


def label(g: GraphInput, axis: int) -> str:
    d = g.dims[axis]
    return f"{g.name}[{axis}]" + (f" ({d!r})" if isinstance(d, str) else "")


def _image_axis(g: GraphInput, axis: int) -> bool:
    """A spatial dim of an NCHW or NHWC image input (rank 4, 1/3/4 channels fixed)."""
    if len(g.dims) != 4:
        return False
    if g.dims[1] in (1, 3, 4):
        return axis in (2, 3)
    return g.dims[3] in (1, 3, 4) and axis in (1, 2)


def example_sizes(graph: Sequence[GraphInput], resolved: Mapping[str, tuple[int, ...]],
                  unset: Sequence[tuple[GraphInput, int]], names: Mapping[str, int],
                  works: Callable[[dict[str, tuple[int, ...]]], bool] | None = None
                  ) -> dict[object, int]:
    """Sizes for the unset dims (by symbol, or by ``(input, axis)`` when unnamed): the
    first candidate set ``works`` accepts (one inference, when given), else the first."""
    first: dict[object, int] = {}
    for trial in range(len(_IMAGE_SIZES)):
        sizes: dict[object, int] = {}
        for g, axis in unset:
            pool = _IMAGE_SIZES if _image_axis(g, axis) else _OTHER_SIZES
            size = 1 if axis == 0 else pool[trial]  # a leading dim is most often a batch
            d = g.dims[axis]
            keys = [s for s in symbols_of(d) if s not in names] if isinstance(d, str) else []
            for key in keys or [(g.name, axis)]:
                sizes.setdefault(key, size)
        first = first or sizes
        if works is None:
            return sizes
        shapes = {g.name: example_shape(g, resolved, sizes, names) for g in graph}
        if works(shapes):
            return sizes
    return first


def example_shape(g: GraphInput, resolved: Mapping[str, tuple[int, ...]],
                  sizes: Mapping[object, int], names: Mapping[str, int]) -> tuple[int, ...]:
    """``g``'s shape with its unset dims (0 in ``resolved``) taken from ``sizes``."""
    bound = {**names, **{k: v for k, v in sizes.items() if isinstance(k, str)}}
    return tuple(resolved[g.name][a] or sizes.get((g.name, a)) or value_of(d, bound) or 1
                 for a, d in enumerate(g.dims))


# --- which model a flag is for -----------------------------------------------------------


@dataclass(frozen=True)
class ModelNames:
    """What flags may call one model of a run, and what it has."""

    name: str
    names: frozenset[str]  # its name and its reference as given
    inputs: tuple[str, ...]
    dims: tuple[str, ...]

    @classmethod
    def of(cls, name: str, ref: str, graph: Sequence[GraphInput]) -> ModelNames:
        dims = [s for g in graph for d in g.dims if isinstance(d, str) for s in symbols_of(d)]
        return cls(name, frozenset({name, ref}), tuple(g.name for g in graph),
                   tuple(dict.fromkeys(dims)))


    def scoped(self, shapes: Mapping[str, tuple[int, ...]], values: Mapping[str, float],
               dims: Mapping[str, int]) -> tuple[dict, dict, dict]:
        """The ``--shape``, ``--value`` and ``--dim`` entries that apply to this model, by
        their bare names."""
        return (flags_for(self, shapes, "inputs"), flags_for(self, values, "inputs"),
                flags_for(self, dims, "dims"))


def _target(key: str, own: Sequence[str], names: frozenset[str]) -> str | None:
    if key in own:
        return key
    scope, sep, rest = key.partition(":")
    return rest if sep and scope in names and rest in own else None


def flags_for(model: ModelNames, flags: Mapping[str, object], kind: str) -> dict[str, object]:
    """The flags (``kind``: ``inputs`` or ``dims``) that apply to ``model``, by bare name."""
    own = model.inputs if kind == "inputs" else model.dims
    out = {}
    for key, value in flags.items():
        name = _target(key, own, model.names)
        if name is not None:
            out[name] = value
    return out


def check_flags(models: Sequence[ModelNames], shapes: Mapping[str, object],
                dims: Mapping[str, object], values: Mapping[str, object]) -> None:
    """Every flag names an input or a dim of some model (its scope's, when scoped)."""
    for flag, given, kind in (("--shape", shapes, "inputs"), ("--dim", dims, "dims"),
                              ("--value", values, "inputs")):
        for key in given:
            if any(_target(key, getattr(m, kind), m.names) is not None for m in models):
                continue
            scope, sep, rest = key.partition(":")
            scoped = [m for m in models if sep and scope in m.names]
            pool = scoped or list(models)
            where = (f"model {scope!r}" if scoped else f"model {models[0].name!r}"
                     if len(models) == 1 else "the models")
            name = rest if scoped else key
            what = "input" if kind == "inputs" else "dynamic dim named"
            listed = ", ".join(sorted({n for m in pool for n in getattr(m, kind)})) or "none"
            has = "have" if where == "the models" else "has"
            raise InputError(f"{flag} {key}=...: {where} {has} no {what} {name!r} "
                             f"({'inputs' if kind == 'inputs' else 'named dims'}: {listed})")
