"""How long building the whole small suite takes (fp32, an empty cache, one process).

    python benchmarks/build_suite.py [--repeat 3] [--precisions fp32,fp16,int8]

Prints one line per model and the total of each repeat; every repeat uses a fresh cache
folder, so each builds from nothing. Large models (size: large) are left out.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD = """
import sys, time
from bench.zoo import list_models, resolve
total = 0.0
for spec in list_models():
    if spec.size != "small":
        continue
    for precision in sys.argv[1].split(","):
        if precision not in spec.precisions:
            continue
        try:
            t = time.perf_counter(); resolve(spec.name, precision); dt = time.perf_counter() - t
        except Exception as exc:  # a package source that is not installed
            print(f"  {spec.name:24s} {precision}  skipped: {exc}"); continue
        total += dt
        print(f"  {spec.name:24s} {precision}  {dt:6.2f} s", flush=True)
print(f"TOTAL {total:.2f}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--precisions", default="fp32")
    args = parser.parse_args()
    totals, walls = [], []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="edgebench-build-") as cache:
            env = {**os.environ, "EDGEBENCH_CACHE_DIR": cache}
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", CHILD, args.precisions], env=env,
                                  capture_output=True, text=True, check=True)
            walls.append(time.perf_counter() - start)
        print(f"repeat {i + 1}:\n{done.stdout}", end="")
        totals.append(float(done.stdout.strip().splitlines()[-1].split()[1]))
    print(f"wall per repeat: {', '.join(f'{w:.1f}' for w in walls)} s; median "
          f"{statistics.median(walls):.1f} s (cpus: {os.cpu_count()})")


if __name__ == "__main__":
    main()
