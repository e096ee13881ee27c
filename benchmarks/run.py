"""Benchmarks that prove the measurement engine's numbers (issue 4, "Must show").

Run (not part of the default test run; about 20 minutes on 2 cores):

    python benchmarks/run.py            # everything; prints each figure, writes JSON
    python benchmarks/run.py --quick    # short smoke version (figures are not meaningful)
    python benchmarks/run.py overhead loadgen   # a subset

Checks and their bars:
  overhead         harness single-stream median / bare session.run loop median <= 1.02,
                   on a ~2 ms and a ~0.1 ms model, same process, same session; 20 ABBA
                   rounds of 1 s, the median of the per-round ratios
  loadgen          single-stream p90 within 5 % of MLPerf LoadGen's; server p99 at the
                   same target QPS within 10 % (needs edgebench[mlperf]); interleaved
                   rounds, each server round with its own arrival seed
  offline_auto     --concurrency auto reaches >= 0.95 of an exhaustive sweep's best
  conformance      a copy with one weight tensor negated is invalid; an int8 (dynamic
                   quantisation) variant passes the int8 tolerance

Issue 4's reproducibility bar (CV of five 60 s medians <= 3 %) and early-stopping bar
(within 2 % of a fixed run) measured inside one process each and could not see the level a
process lands on; issue 14 replaced them with the coverage and spread figures of
``benchmarks/calibration.py`` (does a re-run's headline fall inside the stated interval,
and how much do headlines of fresh invocations spread).

Why interleaved rounds: on a shared virtual machine the speed of the same code wanders by
a few percent at every time scale from 1 s to a minute. Two methods measured one after the
other differ by that much whatever they do; measured in alternation, close in time, many
times, they differ only by what they do. Timings on a busy machine are noisy: re-run on a
quiet one before trusting them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from time import perf_counter_ns
from typing import Any

import numpy as np
import onnx
from onnx import numpy_helper

import bench
from bench.device import host, session
from bench.files import write_atomic
from bench.measure.scenarios import Target, get_scenario
from bench.measure.scenarios.offline import measure_offline, throughput
from bench.result.figures import OfflineFigures
from bench.spec import RunSettings
from bench.stats.summary import nearest_rank
from bench.zoo import resolve
from bench.zoo.builders import get_builder

SCALE = 1.0  # --quick sets 0.1


def _model(builder: str, params: dict[str, Any], folder: Path) -> Path:
    path = folder / f"{builder}-{'-'.join(f'{k}{v}' for k, v in params.items())}.onnx"
    if not path.exists():
        write_atomic(path, get_builder(builder)(params).SerializeToString())
    return path


def models(folder: Path) -> dict[str, tuple[Path, dict[str, np.ndarray]]]:
    """A ~2 ms CNN and a ~0.1 ms MLP (on one core of this class of machine)."""
    rng = np.random.default_rng(0)
    cnn = _model("tiny_cnn", {"size": 160, "width": 48}, folder)
    mlp = _model("tiny_mlp", {"features": 512, "hidden": 2048}, folder)
    return {
        "cnn_2ms": (cnn, {"image": rng.random((1, 3, 160, 160), dtype=np.float32)}),
        "mlp_0.1ms": (mlp, {"x": rng.random((1, 512), dtype=np.float32)}),
    }


def _settings(seconds: float, **extra: Any) -> RunSettings:
    return RunSettings(duration_s=max(seconds * SCALE, 0.2), min_queries=64,
                       max_duration_s=max(seconds * SCALE * 10, 10), warmup=50, **extra)


def bare_median(run: Callable[..., Any], feeds: dict[str, np.ndarray], seconds: float) -> float:
    samples = []
    end = perf_counter_ns() + int(seconds * SCALE * 1e9)
    for _ in range(50):
        run(None, feeds)
    while True:
        t0 = perf_counter_ns()
        run(None, feeds)
        t1 = perf_counter_ns()
        samples.append(t1 - t0)
        if t1 >= end:
            break
    return float(np.median(samples))


def harness_median(run: Callable[..., Any], feeds: dict[str, np.ndarray],
                   seconds: float) -> float:
    m = get_scenario("single-stream").run(run, feeds, _settings(seconds))
    return float(np.median(m.samples_ns))


def interleaved(first: Callable[[int], float], second: Callable[[int], float],
                rounds: int) -> list[tuple[float, float]]:
    """``rounds`` pairs of (first, second) figures measured in ABBA order (A B, B A, A B...):
    the machine's speed wanders by a few percent over seconds, so two methods are compared
    side by side many times, each pair close in time, and a linear drift within a pair
    favours neither."""
    pairs = []
    for i in range(rounds):
        if i % 2 == 0:
            a = first(i)
            b = second(i)
        else:
            b = second(i)
            a = first(i)
        pairs.append((a, b))
    return pairs


def _spread(ratios: list[float]) -> str:
    q1, _, q3 = statistics.quantiles(ratios, n=4)
    return f"IQR {q1:.4f}-{q3:.4f} over {len(ratios)} rounds"


OVERHEAD_ROUNDS = 20


def _overhead_pairs(run: Callable[..., Any],
                    feeds: dict[str, np.ndarray]) -> list[tuple[float, float]]:
    return interleaved(lambda _: harness_median(run, feeds, 1),
                       lambda _: bare_median(run, feeds, 1), OVERHEAD_ROUNDS)


def check_overhead(ms: dict[str, Any]) -> dict[str, Any]:
    """Bare and harness runs of 1 s each on the same session (one thread), 20 ABBA rounds;
    the ratio is the median of the per-round ratios of medians."""
    out = {}
    for name, (path, feeds) in ms.items():
        pairs = _overhead_pairs(session.open_session(path, 1).session.run, feeds)
        ratios = [h / b for h, b in pairs]
        ratio = statistics.median(ratios)
        out[name] = {"bare_median_ms": statistics.median(b for _, b in pairs) / 1e6,
                     "harness_median_ms": statistics.median(h for h, _ in pairs) / 1e6,
                     "ratios": ratios, "ratio": ratio, "pass": ratio <= 1.02}
        print(f"overhead {name}: bare {out[name]['bare_median_ms']:.4f} ms, harness "
              f"{out[name]['harness_median_ms']:.4f} ms, ratio {ratio:.4f} ({_spread(ratios)})"
              f" -> {'PASS' if ratio <= 1.02 else 'FAIL'} (bar 1.02)")
    return out


def check_loadgen(ms: dict[str, Any]) -> dict[str, Any]:
    """edgebench's scenario and LoadGen's on the same session, interleaved (ABBA). Single
    stream: 10 rounds of 3 s, the median of the per-round p90 ratios. Server at half the
    single-worker capacity: 12 rounds of 10 s, each round with its own arrival seed (both
    sides draw a Poisson schedule from it; a p99 at 50 % load rests on a few bursts of its
    schedule, so one fixed schedule per side would be a bias no repetition removes); the
    ratio of the mean p99s."""
    try:
        from bench.measure.loadgen import run_loadgen
    except ImportError:
        return {"skipped": "mlperf_loadgen not installed"}
    path, feeds = ms["cnn_2ms"]
    run = session.open_session(path, 1).session.run
    logs = Path(tempfile.mkdtemp("-loadgen"))

    def ours(settings: RunSettings, p: float, seed: int) -> float:
        m = get_scenario(settings.scenario).run(run, feeds, settings.model_copy(
            update={"seed": seed}))
        return nearest_rank(sorted(m.samples_ns), p)

    def loadgen(settings: RunSettings, key: str, seed: int) -> float:
        lg = run_loadgen(run, feeds, settings.model_copy(update={"seed": seed}),
                         logs / f"{settings.scenario}-{seed}").loadgen
        assert lg is not None
        return float(lg.summary[key])

    ss = _settings(3)
    ss_pairs = interleaved(lambda i: ours(ss, 90, i),
                           lambda i: loadgen(ss, "90.0th percentile latency (ns)", i), 10)
    qps = 0.5 * 1e9 / harness_median(run, feeds, 2)  # half the single-worker capacity
    sv = _settings(10, scenario="server", target_qps=qps, latency_bound_ms=1000)
    sv_pairs = interleaved(lambda i: ours(sv, 99, i),
                           lambda i: loadgen(sv, "99.00 percentile latency (ns)", i), 12)
    ss_ratio = statistics.median(o / lg for o, lg in ss_pairs)
    ours_p90 = statistics.median(o for o, _ in ss_pairs)
    lg_p90 = statistics.median(lg for _, lg in ss_pairs)
    ours_p99 = statistics.mean(o for o, _ in sv_pairs)
    lg_p99 = statistics.mean(lg for _, lg in sv_pairs)
    ss_diff, sv_diff = abs(ss_ratio - 1), abs(ours_p99 / lg_p99 - 1)
    print(f"loadgen single-stream p90: ours {ours_p90 / 1e6:.4f} ms, LoadGen {lg_p90 / 1e6:.4f}"
          f" ms, median ratio {ss_ratio:.4f} ({_spread([o / lg for o, lg in ss_pairs])}), "
          f"diff {ss_diff:.2%} -> {'PASS' if ss_diff <= 0.05 else 'FAIL'} (bar 5%)")
    print(f"loadgen server p99 at {qps:.0f} QPS: ours {ours_p99 / 1e6:.4f} ms, LoadGen "
          f"{lg_p99 / 1e6:.4f} ms (means of {len(sv_pairs)} rounds; per-round ratios "
          f"{_spread([o / lg for o, lg in sv_pairs])}), diff {sv_diff:.2%} -> "
          f"{'PASS' if sv_diff <= 0.10 else 'FAIL'} (bar 10%)")
    return {"single_stream": {"ours_p90_ms": ours_p90 / 1e6, "loadgen_p90_ms": lg_p90 / 1e6,
                              "pairs_ns": ss_pairs, "diff": ss_diff, "pass": ss_diff <= 0.05},
            "server": {"target_qps": qps, "ours_p99_ms": ours_p99 / 1e6,
                       "loadgen_p99_ms": lg_p99 / 1e6, "pairs_ns": sv_pairs, "diff": sv_diff,
                       "pass": sv_diff <= 0.10},
            "logs": str(logs)}


def check_offline_auto(ms: dict[str, Any]) -> dict[str, Any]:
    """``--concurrency auto`` against an exhaustive sweep of threads x concurrency. The
    sweep's best is the highest of eight noisy figures (biased up by the noise itself), so
    the chosen and the best configuration are then measured again side by side, 6 ABBA
    rounds of 2 s: the ratio is the median of those rounds' ratios."""
    path, feeds = ms["cnn_2ms"]
    batch_feeds = {k: np.concatenate([v] * 4) for k, v in feeds.items()}
    opened = session.open_session(path, 1)
    target = Target(open=lambda t: session.open_session(path, t).session.run,
                    input_dims={"image": ("batch", 3, 160, 160)},
                    output_names=session.output_names(opened.session))
    settings = _settings(8, scenario="offline", concurrency="auto", batch=4)
    auto = get_scenario("offline").run(opened.session.run, batch_feeds, settings, target=target)
    exhaustive = []
    fixed = settings.model_copy(update={"concurrency": 1})
    runs = {t: session.open_session(path, t).session.run for t in (1, 2)}
    for threads, run in runs.items():
        for c in (1, 2, 3, 4):
            rate = throughput(measure_offline(run, batch_feeds, fixed, c))
            exhaustive.append({"threads": threads, "concurrency": c, "samples_per_s": rate})
    best = max(exhaustive, key=lambda e: e["samples_per_s"])
    figures = auto.figures
    assert isinstance(figures, OfflineFigures)
    chosen = (int(figures.threads or 1), int(figures.concurrency))
    short = _settings(2, scenario="offline", batch=4)

    def rate(config: tuple[int, int]) -> float:
        return throughput(measure_offline(runs[config[0]], batch_feeds, short, config[1]))

    pairs = interleaved(lambda _: rate(chosen),
                        lambda _: rate((best["threads"], best["concurrency"])), 6)
    ratios = [a / b for a, b in pairs]
    ratio = statistics.median(ratios)
    print(f"offline auto: chose threads {chosen[0]} x concurrency {chosen[1]} "
          f"({throughput(auto):.1f} samples/s); exhaustive best threads {best['threads']} x "
          f"concurrency {best['concurrency']} ({best['samples_per_s']:.1f} samples/s); side "
          f"by side ratio {ratio:.3f} ({_spread(ratios)}) -> "
          f"{'PASS' if ratio >= 0.95 else 'FAIL'} (bar 0.95)")
    return {"auto_samples_per_s": throughput(auto),
            "auto_sweep": [p.model_dump() for p in figures.sweep],
            "exhaustive": exhaustive, "side_by_side": pairs, "ratio": ratio,
            "pass": ratio >= 0.95}


