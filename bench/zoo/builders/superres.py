"""EDSR super-resolution (Lim et al. 2017), the baseline configuration: 16 residual blocks
of 64 features without batch norm, a sub-pixel (pixel-shuffle) upsampler. Fully
convolutional: height and width are symbolic."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import onnx
from onnx import TensorProto, helper

from bench.zoo.builders.layers import Net
from bench.zoo.builders.registry import Param, register

RGB_MEAN = (0.4488, 0.4371, 0.4040)  # DIV2K mean, subtracted and added back as EDSR does


@register("edsr")
def build_edsr(params: Mapping[str, Param]) -> onnx.ModelProto:
    """EDSR baseline x2: 1.37M params."""
    blocks, feats = int(params.get("blocks", 16)), int(params.get("features", 64))
    scale = int(params.get("scale", 2))
    net = Net(int(params.get("seed", 0)))
    mean = net.const(np.array(RGB_MEAN, dtype=np.float32).reshape(1, 3, 1, 1))
    x = net.op("Sub", ["image", mean])
    head = net.conv(x, 3, feats, 3)
    h = head
    for _ in range(blocks):
        y = net.conv(h, feats, feats, 3, act="relu")
        y = net.conv(y, feats, feats, 3, std=0.1 * (2.0 / (9 * feats)) ** 0.5)
        h = net.op("Add", [h, y])
    h = net.op("Add", [head, net.conv(h, feats, feats, 3)])
    h = net.conv(h, feats, feats * scale * scale, 3)
    h = net.op("DepthToSpace", [h], blocksize=scale, mode="CRD")
    out = net.op("Add", [net.conv(h, feats, 3, 3), mean])
    image = helper.make_tensor_value_info("image", TensorProto.FLOAT,
                                          ["batch", 3, "height", "width"])
    return net.model("edsr", [image], [(out, "upscaled")])
