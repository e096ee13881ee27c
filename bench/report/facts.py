"""The report in words: each section as short labelled facts in units a person reads, the
same for report.html and report.md (they only differ in markup). Facts every result
shares (the same settings, the same "energy not measured" reason) are lifted out and shown
once. Pure rendering of what the report holds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.report import units
from bench.result.models import Energy, Execution, HostInfo, Report, ResultSettings, RunResult

_ENDED_BY = {
    "min_duration and min_queries met": "the minimum duration and query count were met",
    "max_duration reached": "it reached the maximum duration",
    "early stopping: confidence interval within ci_target": "early stopping: the "
    "confidence interval reached its target",
}


@dataclass(frozen=True)
class Fact:
    """One labelled line; ``folded`` items are shown on demand (HTML ``<details>``)."""

    label: str
    text: str
    folded: tuple[str, ...] = ()


@dataclass(frozen=True)
class Shared:
    fact: Fact
    count: int  # results that have it
    total: int

    @property
    def scope(self) -> str:
        return "every result" if self.count == self.total else \
            f"{self.count} of {self.total} results; the others have none"


def _settings(s: ResultSettings) -> str:
    parts = [f"at least {units.seconds(s.duration_s)} and {units.plural(s.min_queries, 'query')}"
             f", at most {units.seconds(s.max_duration_s)}",
             f"{units.plural(s.warmup, 'warm-up query')} first", f"input seed {s.seed}"]
    parts += [f"input {name} = {value:g}" for name, value in s.values.items()]
    scenario = (
        (s.samples_per_query, lambda v: units.plural(v, "sample") + " per query"),
        (s.concurrency, lambda v: f"concurrency {v}"),
        (s.batch, lambda v: f"batch {v}"),
        (s.target_qps, lambda v: f"target {units.sig(v)} QPS"),
        (s.find_max_qps, lambda v: "search for the highest QPS within the bound" if v else ""),
        (s.latency_bound_ms, lambda v: f"p99 bound {units.duration(v)}"),
        (s.ci_target, lambda v: f"stop early at a CI of ±{units.percent(v)}"),
        (s.sustained_s, lambda v: f"sustained for {units.seconds(v)}"),
        (s.prompt_length, lambda v: f"prompt of {units.plural(v, 'token')}"),
        (s.new_tokens, lambda v: f"{units.plural(v, 'new token')} per prompt"),
        (s.request_rate, lambda v: f"Poisson arrivals at {units.sig(v)} requests/s"),
        (s.max_concurrency, lambda v: f"{v} generators"),
        (s.prompt_tokens, lambda v: f"prompts of {v} tokens"),
        (s.output_tokens, lambda v: f"outputs of {v} tokens"),
        (s.slo, lambda v: f"SLO {v}"),
        (s.find_max_rate, lambda v: "search for the highest request rate within the SLO"
         if v else ""),
    )
    parts += [text for value, say in scenario if value is not None and (text := say(value))]
    return "; ".join(parts)


def _execution(r: RunResult, e: Execution | None) -> list[Fact]:
    if e is None:
        return [Fact("Execution", f"{r.provider}, {units.threads(r.settings.threads, 'intra-op')}")]
    used = ", ".join(e.used)
    text = (f"{used} with {units.threads(e.intra_op_threads, 'intra-op')} and "
            f"{units.threads(e.inter_op_threads, 'inter-op')}; graph optimisation "
            f"{e.graph_optimization_level}")
    if e.requested != e.used:
        text += f"; asked for {', '.join(e.requested)} (fallback {e.fallback_policy}ed)"
    facts = [Fact("Execution", text)]
    if e.fallbacks:
        facts.append(Fact("Provider fallback", "; ".join(e.fallbacks)))
    if e.cpu_nodes:
        facts.append(Fact("Nodes off the first provider",
                          units.plural(len(e.cpu_nodes), "node"), tuple(e.cpu_nodes)))
    return facts


def _energy(e: Energy) -> Fact:
    if not e.available:
        return Fact("Energy", f"not measured: {e.reason or 'no source'}")
    parts = [f"{units.power(e.average_power_w)} average" if e.average_power_w is not None else "",
             f"{units.sig(e.energy_per_inference_mj)} mJ per inference"
             if e.energy_per_inference_mj is not None else "",
             f"{units.sig(e.inferences_per_joule)} inferences per joule"
             if e.inferences_per_joule is not None else ""]
    window = (f" ({units.plural(e.inferences, 'inference')} in {units.seconds(e.window_s)}, "
              f"{e.source})" if e.inferences is not None and e.window_s is not None else
              f" ({e.source})")
    return Fact("Energy", ", ".join(p for p in parts if p) + window)


def _cold_start(r: RunResult) -> list[Fact]:
    text = []
    if r.cold_start:
        text.append(f"session creation {units.duration(r.cold_start.session_create_ms)}, "
                    f"first inference {units.duration(r.cold_start.first_inference_ms)}")
    if r.warmup_samples_ns:
        ordered = sorted(r.warmup_samples_ns)
        text.append(f"{units.plural(len(ordered), 'warm-up query')} (median "
                    f"{units.duration(ordered[len(ordered) // 2] / 1e6)})")
    return [Fact("Cold start", "; ".join(text))] if text else []


def result_facts(r: RunResult) -> list[Fact]:
    """The facts of one result that are not its scenario's measurement details."""
    facts = []
    if r.status == "ok":
        ended = _ENDED_BY.get(r.ended_by or "", r.ended_by or "")
        facts.append(Fact("Run", f"{units.plural(r.queries, 'query')} in "
                                 f"{units.seconds(r.duration_s)}"
                                 + (f"; it ended because {ended}" if ended else "")))
    if r.throughput_per_s is not None:
        facts.append(Fact("Throughput", units.rate(r.throughput_per_s, "samples")))
    facts += _cold_start(r)
    if r.memory:
        m = r.memory
        facts.append(Fact("Memory", f"peak RSS {units.size(m.peak_rss_bytes)} "
                                    f"({m.peak_rss_method}); model load "
                                    f"+{units.size(m.model_load_rss_delta_bytes)}"))
    if r.gpu_peak_memory_bytes is not None:
        facts.append(Fact("GPU memory", f"{units.size(r.gpu_peak_memory_bytes)} used at peak"))
    facts += _execution(r, r.execution)
    facts.append(Fact("Inputs", ", ".join(f"{name} {units.shape(dims)}"
                                          for name, dims in r.input_shapes.items()) or "none"))
    facts.append(Fact("Settings", _settings(r.settings)))
    if r.energy is not None:
        facts.append(_energy(r.energy))
    if r.temperature_c:
        facts.append(Fact("Temperature", "; ".join(
            f"{sensor} {t.start:.0f} °C at the start, {t.max:.0f} °C at most, {t.end:.0f} °C "
            "at the end" for sensor, t in r.temperature_c.items())))
    facts.append(Fact("Model sha256", r.model_sha256))
    return facts


