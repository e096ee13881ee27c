"""Certification criteria: ``devices/criteria/<category>.yaml``.

Per product category, tiers from lowest to highest; each tier is a list of thresholds on
named metrics (see ``bench.lab.catalog.metrics``) of named workloads, and the file holds the
validity rules every certified report must meet::

    category: pc
    validity: {require_valid: true, min_queries: 128, allow_emulated: false}
    tiers:
      - name: entry
        criteria:
          - {model: tiny_cnn, precision: fp32, scenario: single-stream,
             metric: latency_p90, op: "<=", threshold: 5, unit: ms}
          - {metric: peak_rss, op: "<=", threshold: 2, unit: GiB}   # every result
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from bench.spec.base import Category, Precision, ScenarioName, Spec

Op = Literal["<=", "<", ">=", ">"]


class Criterion(Spec):
    """A threshold on a metric; without ``model`` it applies to every result (the worst)."""

    metric: str
    op: Op
    threshold: float
    unit: str | None = Field(None, description="the threshold's unit [the metric's own]")
    model: str | None = None
    precision: Precision | None = None
    scenario: ScenarioName | None = None


class ValidityRules(Spec):
    require_ok: bool = Field(True, description="no failed run")
    require_valid: bool = Field(True, description="every result valid (MLPerf run rules)")
    min_queries: int = Field(0, ge=0, description="fewest measured queries of any result")
    allow_emulated: bool = Field(False, description="results from an emulated device count")
    allow_provider_fallback: bool = Field(False, description="a provider that fell back to "
                                                             "CPU counts")
    allow_unstable: bool = Field(False, description="a result whose fresh processes "
                                                    "disagree (stability: unstable) counts")


class Tier(Spec):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    criteria: list[Criterion] = Field(min_length=1)


class CriteriaSpec(Spec):
    """A criteria file: ``devices/criteria/<category>.yaml``."""

    category: Category
    description: str = ""
    validity: ValidityRules = Field(default_factory=ValidityRules)
    tiers: list[Tier] = Field(min_length=1, description="lowest first")
