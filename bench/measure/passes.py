"""The passes after a measured run, on the same session and seeded feeds: the output check
against a CPU fp32 reference (``--check-outputs``), the operator profile
(``--profile-ops``), and the roofline of the run (FLOPs of one query over its latency or
rate). Each is optional; none runs inside the timed region."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.device import session
from bench.measure.conformance import Tolerance, check_outputs, failure_reasons, tolerance_for
from bench.measure.observe import slug
from bench.measure.opprofile import read_trace, summarize_trace
from bench.measure.roofline import count_flops, roofline
from bench.measure.scenarios import Measurement, Scenario
from bench.result.figures import Conformance, OpProfile, Roofline
from bench.spec import RunSettings
from bench.zoo import ResolvedModel
from bench.zoo.graph import model_sha256
from bench.zoo.inputs import InputPlan

PROFILE_RUNS = 20  # runs in the --profile-ops pass (after warm-up runs, which it keeps too)


@dataclass(frozen=True)
class Passes:
    """What the passes after a run found; ``reasons`` make the result invalid."""

    conformance: Conformance | None = None
    op_profile: OpProfile | None = None
    reasons: list[str] = field(default_factory=list)


def _conformance(path: Path, opened: session.OpenedSession, feeds: Mapping[str, np.ndarray],
                 settings: RunSettings, tolerance: Tolerance | None) -> Conformance:
    reference = Path(settings.reference) if settings.reference else path
    ref = session.open_session(reference, None, (session.CPU,)).session
    expected = dict(zip(session.output_names(ref), ref.run(None, dict(feeds))))
    got = opened.session.run(None, dict(feeds))
    return check_outputs(session.output_names(opened.session), got, expected,
                         settings.precision, str(reference), model_sha256(reference),
                         tolerance)


def _op_profile(name: str, path: Path, opened: session.OpenedSession,
                feeds: Mapping[str, np.ndarray], settings: RunSettings,
                artifacts: Path | None) -> OpProfile:
    """The profiled pass; its trace goes beside the report, or is summarised and removed
    when there is no report folder (``run_one``)."""
    folder = artifacts if artifacts is not None else Path(tempfile.mkdtemp("-edgebench"))
    try:
        prefix = folder / "op-profiles" / slug(f"{name}-{settings.scenario}")
        trace = session.profile_runs(path, dict(feeds), PROFILE_RUNS, prefix, settings.threads,
                                     opened.providers)
        label = str(trace.relative_to(folder)) if artifacts is not None else trace.name
        return summarize_trace(read_trace(trace), label)
    finally:
        if artifacts is None:
            shutil.rmtree(folder, ignore_errors=True)


def tolerance_of(model: ResolvedModel, precision: str) -> Tolerance:
    """The output-check tolerance: the precision's default, with the manifest's bounds."""
    own = model.spec.tolerance.get(precision) if model.spec else None
    return tolerance_for(precision, own.max_rel if own else None,
                         own.min_cosine if own else None)


def run_passes(name: str, path: Path, opened: session.OpenedSession,
               feeds: Mapping[str, np.ndarray], settings: RunSettings,
               artifacts: Path | None, tolerance: Tolerance | None = None) -> Passes:
    """The passes after the measured run: output check, operator profile."""
    conformance = None
    reasons: list[str] = []
    if settings.check_outputs:
        conformance = _conformance(path, opened, feeds, settings, tolerance)
        reasons = failure_reasons(conformance)
    profile = None
    if settings.profile_ops:
        profile = _op_profile(name, path, opened, feeds, settings, artifacts)
    return Passes(conformance, profile, reasons)


def roofline_of(scenario: Scenario, settings: RunSettings, path: Path,
                plans: Sequence[InputPlan], measured: Measurement,
                p50_ms: float) -> Roofline | None:
    """The run's roofline, at the FLOPs of one query as the scenario counts them."""
    shapes, factor = scenario.roofline_query(settings, measured,
                                             {p.name: p.shape for p in plans})
    try:
        flops = int(count_flops(path, shapes) * factor)
    except Exception:  # noqa: BLE001
        # An advisory figure over any graph a user brings: ONNX shape inference cannot
        # follow every graph and fails in many ways; the measurement stands without it.
        return None
    seconds = measured.duration_ns / 1e9
    qps = len(measured.samples_ns) / seconds if seconds else None
    return roofline(flops, p50_ms, qps, scenario.concurrent)
