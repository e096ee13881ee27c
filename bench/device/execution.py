"""From a device profile to how each session is made: providers with options and the fallback
rule applied (``bench.device.providers``), thread pools, graph optimisation; and the report's record
of it (``Execution``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from bench.device.providers import CPU, ProviderPlan, nodes_off_provider, plan_providers
from bench.device.runtime_log import LogLine
from bench.device.session import SessionConfig
from bench.result.models import DefaultedDim, Execution, RunWarning
from bench.spec.device import CpuProvider, DeviceProfile
from bench.zoo.inputs import InputPlan, defaulted_dims


@dataclass(frozen=True)
class ExecutionPlan:
    """The provider plan and the session config of one workload."""

    providers: ProviderPlan
    config: SessionConfig

    def record(self, used: Iterable[str] = (), cpu_nodes: list[str] | None = None) -> Execution:
        return Execution(
            requested=list(self.providers.requested),
            used=list(used) or list(self.providers.names),
            fallback_policy="forbid" if self.providers.policy == "forbid" else "allow",
            fallbacks=self.providers.fallbacks(),
            cpu_nodes=cpu_nodes,
            intra_op_threads=self.config.intra_op,
            inter_op_threads=self.config.inter_op,
            graph_optimization_level=self.config.graph_optimization,
        )

    def checks_nodes(self) -> bool:
        """Whether node placement is worth a profiling pass (the first provider is not CPU)."""
        names = self.providers.names
        return bool(names) and names[0] != CPU


def plan_execution(profile: DeviceProfile, available: Iterable[str],
                   intra_op: int | None) -> ExecutionPlan:
    """Apply ``profile`` to this runtime; ``intra_op`` is the run's thread count (flags win)."""
    providers = plan_providers(profile.execution_providers, profile.fallback, available)
    arena = all(ep.arena for ep in profile.execution_providers if isinstance(ep, CpuProvider))
    config = SessionConfig(
        providers=providers.providers,
        intra_op=intra_op,
        inter_op=profile.inter_op_threads(),
        graph_optimization=profile.graph_optimization_level,
        cpu_arena=arena,
        forbid_cpu_fallback=providers.forbid_cpu_fallback,
    )
    return ExecutionPlan(providers, config)


def fallen_back_nodes(plan: ExecutionPlan, events: Iterable[Mapping[str, object]]) -> list[str]:
    """Nodes of a profiled inference that ran elsewhere than on the first provider."""
    return nodes_off_provider(events, plan.providers.names[0])


def run_notes(advice: Sequence[str], log: Sequence[LogLine],
              inputs: Sequence[InputPlan]) -> dict[str, object]:
    """The result fields that say what a run met beside its figures: onnx.checker's advice
    and onnxruntime's log lines (``warnings``), and the dims set by default."""
    warnings = [RunWarning(source="onnx.checker", level="warning", message=text, count=1)
                for text in dict.fromkeys(advice)]
    warnings += [RunWarning(source="onnxruntime", level=line.level, message=line.message,
                            count=line.count) for line in log]
    defaulted = [DefaultedDim(input=name, axis=axis, dim=dim, size=size)
                 for name, axis, dim, size in defaulted_dims(inputs)]
    return {"warnings": warnings, "defaulted_dims": defaulted}
