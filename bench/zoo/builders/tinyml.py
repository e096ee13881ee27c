"""The MLPerf Tiny workloads that are not residual networks: DS-CNN keyword spotting
(Zhang et al. 2017, "Hello Edge", the small model) on a 49x10 MFCC map, and the fully
connected auto-encoder of the anomaly-detection benchmark (DCASE 2020 task 2 baseline) on
640 log-mel features (5 frames of 128 bins)."""

from __future__ import annotations

from collections.abc import Mapping

import onnx
from onnx import TensorProto, helper

from bench.zoo.builders.layers import Net
from bench.zoo.builders.registry import Param, register


@register("ds_cnn")
def build_ds_cnn(params: Mapping[str, Param]) -> onnx.ModelProto:
    """DS-CNN-S: a 10x4 stride-2 convolution of 64 filters, four depthwise-separable layers,
    average pooling, 12 classes; input [batch, 1, 49, 10] MFCC features."""
    filters, classes = int(params.get("filters", 64)), int(params.get("classes", 12))
    net = Net(int(params.get("seed", 0)))
    h = net.conv("mfcc", 1, filters, (10, 4), stride=2, act="relu", pads=[4, 1, 5, 2])
    for _ in range(4):
        h = net.conv(h, filters, filters, 3, groups=filters, act="relu")
        h = net.conv(h, filters, filters, 1, act="relu")
    logits = net.gemm(net.pool_flatten(h), filters, classes)
    probs = net.op("Softmax", [logits], axis=-1)
    x = helper.make_tensor_value_info("mfcc", TensorProto.FLOAT, ["batch", 1, 49, 10])
    return net.model("ds_cnn_kws", [x], [(probs, "probs")])


@register("fc_autoencoder")
def build_fc_autoencoder(params: Mapping[str, Param]) -> onnx.ModelProto:
    """640 -> 4 x 128 -> 8 -> 4 x 128 -> 640, ReLU between dense layers."""
    features, hidden = int(params.get("features", 640)), int(params.get("hidden", 128))
    bottleneck = int(params.get("bottleneck", 8))
    net = Net(int(params.get("seed", 0)))
    widths = [features] + [hidden] * 4 + [bottleneck] + [hidden] * 4 + [features]
    h = "features"
    for i, (din, dout) in enumerate(zip(widths, widths[1:])):
        h = net.op("Gemm", [h, net.param("fc.w", [din, dout]), net.bias("fc.b", dout)])
        if i < len(widths) - 2:
            h = net.op("Relu", [h])
    x = helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", features])
    return net.model("fc_autoencoder", [x], [(h, "reconstruction")])
