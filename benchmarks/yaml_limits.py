"""Hostile YAML files against the 2 s / 200 MB bar: `edgebench devices validate` on each.

    .venv/bin/python benchmarks/yaml_limits.py [--rounds 3]

The issue's cases (invalid UTF-8, a 20,000-deep nesting, a 9-level alias bomb, a
duplicate key) and the worst files within the loader's limits (256 KiB of a flat list, of
distinct keys, of one string): each is run as a fresh `edgebench devices validate`
process, ROUNDS times; the median wall time, CPU time and the peak RSS of the child are
printed beside the load average. A valid profile is the control: the CLI's own start-up
(importing every command, onnxruntime included: about 2 s of CPU on the 2-core VM) is in
every figure, so the bar (2 s, 200 MB) is checked on the case's CPU time minus the
control's (wall time is printed too; on a shared machine it waits for a CPU).
The unit tests hold the behaviour (tests/test_yaml_safety.py: one line, exit 2, a CPU-time
limit and the peak RSS); this measures the wall time on the machine at hand.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).with_name("edgebench")
PROFILE = "name: x\ncategory: pc\nworkloads: [{model: tiny_mlp}]\n"


def cases() -> dict[str, bytes]:
    bomb = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    bomb += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    limit = 256 << 10
    return {
        "control (valid)": PROFILE.encode(),
        "not-utf8": PROFILE.encode() + b'description: "caf\xe9"\n',
        "deep-20000": b"name: " + b"[" * 20000 + b"]" * 20000 + b"\n",
        "alias-bomb-9": (PROFILE + "\n".join(bomb) + "\nbomb: *a8\n").encode(),
        "duplicate-key": b"name: x\ncategory: pc\ncategory: phone\nworkloads: []\n",
        "flat-list-256k": b"a: [" + b"1," * (limit // 2 - 8) + b"1]\n",
        "keys-256k": "".join(f"k{i}: {i}\n" for i in range(limit // 12)).encode()[:limit],
        "string-256k": b"a: " + b"x" * (limit - 8) + b"\n",
    }


def measure(path: Path) -> tuple[float, float, int, int]:
    """Wall s, CPU s and peak RSS (KiB) of one `devices validate` process, its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([str(BIN), "devices", "validate", str(path)], capture_output=True,
                          timeout=120)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}")
    failed = False
    control = control_wall = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for name, data in cases().items():
            path = Path(folder) / f"{name}.yaml"
            path.write_bytes(data)
            runs = [measure(path) for _ in range(args.rounds)]
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            rss_mb = max(r[2] for r in runs) / 1024
            codes = sorted({r[3] for r in runs})
            if name.startswith("control"):
                control, control_wall = cpu, wall
                print(f"{name:16s} wall {wall:5.2f} s  cpu {cpu:5.2f} s  exit {codes}")
                continue
            ok = cpu - control <= 2.0 and rss_mb <= 200 and codes == [2]
            failed |= not ok
            print(f"{name:16s} wall {wall:5.2f} s  cpu {cpu:5.2f} s  over control "
                  f"{wall - control_wall:+5.2f} s wall, {cpu - control:+5.2f} s cpu  "
                  f"peak {rss_mb:6.1f} MB  exit {codes}  {'ok' if ok else 'OVER THE BAR'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