def split_shared(per_result: Sequence[Sequence[Fact]]
                 ) -> tuple[list[Shared], list[list[Fact]]]:
    """Facts that every result having that label states alike (two results at least) go
    to the shared list, once; each result keeps the rest."""
    total = len(per_result)
    shared: list[Shared] = []
    if total >= 2:
        labels = list(dict.fromkeys(f.label for facts in per_result for f in facts))
        for label in labels:
            having = [f for facts in per_result for f in facts if f.label == label]
            if len(having) >= 2 and len(set(having)) == 1 and label != "Model sha256":
                shared.append(Shared(having[0], len(having), total))
    lifted = {s.fact for s in shared}
    return shared, [[f for f in facts if f not in lifted] for facts in per_result]


def host_facts(report: Report) -> list[Fact]:
    h: HostInfo = report.host
    freq = (f" at {units.sig(h.cpu_freq_mhz.current)} MHz"
            if h.cpu_freq_mhz and h.cpu_freq_mhz.current else "")
    d = report.device
    facts = [
        Fact("Device profile", f"{d.name} ({d.category}), from {d.profile}"),
        Fact("CPU", f"{h.cpu_model}: {h.logical_cores} logical / {h.physical_cores or '?'} "
                    f"physical cores{freq}"),
        Fact("Memory", units.size(h.memory_bytes)),
        Fact("Operating system", f"{h.os} on {h.machine} (kernel {h.kernel})"),
        Fact("Runtime", f"onnxruntime {h.onnxruntime} offering {', '.join(h.providers)}; "
                        f"Python {h.python}; edgebench {report.harness.version}"),
    ]
    if h.onnxruntime_build:
        facts.append(Fact("onnxruntime build", h.onnxruntime_build.get("package", "details"),
                          tuple(f"{k}: {v}" for k, v in h.onnxruntime_build.items())))
    facts.append(Fact("GPUs", "; ".join(
        f"{g.index}: {g.name}" + (f", {units.size(g.memory_bytes)}" if g.memory_bytes else "")
        + (f", driver {g.driver}" if g.driver else "") for g in h.gpus) or "none seen"))
    if h.battery is not None:
        facts.append(Fact("Battery", "yes" if h.battery else "none"))
    if h.affinity:
        facts.append(Fact("This process could run on", f"CPUs {units.cpu_list(h.affinity)}"))
    if h.cpu_flags:
        facts.append(Fact("CPU flags", units.plural(len(h.cpu_flags), "flag"),
                          tuple(h.cpu_flags)))
    return facts


def emulation_text(report: Report) -> str | None:
    e = report.emulation
    if e is None:
        return None
    memory = units.size(e.memory_limit_bytes) if e.memory_limit_bytes else "no cap"
    return (f"on this host: cores {e.cores or 'all'}, memory {memory}, "
            f"threads {e.threads or 'default'}")
