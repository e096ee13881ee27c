"""Emulating 1 core makes a multi-threaded model slower than 2 cores.

    .venv/bin/python benchmarks/emulation.py [--rounds 3] [--duration 3]

Builds a MatMul-heavy model (onnxruntime splits it across its intra-op threads), then runs
it alternately under a profile pinned to cores [0] and to cores [0, 1], both asking for 2
threads, with --emulate semantics (``bench.run(..., emulate=True)``). Prints the p50 of each
round and the ratio; rounds alternate so that load from other processes hits both sides.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnx
import psutil
from onnx import TensorProto, helper, numpy_helper

import bench
from bench.spec import RunSettings


def build_model(path: Path, size: int = 1024, layers: int = 4) -> None:
    rng = np.random.default_rng(0)
    nodes, inits, prev = [], [], "x"
    for i in range(layers):
        weight = numpy_helper.from_array(
            rng.standard_normal((size, size)).astype(np.float32), f"w{i}")
        inits.append(weight)
        nodes.append(helper.make_node("MatMul", [prev, f"w{i}"], [f"h{i}"]))
        prev = f"h{i}"
    graph = helper.make_graph(
        nodes, "matmul_chain",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [size, size])],
        [helper.make_tensor_value_info(prev, TensorProto.FLOAT, [size, size])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def p50_ms(folder: Path, model: Path, cores: list[int],
           duration: float) -> tuple[float, bool, float]:
    profile = folder / f"cores{len(cores)}.yaml"
    profile.write_text(f"name: cores{len(cores)}\ncategory: pc\ncores: {cores}\n"
                       "threads: {intra_op: 2, inter_op: 1}\ncollectors: [memory]\n"
                       "workloads: [{model: tiny_mlp}]\n")
    settings = RunSettings(duration_s=duration, min_queries=64, max_duration_s=60, warmup=5)
    process = psutil.Process()
    cpu0, wall0 = sum(process.cpu_times()[:2]), time.perf_counter()
    report = bench.run([str(model)], device=str(profile), settings=settings, emulate=True)
    busy = (sum(process.cpu_times()[:2]) - cpu0) / (time.perf_counter() - wall0)
    result = report.results[0]
    if result.latency_ms is None:
        raise SystemExit(f"run failed: {result.error}")
    return result.latency_ms.p50, report.emulation is not None, busy


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = folder / "matmul_chain.onnx"
        build_model(model)
        one, two = [], []
        for round_ in range(args.rounds):
            a, emulated_a, busy_a = p50_ms(folder, model, [0], args.duration)
            b, emulated_b, busy_b = p50_ms(folder, model, [0, 1], args.duration)
            one.append(a)
            two.append(b)
            print(f"round {round_ + 1}: 1 core p50 {a:.2f} ms ({busy_a:.2f} CPUs busy), "
                  f"2 cores p50 {b:.2f} ms ({busy_b:.2f} CPUs busy), ratio {a / b:.2f} "
                  f"(emulated: {emulated_a and emulated_b}; load average "
                  f"{os.getloadavg()[0]:.1f})")
    ratios = [a / b for a, b in zip(one, two)]
    print(f"1 core: median p50 {statistics.median(one):.2f} ms (range {min(one):.2f}-"
          f"{max(one):.2f}); 2 cores: median p50 {statistics.median(two):.2f} ms (range "
          f"{min(two):.2f}-{max(two):.2f}); ratio median {statistics.median(ratios):.2f} "
          f"(range {min(ratios):.2f}-{max(ratios):.2f})")
    return 0 if min(ratios) > 1.2 else 1


if __name__ == "__main__":
    sys.exit(main())
