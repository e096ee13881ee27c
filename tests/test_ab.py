"""Interleaved A/B: the order, pooling, the verdict, and real ``edgebench run`` commands."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from bench.ci.ab import command_sampler, interleave, model_sampler, order
from bench.cli import cli
from bench.errors import RunError, UsageError


def _sampler(scale: float, calls: list[str], side: str, seed: int):
    rng = np.random.default_rng(seed)

    def sample() -> Sequence[int]:
        calls.append(side)
        return list((scale * 1e6 * np.exp(rng.normal(0, 0.05, 500))).astype(np.int64))

    return sample


def test_order_is_abba_balanced() -> None:
    assert order(3) == ["base", "candidate", "candidate", "base", "base", "candidate"]


def test_identical_sides_are_unchanged_and_a_slower_one_regresses() -> None:
    calls: list[str] = []
    same = interleave(_sampler(1.0, calls, "a", 1), _sampler(1.0, calls, "b", 2), rounds=4)
    assert same.verdict.kind == "unchanged" and same.verdict.n_base == 4  # rounds are units
    assert same.verdict.units == "rounds"
    assert calls == ["a", "b", "b", "a", "a", "b", "b", "a"]
    assert [r.side for r in same.runs] == order(4)
    slow = interleave(_sampler(1.0, [], "a", 1), _sampler(1.3, [], "b", 2), rounds=2)
    assert slow.regressed and slow.verdict.ratio == pytest.approx(1.3, rel=0.05)
    assert 0 <= slow.spread("base") < 0.1


def test_rounds_must_be_positive() -> None:
    with pytest.raises(UsageError, match="--rounds 0"):
        interleave(lambda: [1], lambda: [1], rounds=0)


def test_model_sampler_measures_in_process(fast_settings) -> None:
    outcome = interleave(model_sampler("tiny_mlp", fast_settings),
                         model_sampler("tiny_mlp", fast_settings), rounds=1)
    assert outcome.verdict.n_base >= 5 and outcome.verdict.n_new >= 5


def _run_cmd(out: Path) -> str:
    return (f"{sys.executable} -m bench run tiny_mlp --duration 0.05 --min-queries 5 "
            f"--warmup 1 --json --out {out}")


def test_cli_ab_of_real_commands(tmp_path: Path) -> None:
    done = CliRunner().invoke(cli, ["ab", "--base-cmd", _run_cmd(tmp_path / "a"),
                                    "--candidate-cmd", _run_cmd(tmp_path / "b"),
                                    "--rounds", "1", "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert [r["side"] for r in data["runs"]] == ["base", "candidate"]
    assert data["verdict"]["kind"] in ("improved", "regressed", "unchanged")
    assert data["verdict"]["n_base"] == data["runs"][0]["queries"] >= 5


def test_command_errors_name_the_command(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such program"):
        command_sampler("no-such-program-xyz run")()
    with pytest.raises(UsageError, match="expected 'edgebench run ... --json' output"):
        command_sampler("echo hello")()
    with pytest.raises(RunError, match="exited 2"):
        command_sampler(f"{sys.executable} -m bench run no_such_model --json")()
    done = CliRunner().invoke(cli, ["ab", "--base-cmd", "", "--candidate-cmd", "echo"])
    assert done.exit_code == 2 and "empty command" in done.output


def _pinned_cnn_command(out: Path, core: int) -> str:
    """tiny_cnn with a batch of 8 (~10-20 ms a query, longer than a scheduler slice, so CPU
    contention shows in every query), one thread, pinned to one core."""
    return (f"taskset -c {core} {sys.executable} -m bench run tiny_cnn "
            f"--shape image=8,3,128,128 --threads 1 --duration 0.5 --min-queries 20 "
            f"--warmup 2 --json --out {out}")


@pytest.mark.slow
def test_interleaved_ab_of_identical_commands_is_never_flagged_and_a_slowed_one_is(
        tmp_path: Path) -> None:
    """20 A/B runs of identical commands: none flagged at p90 / 15 %; a candidate sharing its
    core with a busy loop: flagged as regressed. About 20 minutes on this shared machine
    (load 6-8 on 2 cores), where 10 % was not enough: 1 of 20 identical runs was flagged."""
    core = max(os.sched_getaffinity(0))
    run = _pinned_cnn_command(tmp_path / "a", core)
    same = _pinned_cnn_command(tmp_path / "b", core)
    verdicts = [interleave(command_sampler(run), command_sampler(same), rounds=3,
                           threshold=0.15).verdict for _ in range(20)]
    assert [v.kind for v in verdicts] == ["unchanged"] * 20, [(v.kind, v.ratio) for v in verdicts]
    busy = f"taskset -c {core} {sys.executable} -c 'while True: pass'"
    slowed = (f"sh -c \"{busy} & p=$!; {_pinned_cnn_command(tmp_path / 'c', core)}; "
              f"s=$?; kill $p; exit $s\"")
    outcome = interleave(command_sampler(run), command_sampler(slowed), rounds=5,
                         threshold=0.15)
    assert outcome.regressed, outcome.verdict
