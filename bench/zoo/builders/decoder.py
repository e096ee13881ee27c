"""``llm_decoder``: a Llama-like decoder-only transformer with a KV cache, in one graph that
serves both prefill and decode.

Architecture (per layer): RMSNorm -> grouped-query attention with rotary position
embeddings (RoPE, the half-split "rotate_half" form of Llama) and a causal mask -> residual
-> RMSNorm -> SwiGLU MLP (down(silu(gate(x)) * up(x))) -> residual; then a final RMSNorm
and an untied LM head. Weights are seeded normals (std 0.02, Llama's initialiser), norm
weights ones: the same params give the same bytes everywhere.

I/O convention (what the ``token-generation`` scenario relies on)::

    inputs   input_ids                     int64   [batch, seq]
             past_key_values.{i}.key       float32 [batch, kv_heads, past, head_dim]
             past_key_values.{i}.value     float32 [batch, kv_heads, past, head_dim]
    outputs  logits                        float32 [batch, seq, vocab]
             present.{i}.key               float32 [batch, kv_heads, past + seq, head_dim]
             present.{i}.value             float32 [batch, kv_heads, past + seq, head_dim]

for layers i = 0 .. layers-1. Prefill feeds the prompt with ``past`` = 0 (empty tensors);
each decode step feeds one token and the previous step's ``present.*`` as
``past_key_values.*``. Token positions are ``past + 0 .. past + seq - 1``, read from the
past tensors' length, so the caller never passes positions or masks (batch rows are not
padded). Positions must stay below ``max_positions`` (the rotary table's length).

Params: vocab, hidden, layers, heads, kv_heads, intermediate, max_positions, rope_theta,
eps, seed.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import onnx
from onnx import TensorProto, helper

from bench.zoo.builders.onnxgraph import Weights, make_model
from bench.zoo.builders.registry import Param, register

DEFAULTS: dict[str, Param] = {
    "vocab": 512, "hidden": 64, "layers": 2, "heads": 4, "kv_heads": 2,
    "intermediate": 176, "max_positions": 512, "rope_theta": 10000.0, "eps": 1e-5, "seed": 0,
}


def _config(params: Mapping[str, Param]) -> dict[str, Param]:
    config = DEFAULTS | dict(params)
    unknown = set(params) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"llm_decoder: unknown params {sorted(unknown)}")
    hidden, heads, kv_heads = int(config["hidden"]), int(config["heads"]), int(config["kv_heads"])
    if hidden % heads or heads % kv_heads:
        raise ValueError("llm_decoder: hidden must divide by heads, heads by kv_heads")
    return config


def parameter_count(params: Mapping[str, Param]) -> int:
    """Weights the graph holds (embedding, layers, final norm, LM head; not the RoPE table)."""
    c = _config(params)
    v, h, n, i = int(c["vocab"]), int(c["hidden"]), int(c["layers"]), int(c["intermediate"])
    kv = int(c["kv_heads"]) * (h // int(c["heads"]))
    per_layer = h * h * 2 + h * kv * 2 + 3 * h * i + 2 * h
    return v * h * 2 + n * per_layer + h


class _Graph:
    """Collects nodes; ``op`` adds one and returns its (single) output name."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self._n = 0

    def op(self, op_type: str, inputs: list[str], name: str | None = None,
           **attrs: object) -> str:
        self._n += 1
        out = name or f"{op_type.lower()}_{self._n}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out


def _rms_norm(g: _Graph, w: Weights, x: str, name: str, hidden: int, eps: str) -> str:
    square = g.op("Mul", [x, x])
    mean = g.op("ReduceMean", [square], axes=[-1], keepdims=1)
    root = g.op("Sqrt", [g.op("Add", [mean, eps])])
    scale = w.constant(f"{name}.weight", np.ones(hidden, dtype=np.float32))
    return g.op("Mul", [g.op("Div", [x, root]), scale])


def _rotary(g: _Graph, x: str, cos: str, sin: str, half: str) -> str:
    """Llama's rotate_half RoPE on x [b, heads, seq, head_dim]; cos/sin are [seq, hd/2]."""
    x1 = g.op("Slice", [x, "c_zero", half, "c_minus1"])
    x2 = g.op("Slice", [x, half, "c_int_max", "c_minus1"])
    first = g.op("Sub", [g.op("Mul", [x1, cos]), g.op("Mul", [x2, sin])])
    second = g.op("Add", [g.op("Mul", [x2, cos]), g.op("Mul", [x1, sin])])
    return g.op("Concat", [first, second], axis=-1)


def _heads(g: _Graph, x: str, heads: int, head_dim: int) -> str:
    """[b, s, heads*hd] -> [b, heads, s, hd]."""
    shape = f"c_shape_{heads}_{head_dim}"
    return g.op("Transpose", [g.op("Reshape", [x, shape])], perm=[0, 2, 1, 3])


