"""Device profiles: ``devices/<name>.yaml``."""

from __future__ import annotations

from pydantic import Field

from bench.spec.base import Category, ScenarioName, Spec


class Workload(Spec):
    """One model a profile runs, with its scenario; ``quick`` puts it in the quick subset."""

    model: str
    scenario: ScenarioName = "single-stream"
    quick: bool = True


class DeviceProfile(Spec):
    """A device profile: ``devices/<name>.yaml``."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    category: Category
    description: str = ""
    threads: int | None = Field(None, ge=1)
    workloads: list[Workload] = Field(min_length=1)

    def quick_workloads(self) -> list[Workload]:
        return [w for w in self.workloads if w.quick]
