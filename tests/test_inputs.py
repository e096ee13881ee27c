"""Input binding (dims, symbols, expressions, the batch default, scoping) and generation of
every element type, fed to real onnxruntime sessions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from bench.device import session
from bench.errors import InputError
from bench.spec import Generator, InputSpec
from bench.zoo.binding import ModelNames, check_flags, is_batch, symbols_of, value_of
from bench.zoo.graph import GraphInput, graph_inputs
from bench.zoo.inputs import defaulted_dims, generate_inputs, plan_inputs

X = GraphInput("x", np.dtype(np.float32), ("N", 3, "H", None))
IDS = GraphInput("ids", np.dtype(np.int64), ("B", 8))
SCALAR = GraphInput("sr", np.dtype(np.int64), ())


def _save(path: Path, inputs: list, nodes: list, outputs: list, opset: int = 17) -> Path:
    model = helper.make_model(helper.make_graph(nodes, "g", inputs, outputs),
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, str(path))
    return path


def test_shape_flag_fixes_every_dynamic_dim() -> None:
    (plan,) = plan_inputs("m", [X], shapes={"x": (2, 3, 32, 48)})
    assert plan.shape == (2, 3, 32, 48) and plan.defaulted == ()


def test_every_unset_dim_in_one_error_and_the_batch_defaults_to_1() -> None:
    with pytest.raises(InputError) as info:
        plan_inputs("m", [X, IDS])
    first, second = str(info.value).splitlines()
    assert first == "model 'm': 3 dynamic dims are unset: x[2] ('H'), x[3], ids[0] ('B')"
    assert second == "  set them, e.g. --shape x=1,3,224,224 --dim B=1"


def test_the_leading_batch_default_is_recorded_and_shared() -> None:
    state = GraphInput("state", np.dtype(np.float32), (2, "batch", 128))
    audio = GraphInput("audio", np.dtype(np.float32), ("batch", "sequence"))
    plans = plan_inputs("m", [state, audio], dims={"sequence": 512})
    assert [p.shape for p in plans] == [(2, 1, 128), (1, 512)]
    assert defaulted_dims(plans) == [("audio", 0, "batch", 1)]
    # a scenario's batch replaces the default, and then it is no longer recorded
    batched = [plans[0], type(plans[1])(**{**plans[1].__dict__, "shape": (8, 512)})]
    assert defaulted_dims(batched) == []


@pytest.mark.parametrize(("dim", "batch"), [(None, True), ("batch", True), ("batch_size", True),
                                            ("N", True), ("unk__31", True), ("seq", False),
                                            ("p2o.DynamicDimension.0", False), (3, False)])
def test_which_leading_dims_count_as_a_batch(dim, batch: bool) -> None:
    assert is_batch(dim) is batch


def test_an_expression_is_computed_once_its_symbols_are_bound() -> None:
    mask = GraphInput("attention_mask", np.dtype(np.int64), ("batch", "past_sequence_length + 1"))
    past = GraphInput("past_key", np.dtype(np.float32), ("batch", "past_sequence_length", 32))
    plans = plan_inputs("m", [mask, past], dims={"past_sequence_length": 7})
    assert [p.shape for p in plans] == [(1, 8), (1, 7, 32)]
    assert symbols_of("past_sequence_length + 1") == ("past_sequence_length",)
    assert value_of("floor(s0/2) + Max(1, s1)", {"s0": 9, "s1": 3}) == 7
    assert value_of("s0 - 4", {"s0": 4}) is None  # not a size
    with pytest.raises(InputError, match=r"past_key\[1\] \('past_sequence_length'\)"):
        plan_inputs("m", [mask, past])


def test_a_whole_shape_binds_its_named_dims_for_every_other_input() -> None:
    ids = GraphInput("input_ids", np.dtype(np.int64), ("batch", "seq"))
    mask = GraphInput("attention_mask", np.dtype(np.int64), ("batch", "seq"))
    plans = plan_inputs("m", [ids, mask], shapes={"input_ids": (2, 9)})
    assert [p.shape for p in plans] == [(2, 9), (2, 9)] and defaulted_dims(plans) == []


def test_contradictions_are_refused() -> None:
    ids = GraphInput("input_ids", np.dtype(np.int64), ("batch", "seq"))
    mask = GraphInput("attention_mask", np.dtype(np.int64), ("batch", "seq"))
    with pytest.raises(InputError, match="share dim 'seq', but their shapes give 9 and 4"):
        plan_inputs("m", [ids, mask], shapes={"input_ids": (2, 9), "attention_mask": (2, 4)})
    with pytest.raises(InputError, match=r"sets 'seq' to 9, but --dim seq=5"):
        plan_inputs("m", [ids], shapes={"input_ids": (2, 9)}, dims={"seq": 5})


def test_shape_rank_mismatch_and_fixed_dims() -> None:
    with pytest.raises(InputError, match="gives 2 dims, but the input has rank 4"):
        plan_inputs("m", [X], shapes={"x": (1, 3)})
    with pytest.raises(InputError, match="sets dim 1 to 4, but the model fixes it at 3"):
        plan_inputs("m", [X], shapes={"x": (1, 4, 8, 8)})


def test_manifest_binds_dims_and_flags_win() -> None:
    (plan,) = plan_inputs("m", [IDS], [InputSpec(name="ids", dims={"B": 4})])
    assert plan.shape == (4, 8)
    (plan,) = plan_inputs("m", [IDS], [InputSpec(name="ids", dims={"B": 4})], dims={"B": 2})
    assert plan.shape == (2, 8)


def test_flags_scoped_to_one_model_and_names_with_a_colon() -> None:
    a = ModelNames.of("a", "a.onnx", [GraphInput("x", np.dtype(np.float32), ("n", 3))])
    b = ModelNames.of("b", "dir/b.onnx", [GraphInput("x:0", np.dtype(np.float32), (None,))])
    shapes = {"a:x": (1, 3), "x:0": (5,), "b.onnx:x:0": (6,)}
    check_flags([a, b], {"a:x": (1, 3), "x:0": (5,), "dir/b.onnx:x:0": (6,)}, {"a:n": 1}, {})
    assert a.scoped(shapes, {}, {"a:n": 1}) == ({"x": (1, 3)}, {}, {"n": 1})
    assert b.scoped({"x:0": (5,)}, {}, {}) == ({"x:0": (5,)}, {}, {})
    with pytest.raises(InputError, match=r"--shape b:x=\.\.\.: model 'b' has no input 'x' "
                                         r"\(inputs: x:0\)"):
        check_flags([a, b], {"b:x": (1, 3)}, {}, {})
    with pytest.raises(InputError, match="the models have no input 'y'"):
        check_flags([a, b], {"y": (1,)}, {}, {})


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


TYPES = ["FLOAT16", "FLOAT", "DOUBLE", "INT8", "UINT8", "INT16", "INT32", "INT64", "BOOL",
         "STRING", "UINT16", "UINT32", "UINT64"]


@pytest.mark.parametrize("types", [TYPES, ["BFLOAT16", "FLOAT16", "INT64"]],
                         ids=["numpy-types", "bfloat16"])
def test_every_element_type_onnxruntime_takes_is_generated_and_fed(tmp_path: Path,
                                                                   types: list[str]) -> None:
    """One Identity per type, in one real session: what we generate, onnxruntime accepts
    and hands back unchanged (a bfloat16 output comes back as an OrtValue)."""
    TYPES = types  # noqa: N806
    inputs = [helper.make_tensor_value_info(f"in_{t}", getattr(TensorProto, t), [-1, 3])
              for t in TYPES]
    outputs = [helper.make_tensor_value_info(f"out_{t}", getattr(TensorProto, t), [-1, 3])
               for t in TYPES]
    nodes = [helper.make_node("Identity", [f"in_{t}"], [f"out_{t}"]) for t in TYPES]
    path = _save(tmp_path / "types.onnx", inputs, nodes, outputs)
    model = onnx.load(str(path))
    graph = graph_inputs(model, path)
    assert all(g.dims == (None, 3) for g in graph)  # -1 is dynamic
    plans = plan_inputs("types", graph)
    assert all(p.shape == (1, 3) for p in plans)
    feeds = generate_inputs(plans, seed=0)
    opened = session.open_session(path)
    got = dict(zip(session.output_names(opened.session), opened.session.run(None, feeds)))
    for t in TYPES:  # bfloat16 goes in and comes out as an OrtValue (numpy has no such type)
        fed, back = feeds[f"in_{t}"], got[f"out_{t}"]
        if t == "BFLOAT16":  # neither side has a numpy form: type and shape
            assert fed.data_type() == back.data_type() == "tensor(bfloat16)"
            assert fed.shape() == back.shape() == [1, 3]
            continue
        if not isinstance(back, np.ndarray):  # the OrtValue session of a bfloat16 model
            back = back.numpy()
        assert back.shape == (1, 3) and np.array_equal(back, fed), t
    if "STRING" in TYPES:
        assert set(feeds["in_STRING"].ravel()) <= {"0", "1"}


def test_string_inputs_draw_from_the_models_own_categories(tmp_path: Path) -> None:
    encoder = helper.make_node("LabelEncoder", ["colour"], ["code"], domain="ai.onnx.ml",
                               keys_strings=["red", "green", "blue"], values_int64s=[0, 1, 2],
                               default_int64=-1)
    model = helper.make_model(
        helper.make_graph([encoder], "g",
                          [helper.make_tensor_value_info("colour", TensorProto.STRING, [4])],
                          [helper.make_tensor_value_info("code", TensorProto.INT64, [4])]),
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])
    model.ir_version = 8
    (g,) = graph_inputs(model, tmp_path / "m.onnx")
    assert g.vocabulary == ("red", "green", "blue")
    feeds = generate_inputs(plan_inputs("m", [g]), seed=0)
    assert set(feeds["colour"]) <= {"red", "green", "blue"}


def test_dims_written_as_minus_one_empty_or_question_mark_are_dynamic(tmp_path: Path) -> None:
    value = helper.make_tensor_value_info("x", TensorProto.FLOAT, [-1, 3, "", "?"])
    path = _save(tmp_path / "d.onnx", [value], [helper.make_node("Relu", ["x"], ["y"])],
                 [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    (g,) = graph_inputs(onnx.load(str(path)), path)
    assert g.dims == (None, 3, None, None)


def test_a_sequence_input_gets_one_clear_line(tmp_path: Path) -> None:
    seq = helper.make_tensor_sequence_value_info("parts", TensorProto.FLOAT, None)
    path = _save(tmp_path / "s.onnx", [seq], [helper.make_node("SequenceLength", ["parts"],
                                                               ["n"])],
                 [helper.make_tensor_value_info("n", TensorProto.INT64, [])])
    with pytest.raises(InputError) as info:
        graph_inputs(onnx.load(str(path)), path)
    message = str(info.value)
    assert "input 'parts' is seq(tensor(float)); edgebench generates tensor inputs only" \
        in message and "\n" not in message
