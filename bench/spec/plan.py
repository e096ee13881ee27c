"""Batch plans: ``edgebench batch PLAN.yaml``.

A plan is a grid: device profiles x models x precisions x scenarios, each run ``repeats``
times. With no ``models``, every profile runs its own workloads (its quick subset with
``quick: true``)::

    name: nightly
    profiles: [host]
    models: [tiny_cnn, tiny_mlp]      # optional: the profiles' workloads when left out
    precisions: [fp32]
    scenarios: [single-stream]        # optional: the workload's scenario when left out
    repeats: 2
    timeout_s: 300                    # per run; a run past it is killed and recorded failed
    settings: {duration_s: 10, min_queries: 128}
"""

from __future__ import annotations

from pydantic import Field, ValidationError, model_validator

from bench.spec import limits
from bench.spec.base import Precision, ScenarioName, Spec
from bench.spec.run import RunOverrides, RunSettings


class PlanSettings(RunOverrides):
    """How each run of the plan is measured; unset fields keep ``RunSettings``' defaults."""


class BatchPlan(Spec):
    """A batch plan file."""

    name: str = Field("batch", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    profiles: list[str] = Field(min_length=1, description="built-in profile names or YAML paths")
    models: list[str] = Field(default_factory=list,
                              description="suite names or .onnx paths; empty: each profile's "
                                          "workloads")
    precisions: list[Precision] = Field(default_factory=lambda: ["fp32"], min_length=1)
    scenarios: list[ScenarioName] = Field(default_factory=list)
    repeats: int = Field(1, ge=1, le=1000, description="at most 1000 (use several plans)")
    quick: bool = Field(False, description="with no models: only the profiles' quick workloads")
    timeout_s: limits.Seconds = Field(900.0, description="per run, wall clock, process "
                                                         "start included")
    settings: PlanSettings = Field(default_factory=PlanSettings)

    @model_validator(mode="after")
    def _check_runs(self) -> BatchPlan:
        """Each scenario the plan names must make a valid run with its settings (the run
        settings' own rules: e.g. a server run needs a target QPS, which a plan cannot give)."""
        for scenario in self.scenarios:
            try:
                RunSettings.model_validate({"scenario": scenario,
                                            **self.settings.model_dump(exclude_none=True)})
            except ValidationError as exc:
                message = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
                raise ValueError(f"scenario {scenario!r} cannot run: {message}") from None
        return self
