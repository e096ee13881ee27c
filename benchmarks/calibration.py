"""Do the numbers hold across processes? (issue 14, "Must show"). One command, not part of
the default test run; run it on a quiet machine:

    python benchmarks/calibration.py            # every figure (about 50 minutes on 2 cores)
    python benchmarks/calibration.py --quick    # 4 invocations a model: a smoke run
    python benchmarks/calibration.py coverage cost   # a subset
    python benchmarks/calibration.py --invocations 10   # fewer invocations a model
    python benchmarks/calibration.py coverage --models cnn_1ms   # one model

Figures and their bars (each printed, all written to benchmarks/calibration.json):
  coverage     20 invocations of `edgebench run MODEL` at default settings, for a ~1 ms CNN
               (PP-OCR's trained angle classifier from the rapidocr-onnxruntime package;
               tiny_cnn when it is missing) and a ~0.1 ms MLP: for each invocation the
               fraction of the other 19 headlines inside its 95 % interval; mean >= 0.90
               for both, and beside it the same of the later invocations only (out of
               sample: from the fifth on, an interval is widened by the earlier ones; each
               series starts with a cache of its own). The same for --repeats 1 beside it.
               Also: the CV of the headline over the 20 (spread, <= 3 %), how many were
               flagged unstable (<= 1 in 10 on a quiet machine; beside it, the same among
               the invocations in which no process drifted: the host held its speed), and
               compare on the 20 consecutive pairs (at most 1 regressed or improved at 5 %).
               Interleaved with each round: a control invocation (5 fresh bare
               session.run loops, the default's thread count and split) through the same
               prediction interval and instability rule, and the same figures of it: the
               machine's own floor beside every bar
  split        how a run's time is best split: 10 fresh processes of 4 s each; for each
               prefix of 0.5, 1, 2 and 4 s, the process-to-process CV of p90 and the median
               within-process 95 % half width (more time in one process only helps while
               the second is the larger)
  control      the same spread for a bare session.run loop in 5 fresh processes an
               invocation (the machine's own floor, before a bar is called unreachable)
  floor        one unbroken bare session.run loop of the CNN at 1 thread (300 s; --quick 60 s):
               the medians of its 1 s windows (the host's speed levels), the CV of p90 and
               p50 over consecutive blocks as long as an invocation's measured time (10 s)
               and its wall time (20 s), and the share of its 2 s pieces that drifted
               (bench.stats.drift): how steady the machine itself is over the time one
               invocation takes, with no process start, no harness and no repeats: the
               floor of the spread bar, before it is called unreachable
  cost         wall time of one default invocation of a ~2 ms CNN (<= 30 s) and of the
               default `edgebench run` (three tiny models, <= 60 s)
  instability  10 runs of 5 fresh processes with a competing busy load (one busy loop per
               CPU) during half of them: flagged unstable in >= 9 of 10
  slowed       10 pairs: a base invocation and a candidate slowed by ~15 % (a busy loop
               sharing its core at the nice whose CFS weight slows it by 15 % or just more,
               both pinned to CPU 0, in every process): compare says regressed in >= 9 of 10

The busy loops are load generators and spin on purpose; the harness itself never spins.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import onnx

from bench.device import host
from bench.files import write_atomic
from bench.result.compare import compare_reports
from bench.result.contract import load_report
from bench.stats.drift import exceeds, windows
from bench.zoo.builders import get_builder

N = 20
MEASURED = ["cnn_1ms", "mlp_0.1ms"]  # the models of coverage, split, control, instability
BUSY = "while True: pass"
BARE = """import json, sys, time, numpy as np, onnxruntime as ort
from pathlib import Path
path, threads, seconds, shape = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
o = ort.SessionOptions(); o.intra_op_num_threads = threads
s = ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])
i = s.get_inputs()[0]
feeds = {i.name: np.random.default_rng(0).random([int(d) for d in shape.split(",")],
                                                  dtype=np.float32)}
for _ in range(10): s.run(None, feeds)
def waited():
    return sum(int((t / "schedstat").read_text().split()[1])
               for t in Path("/proc/self/task").iterdir())
out, w0, t0 = [], waited(), time.perf_counter_ns()
end = time.perf_counter() + seconds
while time.perf_counter() < end:
    t = time.perf_counter_ns(); s.run(None, feeds); out.append(time.perf_counter_ns() - t)
