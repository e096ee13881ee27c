"""DeepLabv3 with a MobileNetV2 backbone (Chen et al. 2017; the MobileNetV2 paper's
"MNet V2*" row of Table 7: output stride 16, the image-pooling and 1x1 ASPP branches only),
the segmentation model of MLPerf Mobile at 512x512 with ADE20K's 32 classes."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import onnx

from bench.zoo.builders.layers import Net, image_input
from bench.zoo.builders.mobilenet import mobilenet_v2_features
from bench.zoo.builders.registry import Param, register


@register("deeplabv3_mobilenet_v2")
def build_deeplabv3(params: Mapping[str, Param]) -> onnx.ModelProto:
    """DeepLabv3-MobileNetV2: 2.11M params, 2.75 GMACs at 512x512 (for 21 classes)."""
    size, classes = int(params.get("size", 512)), int(params.get("classes", 32))
    net = Net(int(params.get("seed", 0)))
    features = mobilenet_v2_features(net, "image", output_stride=16, last_conv=False)
    x, channels = features.tensor, features.channels
    branch = net.conv(x, channels, 256, 1, act="relu")
    pooled = net.op("GlobalAveragePool", [x])
    pooled = net.conv(pooled, channels, 256, 1, act="relu")
    pooled = net.op("Expand", [pooled, net.op("Shape", [branch])])
    h = net.op("Concat", [branch, pooled], axis=1)
    h = net.conv(h, 512, 256, 1, act="relu")
    logits = net.conv(h, 256, classes, 1)
    scales = net.const(np.array([1.0, 1.0, 16.0, 16.0], dtype=np.float32))
    upsampled = net.op("Resize", [logits, "", scales], mode="linear",
                       coordinate_transformation_mode="half_pixel")
    return net.model("deeplabv3_mobilenet_v2", [image_input("image", 3, size, size)],
                     [(upsampled, "logits")])
