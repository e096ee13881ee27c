"""Numbers in the units a person reads: bytes as KiB/MiB/GiB, times in ns/µs/ms/s chosen by
magnitude, rates with thousands separators, thread counts in words. Three significant
digits, so a table of mixed magnitudes reads at a glance. Pure functions over values."""

from __future__ import annotations

from collections.abc import Sequence

_TIME_UNITS = ((1e-6, "ns"), (1e-3, "µs"), (1.0, "ms"), (1e3, "s"))  # scale in ms


def sig(x: float) -> str:
    """Three significant digits, thousands separated: 0.0449, 4.96, 12.8, 578, 5,379."""
    a = abs(x)
    if a >= 100:
        return f"{x:,.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}"
    if a == 0:
        return "0"
    return f"{x:#.3g}"


def time_unit(ms: float) -> tuple[float, str]:
    """(scale in ms, name) of the unit a time of ``ms`` milliseconds reads best in."""
    a = abs(ms)
    for scale, name in reversed(_TIME_UNITS):
        if a >= scale:
            return scale, name
    return _TIME_UNITS[0]


def duration(ms: float, unit: tuple[float, str] | None = None) -> str:
    """``4.96 ms``, ``45.0 µs``, ``1.23 s``; ``unit`` forces another value's unit."""
    scale, name = unit or time_unit(ms)
    return f"{sig(ms / scale)} {name}"


def tick(value: float, ms: bool) -> str:
    """An axis label, as short as it can be: ``0``, ``500 µs``, ``10 ms``, ``20k``."""
    if value == 0:
        return "0"
    if ms:
        scale, name = time_unit(value)
        return f"{value / scale:.3g} {name}"
    for divisor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= divisor:
            return f"{value / divisor:.3g}{suffix}"
    return f"{value:.3g}"


def interval(low: float, high: float, unit: tuple[float, str]) -> str:
    """``4.10–5.30 ms``: both ends in one unit."""
    scale, name = unit
    return f"{sig(low / scale)}–{sig(high / scale)} {name}"


def seconds(s: float) -> str:
    """``519 ms``, ``1 s``, ``12.3 s``, ``2 min 5 s``: run lengths and settings."""
    if s >= 120:
        minutes, rest = divmod(round(s), 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    return f"{s:.3g} s" if s >= 1 else duration(s * 1e3)


def size(n_bytes: float) -> str:
    """``512 B``, ``8.92 MiB``, ``23.5 GiB`` (binary units, as memory is counted)."""
    value, unit = float(n_bytes), "B"
    for name in ("KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024:
            break
        value, unit = value / 1024, name
    return f"{value:.0f} B" if unit == "B" else f"{sig(value)} {unit}"


def plural(n: int, noun: str) -> str:
    """``1 query``, ``300 queries``, ``2 intra-op threads``."""
    if n == 1:
        word = noun
    elif noun.endswith("y") and noun[-2:-1] not in "aeiou":
        word = noun[:-1] + "ies"
    elif noun.endswith(("s", "x")):
        word = noun + "es"
    else:
        word = noun + "s"
    return f"{n:,} {word}"


def threads(n: int | None, kind: str) -> str:
    """``2 intra-op threads``; None is the runtime's choice."""
    return f"the runtime's default {kind} threads" if n is None else plural(n, f"{kind} thread")


def rate(per_s: float, noun: str = "queries") -> str:
    return f"{sig(per_s)} {noun}/s"


def flops(n: float, per_s: bool = False) -> str:
    """``512 FLOP``, ``82.6 MFLOP``, ``49.2 GFLOP/s``."""
    value, prefix = float(n), ""
    for name in ("k", "M", "G", "T", "P"):
        if abs(value) < 1000:
            break
        value, prefix = value / 1000, name
    return f"{sig(value)} {prefix}FLOP" + ("/s" if per_s else "")


def power(watts: float) -> str:
    return f"{sig(watts)} W"


def shape(dims: Sequence[int]) -> str:
    """``1×3×128×128``; an empty shape is a scalar."""
    return "×".join(map(str, dims)) if dims else "scalar"


def cpu_list(ids: Sequence[int]) -> str:
    """``0-3, 6``: CPU ids as ranges."""
    spans: list[list[int]] = []
    for i in sorted(set(ids)):
        if spans and i == spans[-1][1] + 1:
            spans[-1][1] = i
        else:
            spans.append([i, i])
    return ", ".join(f"{a}" if a == b else f"{a}-{b}" for a, b in spans)


def percent(fraction: float) -> str:
    return f"{fraction * 100:.1f}%" if abs(fraction) < 0.1 else f"{fraction * 100:.0f}%"


def joined(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