wait = 100 * (waited() - w0) / (time.perf_counter_ns() - t0)
from bench.stats.drift import drift  # after the loop: statistics only
from bench.stats.intervals import percentile_ci
ci = percentile_ci(np.asarray(out) / 1e6, 90)
moved = drift(out)
print(json.dumps({"p90": ci.value, "half_width": ci.relative_half_width, "wait_pct": wait,
                  "drift": moved.ratio if moved else None}))
"""


def models(folder: Path) -> dict[str, list[str]]:
    """`edgebench run` arguments of each model."""
    mlp = folder / "mlp.onnx"
    cnn2 = folder / "cnn2.onnx"
    write_atomic(mlp, get_builder("tiny_mlp")({"features": 512, "hidden": 2048})
                 .SerializeToString())
    write_atomic(cnn2, get_builder("tiny_cnn")({"size": 160, "width": 48}).SerializeToString())
    try:
        cls = Path(str(metadata.distribution("rapidocr-onnxruntime").locate_file(
            "rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx")))
    except metadata.PackageNotFoundError:
        cls = None
    cnn = []
    if cls is not None and cls.is_file():
        # the file writes its batch dim as dim_value -1, which edgebench reads as fixed:
        # a copy with a named batch dim takes --shape
        model = onnx.load(str(cls))
        model.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "batch"
        onnx.save(model, str(folder / "ppocr_cls.onnx"))
        cnn = [str(folder / "ppocr_cls.onnx"), "--shape", "x=1,3,48,192"]
    return {"cnn_1ms": cnn or ["tiny_cnn"], "mlp_0.1ms": [str(mlp), "--shape", "x=1,512"],
            "cnn_2ms": [str(cnn2), "--shape", "image=1,3,160,160"]}


def invoke(args: Sequence[str], out: Path, affinity: set[int] | None = None) -> dict[str, Any]:
    """One `edgebench run ... --json` as a user runs it; its result and wall time."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "bench", "run", *args, "--json", "--out",
                           str(out)], capture_output=True, text=True,
                          preexec_fn=(lambda: os.sched_setaffinity(0, affinity))
                          if affinity else None)
    wall = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise RuntimeError(f"edgebench run {' '.join(args)}: {done.stderr.strip()[-500:]}")
    data = json.loads(done.stdout)
    r = data["results"][0]
    iv = r.get("interval") or {}
    return {"wall_s": wall, "report": data["report"], "headline": iv.get("value"),
            "low": iv.get("low"), "high": iv.get("high"), "valid": r["valid"],
            "stability": (r.get("stability") or {}).get("verdict"),
            "earlier": iv.get("earlier_invocations"),
            "reason": (r.get("stability") or {}).get("reason"),
            "threads": r["settings"]["threads"],
            "processes": len((r.get("processes") or {}).get("runs") or []) or 1,
            "drifts": [run.get("drift") for run in
                       (r.get("processes") or {}).get("runs") or []],
            "per_process_s": (r.get("processes") or {}).get("per_process_duration_s")}


def coverage(runs: list[dict[str, Any]], later_only: bool = False) -> float | None:
    """Mean over invocations of the share of the others' headlines inside its interval;
    ``later_only``: of the invocations after it only (out of sample: an interval widened
    by the earlier invocations is not judged on them)."""
    shares = []
    for i, r in enumerate(runs):
        others = [o["headline"] for j, o in enumerate(runs) if j > i or (j < i and not later_only)]
        inside = [r["low"] is not None and r["low"] <= h <= r["high"] for h in others]
        if inside:
            shares.append(sum(inside) / len(inside))
    return statistics.fmean(shares) if shares else None


