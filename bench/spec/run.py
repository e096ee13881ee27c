"""Run settings and the flags that describe model inputs (``--shape``, ``--value``)."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field

from bench.errors import InputError
from bench.spec.base import Precision, ScenarioName, Spec


class RunSettings(Spec):
    """How one workload is measured. Defaults follow MLPerf Mobile's normal run length."""

    scenario: ScenarioName = "single-stream"
    precision: Precision = "fp32"
    duration_s: float = Field(60.0, gt=0, description="minimum measured duration")
    min_queries: int = Field(1024, ge=1, description="minimum number of measured queries")
    max_duration_s: float = Field(
        600.0, gt=0, description="hard limit; a run stopped here before min_queries is invalid"
    )
    warmup: int = Field(10, ge=0, description="warm-up queries, timed and reported apart")
    threads: int | None = Field(None, ge=1, description="intra-op threads (None: runtime default)")
    seed: int = Field(0, ge=0, description="seed of the input generator")
    shapes: dict[str, tuple[int, ...]] = Field(default_factory=dict)
    values: dict[str, float] = Field(default_factory=dict)

    @classmethod
    def quick(cls, **overrides: object) -> RunSettings:
        """MLPerf Mobile's quick run length: 128 queries, 10 s minimum, 60 s maximum."""
        base: dict[str, object] = {"duration_s": 10.0, "min_queries": 128, "max_duration_s": 60.0}
        return cls.model_validate(base | overrides)



def _split_assignment(flag: str, text: str) -> tuple[str, str]:
    name, sep, rest = text.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise InputError(f"{flag} {text!r}: expected NAME=VALUE (e.g. {flag} x=1,3,224,224)")
    return name.strip(), rest.strip()


def parse_shapes(items: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """Parse repeated ``--shape NAME=D1,D2,...`` flags; dims must be positive integers."""
    shapes: dict[str, tuple[int, ...]] = {}
    for item in items:
        name, rest = _split_assignment("--shape", item)
        try:
            dims = tuple(int(d) for d in rest.split(",")) if rest != "scalar" else ()
        except ValueError:
            raise InputError(
                f"--shape {item!r}: dimensions must be integers separated by commas"
            ) from None
        if any(d <= 0 for d in dims):
            raise InputError(f"--shape {item!r}: every dimension must be a positive integer")
        shapes[name] = dims
    return shapes


def parse_values(items: Iterable[str]) -> dict[str, float]:
    """Parse repeated ``--value NAME=NUMBER`` flags."""
    values: dict[str, float] = {}
    for item in items:
        name, rest = _split_assignment("--value", item)
        try:
            values[name] = float(rest)
        except ValueError:
            raise InputError(f"--value {item!r}: {rest!r} is not a number") from None
    return values