@register("llm_decoder")
def build_llm_decoder(params: Mapping[str, Param]) -> onnx.ModelProto:
    c = _config(params)
    vocab, hidden, layers = int(c["vocab"]), int(c["hidden"]), int(c["layers"])
    heads, kv_heads, inter = int(c["heads"]), int(c["kv_heads"]), int(c["intermediate"])
    head_dim, rep = hidden // heads, heads // kv_heads
    w = Weights(int(c["seed"]))
    g = _Graph()
    inv = 1.0 / float(c["rope_theta"]) ** (np.arange(0, head_dim, 2) / head_dim)
    angles = np.outer(np.arange(int(c["max_positions"])), inv)
    w.constant("rope.cos", np.cos(angles).astype(np.float32))
    w.constant("rope.sin", np.sin(angles).astype(np.float32))
    for name, value in (("c_zero", [0]), ("c_one", [1]), ("c_two", [2]), ("c_minus1", [-1]),
                        ("c_int_max", [2**62]), ("c_half", [head_dim // 2]),
                        ("c_rep", [1, 1, rep, 1, 1]), ("c_merge", [0, 0, -1]),
                        ("c_kv_merge", [0, heads, -1, head_dim]),
                        ("c_unsq5", [2]), ("c_axis1", [1]), ("c_axis0", [0])):
        w.constant(name, np.array(value, dtype=np.int64))
    for h in {heads, kv_heads}:
        w.constant(f"c_shape_{h}_{head_dim}", np.array([0, 0, h, head_dim], dtype=np.int64))
    w.constant("c_eps", np.array(float(c["eps"]), dtype=np.float32))
    w.constant("c_scale", np.array(1.0 / np.sqrt(head_dim), dtype=np.float32))
    w.constant("c_neg", np.array(-1e9, dtype=np.float32))
    w.constant("c_fzero", np.array(0.0, dtype=np.float32))

    # positions past .. past+seq-1, read from the cache's length and the ids' length
    past_len = g.op("Gather", [g.op("Shape", ["past_key_values.0.key"]), "c_two"], axis=0)
    seq_len = g.op("Gather", [g.op("Shape", ["input_ids"]), "c_one"], axis=0)
    total = g.op("Add", [past_len, seq_len])
    scalar = lambda t: g.op("Squeeze", [t, "c_axis0"])  # noqa: E731
    positions = g.op("Range", [scalar(past_len), scalar(total), scalar("c_one")])
    cos = g.op("Gather", ["rope.cos", positions], axis=0)
    sin = g.op("Gather", ["rope.sin", positions], axis=0)
    keys = g.op("Range", ["c_zero_s", scalar(total), scalar("c_one")])
    w.constant("c_zero_s", np.array(0, dtype=np.int64))
    future = g.op("Greater", [g.op("Unsqueeze", [keys, "c_axis0"]),
                              g.op("Unsqueeze", [positions, "c_axis1"])])
    mask = g.op("Where", [future, "c_neg", "c_fzero"])  # [seq, total], added to scores

    x = g.op("Gather", [w.normal("embed_tokens", [vocab, hidden], 0.02), "input_ids"], axis=0)
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"])]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                             ["batch", "seq", vocab])]
    for i in range(layers):
        p = f"layers.{i}"
        h = _rms_norm(g, w, x, f"{p}.input_norm", hidden, "c_eps")
        q = _heads(g, g.op("MatMul", [h, w.normal(f"{p}.q_proj", [hidden, hidden], 0.02)]),
                   heads, head_dim)
        k = _heads(g, g.op("MatMul", [h, w.normal(f"{p}.k_proj", [hidden, kv_heads * head_dim],
                                                  0.02)]), kv_heads, head_dim)
        v = _heads(g, g.op("MatMul", [h, w.normal(f"{p}.v_proj", [hidden, kv_heads * head_dim],
                                                  0.02)]), kv_heads, head_dim)
        q = _rotary(g, q, cos, sin, "c_half")
        k = _rotary(g, k, cos, sin, "c_half")
        past_k, past_v = f"past_key_values.{i}.key", f"past_key_values.{i}.value"
        present_k = g.op("Concat", [past_k, k], f"present.{i}.key", axis=2)
        present_v = g.op("Concat", [past_v, v], f"present.{i}.value", axis=2)
        for name in (past_k, past_v):
            inputs.append(helper.make_tensor_value_info(
                name, TensorProto.FLOAT, ["batch", kv_heads, "past", head_dim]))
        for name in (present_k, present_v):
            outputs.append(helper.make_tensor_value_info(
                name, TensorProto.FLOAT, ["batch", kv_heads, "total", head_dim]))
        if rep > 1:  # grouped-query attention: each kv head serves `rep` query heads
            def expand(t: str) -> str:
                t5 = g.op("Expand", [g.op("Unsqueeze", [t, "c_unsq5"]), "c_rep"])
                return g.op("Reshape", [t5, "c_kv_merge"])
            k_all, v_all = expand(present_k), expand(present_v)
        else:
            k_all, v_all = present_k, present_v
        scores = g.op("Mul", [g.op("MatMul", [q, g.op("Transpose", [k_all], perm=[0, 1, 3, 2])]),
                              "c_scale"])
        probs = g.op("Softmax", [g.op("Add", [scores, mask])], axis=-1)
        attn = g.op("Transpose", [g.op("MatMul", [probs, v_all])], perm=[0, 2, 1, 3])
        attn = g.op("MatMul", [g.op("Reshape", [attn, "c_merge"]),
                               w.normal(f"{p}.o_proj", [hidden, hidden], 0.02)])
        x = g.op("Add", [x, attn])
        h = _rms_norm(g, w, x, f"{p}.post_norm", hidden, "c_eps")
        gate = g.op("MatMul", [h, w.normal(f"{p}.gate_proj", [hidden, inter], 0.02)])
        up = g.op("MatMul", [h, w.normal(f"{p}.up_proj", [hidden, inter], 0.02)])
        act = g.op("Mul", [g.op("Mul", [gate, g.op("Sigmoid", [gate])]), up])
        x = g.op("Add", [x, g.op("MatMul", [act, w.normal(f"{p}.down_proj", [inter, hidden],
                                                        0.02)])])
    x = _rms_norm(g, w, x, "final_norm", hidden, "c_eps")
    g.op("MatMul", [x, w.normal("lm_head", [hidden, vocab], 0.02)], "logits")
    return make_model("llm_decoder", g.nodes, inputs, outputs, w)
