"""Roofline context: how many floating-point operations one query costs, and the rate the
measured latency implies.

FLOPs come from the zoo's graph inspection (``bench.zoo.inspection``) for the run's
concrete input shapes: ``Conv`` (output elements x input channels per group x kernel area
multiply-adds), ``Gemm`` and ``MatMul`` (M x N x K, times the broadcast batch). A
multiply-add counts as two FLOPs; other operators count zero, so the figure is a lower bound.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bench.result.figures import Roofline
from bench.zoo.inspection import profile_file

METHOD = "Conv/Gemm/MatMul multiply-adds x 2 from ONNX shape inference (others count 0)"


def count_flops(path: Path, input_shapes: Mapping[str, tuple[int, ...]]) -> int:
    """FLOPs of one ``run()`` with these input shapes: 2 x the multiply-adds the zoo's graph
    inspection counts (Conv, Gemm, MatMul and their quantized forms; others count 0)."""
    return profile_file(path, shapes=input_shapes).flops


def roofline(flops_per_query: int, p50_ms: float | None, queries_per_s: float | None,
             concurrent: bool) -> Roofline | None:
    """GFLOP/s at the median latency, or at the query rate when queries overlap
    (offline with concurrency, where latency understates the work done)."""
    if flops_per_query <= 0:
        return None
    if concurrent and queries_per_s:
        return Roofline(flops_per_query=flops_per_query,
                        gflops_per_s=flops_per_query * queries_per_s / 1e9,
                        basis="queries per second (overlapping queries)", method=METHOD)
    if not p50_ms:
        return None
    return Roofline(flops_per_query=flops_per_query,
                    gflops_per_s=flops_per_query / (p50_ms / 1e3) / 1e9,
                    basis="median query latency", method=METHOD)
