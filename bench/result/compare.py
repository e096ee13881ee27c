"""Compare two reports: pair their results, refuse to compare a mismatch, classify each pair.

Pure functions over values; the statistics are in :mod:`bench.stats.significance`
(``classify`` and ``Verdict`` are re-exported here, the API the A/B command builds on).

Two results are paired when their model name, precision and scenario agree (the n-th such
result of one report with the n-th of the other). A pair is only *compared* when what one
query measures is the same on both sides: the model's sha256, the precision, the scenario,
the input shapes, the execution provider, the backend that issued the queries (edgebench's
own scenarios or MLPerf LoadGen) and every setting that shapes a query (threads, the input
seed, constant input values, and the scenario's: samples per query, concurrency, batch,
target QPS, the QPS search and its latency bound, prompt length, new tokens; llm-server's
request rate, concurrency, request lengths, SLO and rate search). Threads that
``--threads auto`` chose on both sides may differ: the choice is part of what is compared.
Run-length settings (duration, min_queries, repeats, warm-up, early stopping, sustained
windows) may differ: they change how many samples there are, which the confidence interval
already accounts for. Otherwise the pair is ``incomparable`` and the reason says which field
differs.

Units of the test: when both results were measured in several fresh processes
(``--repeats N``), each process's value of the metric is one unit and the verdict is the
Welch interval of new/base over them (:func:`bench.stats.processes.classify_processes`),
because processes, not queries, are what varies between runs; otherwise the block
bootstrap over samples. A pair where either result is unstable (its processes disagree) is
``inconclusive``: never regressed or improved.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Literal

from bench.errors import UsageError
from bench.result.models import LLM_SERVER_SETTINGS, Report, RunResult
from bench.result.repeats import is_multi_process, most_drift, process_values, unstable
from bench.stats.drift import exceeds
from bench.stats.processes import classify_processes
from bench.stats.significance import Verdict, VerdictKind, classify, metric_percentile

__all__ = ["Comparison", "PairOutcome", "Verdict", "backend", "classify", "compare_reports",
           "host_differences", "parse_threshold", "check_metric"]

PairKind = Literal["improved", "regressed", "unchanged", "incomparable", "inconclusive"]
# Settings that change what one query measures; the others only change the run's length.
QUERY_SETTINGS = ("threads", "seed", "values", "samples_per_query", "concurrency", "batch",
                  "target_qps", "find_max_qps", "latency_bound_ms", "prompt_length",
                  "new_tokens")
QUERY_SETTINGS += LLM_SERVER_SETTINGS  # request rate, concurrency, lengths, SLO, rate search


@dataclass(frozen=True)
class PairOutcome:
    """One result of the base report against its counterpart in the new one."""

    model: str
    precision: str
    scenario: str
    kind: PairKind
    reason: str | None = None
    verdict: Verdict | None = None


@dataclass(frozen=True)
class Comparison:
    metric: str
    threshold: float
    pairs: tuple[PairOutcome, ...]
    host_differences: tuple[tuple[str, str, str], ...]  # (field, base, new)

    @property
    def regressed(self) -> tuple[PairOutcome, ...]:
        return tuple(p for p in self.pairs if p.kind == "regressed")

    def counts(self) -> dict[str, int]:
        out = {k: 0 for k in ("improved", "regressed", "unchanged", "incomparable",
                              "inconclusive")}
        for pair in self.pairs:
            out[pair.kind] += 1
        return out


def parse_threshold(text: str) -> float:
    """``5%`` or ``0.05`` -> 0.05; a ``UsageError`` naming the flag otherwise."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise UsageError(f"--threshold {text!r}: expected a percentage such as 5% "
                         "or a fraction such as 0.05") from None
    if not 0 <= value < 1:
        raise UsageError(f"--threshold {text!r}: must be at least 0% and below 100%")
    return value


def check_metric(metric: str) -> str:
    try:
        metric_percentile(metric)
    except ValueError as exc:
        raise UsageError(f"--metric: {exc}") from None
    return metric


def backend(result: RunResult) -> str:
    """Who issued the queries; a report from before 1.2.0 says it by its LoadGen figures."""
    if result.settings.backend is not None:
        return result.settings.backend
    return "mlperf" if result.loadgen is not None else "native"


