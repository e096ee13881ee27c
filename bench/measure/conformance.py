"""Output conformance (MLPerf's accuracy mode, for reference models without data sets):
the same seeded inputs go through the candidate session and through a CPU fp32 reference
model file, and every output is compared.

Per output: ``max_abs_error`` = max |c - r|; ``max_rel_error`` = max |c - r| / max |r|
(relative to the output's largest magnitude, so elements near zero do not blow it up);
``cosine_similarity`` of the flattened outputs (1.0 when both are all zeros). An output
passes when ``max_rel_error <= rel_tolerance`` AND ``cosine >= min_cosine``. Defaults per
precision (a manifest may override them later): fp32 1e-4 / 0.99999, fp16 1e-2 / 0.999,
int8 1e-1 / 0.99, int4 2.5e-1 / 0.98 (4-bit weights). Integer, boolean and string outputs
must match exactly.

Only tensor outputs are compared: an output of another type (the ``seq(map(...))`` of
ai.onnx.ml's ZipMap, a sequence) is listed as not compared, with its type, and does not
fail the check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from bench.result.figures import Conformance, OutputCheck


@dataclass(frozen=True)
class Tolerance:
    rel: float
    cosine: float


TOLERANCES: dict[str, Tolerance] = {
    "fp32": Tolerance(rel=1e-4, cosine=0.99999),
    "fp16": Tolerance(rel=1e-2, cosine=0.999),
    "int8": Tolerance(rel=1e-1, cosine=0.99),
    # 4-bit weights (MatMulNBits, block 32, bench/zoo/genai_build.py): the suite decoders'
    # logits on a seeded prompt drift by about 12 % of their largest value at cosine 0.99
    "int4": Tolerance(rel=2.5e-1, cosine=0.98),
}


def compare_output(name: str, candidate: np.ndarray, reference: np.ndarray,
                   tolerance: Tolerance) -> OutputCheck:
    """Compare one output (pure)."""
    if candidate.shape != reference.shape:
        return _failed(name, f"shape {list(candidate.shape)} != reference "
                             f"{list(reference.shape)}")
    if not (_numeric(candidate) and _numeric(reference)):  # strings: equal or not
        same = bool(np.array_equal(candidate, reference))
        return OutputCheck(name=name, max_abs_error=None, max_rel_error=None,
                           cosine_similarity=None, passed=same,
                           note="" if same else "values differ (compared exactly)")
    exact = not (np.issubdtype(reference.dtype, np.floating)
                 and np.issubdtype(candidate.dtype, np.floating))
    c = candidate.astype(np.float64).ravel()
    r = reference.astype(np.float64).ravel()
    if c.size == 0:
        return OutputCheck(name=name, max_abs_error=0.0, max_rel_error=0.0,
                           cosine_similarity=1.0, passed=True)
    diff = np.abs(c - r)
    if not np.isfinite(diff).all():
        return _failed(name, "non-finite values (NaN or inf) in the outputs")
    max_abs = float(np.max(diff))
    scale = float(np.max(np.abs(r)))
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else 1.0)
    norms = float(np.linalg.norm(c) * np.linalg.norm(r))
    if norms > 0:
        cosine = float(np.dot(c, r) / norms)
    else:
        cosine = 1.0 if max_abs == 0 else 0.0
    passed = max_abs == 0 if exact else (max_rel <= tolerance.rel and cosine >= tolerance.cosine)
    return OutputCheck(name=name, max_abs_error=max_abs, max_rel_error=max_rel,
                       cosine_similarity=cosine, passed=bool(passed))


def _numeric(array: np.ndarray) -> bool:
    return array.dtype.kind in "biufc"


def _not_compared(name: str, value: object) -> OutputCheck:
    kind = "a sequence" if isinstance(value, list) else type(value).__name__
    if isinstance(value, list) and value and isinstance(value[0], dict):
        kind = "a sequence of maps (ZipMap)"
    return OutputCheck(name=name, max_abs_error=None, max_rel_error=None,
                       cosine_similarity=None, passed=True,
                       note=f"not compared: {kind}, not a tensor")


def _failed(name: str, note: str) -> OutputCheck:
    return OutputCheck(name=name, max_abs_error=None, max_rel_error=None,
                       cosine_similarity=None, passed=False, note=note)


def tolerance_for(precision: str, max_rel: float | None = None,
                  min_cosine: float | None = None) -> Tolerance:
    """The default tolerance of ``precision``, with a manifest's bounds where it sets them."""
    default = TOLERANCES[precision]
    return Tolerance(rel=max_rel if max_rel is not None else default.rel,
                     cosine=min_cosine if min_cosine is not None else default.cosine)


def check_outputs(names: Sequence[str], candidate: Sequence[object],
                  reference: Mapping[str, object], precision: str, reference_label: str,
                  reference_sha256: str, tolerance: Tolerance | None = None) -> Conformance:
    """Compare every candidate tensor output that the reference also produces (pure);
    the others are listed as not compared."""
    tolerance = tolerance or TOLERANCES[precision]
    checks = [compare_output(name, out, reference[name], tolerance)
              if isinstance(out, np.ndarray) and isinstance(reference[name], np.ndarray)
              else _not_compared(name, out)
              for name, out in zip(names, candidate) if name in reference]
    missing = [name for name in names if name not in reference]
    checks += [_failed(name, "the reference has no such output") for name in missing]
    return Conformance(reference=reference_label, reference_sha256=reference_sha256,
                       precision=precision, rel_tolerance=tolerance.rel,
                       min_cosine=tolerance.cosine, passed=all(c.passed for c in checks),
                       outputs=checks)


def failure_reasons(result: Conformance) -> list[str]:
    """One invalid-reason per failing output, with its figures."""
    return [f"output {c.name!r} differs from the fp32 reference: " + (c.note or (
            f"max abs error {c.max_abs_error:.3g}, max rel error {c.max_rel_error:.3g} "
            f"(tolerance {result.rel_tolerance:g}), cosine {c.cosine_similarity:.6f} "
            f"(min {result.min_cosine:g})")) for c in result.outputs if not c.passed]
