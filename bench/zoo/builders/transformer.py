"""BERT-style text encoders (Devlin et al. 2019): BERT-base and MiniLM-L6 (the
``all-MiniLM-L6-v2`` sentence embedder: 6 layers of BERT at hidden 384).

Inputs are ``input_ids``, ``attention_mask`` and ``token_type_ids`` (int64, [batch, seq],
both dims symbolic); attention is written out of MatMul/Softmax the way exporters write it,
so onnxruntime's transformer fusions apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import onnx
from onnx import TensorProto, helper

from bench.zoo.builders.layers import Act, Net
from bench.zoo.builders.registry import Param, register

TEXT_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@dataclass(frozen=True)
class EncoderConfig:
    layers: int
    hidden: int
    heads: int
    ffn: int
    vocab: int = 30522
    positions: int = 512
    types: int = 2


def text_inputs() -> list[onnx.ValueInfoProto]:
    return [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"])
            for n in TEXT_INPUTS]


def attention_bias(net: Net) -> str:
    """[batch, 1, 1, seq]: 0 where attention_mask is 1, -10000 where it is 0."""
    mask = net.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    inverted = net.op("Sub", [net.scalar(1.0), mask])
    bias = net.op("Mul", [inverted, net.scalar(-10000.0)])
    return net.op("Unsqueeze", [bias, net.ints([1, 2])])


def position_table(net: Net, positions: int, dim: int) -> str:
    """The first ``seq`` rows of a learned position table ([seq, dim])."""
    table = net.param("pos_embed", [positions, dim], 0.02)
    seq = net.op("Slice", [net.op("Shape", ["input_ids"]), net.ints([1]), net.ints([2])])
    return net.op("Slice", [table, net.ints([0]), seq, net.ints([0])])


def self_attention(net: Net, q: str, k: str, v: str, heads: int, dim: int, bias: str) -> str:
    """Multi-head attention over [batch, seq, dim] projections; returns [batch, seq, dim]."""
    head_dim = dim // heads
    split = net.ints([0, 0, heads, head_dim])
    qh = net.op("Transpose", [net.op("Reshape", [q, split])], perm=[0, 2, 1, 3])
    kh = net.op("Transpose", [net.op("Reshape", [k, split])], perm=[0, 2, 3, 1])
    vh = net.op("Transpose", [net.op("Reshape", [v, split])], perm=[0, 2, 1, 3])
    scores = net.op("Mul", [net.op("MatMul", [qh, kh]), net.scalar(head_dim ** -0.5)])
    probs = net.op("Softmax", [net.op("Add", [scores, bias])], axis=-1)
    context = net.op("Transpose", [net.op("MatMul", [probs, vh])], perm=[0, 2, 1, 3])
    return net.op("Reshape", [context, net.ints([0, 0, dim])])


def encoder_layer(net: Net, h: str, cfg: EncoderConfig, bias: str, act: Act = "gelu") -> str:
    d = cfg.hidden
    q, k, v = (net.linear(h, d, d) for _ in range(3))
    attended = net.linear(self_attention(net, q, k, v, cfg.heads, d, bias), d, d)
    h = net.layer_norm(net.op("Add", [h, attended]), d)
    ffn = net.linear(net.linear(h, d, cfg.ffn, act=act), cfg.ffn, d)
    return net.layer_norm(net.op("Add", [h, ffn]), d)


def bert_encoder(net: Net, cfg: EncoderConfig) -> tuple[str, str]:
    """Embeddings, the layer stack and the pooler; returns (last hidden state, pooled)."""
    d = cfg.hidden
    words = net.op("Gather", [net.param("word_embed", [cfg.vocab, d], 0.02), "input_ids"])
    types = net.op("Gather", [net.param("type_embed", [cfg.types, d], 0.02), "token_type_ids"])
    h = net.op("Add", [net.op("Add", [words, position_table(net, cfg.positions, d)]), types])
    h = net.layer_norm(h, d)
    bias = attention_bias(net)
    for _ in range(cfg.layers):
        h = encoder_layer(net, h, cfg, bias)
    first = net.op("Gather", [h, net.const(np.array(0, dtype=np.int64))], axis=1)
    pooled = net.op("Tanh", [net.linear(first, d, d)])
    return h, pooled


def _config(params: Mapping[str, Param], **defaults: int) -> EncoderConfig:
    return EncoderConfig(**{k: int(params.get(k, v)) for k, v in defaults.items()})


@register("bert")
def build_bert(params: Mapping[str, Param]) -> onnx.ModelProto:
    """BERT-base: 12 layers, hidden 768, 12 heads, FFN 3072; 110M params."""
    cfg = _config(params, layers=12, hidden=768, heads=12, ffn=3072)
    net = Net(int(params.get("seed", 0)))
    hidden, pooled = bert_encoder(net, cfg)
    return net.model("bert_base", text_inputs(),
                     [(hidden, "last_hidden_state"), (pooled, "pooler_output")])


@register("minilm")
def build_minilm(params: Mapping[str, Param]) -> onnx.ModelProto:
    """MiniLM-L6 sentence embedder: 6 layers, hidden 384, 12 heads, FFN 1536 (22.7M params);
    the embedding is the attention-masked mean of the last hidden state."""
    cfg = _config(params, layers=6, hidden=384, heads=12, ffn=1536)
    net = Net(int(params.get("seed", 0)))
    hidden, pooled = bert_encoder(net, cfg)
    mask = net.op("Unsqueeze", [net.op("Cast", ["attention_mask"], to=TensorProto.FLOAT),
                                net.ints([2])])
    summed = net.op("ReduceSum", [net.op("Mul", [hidden, mask]), net.ints([1])], keepdims=0)
    count = net.op("Max", [net.op("ReduceSum", [mask, net.ints([1])], keepdims=0),
                           net.scalar(1e-9)])
    embedding = net.op("Div", [summed, count])
    return net.model("minilm_l6", text_inputs(),
                     [(embedding, "sentence_embedding"), (pooled, "pooler_output")])
