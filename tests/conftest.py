"""Shared fixtures. Tests never touch the user's cache: the model cache is a session temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.spec import RunSettings

# A measured run short enough for unit tests; the numbers are not the point there.
FAST = dict(duration_s=0.05, min_queries=5, max_duration_s=5.0, warmup=1)


@pytest.fixture(scope="session", autouse=True)
def _model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("edgebench-cache")
    mp = pytest.MonkeyPatch()
    mp.setenv("EDGEBENCH_CACHE_DIR", str(cache))
    yield cache
    mp.undo()


@pytest.fixture
def fast_settings() -> RunSettings:
    return RunSettings(**FAST)


@pytest.fixture
def fast_flags() -> list[str]:
    return ["--duration", "0.05", "--min-queries", "5", "--warmup", "1"]


@pytest.fixture
def cli_runner() -> CliRunner:
    return CliRunner()