def _mismatch(base: RunResult, new: RunResult) -> str | None:
    if base.model_sha256 != new.model_sha256:
        return (f"model sha256 differs ({base.model_sha256[:12]}... vs "
                f"{new.model_sha256[:12]}...): not the same model bytes")
    if base.input_shapes != new.input_shapes:
        return f"input shapes differ ({base.input_shapes} vs {new.input_shapes})"
    if base.provider != new.provider:
        return f"provider differs ({base.provider} vs {new.provider})"
    if backend(base) != backend(new):
        return (f"backend differs ({backend(base)} vs {backend(new)}): queries issued by "
                "edgebench's own scenario on one side and by MLPerf LoadGen on the other")
    engines = [r.llm.engine if r.llm is not None else "onnxruntime" for r in (base, new)]
    if engines[0] != engines[1]:  # a Generator's tokens include its sampling; a session's not
        return f"engine differs ({engines[0]} vs {engines[1]}): --engine changes what is timed"
    for field in QUERY_SETTINGS:
        if field == "threads" and base.threads_trial and new.threads_trial:
            continue  # both chose by --threads auto: the choice is part of what is compared
        old, now = getattr(base.settings, field), getattr(new.settings, field)
        if old != now:
            return f"settings.{field} differs ({old} vs {now})"
    for side, result in (("base", base), ("new", new)):
        if result.status != "ok" or not result.samples_ns:
            why = f": {result.error}" if result.error else ""
            return f"the {side} run has no samples ({result.status}{why})"
    return None


def _compare_pair(base: RunResult, new: RunResult, metric: str, threshold: float,
                  seed: int) -> PairOutcome:
    ident = dict(model=base.model, precision=base.precision, scenario=base.scenario)
    reason = _mismatch(base, new)
    if reason is not None:
        return PairOutcome(**ident, kind="incomparable", reason=reason)
    verdict = _verdict(base, new, metric, threshold, seed)
    shaky = [side for side, r in (("base", base), ("new", new)) if unstable(r)]
    if shaky:
        values = "; ".join(f"{side}: " + ", ".join(
            f"{v:.4g}" for v in (r.stability.values if r.stability else [])) + _moved(r)
            for side, r in (("base", base), ("new", new)) if side in shaky)
        return PairOutcome(**ident, kind="inconclusive", verdict=verdict,
                           reason=f"unstable {' and '.join(shaky)} run: its processes "
                                  f"disagree ({values})")
    kind: VerdictKind = verdict.kind
    return PairOutcome(**ident, kind=kind, verdict=verdict)


def _moved(result: RunResult) -> str:
    """What a side's drift says: the speed moved inside its processes (the host)."""
    most = most_drift(result)
    return (f", the speed moving by up to x{1 + most:.2f} inside a process"
            if most is not None and exceeds(most) else "")


def _verdict(base: RunResult, new: RunResult, metric: str, threshold: float,
             seed: int) -> Verdict:
    """Processes as units when both sides have several, else the samples' bootstrap."""
    if is_multi_process(base) and is_multi_process(new):
        return classify_processes(process_values(base, metric), process_values(new, metric),
                                  metric, threshold)
    return classify(base.samples_ns, new.samples_ns, metric, threshold, seed)


def _key(result: RunResult) -> tuple[str, str, str]:
    return (result.model, result.precision, result.scenario)


def host_differences(base: Report, new: Report) -> tuple[tuple[str, str, str], ...]:
    """Host and device fields that differ between the two reports, as text."""
    diffs = []
    for prefix, old, now in (("host", base.host, new.host), ("device", base.device, new.device)):
        left, right = old.model_dump(mode="json"), now.model_dump(mode="json")
        for field in sorted(set(left) | set(right)):
            if left.get(field) != right.get(field):
                diffs.append((f"{prefix}.{field}", str(left.get(field)), str(right.get(field))))
    if base.harness.version != new.harness.version:
        diffs.append(("harness.version", base.harness.version, new.harness.version))
    return tuple(diffs)


def compare_reports(base: Report, new: Report, metric: str = "p90", threshold: float = 0.05,
                    seed: int = 0) -> Comparison:
    """Pair the results of ``base`` and ``new`` and classify every pair."""
    new_by_key: dict[tuple[str, str, str], list[RunResult]] = defaultdict(list)
    for result in new.results:
        new_by_key[_key(result)].append(result)
    pairs = []
    for result in base.results:
        candidates = new_by_key.get(_key(result))
        if candidates:
            pairs.append(_compare_pair(result, candidates.pop(0), metric, threshold, seed))
        else:
            pairs.append(PairOutcome(*_key(result), kind="incomparable",
                                     reason="only in the base report"))
    for left in new_by_key.values():
        pairs += [PairOutcome(*_key(r), kind="incomparable", reason="only in the new report")
                  for r in left]
    return Comparison(metric=metric, threshold=threshold, pairs=tuple(pairs),
                      host_differences=host_differences(base, new))
