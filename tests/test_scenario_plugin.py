"""A scenario registered from the tests folder gets a run, a validated report and its own
report.md section, without touching any other file: the proof that a scenario is one module
(settings, headline, batching, figures, validity, report section)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from click.testing import CliRunner

import bench
from bench.cli import cli
from bench.measure.scenarios import Measurement, Scenario, Target, register, unregister
from bench.measure.scenarios.base import RunFn, Tick
from bench.measure.scenarios.single_stream import timed_loop
from bench.report import get_writer
from bench.result.contract import load_report
from bench.result.figures import ScenarioFigures
from bench.result.models import RunResult
from bench.spec import RunSettings

SCHEMA = Path(__file__).parent.parent / "reports" / "schema" / "report.schema.json"
QUICK = dict(duration_s=0.05, min_queries=64, max_duration_s=10.0, warmup=2)


class Burst(Scenario):
    """Each query is a burst of ``samples_per_query`` runs back to back; judged by its p50;
    invalid when the slowest burst took more than 1000 times the fastest."""

    headline = "p50 burst latency"
    percentile = 50.0
    uses = ("samples_per_query",)

    def check_settings(self, settings: RunSettings) -> None:
        if settings.samples_per_query > 64:
            raise ValueError("--samples-per-query: a burst holds at most 64 runs")

    def run(self, infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
            tick: Tick | None = None, target: Target | None = None) -> Measurement:
        n = settings.samples_per_query

        def query() -> None:
            for _ in range(n):
                infer(None, feeds)

        m = timed_loop(query, settings, self.percentile, tick, samples_per_query=n)
        spread = max(m.samples_ns) / max(min(m.samples_ns), 1)
        figures = ScenarioFigures(scenario=self.name, values={"burst": n, "spread": spread})
        return dataclasses.replace(m, figures=figures)

    def validity(self, settings: RunSettings, measured: Measurement) -> list[str]:
        f = measured.figures
        spread = f.values["spread"] if isinstance(f, ScenarioFigures) else 0.0
        return ["slowest burst over 1000x the fastest"] if spread > 1000 else []

    def section(self, result: RunResult) -> list[str]:
        f = result.scenario_figures
        return [f"bursts of {f.values['burst']} runs, slowest/fastest "
                f"{f.values['spread']:.2f}"] if f else []


@pytest.fixture
def burst() -> Iterator[str]:
    register("burst")(Burst)
    yield "burst"
    unregister("burst")


def test_a_plugin_scenario_runs_and_reports(burst: str, tmp_path: Path) -> None:
    settings = RunSettings(scenario=burst, samples_per_query=3, **QUICK)
    report = bench.run(["tiny_mlp"], settings=settings, artifacts=tmp_path)
    result = report.results[0]
    assert result.status == "ok" and result.scenario == "burst"
    assert result.headline == "p50 burst latency"
    assert result.settings.samples_per_query == 3  # the setting it uses is recorded
    assert result.scenario_figures is not None
    assert result.scenario_figures.values["burst"] == 3
    assert result.queries >= 64 and result.throughput_per_s is not None
    paths = bench.write_report(report, tmp_path)
    document = json.loads(paths[0].read_text())
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    assert load_report(paths[0]).results[0].scenario_figures == result.scenario_figures
    markdown = paths[1].read_text()
    assert "### tiny_mlp burst" in markdown
    assert "- bursts of 3 runs, slowest/fastest" in markdown


def test_a_plugin_scenario_owns_its_settings(burst: str) -> None:
    with pytest.raises(ValueError, match="at most 64"):
        RunSettings(scenario=burst, samples_per_query=65)
    with pytest.raises(ValueError, match="--samples-per-query only applies to --scenario "
                                         "burst or multi-stream"):
        RunSettings(samples_per_query=3)
    with pytest.raises(ValueError, match="--target-qps only applies to --scenario server"):
        RunSettings(scenario=burst, target_qps=10)


def test_a_plugin_scenario_through_the_cli(burst: str, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    ok = runner.invoke(cli, ["run", "tiny_mlp", "--scenario", "burst", "--samples-per-query",
                             "2", "--duration", "0.05", "--min-queries", "64", "--out",
                             str(out)])
    assert ok.exit_code == 0, ok.output
    assert "### tiny_mlp burst" in (out / "report.md").read_text()
    lg = runner.invoke(cli, ["run", "tiny_mlp", "--scenario", "burst", "--loadgen", "mlperf",
                             "--out", str(tmp_path / "lg")])
    assert lg.exit_code == 2 and "not burst" in lg.output and not (tmp_path / "lg").exists()


def test_an_unknown_scenario_is_one_line_with_a_hint() -> None:
    result = CliRunner().invoke(cli, ["run", "tiny_mlp", "--scenario", "single-strem"])
    assert result.exit_code == 2
    assert "did you mean 'single-stream'" in result.output
    assert len(result.output.strip().splitlines()) <= 2


def test_a_report_of_a_scenario_this_process_does_not_know_still_renders(
        burst: str, tmp_path: Path) -> None:
    settings = RunSettings(scenario=burst, samples_per_query=2, **QUICK)
    report = bench.run(["tiny_mlp"], settings=settings, artifacts=tmp_path)
    unregister("burst")
    markdown = get_writer("md").render(report).decode()
    assert "### tiny_mlp burst" in markdown and "burst 2" in markdown


# --- errors that show what they are -----------------------------------------------------

class Refusing(Burst):
    """A scenario that finds bad input only while running (as LoadGen's checks do)."""

    def run(self, infer: RunFn, feeds: Mapping[str, np.ndarray], settings: RunSettings,
            tick: Tick | None = None, target: Target | None = None) -> Measurement:
        from bench.errors import UsageError
        raise UsageError("--samples-per-query 3: this device refuses bursts of 3")


def test_a_user_error_during_the_run_exits_2_with_its_message(tmp_path: Path) -> None:
    register("refusing")(Refusing)
    try:
        out = tmp_path / "out"
        result = CliRunner().invoke(cli, ["run", "tiny_mlp", "--scenario", "refusing",
                                          "--samples-per-query", "3", "--out", str(out)])
    finally:
        unregister("refusing")
    assert result.exit_code == 2
    assert result.output.strip() == ("error: --samples-per-query 3: this device refuses "
                                     "bursts of 3")
    assert not out.exists()


BUGGY = """
import sys
from bench.measure.scenarios import Scenario, register

@register("buggy")
class Buggy(Scenario):
    def run(self, infer, feeds, settings, tick=None, target=None):
        return {}["no such key"]

from bench.cli import main
main(sys.argv[1:], prog_name="edgebench")
"""


def test_a_bug_in_edgebench_shows_its_traceback_and_asks_for_a_report(tmp_path: Path) -> None:
    import subprocess
    import sys
    proc = subprocess.run([sys.executable, "-c", BUGGY, "run", "tiny_mlp", "--scenario",
                           "buggy", "--duration", "0.05", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "Traceback (most recent call last)" in proc.stderr
    assert "KeyError: 'no such key'" in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("error: this is a bug in edgebench")
    assert "the run failed" not in proc.stdout + proc.stderr
