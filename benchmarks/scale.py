"""History, catalog and batch at real scale: size vs time, and the fitted growth exponent.

    python benchmarks/scale.py [--parts segment,oracle,history,catalog,batch]

Prints one table. Each figure is taken at three sizes; ``bar`` is the target at the largest
size (issue 19) and ``exp`` the exponent b of time ~ size^b fitted over the three (1 is
linear; about 1.1 is n log n). The figures:

- ``segment``: ``bench.stats.changepoints.segment`` on one series with 0, 1 and 5 steps.
- ``oracle``: the change points of every test series and of 50 seeded random series
  against the old O(n^2) fit (``tests/changepoints_reference.py``); not a timing.
- ``history``: ``edgebench history regressions --json`` (a real subprocess) over 20
  series in a SQLite history, and the library call alone.
- ``catalog``: a catalog filled from small signed reports (two processes adding at once):
  ``add`` of one more (median of 5, in process), ``catalog list --category pc`` (the
  command in process, and as a real subprocess) and ``catalog site`` (the library call,
  two processes), with the largest HTML page.
- ``edgebench --version``: the start-up every subprocess figure above includes.
- ``batch``: ``edgebench batch plan.yaml --dry-run`` (subprocess), and ``--resume`` after a
  kill with half the runs journaled: the time until it starts its next run.

Run it on a quiet machine: ``uptime``'s load average is printed first, and every figure
here is a wall-clock time.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/changepoints_reference.py, the old fit

PARTS = ("segment", "oracle", "history", "catalog", "batch")
EDGEBENCH = [sys.executable, "-m", "bench"]
rows: list[tuple[str, int, float, float, str, bool]] = []  # figure, size, wall, cpu, bar, met
cpu_of_last = [0.0]


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def timed(call: Callable[..., object], *args: object, **kwargs: object) -> float:
    """Wall seconds of the call; its CPU seconds (this process and the children it waited
    for) go to ``cpu_of_last``, to read a figure taken on a loaded machine."""
    start, cpu = time.perf_counter(), _cpu()
    call(*args, **kwargs)
    cpu_of_last[0] = _cpu() - cpu
    return time.perf_counter() - start


def record(figure: str, size: int, seconds: float, bar: float | None = None) -> None:
    met = bar is None or seconds <= bar
    rows.append((figure, size, seconds, cpu_of_last[0], f"<= {bar:g} s" if bar else "", met))
    print(f"  {figure:38s} {size:>7,}  {seconds:9.3f} s  ({cpu_of_last[0]:.3f} s CPU)",
          flush=True)


def series(n: int, steps: int, seed: int, noise: float = 0.03) -> np.ndarray:
    rng = np.random.default_rng(seed)
    levels = np.ones(n)
    for at in np.sort(rng.choice(np.arange(10, n - 10), steps, replace=False)):
        levels[at:] *= rng.choice([0.85, 0.9, 1.1, 1.2])
    return 10.0 * levels * np.exp(rng.normal(0.0, noise, n))


def part_segment() -> None:
    from bench.stats.changepoints import segment
    segment(series(500, 1, 0))  # imports and first-call costs out of the figures
    for steps in (0, 1, 5):
        for n in (1_000, 5_000, 20_000):
            values = series(n, steps, seed=n + steps)
            bar = {5_000: 1.0, 20_000: 5.0}.get(n)
            record(f"segment, {steps} steps", n, timed(segment, values), bar)


def part_oracle() -> None:
    from bench.stats.changepoints import segment
    from tests.changepoints_reference import reference_starts
    from tests.test_changepoints import _test_series
    cases = list(_test_series())
    rng = np.random.default_rng(19)
    for k in range(50):
        n = int(rng.integers(60, 300))
        values = series(n, int(rng.integers(0, 6)), 1000 + k, float(rng.choice([0.01, 0.03])))
        cases.append((f"random-{k}", np.round(values, 1) if k % 5 == 0 else values))
    same = near = 0
    for name, values in cases:
        new, old = [s.start for s in segment(values)], reference_starts(values)
        if new == old:
            same += 1
        elif len(new) == len(old) and all(abs(a - b) <= 1 for a, b in zip(new, old)):
            near += 1
        else:
            print(f"  DIFFERENT {name}: {new} vs the old fit's {old}")
    print(f"  oracle: {same} of {len(cases)} series give the old fit's change points, "
          f"{near} within one index, {len(cases) - same - near} differ")
    rows.append(("oracle: series as the old fit", len(cases), float("nan"), float("nan"),
                 f"{same}+{near} of all", same + near == len(cases)))


def fill_history(path: Path, commits: int, count: int = 20) -> None:
    from bench import db
    from bench.ci import history
    conn = db.connect(path, history.SCHEMA, history.PRAGMAS)
    with db.transaction(conn):
        conn.executemany("INSERT INTO commits VALUES (?, ?, '2026-01-01T00:00:00+00:00')",
                         [(f"{i:040x}", i) for i in range(commits)])
        for k in range(count):
            values = series(commits, [0, 1, 5][k % 3], seed=k)
            conn.executemany(
                "INSERT INTO results (commit_sha, run_id, ordinal, created_at, host, model,"
                " model_sha256, precision, scenario, valid, p50, p90, p95, p99, mean) VALUES"
                " (?, ?, ?, '2026-01-01', 'cpu', ?, '0', 'fp32', 'single-stream', 1,"
                " ?, ?, ?, ?, ?)",
                [(f"{i:040x}", f"run-{i}", k, f"model{k:02d}", v * 0.9, v, v * 1.1, v * 1.3,
                  v) for i, v in enumerate(values.tolist())])
    conn.close()


def part_history(folder: Path) -> None:
    from bench.ci.history import regressions
    for commits in (1_000, 2_500, 5_000):
        path = folder / f"history-{commits}.sqlite"
        fill_history(path, commits)
        cli = [*EDGEBENCH, "history", "regressions", "--db", str(path), "--json"]
        seconds = timed(subprocess.run, cli, capture_output=True, check=False)
        record("history regressions, 20 series (cli)", commits, seconds,
               20.0 if commits == 5_000 else None)
        record("  the library call alone", commits, timed(regressions, path))


def _fill_catalog(args: tuple[str, str, int, int]) -> None:
    """A worker: sign reports start..stop and add them, 500 a transaction."""
    import bench
    from bench.lab.catalog import signing
    from bench.lab.catalog.store import Catalog
    from bench.result.models import DeviceInfo
    from bench.spec import RunSettings
    catalog, key_path, start, stop = args
    report = bench.run(["tiny_mlp"], device="host", settings=RunSettings(
        duration_s=0.01, min_queries=3, max_duration_s=1, warmup=1))
    key = signing.load_private_key(Path(key_path))
    with Catalog.open(Path(catalog)) as cat:
        for chunk in range(start, stop, 500):
            cat.add_all((signing.sign_report(report.model_copy(update={
                "run_id": f"run-{i:06d}", "device": DeviceInfo(
                    name=f"board-{i:05d}", category="pc", profile="built-in")}), key),
                f"report {i}") for i in range(chunk, min(chunk + 500, stop)))


def part_catalog(folder: Path) -> None:
    from click.testing import CliRunner

    from bench.cli import cli
    from bench.lab.catalog import signing
    from bench.lab.catalog.site import write_catalog_site
    from bench.lab.catalog.store import Catalog
    path = folder / "catalog.sqlite"
    pair = signing.generate_keys(folder / "lab.key")
    with Catalog.open(path) as cat:
        cat.require_signatures([pair.public])
    size, extra = 0, 1_000_000
    for target in (5_000, 10_000, 20_000):
        print(f"  (filling the catalog to {target:,} entries)", flush=True)
        half = (target - size) // 2
        with Pool(2) as pool:
            pool.map(_fill_catalog, [(str(path), str(pair.private), size, size + half),
                                     (str(path), str(pair.private), size + half, target)])
        size = target
        times = []
        with Catalog.open(path) as cat:
            for _ in range(5):
                extra += 1
                times.append(_add_one(cat, pair.private, extra))
        last = size == 20_000  # the bars are the issue's, at the largest size
        record("catalog add one more (median of 5)", size, statistics.median(times),
               0.05 if last else None)
        listing = [*EDGEBENCH, "catalog", "--catalog", str(path), "list", "--category", "pc"]
        record("catalog list --category pc (in process)", size, timed(
            CliRunner().invoke, cli, listing[3:], catch_exceptions=False), 1.0 if last else None)
        record("catalog list --category pc (cli)", size,
               timed(subprocess.run, listing, capture_output=True, check=True))
        out = folder / f"site-{size}"
        record("catalog site (2 processes)", size, timed(write_catalog_site, path, out),
               60.0 if last else None)
        largest = max(p.stat().st_size for p in out.rglob("*.html"))
        print(f"    {sum(1 for _ in out.rglob('*.html')):,} pages, the largest "
              f"{largest / 1e6:.3f} MB")
        rows.append(("  largest page, MB", size, float("nan"), float("nan"),
                     f"{largest / 1e6:.3f} < 1", largest < 1e6))


def _add_one(cat: object, key_path: Path, n: int) -> float:
    import bench
    from bench.lab.catalog import signing
    from bench.result.models import DeviceInfo
    from bench.spec import RunSettings
    report = bench.run(["tiny_mlp"], device="host", settings=RunSettings(
        duration_s=0.01, min_queries=3, max_duration_s=1, warmup=1))
    signed = signing.sign_report(report.model_copy(update={"run_id": f"extra-{n}", "device":
                                 DeviceInfo(name=f"extra-{n}", category="pc",
                                            profile="built-in")}),
                                 signing.load_private_key(key_path))
    return timed(cat.add, signed)  # type: ignore[attr-defined]


def write_plan(folder: Path, repeats: int) -> Path:
    host = (ROOT / "devices" / "host.yaml").read_text()
    profiles = []
    for i in range(10):
        profile = folder / f"lab-{i}.yaml"
        profile.write_text(host.replace("name: host", f"name: lab-{i}", 1))
        profiles.append(profile.name)
    plan = folder / "plan.yaml"
    plan.write_text(f"name: big\nprofiles: [{', '.join(profiles)}]\n"
                    "models: [tiny_cnn, tiny_mlp, tiny_text, ds_cnn_kws, resnet8_cifar]\n"
                    "scenarios: [single-stream, offline]\n"
                    f"repeats: {repeats}\nsettings: {{duration_s: 1, min_queries: 10}}\n")
    return plan


def part_batch(folder: Path) -> None:
    from bench.lab.batch.expand import expand, load_plan, plan_digest
    from bench.lab.batch.journal import Journal, JournalEntry
    for repeats in (4, 10, 20):
        work = folder / f"batch-{repeats}"
        work.mkdir()
        plan_path = write_plan(work, repeats)
        size = 100 * repeats
        dry = [*EDGEBENCH, "batch", str(plan_path), "--dry-run"]
        record("batch --dry-run (cli)", size,
               timed(subprocess.run, dry, capture_output=True, check=True),
               5.0 if size == 2_000 else None)
        plan = load_plan(plan_path)
        runs = expand(plan, plan_path)
        out = work / "out"
        journal = Journal.create(out, plan_digest(plan, runs))
        for run in runs[: size // 2]:  # as a batch killed half-way leaves it
            journal.record_attempt(run.key, 1)
            journal.record_result(JournalEntry(run.key, "ok", None, f"runs/{run.slug}/r.json",
                                               1, 2, 1.0))
        journal.close()
        record("batch --resume: next run starts (cli)", size // 2, _resume(plan_path, out),
               5.0 if size == 2_000 else None)


def _resume(plan: Path, out: Path) -> float:
    """Seconds from launching ``--resume`` to its first new run being started; then the
    batch is killed (its child exits with it). Blocks on the batch's stderr, never polls."""
    start, cpu = time.perf_counter(), _cpu()
    proc = subprocess.Popen([*EDGEBENCH, "batch", str(plan), "--out", str(out), "--resume"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:  # the line the batch prints just before its first run
        if line.startswith("batch: "):
            break
    seconds = time.perf_counter() - start
    time.sleep(1.0)  # let it record the attempt, then kill it as a power cut would
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    cpu_of_last[0] = _cpu() - cpu  # the batch's CPU until it was killed
    import sqlite3
    conn = sqlite3.connect(out / "journal.sqlite")
    started = conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0]
    done = conn.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    conn.close()
    if started <= done:
        raise SystemExit(f"--resume never started a run in {out}")
    return seconds


def exponent(points: list[tuple[int, float]]) -> float:
    sizes, secs = zip(*points)
    return float(np.polyfit(np.log(sizes), np.log(secs), 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(PARTS), help="comma list of " +
                        ", ".join(PARTS))
    wanted = parser.parse_args().parts.split(",")
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    record("edgebench --version (cli start-up)", 1,
           timed(subprocess.run, [*EDGEBENCH, "--version"], capture_output=True, check=True))
    with tempfile.TemporaryDirectory(prefix="edgebench-scale-") as tmp:
        env_cache = Path(tmp) / "cache"
        os.environ.setdefault("EDGEBENCH_CACHE_DIR", str(env_cache))
        for part in PARTS:
            if part in wanted:
                print(f"{part}:", flush=True)
                call = globals()[f"part_{part}"]
                call(Path(tmp)) if part in ("history", "catalog", "batch") else call()
    print(f"\n{'figure':40s} {'size':>7s} {'seconds':>9s} {'cpu s':>8s}  {'bar':14s} "
          f"{'met':4s} exp")
    figures: dict[str, list[tuple[int, float]]] = {}
    for figure, size, seconds, *_ in rows:
        if not math.isnan(seconds):
            figures.setdefault(figure, []).append((size, seconds))
    for figure, size, seconds, cpu, bar, met in rows:
        points = figures.get(figure, [])
        fit = (f"{exponent(points):.2f}" if len(points) > 2 and size == points[-1][0]
               else "")
        print(f"{figure:40s} {size:>7,} {seconds:9.3f} {cpu:8.3f}  {bar:14s} "
              f"{'yes' if met else 'NO':4s} {fit}")
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end")
    sys.exit(0 if all(met for *_, met in rows) else 1)


if __name__ == "__main__":
    main()
