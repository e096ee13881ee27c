"""Shared fixtures. Tests never touch the user's cache: the model cache is a session temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.spec import RunSettings

# A measured run short enough for unit tests; the numbers are not the point there. One
# process (--repeats 1): the tests of fresh worker processes ask for them explicitly.
FAST = dict(duration_s=0.05, min_queries=5, max_duration_s=5.0, warmup=1, repeats=1)


@pytest.fixture(scope="session", autouse=True)
def _one_process_by_default() -> None:
    """Unit tests measure in their own process (``EDGEBENCH_REPEATS=1``, the documented
    default override); the tests of fresh worker processes ask for ``repeats`` themselves."""
    mp = pytest.MonkeyPatch()
    mp.setenv("EDGEBENCH_REPEATS", "1")
    mp.setenv("EDGEBENCH_RETRIAL", "1")  # every --threads auto test runs its own trial
    yield
    mp.undo()


@pytest.fixture(scope="session", autouse=True)
def _model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("edgebench-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("EDGEBENCH_CACHE_DIR", str(cache))
    # one cache for the session: kept re-runs of one test's workload would widen another
    # test's interval, by test order; tests/test_reruns.py turns them on in its own cache
    mp.setenv("EDGEBENCH_RERUNS", "0")
    yield cache
    mp.undo()


@pytest.fixture
def fast_settings() -> RunSettings:
    return RunSettings(**FAST)


@pytest.fixture
def fast_flags() -> list[str]:
    return ["--duration", "0.05", "--min-queries", "5", "--warmup", "1", "--repeats", "1"]


@pytest.fixture
def cli_runner() -> CliRunner:
    return CliRunner()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run in which no test passed fails (CI must not pass when every test was skipped
    or deselected); pytest itself exits 5 only when none was collected."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if exitstatus == 0 and reporter is not None and not reporter.stats.get("passed"):
        session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED
