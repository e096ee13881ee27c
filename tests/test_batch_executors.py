"""Choosing an executor, its error messages, and the pure parts of the fleet (no Ray needed:
a missing Ray is simulated by hiding the module)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from bench.errors import UsageError
from bench.lab.batch import LocalExecutor
from bench.lab.batch.cluster import device_capacity, device_nodes, device_of, device_resource
from bench.lab.batch.executors import build_executor
from bench.lab.batch.ray_executor import RayExecutor


def node(node_id: str, alive: bool = True, **resources: float) -> dict[str, object]:
    return {"NodeID": node_id, "Alive": alive, "NodeManagerAddress": "10.0.0.7",
            "NodeManagerHostname": f"host-{node_id}", "Resources": {"CPU": 4.0, **resources}}


NODES = [node("a", **{"device:phone-7": 1.0}),
         node("b", **{"device:phone-7": 1.0}),
         node("c", **{"device:pc-2": 1.0, "device:watch-1": 1.0}),
         node("d", alive=False, **{"device:board-9": 1.0}),
         node("head")]


@pytest.fixture
def no_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # 'import ray' now raises ImportError


def test_local_is_the_default_executor() -> None:
    assert isinstance(build_executor(), LocalExecutor)


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"address": "ray://lab:10001"}, "--address ray://lab:10001: only with --executor ray"),
    ({"retries": 3}, "--retries: only with --executor ray"),
    ({"name": "slurm"}, "--executor slurm: unknown; choose one of local, ray"),
])
def test_flags_that_do_not_fit_are_named(kwargs: dict[str, object], needle: str) -> None:
    with pytest.raises(UsageError, match=needle):
        build_executor(**kwargs)  # type: ignore[arg-type]


def test_negative_retries_are_refused() -> None:
    with pytest.raises(UsageError, match="--retries -1"):
        RayExecutor(retries=-1)


def test_missing_ray_says_how_to_install_it(no_ray: None) -> None:
    with pytest.raises(UsageError, match=r"pip install 'edgebench\[fleet\]'") as caught:
        build_executor("ray")
    assert caught.value.exit_code == 2


def test_cli_without_ray_is_one_line_exit_2(no_ray: None, tmp_path: Path, cli_runner) -> None:
    from bench.cli import cli
    plan = tmp_path / "plan.yaml"
    plan.write_text(yaml.safe_dump({"name": "t", "profiles": ["host"], "models": ["tiny_mlp"]}))
    for args in (["batch", str(plan), "--executor", "ray", "--out", str(tmp_path / "out")],
                 ["fleet", "status"]):
        result = cli_runner.invoke(cli, args)
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "pip install 'edgebench[fleet]'" in lines[0]
    assert not (tmp_path / "out").exists()


def test_a_run_asks_for_its_profiles_device_resource() -> None:
    key = "ai-phone-proto-7/tiny_cnn/fp32/single-stream/2"
    assert device_resource(device_of(key)) == "device:ai-phone-proto-7"


def test_capacity_counts_units_of_alive_nodes_only() -> None:
    assert device_capacity(NODES) == {"phone-7": 2, "pc-2": 1, "watch-1": 1}


def test_status_per_node_marks_the_busy_device() -> None:
    available = {"a": {"CPU": 4.0}, "b": {"CPU": 4.0, "device:phone-7": 1.0},
                 "c": {"device:pc-2": 1.0}}
    found = device_nodes(NODES, available, {})
    assert [(n.node_id, n.devices, n.busy, n.state) for n in found] == [
        ("c", ("pc-2", "watch-1"), ("watch-1",), "busy"),
        ("a", ("phone-7",), ("phone-7",), "busy"),
        ("b", ("phone-7",), (), "idle"),
    ]


def test_status_falls_back_to_the_cluster_totals() -> None:
    found = device_nodes(NODES[2:], None, {"device:pc-2": 1.0})
    assert [(n.node_id, n.busy) for n in found] == [("c", ("watch-1",))]
