"""How often does an interleaved A/B flag identical commands, and does it flag a slowed one?

    .venv/bin/python benchmarks/ab_noise.py [--tries 20] [--rounds 3]

Both sides run ``edgebench run tiny_cnn`` (batch 8, one thread) pinned to the last core; the
slowed candidate shares that core with a busy loop. For each try it prints the verdicts at
p50/p90 and thresholds 5/10/15 % from the same pooled samples, and the run-to-run spread.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections import Counter

from bench.ci.ab import command_sampler, interleave
from bench.result.compare import classify


def commands(folder: str, core: int) -> tuple[str, str]:
    edgebench = shutil.which("edgebench", path=os.path.dirname(sys.executable)) or "edgebench"
    run = (f"taskset -c {core} {edgebench} run tiny_cnn --shape image=8,3,128,128 "
           f"--threads 1 --duration 0.5 --min-queries 20 --warmup 2 --json --out {folder}/%s")
    busy = f"taskset -c {core} {sys.executable} -c 'while True: pass'"
    slowed = f"sh -c \"{busy} & p=$!; {run % 'slow'}; s=$?; kill $p; exit $s\""
    return run, slowed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tries", type=int, default=20)
    parser.add_argument("--slowed-tries", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    core = max(os.sched_getaffinity(0))
    flags: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as folder:
        run, slowed = commands(folder, core)
        cases = [("identical", run % "b")] * args.tries + [("slowed", slowed)] * args.slowed_tries
        for i, (label, candidate) in enumerate(cases):
            pools: dict[str, list[int]] = {"a": [], "b": []}

            def keep(side: str, sampler, pools=pools):  # pool the samples for other metrics
                def sample():
                    s = sampler()
                    pools[side].extend(s)
                    return s
                return sample

            out = interleave(keep("a", command_sampler(run % "a")),
                             keep("b", command_sampler(candidate)), rounds=args.rounds)
            cells = []
            for metric in ("p50", "p90"):
                for t in (0.05, 0.10, 0.15):
                    v = classify(pools["a"], pools["b"], metric, t)
                    flagged = v.kind != "unchanged"
                    flags[f"{label} {metric} {t:.0%}"] += flagged
                    cells.append(f"{metric}@{t:.0%}:{'FLAG' if flagged else 'ok'}")
                cells.append(f"{metric} ratio {v.ratio:.3f} [{v.ci_low:.3f}, {v.ci_high:.3f}]")
            print(f"{label:9} try {i:2}  spread base {out.spread('base'):.0%} cand "
                  f"{out.spread('candidate'):.0%}  " + "  ".join(cells), flush=True)
    print("\nflagged (improved or regressed) per case, metric, threshold:")
    for key in sorted(flags):
        total = args.tries if key.startswith("identical") else args.slowed_tries
        print(f"  {key:22} {flags[key]}/{total}")


if __name__ == "__main__":
    main()
