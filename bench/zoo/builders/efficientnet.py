"""EfficientNet-Lite (Tan & Le 2019; the Lite variants of the TensorFlow model garden): the
EfficientNet-B0 layout without squeeze-excitation, with ReLU6, stem and head fixed."""

from __future__ import annotations

from collections.abc import Mapping

import onnx

from bench.zoo.builders.layers import Net, image_input
from bench.zoo.builders.mobilenet import inverted_residual
from bench.zoo.builders.registry import Param, register

# (expansion, kernel, stride, channels, repeats) of EfficientNet-B0's seven stages.
LITE0_STAGES = ((1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
                (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1))


@register("efficientnet_lite")
def build_efficientnet_lite(params: Mapping[str, Param]) -> onnx.ModelProto:
    """EfficientNet-Lite0: 4.65M params at 224x224 with a 1000-class head."""
    size, classes = int(params.get("size", 224)), int(params.get("classes", 1000))
    net = Net(int(params.get("seed", 0)))
    channels = 32
    h = net.conv("image", 3, channels, 3, stride=2, act="relu6")
    for expand, kernel, stride, cout, repeats in LITE0_STAGES:
        for i in range(repeats):
            h = inverted_residual(net, h, channels, cout, stride if i == 0 else 1, expand,
                                  kernel=kernel)
            channels = cout
    h = net.conv(h, channels, 1280, 1, act="relu6")
    logits = net.gemm(net.pool_flatten(h), 1280, classes)
    return net.model("efficientnet_lite0", [image_input("image", 3, size, size)],
                     [(logits, "logits")])
