"""``llm_decoder`` in the form ONNX Runtime GenAI ships a model: the same weights (same seed,
same draw order as :mod:`bench.zoo.builders.decoder`, so both compute the same function),
with onnxruntime's contrib ops as the GenAI model builder emits them for the CPU:

- ``SimplifiedLayerNormalization`` (RMSNorm, default domain) for every norm;
- ``com.microsoft.GroupQueryAttention`` with the rotary embedding inside (``do_rotary``,
  the half-split form, cos/sin caches of ``max_positions`` rows); its ``seqlens_k``
  (total - 1) and ``total_sequence_length`` are computed in the graph from
  ``attention_mask``, as the builder does, so the caller feeds only the mask.

I/O (the names ``genai_config.json`` lists)::

    inputs   input_ids                  int64   [batch, sequence_length]
             attention_mask             int64   [batch, total_sequence_length]
             past_key_values.{i}.key    float32 [batch, kv_heads, past_sequence_length, head]
             past_key_values.{i}.value  float32 [batch, kv_heads, past_sequence_length, head]
    outputs  logits                     float32 [batch, sequence_length, vocab]
             present.{i}.key / .value   float32 [batch, kv_heads, total_sequence_length, head]

The onnx checker does not know these ops, so the model is not checked here; onnxruntime
loading it is the check (``bench.zoo.graph.check_model_file``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import onnx
from onnx import TensorProto, helper

from bench.zoo.builders.decoder import _config
from bench.zoo.builders.onnxgraph import IR_VERSION, OPSET, Weights
from bench.zoo.builders.registry import Param, register

MS = "com.microsoft"


class _Nodes:
    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self._n = 0

    def op(self, op_type: str, inputs: list[str], outputs: int | list[str] = 1,
           domain: str = "", **attrs: object) -> list[str]:
        self._n += 1
        names = outputs if isinstance(outputs, list) else [
            f"{op_type.lower()}_{self._n}" + (f"_{k}" if k else "") for k in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, names, name=f"n{self._n}",
                                           domain=domain, **attrs))
        return names


def _norm(g: _Nodes, w: Weights, x: str, name: str, hidden: int, eps: float) -> str:
    scale = w.constant(f"{name}.weight", np.ones(hidden, dtype=np.float32))
    return g.op("SimplifiedLayerNormalization", [x, scale], axis=-1, epsilon=eps,
                stash_type=1)[0]


def genai_config(params: Mapping[str, Param], filename: str = "model.onnx") -> dict[str, object]:
    """The ``genai_config.json`` of the GQA decoder built from ``params``."""
    c = _config(params)
    hidden, heads = int(c["hidden"]), int(c["heads"])
    context = int(c["max_positions"])
    return {"model": {
        "type": "llama", "context_length": context, "vocab_size": int(c["vocab"]),
        "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0,
        "decoder": {
            "filename": filename, "head_size": hidden // heads, "hidden_size": hidden,
            "num_attention_heads": heads, "num_hidden_layers": int(c["layers"]),
            "num_key_value_heads": int(c["kv_heads"]),
            "session_options": {"log_id": "onnxruntime-genai", "provider_options": []},
            "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask",
                       "past_key_names": "past_key_values.%d.key",
                       "past_value_names": "past_key_values.%d.value"},
            "outputs": {"logits": "logits", "present_key_names": "present.%d.key",
                        "present_value_names": "present.%d.value"}}},
        "search": {"max_length": context, "min_length": 0, "do_sample": False,
                   "num_beams": 1, "num_return_sequences": 1, "past_present_share_buffer":
                   False, "early_stopping": True, "length_penalty": 1.0,
                   "repetition_penalty": 1.0, "temperature": 1.0, "top_k": 1, "top_p": 1.0}}


@register("llm_decoder_gqa")
def build_gqa_decoder(params: Mapping[str, Param]) -> onnx.ModelProto:
    c = _config(params)
    vocab, hidden, layers = int(c["vocab"]), int(c["hidden"]), int(c["layers"])
    heads, kv_heads, inter = int(c["heads"]), int(c["kv_heads"]), int(c["intermediate"])
    head_dim, eps = hidden // heads, float(c["eps"])
    w = Weights(int(c["seed"]))
    g = _Nodes()
    inv = 1.0 / float(c["rope_theta"]) ** (np.arange(0, head_dim, 2) / head_dim)
    angles = np.outer(np.arange(int(c["max_positions"])), inv)
    w.constant("cos_cache", np.cos(angles).astype(np.float32))
    w.constant("sin_cache", np.sin(angles).astype(np.float32))
    w.constant("c_axes1", np.array([1], dtype=np.int64))
    w.constant("c_one", np.array(1, dtype=np.int64))

    total64 = g.op("ReduceSum", ["attention_mask", "c_axes1"], keepdims=0)[0]
    seqlens_k = g.op("Cast", [g.op("Sub", [total64, "c_one"])[0]], to=TensorProto.INT32)[0]
    total = g.op("Cast", [g.op("Gather", [g.op("Shape", ["attention_mask"])[0], "c_one"],
                               axis=0)[0]], to=TensorProto.INT32)[0]
    x = g.op("Gather", [w.normal("embed_tokens", [vocab, hidden], 0.02), "input_ids"],
             axis=0)[0]
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64,
                                            ["batch_size", "sequence_length"]),
              helper.make_tensor_value_info("attention_mask", TensorProto.INT64,
                                            ["batch_size", "total_sequence_length"])]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                             ["batch_size", "sequence_length", vocab])]
    for i in range(layers):
        p = f"layers.{i}"
        h = _norm(g, w, x, f"{p}.input_norm", hidden, eps)
        q = g.op("MatMul", [h, w.normal(f"{p}.q_proj", [hidden, hidden], 0.02)])[0]
        k = g.op("MatMul", [h, w.normal(f"{p}.k_proj", [hidden, kv_heads * head_dim], 0.02)])[0]
        v = g.op("MatMul", [h, w.normal(f"{p}.v_proj", [hidden, kv_heads * head_dim], 0.02)])[0]
        past = [f"past_key_values.{i}.key", f"past_key_values.{i}.value"]
        present = [f"present.{i}.key", f"present.{i}.value"]
        attn = g.op("GroupQueryAttention", [q, k, v, *past, seqlens_k, total, "cos_cache",
                                            "sin_cache"], [f"{p}.attn", *present], domain=MS,
                    num_heads=heads, kv_num_heads=kv_heads, do_rotary=1,
                    rotary_interleaved=0, scale=float(1.0 / np.sqrt(head_dim)))[0]
        for name in past:
            inputs.append(helper.make_tensor_value_info(
                name, TensorProto.FLOAT,
                ["batch_size", kv_heads, "past_sequence_length", head_dim]))
        for name in present:
            outputs.append(helper.make_tensor_value_info(
                name, TensorProto.FLOAT,
                ["batch_size", kv_heads, "total_sequence_length", head_dim]))
        attn = g.op("MatMul", [attn, w.normal(f"{p}.o_proj", [hidden, hidden], 0.02)])[0]
        x = g.op("Add", [x, attn])[0]
        h = _norm(g, w, x, f"{p}.post_norm", hidden, eps)
        gate = g.op("MatMul", [h, w.normal(f"{p}.gate_proj", [hidden, inter], 0.02)])[0]
        up = g.op("MatMul", [h, w.normal(f"{p}.up_proj", [hidden, inter], 0.02)])[0]
        act = g.op("Mul", [g.op("Mul", [gate, g.op("Sigmoid", [gate])[0]])[0], up])[0]
        down = w.normal(f"{p}.down_proj", [inter, hidden], 0.02)
        x = g.op("Add", [x, g.op("MatMul", [act, down])[0]])[0]
    x = _norm(g, w, x, "final_norm", hidden, eps)
    g.op("MatMul", [x, w.normal("lm_head", [hidden, vocab], 0.02)], ["logits"])
    graph = helper.make_graph(g.nodes, "llm_decoder_gqa", inputs, outputs)
    model = helper.make_model(graph, producer_name="edgebench", producer_version="1",
                              opset_imports=[helper.make_opsetid("", OPSET),
                                             helper.make_opsetid(MS, 1)])
    model.ir_version = IR_VERSION
    for tensor in w.drain():
        model.graph.initializer.append(tensor)
    return model
