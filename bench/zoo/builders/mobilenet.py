"""The MobileNet family: MobileNetV2 (Sandler et al. 2018, torchvision's layout) and
MobileNetV1 at width 0.25 on 96x96 images, the MLPerf Tiny visual-wake-words model.

:func:`mobilenet_v2_features` is also the backbone of the detection and segmentation builders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import onnx

from bench.zoo.builders.layers import Net, image_input, make_divisible
from bench.zoo.builders.registry import Param, register

# (expansion t, channels c, repeats n, stride s), Table 2 of the MobileNetV2 paper.
V2_SETTINGS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
               (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))
RESIDUAL_STD = 0.1  # scale of the last layer of a residual branch (see layers.py)


@dataclass(frozen=True)
class Features:
    tensor: str
    channels: int
    taps: dict[str, tuple[str, int]]  # named intermediate tensors and their channels


def inverted_residual(net: Net, x: str, cin: int, cout: int, stride: int, expand: int,
                      kernel: int = 3, dilation: int = 1,
                      taps: dict[str, tuple[str, int]] | None = None, tag: str = "") -> str:
    hidden = cin * expand
    h = x
    if expand != 1:
        h = net.conv(h, cin, hidden, 1, act="relu6")
        if taps is not None and tag:
            taps[tag] = (h, hidden)
    h = net.conv(h, hidden, hidden, kernel, stride=stride, groups=hidden, dilation=dilation,
                 act="relu6")
    residual = stride == 1 and cin == cout
    std = RESIDUAL_STD * (2.0 / hidden) ** 0.5 if residual else None
    h = net.conv(h, hidden, cout, 1, std=std)
    return net.op("Add", [x, h]) if residual else h


def mobilenet_v2_features(net: Net, x: str, width: float = 1.0, output_stride: int = 32,
                          last_conv: bool = True) -> Features:
    """The feature extractor; ``output_stride`` 16 or 8 swaps late strides for dilation
    (DeepLabv3). Taps: ``expand_s16`` is the 576-channel expansion output of the first
    stride-32 block (SSDLite's first feature map)."""
    channels = make_divisible(32 * width)
    h = net.conv(x, 3, channels, 3, stride=2, act="relu6")
    current_stride, dilation = 2, 1
    taps: dict[str, tuple[str, int]] = {}
    for t, c, n, s in V2_SETTINGS:
        cout = make_divisible(c * width)
        for i in range(n):
            stride = s if i == 0 else 1
            tag = "expand_s16" if stride == 2 and current_stride == 16 else ""
            block_dilation = dilation
            if stride == 2 and current_stride >= output_stride:
                dilation, stride = dilation * 2, 1
            elif stride == 2:
                current_stride *= 2
            h = inverted_residual(net, h, channels, cout, stride, t, dilation=block_dilation,
                                  taps=taps, tag=tag)
            channels = cout
        taps[f"c{c}"] = (h, channels)
    if last_conv:
        last = make_divisible(1280 * max(1.0, width))
        h = net.conv(h, channels, last, 1, act="relu6")
        channels = last
    return Features(h, channels, taps)


def _int(params: Mapping[str, Param], key: str, default: int) -> int:
    return int(params.get(key, default))


@register("mobilenet_v2")
def build_mobilenet_v2(params: Mapping[str, Param]) -> onnx.ModelProto:
    """MobileNetV2 1.0 (3.50M params, 300M MACs at 224x224) with a 1000-class head."""
    size, classes = _int(params, "size", 224), _int(params, "classes", 1000)
    net = Net(_int(params, "seed", 0))
    features = mobilenet_v2_features(net, "image", float(params.get("width", 1.0)))
    logits = net.gemm(net.pool_flatten(features.tensor), features.channels, classes)
    return net.model("mobilenet_v2", [image_input("image", 3, size, size)], [(logits, "logits")])


@register("mobilenet_v1")
def build_mobilenet_v1(params: Mapping[str, Param]) -> onnx.ModelProto:
    """MobileNetV1 (Howard et al. 2017) at width ``alpha``; MLPerf Tiny's VWW model is
    alpha 0.25 on 96x96 images with 2 classes."""
    alpha = float(params.get("alpha", 0.25))
    size, classes = _int(params, "size", 96), _int(params, "classes", 2)
    net = Net(_int(params, "seed", 0))
    # (output channels at alpha 1, stride) of the 13 depthwise-separable layers, Table 1.
    layers = ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1),
              (512, 1), (512, 1), (512, 1), (1024, 2), (1024, 1))
    channels = int(32 * alpha)
    h = net.conv("image", 3, channels, 3, stride=2, act="relu")
    for width, stride in layers:
        cout = int(width * alpha)
        h = net.conv(h, channels, channels, 3, stride=stride, groups=channels, act="relu")
        h = net.conv(h, channels, cout, 1, act="relu")
        channels = cout
    logits = net.gemm(net.pool_flatten(h), channels, classes)
    probs = net.op("Softmax", [logits], axis=-1)
    return net.model("mobilenet_v1", [image_input("image", 3, size, size)], [(probs, "probs")])
