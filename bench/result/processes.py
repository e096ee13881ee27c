"""Report records of the process level (added in 1.3.0, all optional): a result measured in
several fresh worker processes (``--repeats N``) keeps every process (``ProcessRun``), the
interval a re-run lands in (``HeadlineInterval``, on every result), whether the processes
agree (``Stability``), the ``--threads auto`` trial (``ThreadsTrial``) and the host's
threats to reproducible numbers found by ``edgebench doctor`` (``DoctorFinding``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, SerializerFunctionWrapHandler, model_serializer

from bench.result.figures import ColdStart, Figures, LatencyMs

PI_METHOD = ("95% prediction interval of one more fresh process's headline: log scale, "
             "mean +/- t(0.975, n-1) s sqrt(1 + 1/n) (Hahn & Meeker 1991, 4.7), widened "
             "to the within-process interval where that is wider")
WITHIN_METHOD = ("95% interval of the headline inside this one process: order statistics "
                 "(Conover 1999, 3.2) widened to batch means (Law & Kelton, 9.5.3); it "
                 "does not cover the process-to-process spread")
RERUN_METHOD = ("widened to the 95% prediction interval of one more invocation's headline "
                "from the headlines of the earlier invocations of this workload on this host "
                "and this one (log scale, the same formula over invocations; a Type A "
                "evaluation from earlier data, JCGM 100:2008 4.2.4)")
STABILITY_METHOD = ("unstable when two neighbouring process values (sorted) have 95% "
                    "intervals, each widened to at least +/-5%, that do not overlap, or "
                    "when some processes waited for a CPU (run-queue delay) more than 10 "
                    "points of one core longer than the others; the reason says when the "
                    "speed also moved inside a process (drift over 10%: the host)")


class HeadlineInterval(Figures):
    """The one 95 % interval a report states for a result's headline."""

    field: str = Field(description="the RunResult field the interval is about, as a dotted "
                                   "path, e.g. 'latency_ms.p90' or 'throughput_per_s'")
    value: float = Field(description="the headline (with repeats: median over processes)")
    low: float | None = Field(None, description="None: no bounded interval")
    high: float | None = None
    relative_half_width: float | None = Field(
        None, description="the larger distance from the value to a bound, over the value")
    covers: Literal["fresh process", "one process"] = Field(
        description="'fresh process': where a re-run's headline falls; 'one process': "
                    "sampling noise of this one process only (--repeats 1)")
    processes: int = Field(1, description="processes the interval rests on")
    within_process_half_width: float | None = Field(
        None, description="the within-process interval's relative half width (median "
                          "over processes)")
    mean_ci_low: float | None = Field(
        None, description="95% confidence interval of the true (geometric) mean over "
                          "processes, for contrast; not where a re-run falls")
    mean_ci_high: float | None = None
    earlier_invocations: int | None = Field(
        None, description="earlier invocations of this workload on this host the interval "
                          "also rests on (added in 1.5.0; 0-3: too few, not used)")
    rerun_low: float | None = Field(
        None, description="95% prediction interval of one more invocation's headline from "
                          "the earlier invocations and this one (1.5.0)")
    rerun_high: float | None = None
    method: str


class ProcessRun(Figures):
    """One fresh worker process of a result measured with repeats."""

    index: int = Field(description="1-based, in the order the processes ran")
    pid: int | None = None
    status: Literal["ok", "failed"]
    error: str | None = Field(None, description="why the process failed (a crash, a hang "
                                                "killed at its timeout, onnxruntime)")
    headline: float | None = Field(None, description="the headline in this process")
    relative_half_width: float | None = Field(None, description="its within-process 95% "
                                                                "interval, relative")
    latency_ms: LatencyMs | None = None
    throughput_per_s: float | None = None
    queries: int = 0
    first_sample: int = Field(0, description="where its samples begin in the result's "
                                             "samples_ns (they are in process order)")
    duration_s: float = 0.0
    ended_by: str | None = None
    cold_start: ColdStart | None = None
    peak_rss_bytes: int | None = None
    cpu_wait_pct: float | None = Field(None, description="time its threads waited for a "
                                                         "CPU, % of one core (schedstat)")
    drift: float | None = Field(
        None, description="how far its speed moved inside it: slowest / fastest - 1 of the "
                          "medians of consecutive 0.25 s windows of its queries, the most "
                          "extreme window at each end left out (bench.stats.drift; added in "
                          "1.6.0; None: too few windows)")
    invalid_reasons: list[str] = Field(default_factory=list)

    # Any: pydantic's serializer hands the dumped JSON object (the serialisation edge).
    @model_serializer(mode="wrap")
    def _leave_out_unrecorded(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """``drift`` (1.6.0) is left out while unset, so a report written before it dumps,
        hashes and verifies as it was written."""
        data: dict[str, Any] = handler(self)
        if data.get("drift", 0.0) is None:
            del data["drift"]
        return data


class Stability(Figures):
    """Whether the processes of a result agree (the test is ``method``)."""

    verdict: Literal["stable", "unstable", "unknown"]
    reason: str
    values: list[float] = Field(default_factory=list,
                                description="each process's headline, in run order")
    largest_gap: float | None = Field(None, description="largest ratio - 1 between "
                                                        "neighbouring sorted values")
    allowed_gap: float | None = Field(None, description="what their intervals allowed there")
    waits: list[float | None] = Field(
        default_factory=list, description="each process's CPU wait (% of one core), in "
                                          "run order; empty when not measured")
    method: str = STABILITY_METHOD


class ProcessLevel(Figures):
    """The fresh processes a result was measured in, one after another."""

    repeats: int = Field(description="processes planned")
    per_process_duration_s: float
    per_process_min_queries: int
    runs: list[ProcessRun]


class ThreadsCandidate(Figures):
    threads: int
    values: list[float] = Field(description="the headline of each trial process")
    median: float | None = None
    spread: float | None = Field(None, description="max / min - 1 over the trial processes")
    stable: bool | None = None
    failed: int = 0


class ThreadsTrial(Figures):
    """``--threads auto``: short trials in fresh processes at each thread count."""

    chosen: int
    reason: str
    processes_per_candidate: int
    duration_s: float = Field(description="measured seconds of each trial process")
    candidates: list[ThreadsCandidate]
    method: str


class DoctorFinding(Figures):
    """One thing on the host that threatens (or does not) reproducible numbers."""

    check: str
    status: Literal["ok", "warn", "info"]
    detail: str
    advice: str = ""
