"""Input planning and generation."""

from __future__ import annotations

import numpy as np
import pytest

from bench.errors import InputError
from bench.spec import Generator, InputSpec
from bench.zoo.graph import GraphInput
from bench.zoo.inputs import generate_inputs, plan_inputs

X = GraphInput("x", np.dtype(np.float32), ("N", 3, "H", None))
IDS = GraphInput("ids", np.dtype(np.int64), ("B", 8))
SCALAR = GraphInput("sr", np.dtype(np.int64), ())


def test_shape_flag_fixes_every_dynamic_dim() -> None:
    (plan,) = plan_inputs("m", [X], shapes={"x": (2, 3, 32, 48)})
    assert plan.shape == (2, 3, 32, 48)


def test_unset_symbolic_dim_names_input_dim_and_flag() -> None:
    with pytest.raises(InputError) as info:
        plan_inputs("m", [X])
    message = str(info.value)
    assert "input 'x' dim 0 ('N')" in message
    assert "--shape x=1,3,1,1" in message


def test_unnamed_dynamic_dim_is_reported() -> None:
    with pytest.raises(InputError, match="dim 3 is dynamic"):
        plan_inputs("m", [X], [InputSpec(name="x", dims={"N": 1, "H": 8})])


def test_manifest_binds_symbolic_dims() -> None:
    (plan,) = plan_inputs("m", [IDS], [InputSpec(name="ids", dims={"B": 4})])
    assert plan.shape == (4, 8)


def test_shape_rank_mismatch() -> None:
    with pytest.raises(InputError, match="gives 2 dims, but the input has rank 4"):
        plan_inputs("m", [X], shapes={"x": (1, 3)})


def test_shape_conflicting_with_fixed_dim() -> None:
    with pytest.raises(InputError, match="sets dim 1 to 4, but the model fixes it at 3"):
        plan_inputs("m", [X], shapes={"x": (1, 4, 8, 8)})


def test_value_makes_a_constant_scalar() -> None:
    plans = plan_inputs("m", [SCALAR], values={"sr": 16000})
    feeds = generate_inputs(plans, seed=0)
    assert feeds["sr"].shape == () and feeds["sr"].dtype == np.int64 and feeds["sr"] == 16000


def test_default_generators_and_seeding() -> None:
    plans = plan_inputs("m", [X, IDS], shapes={"x": (1, 3, 4, 4), "ids": (2, 8)})
    a, b = generate_inputs(plans, seed=7), generate_inputs(plans, seed=7)
    c = generate_inputs(plans, seed=8)
    assert a["x"].dtype == np.float32 and 0 <= a["x"].min() and a["x"].max() < 1
    assert set(np.unique(a["ids"])) <= {0, 1}
    assert np.array_equal(a["x"], b["x"]) and np.array_equal(a["ids"], b["ids"])
    assert not np.array_equal(a["x"], c["x"])


def test_manifest_generator() -> None:
    spec = InputSpec(name="ids", dims={"B": 1}, generator=Generator(kind="int", low=5, high=6))
    feeds = generate_inputs(plan_inputs("m", [IDS], [spec]), seed=0)
    assert (feeds["ids"] == 5).all()
