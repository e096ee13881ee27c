"""Tiny models built in code: the minimal default suite and the models tests run on.

They are small on purpose (well under a millisecond to a few milliseconds on one core) and
cover what user models bring: a dynamic batch dimension, several inputs, integer token ids
and a rank-0 scalar input.
"""

from __future__ import annotations

from collections.abc import Mapping

import onnx
from onnx import TensorProto, helper

from bench.zoo.builders.onnxgraph import Weights, make_model
from bench.zoo.builders.registry import Param, register


def _int(params: Mapping[str, Param], key: str, default: int) -> int:
    return int(params.get(key, default))


@register("tiny_mlp")
def build_tiny_mlp(params: Mapping[str, Param]) -> onnx.ModelProto:
    """Two dense layers on a [batch, features] input; ``batch`` is symbolic."""
    features, hidden, classes = (
        _int(params, "features", 512),
        _int(params, "hidden", 1024),
        _int(params, "classes", 10),
    )
    w = Weights(_int(params, "seed", 0))
    nodes = [
        helper.make_node("Gemm", ["x", w.normal("fc1.w", [features, hidden]),
                                  w.normal("fc1.b", [hidden], 0.01)], ["h"]),
        helper.make_node("Relu", ["h"], ["h_relu"]),
        helper.make_node("Gemm", ["h_relu", w.normal("fc2.w", [hidden, classes]),
                                  w.normal("fc2.b", [classes], 0.01)], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=-1),
    ]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", features])
    y = helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", classes])
    return make_model("tiny_mlp", nodes, [x], [y], w)


@register("tiny_cnn")
def build_tiny_cnn(params: Mapping[str, Param]) -> onnx.ModelProto:
    """Three strided 3x3 convolutions, global pooling and a classifier on a square image."""
    size, width, classes = (
        _int(params, "size", 128),
        _int(params, "width", 32),
        _int(params, "classes", 10),
    )
    w = Weights(_int(params, "seed", 0))
    nodes: list[onnx.NodeProto] = []
    current, channels = "image", 3
    for i, out_channels in enumerate((width, width * 2, width * 4)):
        nodes.append(helper.make_node(
            "Conv", [current, w.normal(f"conv{i}.w", [out_channels, channels, 3, 3]),
                     w.normal(f"conv{i}.b", [out_channels], 0.01)],
            [f"conv{i}"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))
        nodes.append(helper.make_node("Relu", [f"conv{i}"], [f"relu{i}"]))
        current, channels = f"relu{i}", out_channels
    nodes += [
        helper.make_node("GlobalAveragePool", [current], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", w.normal("fc.w", [channels, classes]),
                                  w.normal("fc.b", [classes], 0.01)], ["logits"]),
    ]
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, size, size])
    y = helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", classes])
    return make_model("tiny_cnn", nodes, [x], [y], w)


@register("tiny_text")
def build_tiny_text(params: Mapping[str, Param]) -> onnx.ModelProto:
    """Token ids (int64, [batch, seq]) through an embedding, mean-pooled, a linear head
    and a softmax divided by a rank-0 ``temperature`` input: several inputs, integer
    inputs and a scalar input in one graph."""
    vocab, dim, classes = (
        _int(params, "vocab", 1000),
        _int(params, "dim", 64),
        _int(params, "classes", 4),
    )
    w = Weights(_int(params, "seed", 0))
    nodes = [
        helper.make_node("Gather", [w.normal("embed", [vocab, dim], 0.02), "input_ids"],
                         ["emb"], axis=0),
        helper.make_node("ReduceMean", ["emb"], ["pooled"], axes=[1], keepdims=0),
        helper.make_node("MatMul", ["pooled", w.normal("head.w", [dim, classes])], ["logits"]),
        helper.make_node("Div", ["logits", "temperature"], ["scaled"]),
        helper.make_node("Softmax", ["scaled"], ["probs"], axis=-1),
    ]
    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"])
    temperature = helper.make_tensor_value_info("temperature", TensorProto.FLOAT, [])
    y = helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", classes])
    return make_model("tiny_text", nodes, [ids, temperature], [y], w)
