"""Bounds on every number a flag or a file gives, and where each comes from.

A number past its bound is refused when the flag or file is parsed (or, for the size of a
model's inputs, while planning, before anything runs), with the limit and why:

- **threads** (intra-op, inter-op, a provider's thread count): at most ``THREADS_PER_CPU``
  times this machine's CPUs, and never fewer than ``FLOOR`` (so that a profile written for
  a bigger device still validates here; the run caps it at the usable CPUs). This also keeps
  onnxruntime's ``int32`` options in range (``--threads 2147483648`` never reaches it).
- **concurrency** (requests in flight, each a thread): ``CONCURRENCY_PER_CPU`` times the
  CPUs, at least ``FLOOR``.
- **durations**: finite, positive, at most ``MAX_SECONDS`` (a week).
- **warm-up queries**: every warm-up latency is kept (in a list made up front), about
  ``SAMPLE_BYTES`` each, so at most a quarter of the available memory's worth. ``min_queries``
  allocates nothing (the sample buffer is sized by the run's duration), so a count that can
  never be met is allowed: the run ends at ``max_duration`` and says it is invalid.
- **samples a query / batch** and onnxruntime's integer options: ``INT32_MAX``.
- **target QPS**: finite, and the queries it may schedule (for ``max_duration``) must fit
  the memory like the warm-up's.
- **input bytes**: a model's inputs (element type x shape, the batch dim included) must fit
  in half the available memory (their outputs and the generator's need the rest):
  :func:`check_input_bytes`, called by the planner.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, Field

from bench.errors import InputError

if TYPE_CHECKING:
    import numpy as np

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
MAX_SECONDS = 7 * 24 * 3600.0
FLOOR = 64
THREADS_PER_CPU = 4
CONCURRENCY_PER_CPU = 16
SAMPLE_BYTES = 64  # a latency in the sample buffer, the result's list and report.json


def cpu_count() -> int:
    return os.cpu_count() or 1


def available_memory() -> int:
    """Bytes this machine can still give (MemAvailable), else its physical memory."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 33  # unknown: 8 GiB, a modest machine


def _size(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if size < 1024 or unit == "PiB":
            return f"{size:.3g} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


def max_threads() -> int:
    return max(FLOOR, THREADS_PER_CPU * cpu_count())


def max_concurrency() -> int:
    return max(FLOOR, CONCURRENCY_PER_CPU * cpu_count())


def max_queries() -> int:
    return max(1_000_000, available_memory() // 4 // SAMPLE_BYTES)


def _per_cpu(value: int, per_cpu: int, why: str) -> int:
    limit = max(FLOOR, per_cpu * cpu_count())
    if value > limit:
        raise ValueError(f"at most {limit}: {why} (the bound is {per_cpu} x this machine's "
                         f"{cpu_count()} CPUs, never below {FLOOR})")
    return value


def _threads(value: int) -> int:
    return _per_cpu(value, THREADS_PER_CPU, "more threads than cores only contend")


def _concurrency(value: int) -> int:
    return _per_cpu(value, CONCURRENCY_PER_CPU, "each request in flight is a thread")


def _queries(value: int) -> int:
    limit = max_queries()
    if value > limit:
        raise ValueError(f"at most {limit:,}: every latency is kept (about {SAMPLE_BYTES} "
                         f"bytes each), in a quarter of the {_size(available_memory())} "
                         "this machine has available")
    return value


def _int32(value: int) -> int:
    if value > INT32_MAX:
        raise ValueError(f"at most {INT32_MAX:,} (onnxruntime takes a 32-bit integer)")
    return value


def _count(value: int) -> int:
    if value > INT32_MAX:
        raise ValueError(f"at most {INT32_MAX:,} (a 32-bit count; what the inputs take in "
                         "memory is checked against the model while planning)")
    return value


def _seconds(value: float) -> float:
    if not (math.isfinite(value) and value > 0):
        raise ValueError("must be a positive, finite number of seconds")
    if value > MAX_SECONDS:
        raise ValueError(f"at most {MAX_SECONDS:.0f} s (a week); split a longer run")
    return value


def finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _fraction(value: float) -> float:
    if not 0 < value < 1:  # False for NaN too
        raise ValueError("must be a fraction between 0 and 1, e.g. 0.01")
    return value


def _positive_finite(value: float) -> float:
    if not (math.isfinite(value) and value > 0):
        raise ValueError("must be a positive, finite number")
    return value


def _concurrency_or_auto(value: int | str) -> int | str:
    return value if isinstance(value, str) or value < 1 else _concurrency(value)


# Field types: each is the one rule for its kind of number, in flags, profiles, plans and
# workload overrides alike (RunSettings and RunOverrides use them).
Seconds = Annotated[float, AfterValidator(_seconds)]
Finite = Annotated[float, AfterValidator(finite)]
PositiveFinite = Annotated[float, AfterValidator(_positive_finite)]
Fraction = Annotated[float, AfterValidator(_fraction)]
Threads = Annotated[int, Field(ge=1), AfterValidator(_threads)]
Concurrency = Annotated[int, Field(ge=1), AfterValidator(_concurrency)]
Queries = Annotated[int, Field(ge=1, le=INT64_MAX)]
Warmup = Annotated[int, Field(ge=0), AfterValidator(_queries)]
Samples = Annotated[int, Field(ge=1), AfterValidator(_count)]
OrtIndex = Annotated[int, Field(ge=0), AfterValidator(_int32)]
Bytes = Annotated[int, Field(ge=1, le=INT64_MAX)]
ConcurrencyOrAuto = Annotated[int | Literal["auto"], AfterValidator(_concurrency_or_auto)]


def check_schedule(target_qps: float | None, max_duration_s: float) -> None:
    """What a server run may schedule (its rate for the hard time limit) must fit the memory
    (a ``ValueError``)."""
    if target_qps is not None:
        try:
            _queries(int(min(target_qps * max_duration_s, INT64_MAX)))
        except ValueError as exc:
            raise ValueError(f"--target-qps {target_qps:g} over --max-duration "
                             f"{max_duration_s:g} s schedules up to "
                             f"{target_qps * max_duration_s:,.0f} queries; {exc}") from None


def input_bytes(inputs: Iterable[tuple[np.dtype, tuple[int, ...]]]) -> int:
    """Bytes of one set of model inputs: element size x elements, summed (exact integers;
    a string element counts as a pointer)."""
    import numpy as np  # only the planner needs it; a spec is read without numpy

    return sum(np.dtype(dtype).itemsize * math.prod(shape) for dtype, shape in inputs)


def check_input_bytes(model: str, inputs: Iterable[tuple[str, np.dtype, tuple[int, ...]]],
                      available: int | None = None) -> None:
    """Refuse inputs larger than half the available memory (an ``InputError`` naming the
    model, the largest input, its shape and both sizes)."""
    import numpy as np

    listed = list(inputs)
    need = input_bytes((dtype, shape) for _, dtype, shape in listed)
    have = available_memory() if available is None else available
    if 2 * need > have:
        name, _, shape = max(listed, key=lambda i: np.dtype(i[1]).itemsize * math.prod(i[2]))
        dims = ",".join(str(d) for d in shape)
        raise InputError(f"model {model!r}: its inputs would take {_size(need)} (input "
                         f"{name!r} is {dims}), more than half the {_size(have)} this "
                         "machine has available; use a smaller --shape, --batch or "
                         "--samples-per-query")
