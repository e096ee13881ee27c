"""SSDLite with a MobileNetV2 backbone at 320x320 (MobileNetV2 paper, section 6.2; the
TensorFlow object-detection API's ``ssdlite_mobilenet_v2``): six feature maps, separable box
and class heads, 3 anchors on the first map and 6 on the others, 80 COCO classes plus
background. The graph ends at the raw head outputs (box encodings and class scores); anchor
decoding and non-maximum suppression are post-processing, outside the timed model, as in
MLPerf Mobile's reference."""

from __future__ import annotations

from collections.abc import Mapping

import onnx

from bench.zoo.builders.layers import Net, image_input
from bench.zoo.builders.mobilenet import mobilenet_v2_features
from bench.zoo.builders.registry import Param, register

EXTRA_DEPTHS = (512, 256, 256, 128)  # the four extra feature maps after the backbone


def _head(net: Net, x: str, channels: int, outputs: int, per_anchor: int) -> str:
    """Separable prediction head; returns [batch, anchors * H * W, per_anchor]."""
    h = net.conv(x, channels, channels, 3, groups=channels, act="relu6")
    h = net.conv(h, channels, outputs, 1, std=(1.0 / channels) ** 0.5)
    h = net.op("Transpose", [h], perm=[0, 2, 3, 1])
    return net.op("Reshape", [h, net.ints([0, -1, per_anchor])])


@register("ssdlite_mobilenet_v2")
def build_ssdlite(params: Mapping[str, Param]) -> onnx.ModelProto:
    """SSDLite-MobileNetV2: 4.3M params, 0.8 GMACs at 320x320 (MobileNetV2 paper, Table 6)."""
    size, classes = int(params.get("size", 320)), int(params.get("classes", 81))
    net = Net(int(params.get("seed", 0)))
    features = mobilenet_v2_features(net, "image")
    maps = [features.taps["expand_s16"], (features.tensor, features.channels)]
    h, channels = features.tensor, features.channels
    for depth in EXTRA_DEPTHS:
        h = net.conv(h, channels, depth // 2, 1, act="relu6")
        h = net.conv(h, depth // 2, depth // 2, 3, stride=2, groups=depth // 2, act="relu6")
        h = net.conv(h, depth // 2, depth, 1, act="relu6")
        channels = depth
        maps.append((h, channels))
    boxes, scores = [], []
    for index, (tensor, ch) in enumerate(maps):
        anchors = 3 if index == 0 else 6
        boxes.append(_head(net, tensor, ch, anchors * 4, 4))
        scores.append(_head(net, tensor, ch, anchors * classes, classes))
    box = net.op("Concat", boxes, axis=1)
    score = net.op("Softmax", [net.op("Concat", scores, axis=1)], axis=-1)
    return net.model("ssdlite_mobilenet_v2", [image_input("image", 3, size, size)],
                     [(box, "boxes"), (score, "scores")])
