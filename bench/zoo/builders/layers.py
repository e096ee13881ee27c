"""A small graph writer for the reference builders: seeded float32 weights and the layers
the published architectures are made of (convolutions with folded batch norm, dense layers,
layer norm, attention).

Batch norm is folded into the convolution's bias, as inference graphs exported for
deployment have it; parameter counts therefore hold one bias per output channel where the
training graph held a BN scale and shift. Weights are He-normal draws from one seeded
generator in call order, so the same builder and params give the same bytes everywhere.
Residual branches end in a down-scaled layer (as "zero-gamma" initialisation does) so that
activations of a deep untrained network stay in a range fp16 and int8 can represent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from bench.zoo.builders.onnxgraph import Weights, make_model

Act = str | None  # "relu", "relu6", "swish", "gelu" or None


def make_divisible(value: float, divisor: int = 8) -> int:
    """Round channels as the MobileNet family does (never more than 10% down)."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


class Net:
    """Nodes and seeded initializers of one graph, with unique generated names."""

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.weights = Weights(seed)  # holds the initializer list make_model expects
        self._count = 0
        self._consts: dict[str, str] = {}

    # ----------------------------------------------------------------- naming, tensors
    def _name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_{self._count}"

    def param(self, prefix: str, shape: Sequence[int], std: float | None = None) -> str:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else int(shape[0])
        scale = std if std is not None else (2.0 / max(fan_in, 1)) ** 0.5
        data = self._rng.standard_normal(size=tuple(shape), dtype=np.float32)
        data *= np.float32(scale)
        name = self._name(prefix)
        self.weights.initializers.append(numpy_helper.from_array(data, name))
        return name

    def bias(self, prefix: str, size: int) -> str:
        return self.param(prefix, [size], 0.01)

    def const(self, array: np.ndarray, key: str | None = None) -> str:
        """A constant tensor (shape vectors, scalars); shared when ``key`` repeats."""
        if key is not None and key in self._consts:
            return self._consts[key]
        name = self._name("const")
        self.weights.initializers.append(numpy_helper.from_array(array, name))
        if key is not None:
            self._consts[key] = name
        return name

    def ints(self, values: Sequence[int]) -> str:
        return self.const(np.array(values, dtype=np.int64), key=f"i64{tuple(values)}")

    def scalar(self, value: float) -> str:
        return self.const(np.array(value, dtype=np.float32), key=f"f32:{value!r}")

    def op(self, op_type: str, inputs: Sequence[str], **attrs: object) -> str:
        out = self._name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], **attrs))
        return out

    def ops(self, op_type: str, inputs: Sequence[str], count: int, **attrs: object) -> list[str]:
        """A node with ``count`` outputs (Split)."""
        outs = [self._name(op_type.lower()) for _ in range(count)]
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, **attrs))
        return outs

    # ----------------------------------------------------------------- activations
    def act(self, x: str, kind: Act) -> str:
        if kind is None:
            return x
        if kind == "relu":
            return self.op("Relu", [x])
        if kind == "relu6":
            return self.op("Clip", [x, self.scalar(0.0), self.scalar(6.0)])
        if kind == "swish":
            return self.op("Mul", [x, self.op("Sigmoid", [x])])
        if kind == "gelu":  # exact GELU; opset 17 has no Gelu op (onnxruntime fuses this)
            erf = self.op("Erf", [self.op("Div", [x, self.scalar(2.0 ** 0.5)])])
            half = self.op("Mul", [x, self.scalar(0.5)])
            return self.op("Mul", [half, self.op("Add", [erf, self.scalar(1.0)])])
        raise ValueError(f"unknown activation {kind!r}")

    # ----------------------------------------------------------------- layers
    def conv(self, x: str, cin: int, cout: int, k: int | tuple[int, int], stride: int = 1,
             groups: int = 1, dilation: int = 1, act: Act = None, std: float | None = None,
             bias: bool = True, pads: Sequence[int] | None = None) -> str:
        kh, kw = (k, k) if isinstance(k, int) else k
        pad_h, pad_w = dilation * (kh - 1) // 2, dilation * (kw - 1) // 2
        pads = list(pads) if pads is not None else [pad_h, pad_w, pad_h, pad_w]
        inputs = [x, self.param("conv.w", [cout, cin // groups, kh, kw], std)]
        if bias:
            inputs.append(self.bias("conv.b", cout))
        y = self.op("Conv", inputs, kernel_shape=[kh, kw], strides=[stride, stride],
                    pads=pads, group=groups,
                    dilations=[dilation, dilation])
        return self.act(y, act)

    def linear(self, x: str, din: int, dout: int, act: Act = None,
               std: float | None = None) -> str:
        """MatMul + Add over the last axis (any rank), as exporters write dense layers."""
        y = self.op("MatMul", [x, self.param("dense.w", [din, dout], std or din ** -0.5)])
        return self.act(self.op("Add", [y, self.bias("dense.b", dout)]), act)

    def gemm(self, x: str, din: int, dout: int) -> str:
        """A classifier on a [batch, features] tensor."""
        return self.op("Gemm", [x, self.param("fc.w", [din, dout], din ** -0.5),
                                self.bias("fc.b", dout)])

    def layer_norm(self, x: str, dim: int) -> str:
        scale = self.const(np.ones(dim, dtype=np.float32))
        shift = self.const(np.zeros(dim, dtype=np.float32))
        return self.op("LayerNormalization", [x, scale, shift], axis=-1, epsilon=1e-12)

    def pool_flatten(self, x: str) -> str:
        return self.op("Flatten", [self.op("GlobalAveragePool", [x])], axis=1)

    # ----------------------------------------------------------------- the model
    def model(self, name: str, inputs: Sequence[onnx.ValueInfoProto],
              outputs: Sequence[tuple[str, str]]) -> onnx.ModelProto:
        """Wrap up; ``outputs`` pairs a tensor made here with its public output name."""
        for tensor, public in outputs:
            self.nodes.append(helper.make_node("Identity", [tensor], [public]))
        return make_model(name, self.nodes, inputs, self._output_types(inputs, outputs),
                          self.weights)

    def _output_types(self, inputs: Sequence[onnx.ValueInfoProto],
                      outputs: Sequence[tuple[str, str]]) -> list[onnx.ValueInfoProto]:
        """Output types and shapes by shape inference over a weightless copy of the graph
        (initializers keep their dims; large ones lose their data), so it stays fast."""
        light = []
        for init in self.weights.initializers:
            if init.data_type == TensorProto.FLOAT and len(init.raw_data) > 4096:
                stub = TensorProto(name=init.name, data_type=init.data_type, dims=init.dims)
                light.append(stub)
            else:
                light.append(init)
        names = [public for _, public in outputs]
        graph = helper.make_graph(self.nodes, "infer", list(inputs),
                                  [helper.make_empty_tensor_value_info(n) for n in names], light)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
        known = {v.name: v for v in list(inferred.graph.value_info) + list(inferred.graph.output)}
        return [known[n] for n in names]


def image_input(name: str, channels: int, height: int, width: int) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT,
                                         ["batch", channels, height, width])
