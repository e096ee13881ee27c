"""Make tests/golden/rich-report.json: one report holding every section the pages render
(each scenario, early stopping, an operator profile, the output check, CPU use, sustained
load, token generation at three prompt lengths, energy not measured, a failed run), from
real runs on one host, kept small (the sample lists cut; every figure is the full run's).

    E=.venv/bin/edgebench; D=/tmp/rich
    $E run --device tests/golden/rich-profile.yaml --duration 1 --min-queries 300 \\
        --ci-target 0.05 --max-duration 4 --profile-ops --check-outputs --out $D/ss
    $E run tiny_mlp --device tests/golden/rich-profile.yaml --scenario multi-stream \\
        --duration 1 --min-queries 100 --out $D/ms
    $E run tiny_text --device tests/golden/rich-profile.yaml --scenario offline \\
        --concurrency auto --duration 1 --min-queries 100 --out $D/off
    $E run tiny_mlp --device tests/golden/rich-profile.yaml --scenario server \\
        --target-qps 200 --latency-bound-ms 5 --duration 1 --min-queries 100 --out $D/srv
    for n in 16 64 256; do $E run llm_decoder_tiny --device tests/golden/rich-profile.yaml \\
        --scenario token-generation --prompt-length $n --new-tokens 16 --duration 1 \\
        --min-queries 200 --out $D/tg$n; done
    $E run tiny_cnn --device tests/golden/rich-profile.yaml --sustained 3 --out $D/sus
    .venv/bin/python tests/golden/make_rich_report.py $D
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.files import write_atomic
from bench.result.contract import load_report, render_json, seal
from bench.result.models import RunResult

KEEP = 400
MOBILENET = "e3829c4a7aa4" + "0" * 52  # not a real model's bytes: the run failed first
RUNS = ("ss", "ms", "off", "srv", "tg16", "tg64", "tg256", "sus")


def trim(result: RunResult) -> RunResult:
    """Only the sample lists are cut (to their first KEEP values): every stated figure is the
    full run's, so the text stays true; the plots show the first KEEP samples."""
    update: dict[str, object] = dict(samples_ns=result.samples_ns[:KEEP],
                                     warmup_samples_ns=result.warmup_samples_ns[:5])
    if result.token_generation is not None:
        update["token_generation"] = result.token_generation.model_copy(update=dict(
            prefill_samples_ns=result.token_generation.prefill_samples_ns[:60]))
    return result.model_copy(update=update)


def main(folder: Path) -> None:
    reports = [load_report(folder / run / "report.json") for run in RUNS]
    results = [trim(r) for report in reports for r in report.results]
    failed = results[1].model_copy(update=dict(
        model="mobilenet_v2", input_shapes={"input": [1, 3, 128, 128]}, model_sha256=MOBILENET,
        status="failed", valid=False, invalid_reasons=["the run failed"],
        error="[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Got invalid dimensions for input: "
              "input for the following indices index: 2 Got: 128 Expected: 224",
        latency_ms=None, throughput_per_s=None, queries=0, duration_s=0.0, ended_by=None,
        cold_start=None, memory=None, samples_ns=[], warmup_samples_ns=[], cpu=None,
        op_profile=None, conformance=None, roofline=None, early_stopping=None, energy=None))
    report = reports[0].model_copy(update=dict(run_id="rich", results=[*results, failed]))
    write_atomic(Path(__file__).parent / "rich-report.json", render_json(seal(report)))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