@contextmanager
def _environ(**values: str):
    """``values`` set in the environment for the block (the invoked runs inherit it)."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def cv(values: Sequence[float]) -> float:
    return statistics.stdev(values) / statistics.fmean(values)


def _compare(pairs: list[tuple[str, str]], metric: str = "p90") -> dict[str, int]:
    """How many pairs of reports `compare` calls each kind."""
    return dict(Counter(compare_reports(load_report(Path(a)), load_report(Path(b)),
                                        metric).pairs[0].kind for a, b in pairs))


def drifted(run: dict[str, Any]) -> bool:
    """Whether any process of an invocation drifted (its speed moved by more than 10 %
    inside it: the host changed speed while it ran, bench.stats.drift)."""
    return any(exceeds(d) for d in run.get("drifts") or [])


def _figures(runs: list[dict[str, Any]], kinds: dict[str, int]) -> dict[str, Any]:
    heads = [r["headline"] for r in runs]
    steady = [r for r in runs if r.get("drifts") and not drifted(r)]  # drift known
    return {"coverage": coverage(runs), "coverage_later": coverage(runs, True), "cv": cv(heads),
            "unstable": sum(r["stability"] == "unstable" for r in runs),
            "drifted": sum(drifted(r) for r in runs), "not_drifted": len(steady),
            "unstable_without_drift": sum(r["stability"] == "unstable" for r in steady),
            "drifts": [r.get("drifts") for r in runs],
            "compare_pairs": kinds, "headlines": heads,
            "stability": [r["stability"] for r in runs],
            "intervals": [[r["low"], r["high"]] for r in runs],
            "threads": [r["threads"] for r in runs]}


def _line(name: str, label: str, fig: dict[str, Any], n: int) -> str:
    kinds = fig["compare_pairs"]
    moved = kinds.get("regressed", 0) + kinds.get("improved", 0)
    later = fig["coverage_later"]
    return (f"{name} {label:9}: coverage {fig['coverage']:.2f} (bar >= 0.90 at default; of "
            f"later invocations only {later if later is None else round(later, 2)}), CV "
            f"{fig['cv']:.1%} (bar <= 3%), unstable {fig['unstable']}/{n} (of the "
            f"{fig['not_drifted']} in which no process drifted: "
            f"{fig['unstable_without_drift']}), compare of {n} "
            f"identical pairs: {moved} regressed/improved (bar <= 1); threads "
            f"{sorted(set(fig['threads']), key=str)}")


def check_coverage(ms: dict[str, list[str]], n: int, work: Path) -> dict[str, Any]:
    """Per model, ``n`` rounds, each one default invocation, one --repeats 1 invocation and
    one control invocation (bare loops, the default's thread count and split), in an order
    that rotates by round: the three series see the same hours of the machine."""
    out: dict[str, Any] = {}
    labels = ("default", "repeats_1", "control")
    for name in MEASURED:
        runs: dict[str, list[dict[str, Any]]] = {label: [] for label in labels}
        for i in range(n):
            for label in labels[i % 3:] + labels[:i % 3]:
                if label == "control":
                    # the latest default's thread count and split (round 1 runs the
                    # default first)
                    like = runs["default"][-1]
                    got = control(ms[name], like["threads"], like["processes"],
                                  like["per_process_s"] or 2.0)
                    if got:
                        runs[label].append(got)
                    continue
                extra = ["--repeats", "1"] if label == "repeats_1" else []
                # a cache of its own: the series starts with no kept thread choice and no
                # earlier invocations, as on a new device
                with _environ(EDGEBENCH_CACHE_DIR=str(work / f"cache-{name}-{label}")):
                    runs[label].append(invoke([*ms[name], *extra], work / f"{name}-{label}-{i}"))
            print(f"  {name} round {i + 1}/{n}: " + ", ".join(
                f"{label} {runs[label][-1]['headline']:.4g} ms ({runs[label][-1]['stability']})"
                for label in labels if runs[label]), flush=True)
        for label in labels:
            series = runs[label]
            if not series:
                continue
            pairs = list(zip(series, series[1:] + series[:1]))
            kinds = (dict(Counter(control_verdict(a, b) for a, b in pairs))
                     if label == "control" else
                     _compare([(a["report"], b["report"]) for a, b in pairs]))
            fig = _figures(series, kinds)
            if label != "control":
                fig.update(earlier=[r["earlier"] for r in series],
                           wall_s=[r["wall_s"] for r in series],
                           reasons=[r["reason"] for r in series])
            else:
                fig.update(values=[r["values"] for r in series],
                           reasons=[r["reason"] for r in series])
            out[f"{name}/{label}"] = fig
            print(_line(name, label, fig, len(series)), flush=True)
    return out


FLOOR = """import sys, time, numpy as np, onnxruntime as ort
path, seconds, shape, out = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
o = ort.SessionOptions(); o.intra_op_num_threads = 1
s = ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])
i = s.get_inputs()[0]
feeds = {i.name: np.random.default_rng(0).random([int(d) for d in shape.split(",")],
                                                  dtype=np.float32)}
