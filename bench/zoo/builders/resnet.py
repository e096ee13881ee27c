"""Residual networks: ResNet-50 v1.5 (He et al. 2016; torchvision's layout, stride on the
3x3 convolution) and ResNet-8, the MLPerf Tiny CIFAR-10 model (three stacks of 16/32/64)."""

from __future__ import annotations

from collections.abc import Mapping

import onnx

from bench.zoo.builders.layers import Net, image_input
from bench.zoo.builders.registry import Param, register

RESIDUAL_STD = 0.1  # last layer of a residual branch is scaled down (see layers.py)


def _residual_std(fan_in: int) -> float:
    return RESIDUAL_STD * (2.0 / fan_in) ** 0.5


def bottleneck(net: Net, x: str, cin: int, width: int, stride: int) -> tuple[str, int]:
    cout = width * 4
    h = net.conv(x, cin, width, 1, act="relu")
    h = net.conv(h, width, width, 3, stride=stride, act="relu")
    h = net.conv(h, width, cout, 1, std=_residual_std(width))
    shortcut = x if stride == 1 and cin == cout else net.conv(x, cin, cout, 1, stride=stride)
    return net.op("Relu", [net.op("Add", [shortcut, h])]), cout


@register("resnet50")
def build_resnet50(params: Mapping[str, Param]) -> onnx.ModelProto:
    """ResNet-50: 25.56M params, 4.1 GMACs at 224x224, 1000 classes."""
    size, classes = int(params.get("size", 224)), int(params.get("classes", 1000))
    net = Net(int(params.get("seed", 0)))
    h = net.conv("image", 3, 64, 7, stride=2, act="relu")
    h = net.op("MaxPool", [h], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    channels = 64
    for width, blocks, stride in ((64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)):
        for i in range(blocks):
            h, channels = bottleneck(net, h, channels, width, stride if i == 0 else 1)
    logits = net.gemm(net.pool_flatten(h), channels, classes)
    return net.model("resnet50", [image_input("image", 3, size, size)], [(logits, "logits")])


@register("resnet8")
def build_resnet8(params: Mapping[str, Param]) -> onnx.ModelProto:
    """MLPerf Tiny's ResNet-8 (the EEMBC ``resnet_v1_eembc``): 32x32 images, 10 classes."""
    filters, classes = int(params.get("filters", 16)), int(params.get("classes", 10))
    net = Net(int(params.get("seed", 0)))
    h = net.conv("image", 3, filters, 3, act="relu")
    channels = filters
    for stack, stride in enumerate((1, 2, 2)):
        width = filters * 2 ** stack
        y = net.conv(h, channels, width, 3, stride=stride, act="relu")
        y = net.conv(y, width, width, 3, std=_residual_std(9 * width))
        shortcut = h if stride == 1 else net.conv(h, channels, width, 1, stride=stride)
        h = net.op("Relu", [net.op("Add", [shortcut, y])])
        channels = width
    logits = net.gemm(net.pool_flatten(h), channels, classes)
    probs = net.op("Softmax", [logits], axis=-1)
    return net.model("resnet8", [image_input("image", 3, 32, 32)], [(probs, "probs")])