# Suite models whose fp16 and int8 variants must pass the default tolerances: CNNs of every
# product class (static QDQ int8) and a transformer (dynamic int8).
CONFORMANCE_MODELS = ("mobilenet_v2", "efficientnet_lite0", "ds_cnn_kws", "resnet8_cifar",
                      "fc_autoencoder", "minilm_l6")


def _conformance(model: str, precision: str, reference: str | None = None,
                 shapes: dict[str, tuple[int, ...]] | None = None) -> dict[str, Any]:
    settings = RunSettings(duration_s=0.2, min_queries=64, warmup=2, check_outputs=True,
                           reference=reference, precision=precision, shapes=shapes or {})
    r = bench.run([model], device="host", settings=settings).results[0]
    c = r.conformance
    assert c is not None
    worst = max(o.max_rel_error if o.max_rel_error is not None else 1.0 for o in c.outputs)
    cosine = min(o.cosine_similarity or 0.0 for o in c.outputs)
    print(f"conformance {Path(model).name} ({precision}): "
          f"{'pass' if c.passed else 'flagged invalid'}, max rel error {worst:.3g} "
          f"(tolerance {c.rel_tolerance}), cosine {cosine:.5f} (min {c.min_cosine})")
    return {"passed": c.passed, "max_rel_error": worst, "cosine": cosine,
            "tolerance": c.rel_tolerance}