for _ in range(10): s.run(None, feeds)
buf, n = np.zeros(20_000_000, dtype=np.int64), 0
end = time.perf_counter() + seconds
while time.perf_counter() < end:
    t = time.perf_counter_ns(); s.run(None, feeds); buf[n] = time.perf_counter_ns() - t; n += 1
np.save(out, buf[:n])
"""


def _blocks(samples: Any, seconds: float) -> list[Any]:
    """``samples`` (ns, in order) cut into consecutive blocks of ``seconds`` of summed
    latency (the last, partial block left out)."""
    return windows(samples, seconds * 1e9)[:-1]


def check_floor(ms: dict[str, list[str]], seconds: float, work: Path) -> dict[str, Any]:
    """One unbroken bare loop: the host's own steadiness over an invocation's time."""
    import numpy as np

    from bench.stats.drift import drift
    from bench.stats.summary import nearest_rank

    args = ms["cnn_1ms"]
    if not args[0].endswith(".onnx"):
        return {}
    out = work / "floor.npy"
    subprocess.run([sys.executable, "-c", FLOOR, args[0], str(seconds), args[2].split("=")[1],
                    str(out)], check=True)
    samples = np.load(out)
    seconds_1 = [float(np.median(b)) / 1e6 for b in _blocks(samples, 1.0)]
    fast = float(np.percentile(seconds_1, 10))
    slow_share = float(np.mean(np.asarray(seconds_1) > 1.1 * fast))
    result: dict[str, Any] = {"seconds": seconds, "queries": len(samples),
                              "medians_1s_ms": seconds_1, "fast_level_ms": fast,
                              "share_10pct_slower": slow_share}
    print(f"floor: one unbroken bare loop, {seconds:g} s at 1 thread, {len(samples):,} "
          f"queries; its 1 s medians: 10th percentile {fast:.3f} ms, "
          f"{slow_share:.0%} of the seconds more than 10% slower than that; 1 s medians "
          f"in order: " + " ".join(f"{m:.2f}" for m in seconds_1), flush=True)
    for block in (10.0, 20.0):
        parts = _blocks(samples, block)
        p90 = [nearest_rank(np.sort(b), 90) / 1e6 for b in parts]
        p50 = [float(np.median(b)) / 1e6 for b in parts]
        if len(parts) < 2:
            continue
        result[f"blocks_{block:g}s"] = {"p90_ms": p90, "p50_ms": p50, "cv_p90": cv(p90),
                                        "cv_p50": cv(p50)}
        print(f"floor: {len(parts)} consecutive blocks of {block:g} s: CV of p90 "
              f"{cv(p90):.1%} ({min(p90):.3f}-{max(p90):.3f} ms), of p50 {cv(p50):.1%} "
              f"({min(p50):.3f}-{max(p50):.3f} ms) (the spread bar: <= 3 %)", flush=True)
    pieces = [drift(b) for b in _blocks(samples, 2.0)]
    drifted = [d.drifted for d in pieces if d is not None]
    result["pieces_2s_drifted"] = sum(drifted)
    result["pieces_2s"] = len(drifted)
    print(f"floor: {sum(drifted)} of {len(drifted)} pieces of 2 s (a default process's "
          f"share) drifted by more than 10% inside", flush=True)
    return result


def _bare(path: str, threads: int, seconds: float, shape: str,
          affinity: set[int] | None = None) -> dict[str, Any]:
    """One fresh bare-loop process: its p90 (ms), that p90's within-process 95 % half width
    (the same order-statistic and batch-means interval as a worker's) and its CPU wait."""
    done = subprocess.run([sys.executable, "-c", BARE, path, str(threads), str(seconds), shape],
                          capture_output=True, text=True, check=True,
                          preexec_fn=(lambda: os.sched_setaffinity(0, affinity))
                          if affinity else None)
    return json.loads(done.stdout)


def control(args: Sequence[str], threads: int, processes: int = 5, seconds: float = 2.0,
            affinity: set[int] | None = None) -> dict[str, Any]:
    """One invocation of the control: ``processes`` fresh bare session.run loops of
    ``seconds`` each (the default invocation's split), through edgebench's own process-level
    statistics (the prediction interval, the instability rule), so each bar has the machine's
    floor beside it. Empty for a zoo model (no file)."""
    from bench.measure.merge import interval, stability_of

    if not args[0].endswith(".onnx"):
        return {}
    runs = [_bare(args[0], threads, seconds, args[2].split("=")[1], affinity)
            for _ in range(processes)]
    values = [r["p90"] for r in runs]
    within = [r["half_width"] for r in runs]
    head = statistics.median(values)
    iv = interval("latency_ms.p90", head, values, within)
    drifts = [r["drift"] for r in runs]
    st = stability_of(values, within, [r["wait_pct"] for r in runs], drifts=drifts)
    return {"headline": head, "low": iv.low, "high": iv.high, "values": values,
            "within": within, "stability": st.verdict, "reason": st.reason,
            "threads": threads, "drifts": drifts}


def control_verdict(base: dict[str, Any], new: dict[str, Any], threshold: float = 0.05) -> str:
    """compare's verdict on two control invocations, by compare's rule: inconclusive when
    either side is unstable, else the Welch interval over processes against 5 %."""
    from bench.stats.processes import classify_processes

    if "unstable" in (base["stability"], new["stability"]):
        return "inconclusive"
    return classify_processes(base["values"], new["values"], "p90", threshold).kind


def _job(args: Sequence[str], **settings: Any) -> Any:
    from bench.measure.plan import plan
    from bench.measure.threads import resolve_threads
    from bench.spec import RunSettings
    from bench.spec.profiles import load_profile

    shapes = {a.split("=")[0]: tuple(int(d) for d in a.split("=")[1].split(","))
              for a in args[2::2]}
    job = plan([args[0]], load_profile("host")[0], RunSettings(shapes=shapes, **settings),
               quick=False)[0]
    return resolve_threads(job)


def check_split(ms: dict[str, list[str]], processes: int, work: Path) -> dict[str, Any]:
    import dataclasses

    import numpy as np

    from bench.measure.progress import SilentProgress
    from bench.measure.repeats import process_settings, repeat_once
    from bench.stats.intervals import percentile_ci
    from bench.zoo.inputs import generate_inputs

    out: dict[str, Any] = {}
    for name in MEASURED:
        job = _job(ms[name], repeats=2, duration_s=8.0, min_queries=64)
        one = dataclasses.replace(job, settings=process_settings(job.settings, 90.0))
        feeds = work / f"split-{name}.npz"
        np.savez(feeds, **generate_inputs(job.inputs, 0))
        runs = [repeat_once(one, i + 1, feeds, None, SilentProgress(), (0.0, 0))[0].result
                for i in range(processes)]
        rows = {}
        for prefix in (0.5, 1.0, 2.0, 4.0):
            p90s, widths = [], []
            for r in runs:
                samples = np.asarray(r.samples_ns)
                cut = samples[np.cumsum(samples) <= prefix * 1e9]
                ci = percentile_ci(cut, 90)
                p90s.append(ci.value / 1e6)
                widths.append(ci.relative_half_width or 0.0)
            rows[str(prefix)] = {"between_cv": cv(p90s), "within_half_width":
                                 statistics.median(widths), "p90_ms": p90s}
            print(f"split {name} at {job.settings.threads} thread(s): first {prefix:g} s of "
                  f"each of {processes} processes: CV of p90 between processes "
                  f"{cv(p90s):.1%}, median within-process half width "
                  f"{statistics.median(widths):.1%}", flush=True)
        out[name] = rows
    return out


def check_control(ms: dict[str, list[str]], n: int, threads: int = 1) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in MEASURED:
        runs = [got for got in (control(ms[name], threads) for _ in range(n)) if got]
        if not runs:
            continue
        heads = [r["headline"] for r in runs]
        flagged = sum(r["stability"] == "unstable" for r in runs)
        out[name] = {"threads": threads, "cv": cv(heads), "headlines": heads,
                     "coverage": coverage(runs), "unstable": flagged}
        print(f"control {name}: bare loop, 5 fresh processes of 2 s at {threads} thread(s) "
              f"an invocation: CV of the median p90 over {n}: {cv(heads):.1%}, coverage "
              f"{out[name]['coverage']:.2f}, unstable {flagged}/{n}", flush=True)
    return out


def check_cost(ms: dict[str, list[str]], work: Path) -> dict[str, Any]:
    one = invoke(ms["cnn_2ms"], work / "cost-2ms")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bench", "run", "--out", str(work / "cost-suite")],
                   capture_output=True, check=True)
    suite = time.perf_counter() - t0
    print(f"cost: one default invocation of a ~2 ms CNN {one['wall_s']:.1f} s (bar <= 30 s); "
          f"default `edgebench run` {suite:.1f} s (bar <= 60 s)", flush=True)
    return {"one_2ms_s": one["wall_s"], "headline_ms": one["headline"], "suite_s": suite}


