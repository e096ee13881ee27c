"""Does `edgebench compare` stay quiet on noise and catch a real slowdown? Real runs.

    .venv/bin/python benchmarks/compare_check.py [--pairs 20] [--out /tmp/compare-check]

1. No false alarms: PAIRS pairs of runs of the same models (tiny_cnn, tiny_mlp, one
   thread). The machine is shared, so the two sides are interleaved: 12 short runs each,
   alternating A,B,A,B (B,A,... every other pair), merged per side into one saved report;
   every pair must be `unchanged` (compare --fail-on-regression exits 0).
2. A real slowdown: a base run and a run sharing its core (taskset -c 0 for both) with a
   CPU-bound busy loop pinned to the same core: `regressed`, exit 1.
3. A different model: two ONNX files with the same name and architecture whose weights
   differ: `incomparable` (sha256).

Saved reports stay under --out, so every comparison can be re-run later.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

BIN = Path(sys.executable).with_name("edgebench")
RUN = ["--duration", "1.5", "--min-queries", "300", "--warmup", "20", "--threads", "1"]


def run(out: Path, *args: str, pin: bool = False) -> Path:
    command = ([*(["taskset", "-c", "0"] if pin else []), str(BIN), "run", *args, *RUN,
                "--out", str(out), "--json"])
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    return out / "report.json"


def compare(base: Path, new: Path) -> tuple[int, dict]:
    done = subprocess.run([str(BIN), "compare", str(base), str(new), "--format", "json",
                           "--fail-on-regression"], capture_output=True, text=True, timeout=120)
    return done.returncode, json.loads(done.stdout)


CHUNKS, CHUNK_S = 12, 0.25


def _merge(chunks: list) -> object:
    """One report from chunk reports of the same models: samples concatenated in order,
    summaries recomputed from them."""
    from bench.result.models import LatencyMs
    from bench.stats.summary import LatencySummary

    results = []
    for parts in zip(*(c.results for c in chunks)):
        samples = [v for part in parts for v in part.samples_ns]
        s = LatencySummary.from_ns(samples)
        duration = sum(p.duration_s for p in parts)
        results.append(parts[0].model_copy(update=dict(
            samples_ns=samples, queries=len(samples), duration_s=duration,
            throughput_per_s=len(samples) / duration,
            latency_ms=LatencyMs(min=s.min, mean=s.mean, p50=s.p50, p90=s.p90, p95=s.p95,
                                 p99=s.p99, max=s.max, std=s.std))))
    return chunks[0].model_copy(update={"results": results, "content_hash": None})


def noise(out: Path, pairs: int) -> None:
    """Interleaved: side A and side B of a pair alternate in CHUNKS short runs each (ABAB...,
    with the order flipped every other pair), in one process, so background load from other
    work on this shared machine lands on both sides alike; each side's chunks are then merged
    into one saved report."""
    import bench
    from bench.report import write_report
    from bench.spec import RunSettings

    models = ("tiny_cnn", "tiny_mlp")
    settings = RunSettings(duration_s=CHUNK_S, min_queries=30, max_duration_s=10, warmup=5,
                           threads=1)
    unchanged = 0
    ratios = []
    for i in range(pairs):
        sides: dict[str, list] = {"a": [], "b": []}
        for _ in range(CHUNKS):
            for side in ("ab" if i % 2 == 0 else "ba"):
                sides[side].append(bench.run(models, device="host", settings=settings))
        paths = {side: write_report(_merge(chunks), out / f"noise-{i:02d}-{side}", ["json"])[0]
                 for side, chunks in sides.items()}
        code, result = compare(paths["a"], paths["b"])
        kinds = [p["kind"] for p in result["pairs"]]
        ratios += [p["verdict"]["ratio"] for p in result["pairs"] if p["verdict"]]
        unchanged += all(k == "unchanged" for k in kinds) and code == 0
        verdicts = [p["verdict"] for p in result["pairs"]]
        print(f"pair {i:2d}: exit {code} {kinds} ratios "
              f"{[round(v['ratio'], 3) for v in verdicts]} CIs "
              f"{[(round(v['ci_low'], 3), round(v['ci_high'], 3)) for v in verdicts]}",
              flush=True)
    print(f"no-false-alarm: {unchanged}/{pairs} comparisons unchanged; p90 ratio new/base "
          f"min {min(ratios):.3f} median {np.median(ratios):.3f} max {max(ratios):.3f}")


def slowdown(out: Path) -> None:
    base = run(out / "slow-base", "tiny_cnn", pin=True)
    hog = subprocess.Popen(["taskset", "-c", "0", sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)
        new = run(out / "slow-new", "tiny_cnn", pin=True)
    finally:
        hog.kill()
        hog.wait()
    code, result = compare(base, new)
    v = result["pairs"][0]["verdict"]
    print(f"slowdown: {result['pairs'][0]['kind']}, exit {code}, p90 {v['base_ms']:.3f} -> "
          f"{v['new_ms']:.3f} ms, ratio {v['ratio']:.2f} "
          f"CI [{v['ci_low']:.2f}, {v['ci_high']:.2f}]")


def different_model(out: Path) -> None:
    from bench.zoo import resolve

    source = onnx.load(str(resolve("tiny_mlp").path))
    for variant, scale in (("a", 1.0), ("b", 1.01)):
        model = onnx.ModelProto()
        model.CopyFrom(source)
        first = model.graph.initializer[0]
        first.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(first) * np.float32(scale),
                                               first.name))
        folder = out / f"model-{variant}"
        folder.mkdir(parents=True, exist_ok=True)
        onnx.save(model, str(folder / "model.onnx"))
        run(out / f"sha-{variant}", str(folder / "model.onnx"), "--shape", "x=1,512")
    code, result = compare(out / "sha-a" / "report.json", out / "sha-b" / "report.json")
    pair = result["pairs"][0]
    print(f"different weights: {pair['kind']} ({pair['reason']}), exit {code}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path("/tmp/compare-check"))
    parser.add_argument("--only", choices=("noise", "slowdown", "sha"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "sha"):
        different_model(args.out)
    if args.only in (None, "slowdown"):
        slowdown(args.out)
    if args.only in (None, "noise"):
        noise(args.out, args.pairs)


if __name__ == "__main__":
    main()