def check_conformance(ms: dict[str, Any]) -> dict[str, Any]:
    """A copy of tiny_mlp with one weight tensor negated must be flagged; the suite's fp16 and
    int8 variants must pass against their fp32 builds with the default tolerances."""
    folder = Path(tempfile.mkdtemp("-conformance"))
    reference = resolve("tiny_mlp").path
    model = onnx.load(str(reference))
    init = model.graph.initializer[0]
    init.CopyFrom(numpy_helper.from_array(-numpy_helper.to_array(init), init.name))
    corrupt = folder / "tiny_mlp_corrupt.onnx"
    onnx.save(model, str(corrupt))
    out: dict[str, Any] = {"corrupt": _conformance(str(corrupt), "fp32", str(reference),
                                                   {"x": (1, 512)})}
    for name in CONFORMANCE_MODELS:
        for precision in ("fp16", "int8"):
            out[f"{name}-{precision}"] = _conformance(name, precision)
    variants = [v for k, v in out.items() if k != "corrupt"]
    ok = not out["corrupt"]["passed"] and all(v["passed"] for v in variants)
    print(f"conformance -> {'PASS' if ok else 'FAIL'} (corrupt flagged, "
          f"{sum(v['passed'] for v in variants)}/{len(variants)} variants pass)")
    out["pass"] = ok
    return out


CHECKS = {"overhead": check_overhead, "loadgen": check_loadgen,
          "offline_auto": check_offline_auto, "conformance": check_conformance}


def main() -> int:
    global SCALE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checks", nargs="*", choices=[[], *CHECKS], default=[])
    parser.add_argument("--quick", action="store_true", help="a tenth of the durations")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results.json"))
    args = parser.parse_args()
    SCALE = 0.1 if args.quick else 1.0
    folder = Path(tempfile.mkdtemp("-bench-models"))
    ms = models(folder)
    results: dict[str, Any] = {"quick": args.quick, "host": host.fingerprint().model_dump()}
    for name in args.checks or list(CHECKS):
        results[name] = CHECKS[name](ms)
    write_atomic(args.out, (json.dumps(results, indent=2, default=float) + "\n").encode())
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