@contextmanager
def load(code: str, count: int, cpu: int | None = None, nice: int = 0):
    """``count`` busy loops (on ``cpu`` only, at ``nice``) for the block. At nice N a loop
    takes weight(N) / (1024 + weight(N)) of a shared core from the measured process (the
    kernel's CFS weights, ``WEIGHTS``: x1.134 as long at nice 9, x1.168 at nice 8). Each
    worker runs in a session of its own, and with autogroup scheduling sessions share a
    core equally whatever their nice, so each loop gets a session too and the nice of its
    autogroup."""
    def setup() -> None:
        if cpu is not None:
            os.sched_setaffinity(0, {cpu})
        os.setsid()
        os.nice(nice)
        autogroup = Path("/proc/self/autogroup")
        if autogroup.exists():
            autogroup.write_text(str(nice))
    procs = [subprocess.Popen([sys.executable, "-c", code], preexec_fn=setup)
             for _ in range(count)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
            p.wait()


def check_instability(ms: dict[str, list[str]], trials: int) -> dict[str, Any]:
    """Runs of 5 fresh processes (the library's own workers and merge), a busy loop per CPU
    during processes 2 and 4."""
    import dataclasses

    import numpy as np

    from bench.measure.merge import merge
    from bench.measure.progress import SilentProgress
    from bench.measure.repeats import process_settings, repeat_once
    from bench.zoo.inputs import generate_inputs

    out: dict[str, Any] = {}
    for name in MEASURED:
        job = _job(ms[name], repeats=5)
        one = dataclasses.replace(job, settings=process_settings(job.settings, 90.0))
        verdicts = []
        with tempfile.TemporaryDirectory() as folder:
            feeds = Path(folder) / "feeds.npz"
            np.savez(feeds, **generate_inputs(job.inputs, 0))
            for _ in range(trials):
                repeats = []
                for index in range(1, 6):
                    busy = load(BUSY, os.cpu_count() or 1) if index in (2, 4) else _none()
                    with busy:
                        repeats.append(repeat_once(one, index, feeds, None, SilentProgress(),
                                               (0.0, 0))[0])
                merged = merge(job, repeats, one.settings.duration_s, one.settings.min_queries)
                verdicts.append(merged.stability.verdict)
        flagged = verdicts.count("unstable")
        out[name] = {"flagged": flagged, "trials": trials, "threads": job.settings.threads}
        print(f"instability {name}: busy load during 2 of 5 processes: flagged unstable in "
              f"{flagged}/{trials} (bar >= 9 of 10)", flush=True)
    return out


@contextmanager
def _none():
    yield


# the kernel's CFS weights (sched_prio_to_weight) of nice 6..10; nice 0 weighs 1024
WEIGHTS = {6: 272, 7: 215, 8: 172, 9: 137, 10: 110}


def _pick_nice(target: float = 0.15) -> tuple[int, float]:
    """The nice value of a busy loop sharing a CPU that slows a CPU-bound process by at
    least ``target`` and closest to it, from the weights (a process at nice 0 gets
    1024 / (1024 + w) of the core, so it takes (1024 + w) / 1024 as long): nice 8,
    x1.168. Computed, not trialled: a short trial on this VM lands anywhere in x0.75-1.31
    whatever the nice, its own floor."""
    nice = max(n for n in WEIGHTS if WEIGHTS[n] / 1024 >= target)
    return nice, 1 + WEIGHTS[nice] / 1024


def check_slowed(ms: dict[str, list[str]], pairs: int, work: Path) -> dict[str, Any]:
    """Pairs of a base and a slowed candidate, each pair also as control invocations (bare
    loops, the same thread count, split and CPU, the same busy loop for the candidate) whose
    verdict is compare's rule applied to them: the floor of this bar."""
    args = ms["cnn_1ms"]
    nice, ratio = _pick_nice()
    found, controls = [], []
    for i in range(pairs):
        base = invoke(args, work / f"slow-base-{i}", {0})
        with load(BUSY, 1, cpu=0, nice=nice):
            cand = invoke(args, work / f"slow-cand-{i}", {0})
        found.append((base, cand))
        split = (base["threads"], base["processes"], base["per_process_s"] or 2.0)
        cbase = control(args, *split, affinity={0})
        with load(BUSY, 1, cpu=0, nice=nice):
            ccand = control(args, *split, affinity={0})
        if cbase:
            controls.append((cbase, ccand))
        print(f"  slowed pair {i + 1}/{pairs}: x{cand['headline'] / base['headline']:.3f} "
              f"({base['stability']}/{cand['stability']}); control "
              + (f"x{ccand['headline'] / cbase['headline']:.3f} ({cbase['stability']}/"
                 f"{ccand['stability']}): {control_verdict(cbase, ccand)}" if cbase else "-"),
              flush=True)
    kinds = _compare([(a["report"], b["report"]) for a, b in found])
    by_mean = _compare([(a["report"], b["report"]) for a, b in found], "mean")
    ckinds = dict(Counter(control_verdict(a, b) for a, b in controls))
    ratios = [b["headline"] / a["headline"] for a, b in found]
    print(f"slowed: busy loop at nice {nice} on CPU 0 (by the CFS weights x{ratio:.3f}); "
          f"{pairs} pairs, headline ratios {', '.join(f'{r:.3f}' for r in ratios)}; "
          f"compare: {kinds} (bar: regressed >= 9 of 10); on the mean: {by_mean}; the "
          f"control by compare's rule: {ckinds}", flush=True)
    return {"nice": nice, "weight_ratio": ratio, "ratios": ratios, "kinds": kinds,
            "kinds_mean": by_mean, "threads": [a["threads"] for a, _ in found],
            "stability": [[a["stability"], b["stability"]] for a, b in found],
            "reasons": [[a["reason"], b["reason"]] for a, b in found],
            "control": {"kinds": ckinds,
                        "ratios": [b["headline"] / a["headline"] for a, b in controls],
                        "stability": [[a["stability"], b["stability"]] for a, b in controls]}}


def main() -> int:
    checks: dict[str, Callable[..., Any]] = {
        "coverage": check_coverage, "split": check_split, "control": check_control,
        "floor": check_floor,
        "cost": check_cost,
        "instability": check_instability, "slowed": check_slowed}
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checks", nargs="*", choices=[[], *checks], default=[])
    parser.add_argument("--quick", action="store_true", help="4 invocations, 2 trials")
    parser.add_argument("--invocations", type=int, metavar="N",
                        help=f"invocations a model for coverage and control [{N}]")
    parser.add_argument("--models", default=",".join(MEASURED),
                        help="which of cnn_1ms, mlp_0.1ms to measure (comma-separated)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/calibration.json"))
    args = parser.parse_args()
    n, trials = (4, 2) if args.quick else (N, 10)
    n = args.invocations or n
    MEASURED[:] = [m for m in args.models.split(",") if m in ("cnn_1ms", "mlp_0.1ms")]
    if not MEASURED:
        parser.error("--models: cnn_1ms, mlp_0.1ms or both")
    os.environ.pop("EDGEBENCH_REPEATS", None)  # the defaults are what is measured
    print(f"load average before: {os.getloadavg()}", flush=True)
    results: dict[str, Any] = {"quick": args.quick, "host": host.fingerprint().model_dump(),
                               "loadavg_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="edgebench-calibration-") as folder:
        work = Path(folder)
        ms = models(work)
        for name in args.checks or list(checks):
            run = checks[name]
            extra = {"coverage": (n, work), "split": (10 if not args.quick else 3, work),
                     "control": (n,), "cost": (work,),
                     "floor": (60.0 if args.quick else 300.0, work),
                     "instability": (trials,), "slowed": (trials, work)}[name]
            results[name] = run(ms, *extra)
    results["loadavg_after"] = os.getloadavg()
    print(f"load average after: {os.getloadavg()}")
    write_atomic(args.out, (json.dumps(results, indent=2, default=float) + "\n").encode())
    print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
