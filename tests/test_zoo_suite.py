"""The reference suite, parametrised over the registry itself: every model builds, runs on
CPU, builds to its manifest's sha256 in separate processes, and matches its published size.

Default run: building, running and the two-process determinism check cover every small
model under 20M params; the bigger ones (resnet50, resnet50_b8, mobilebert, minilm_l6,
bert_base) are marked ``slow`` with the ``large`` ones (never built by default). The
parameter check runs by default for everything under 30M (all but bert_base), and the MAC
check of resnet50 and mobilenet_v2 always."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.device import session
from bench.spec import BuilderSource, PackageSource
from bench.zoo import list_models, resolve
from bench.zoo.builds import manifest_dims
from bench.zoo.inputs import generate_inputs, plan_inputs
from bench.zoo.inspection import profile_file
from bench.zoo.manifests import get_manifest

HEAVY_PARAMS = 20_000_000
TOO_HEAVY_TO_PROFILE = 30_000_000


def _is_heavy(name: str, limit: int = HEAVY_PARAMS) -> bool:
    spec, _ = get_manifest(name)
    params = spec.architecture.params if spec.architecture else None
    return spec.size == "large" or (params is not None and params > limit)


def _param(name: str, limit: int = HEAVY_PARAMS) -> object:
    return pytest.param(name, marks=pytest.mark.slow) if _is_heavy(name, limit) else name


def _needs_package(name: str) -> None:
    spec, _ = get_manifest(name)
    if isinstance(spec.source, PackageSource):
        import importlib.metadata

        try:
            importlib.metadata.distribution(spec.source.package)
        except importlib.metadata.PackageNotFoundError:
            pytest.skip(f"{spec.source.package} not installed (pip install "
                        "'edgebench[real-models]')")


ALL = [s.name for s in list_models()]
BUILT = [s.name for s in list_models() if isinstance(s.source, BuilderSource)]
PINNED = [s.name for s in list_models() if s.sha256 is not None]
PUBLISHED = [s.name for s in list_models() if s.architecture and s.architecture.params]


@pytest.mark.parametrize("name", [_param(n) for n in ALL])
def test_every_suite_model_builds_and_runs_on_cpu(name: str) -> None:
    _needs_package(name)
    model = resolve(name)
    plans = plan_inputs(model.name, model.inputs, model.spec.inputs if model.spec else ())
    outputs = session.open_session(model.path).session.run(None, generate_inputs(plans, 0))
    assert outputs and all(np.isfinite(np.asarray(o, dtype=np.float64)).all() for o in outputs)
    assert not model.sha256_mismatch


def _build_in_fresh_process(names: list[str], cache: Path) -> subprocess.Popen[str]:
    code = ("import json, sys\nfrom bench.zoo import resolve\n"
            "print(json.dumps({n: resolve(n).sha256 for n in sys.argv[1:]}))")
    env = {**os.environ, "EDGEBENCH_CACHE_DIR": str(cache)}
    return subprocess.Popen([sys.executable, "-c", code, *names], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _two_builds(names: list[str], tmp: Path,
                side_by_side: bool = True) -> tuple[dict[str, str], dict[str, str]]:
    """Two fresh processes build ``names``, side by side or (a 1B model: 5 GB each while it
    is built) one after the other."""
    def start(i: int) -> subprocess.Popen[str]:
        return _build_in_fresh_process(names, tmp / f"cache{i}")

    def finish(proc: subprocess.Popen[str], i: int) -> dict[str, str]:
        out, err = proc.communicate(timeout=900)
        assert proc.returncode == 0, err
        shutil.rmtree(tmp / f"cache{i}")  # a 1B model leaves 4.4 GB per cache
        return json.loads(out)

    if side_by_side:
        first, second = start(0), start(1)
        return finish(first, 0), finish(second, 1)
    return finish(start(0), 0), finish(start(1), 1)


@pytest.fixture(scope="module")
def fresh_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], ...]:
    """Every default-run pinned model built by two separate processes, each with an empty
    cache of its own (the two run side by side)."""
    names = [n for n in PINNED if not _is_heavy(n)]
    return _two_builds(names, tmp_path_factory.mktemp("determinism"))


@pytest.mark.parametrize("name", [_param(n) for n in PINNED])
def test_builds_to_the_manifest_sha256_in_two_processes(
        name: str, fresh_builds: tuple[dict[str, str], ...], tmp_path: Path) -> None:
    spec, _ = get_manifest(name)
    first, second = (fresh_builds if name in fresh_builds[0]
                     else _two_builds([name], tmp_path, side_by_side=spec.size != "large"))
    assert first[name] == second[name] == spec.sha256


@pytest.mark.parametrize("name", [_param(n, TOO_HEAVY_TO_PROFILE)
                                  for n in PUBLISHED if n in BUILT and n != "resnet50_b8"])
def test_params_within_3_percent_of_published(name: str) -> None:
    spec, _ = get_manifest(name)
    assert spec.architecture is not None and spec.architecture.params is not None
    profile = profile_file(resolve(name).path, manifest_dims(name))
    assert abs(profile.params / spec.architecture.params - 1) <= 0.03, profile.params


@pytest.mark.parametrize("name", ["mobilenet_v2", "resnet50"])
def test_macs_within_5_percent_of_published(name: str) -> None:
    spec, _ = get_manifest(name)
    assert spec.architecture is not None and spec.architecture.macs is not None
    profile = profile_file(resolve(name).path, manifest_dims(name))
    assert abs(profile.macs / spec.architecture.macs - 1) <= 0.05, profile.macs


def test_resnet50_b8_is_resnet50_at_batch_8() -> None:
    single, batch8 = resolve("resnet50"), resolve("resnet50_b8")
    assert single.sha256 == batch8.sha256
    plans = plan_inputs(batch8.name, batch8.inputs, batch8.spec.inputs if batch8.spec else ())
    assert plans[0].shape == (8, 3, 224, 224)
