"""MobileBERT (Sun et al. 2020), the model MLPerf Mobile runs for question answering on
SQuAD at sequence length 384: 24 layers of hidden 512 with 128-wide bottlenecks, a shared
key/query bottleneck, four stacked feed-forward networks a layer, NoNorm (an elementwise
scale and shift) instead of LayerNorm, ReLU, and a trigram embedding of width 128 projected
to 512. The graph ends at the start/end logits of the SQuAD head; the pooler of the
pretrained checkpoint is kept as a second output."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import onnx

from bench.zoo.builders.layers import Net
from bench.zoo.builders.registry import Param, register
from bench.zoo.builders.transformer import (
    attention_bias,
    position_table,
    self_attention,
    text_inputs,
)

RESIDUAL_STD = 0.1  # sublayers that feed a residual start small: NoNorm does not rescale


def no_norm(net: Net, x: str, dim: int) -> str:
    scale = net.const(np.ones(dim, dtype=np.float32))
    return net.op("Add", [net.op("Mul", [x, scale]), net.const(np.zeros(dim, np.float32))])


def _small(din: int) -> float:
    return RESIDUAL_STD * din ** -0.5


def trigram_embedding(net: Net, vocab: int, dim: int, hidden: int) -> str:
    """Each token's embedding concatenated with its right and left neighbours', projected."""
    x = net.op("Gather", [net.param("word_embed", [vocab, dim], 0.02), "input_ids"])
    zero = net.scalar(0.0)
    after = net.op("Pad", [net.op("Slice", [x, net.ints([1]), net.ints([2 ** 62]),
                                            net.ints([1])]), net.ints([0, 0, 0, 0, 1, 0]), zero])
    before = net.op("Pad", [net.op("Slice", [x, net.ints([0]), net.ints([-1]), net.ints([1])]),
                            net.ints([0, 1, 0, 0, 0, 0]), zero])
    return net.linear(net.op("Concat", [after, x, before], axis=2), 3 * dim, hidden)


def mobilebert_layer(net: Net, h: str, hidden: int, inner: int, heads: int, ffn: int,
                     stacked: int, bias: str) -> str:
    layer_input = no_norm(net, net.linear(h, hidden, inner), inner)
    shared = no_norm(net, net.linear(h, hidden, inner), inner)
    q, k = net.linear(shared, inner, inner), net.linear(shared, inner, inner)
    v = net.linear(h, hidden, inner)
    context = self_attention(net, q, k, v, heads, inner, bias)
    x = net.linear(context, inner, inner, std=_small(inner))
    x = no_norm(net, net.op("Add", [x, layer_input]), inner)
    for _ in range(stacked):
        y = net.linear(net.linear(x, inner, ffn, act="relu"), ffn, inner, std=_small(ffn))
        x = no_norm(net, net.op("Add", [x, y]), inner)
    out = net.linear(x, inner, hidden, std=_small(inner))
    return no_norm(net, net.op("Add", [out, h]), hidden)


@register("mobilebert")
def build_mobilebert(params: Mapping[str, Param]) -> onnx.ModelProto:
    """MobileBERT with a SQuAD head: 25.3M params (MobileBERT paper, Table 3)."""
    layers, hidden = int(params.get("layers", 24)), int(params.get("hidden", 512))
    inner, heads = int(params.get("inner", 128)), int(params.get("heads", 4))
    ffn, stacked = int(params.get("ffn", 512)), int(params.get("ffn_stack", 4))
    net = Net(int(params.get("seed", 0)))
    h = trigram_embedding(net, int(params.get("vocab", 30522)), inner, hidden)
    types = net.op("Gather", [net.param("type_embed", [2, hidden], 0.02), "token_type_ids"])
    h = net.op("Add", [net.op("Add", [h, position_table(net, 512, hidden)]), types])
    h = no_norm(net, h, hidden)
    bias = attention_bias(net)
    for _ in range(layers):
        h = mobilebert_layer(net, h, hidden, inner, heads, ffn, stacked, bias)
    logits = net.linear(h, hidden, 2)
    start, end = net.ops("Split", [logits, net.ints([1, 1])], 2, axis=-1)
    start = net.op("Squeeze", [start, net.ints([-1])])
    end = net.op("Squeeze", [end, net.ints([-1])])
    first = net.op("Gather", [h, net.const(np.array(0, dtype=np.int64))], axis=1)
    pooled = net.op("Tanh", [net.linear(first, hidden, hidden)])
    return net.model("mobilebert", text_inputs(),
                     [(start, "start_logits"), (end, "end_logits"), (pooled, "pooler_output")])
