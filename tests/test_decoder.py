"""The llm_decoder builder: one graph for prefill and decode, deterministic, Llama-sized."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort  # tests may drive a session directly to check model maths
import pytest

from bench.zoo import resolve
from bench.zoo.builders import get_builder
from bench.zoo.builders.decoder import parameter_count
from bench.zoo.manifests import get_manifest

PARAMS = dict(vocab=64, hidden=32, layers=2, heads=4, kv_heads=2, intermediate=48)


def _session(params: dict[str, int]) -> ort.InferenceSession:
    model = get_builder("llm_decoder")(params)
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def _empty(layers: int, kv_heads: int, head_dim: int) -> dict[str, np.ndarray]:
    return {f"past_key_values.{i}.{kv}": np.zeros((1, kv_heads, 0, head_dim), np.float32)
            for i in range(layers) for kv in ("key", "value")}


@pytest.mark.parametrize("kv_heads", [2, 4])  # grouped-query and plain multi-head attention
def test_decode_with_cache_equals_full_forward(kv_heads: int) -> None:
    s = _session(PARAMS | {"kv_heads": kv_heads})
    names = [o.name for o in s.get_outputs()]
    ids = np.array([[3, 14, 15, 9, 26, 5]], dtype=np.int64)
    full = dict(zip(names, s.run(None, {"input_ids": ids, **_empty(2, kv_heads, 8)})))
    assert full["logits"].shape == (1, 6, 64)
    assert full["present.1.value"].shape == (1, kv_heads, 6, 8)
    step = dict(zip(names, s.run(None, {"input_ids": ids[:, :4], **_empty(2, kv_heads, 8)})))
    for t in (4, 5):
        feeds = {"input_ids": ids[:, t:t + 1]}
        feeds |= {f"past_key_values.{i}.{kv}": step[f"present.{i}.{kv}"]
                  for i in range(2) for kv in ("key", "value")}
        step = dict(zip(names, s.run(None, feeds)))
        np.testing.assert_allclose(step["logits"][0, -1], full["logits"][0, t], atol=1e-5)
    assert step["present.0.key"].shape == (1, kv_heads, 6, 8)


def test_causal() -> None:
    """A later token never changes an earlier position's logits."""
    s = _session(PARAMS)
    a = s.run(["logits"], {"input_ids": np.array([[1, 2, 3]]), **_empty(2, 2, 8)})[0]
    b = s.run(["logits"], {"input_ids": np.array([[1, 2, 60]]), **_empty(2, 2, 8)})[0]
    np.testing.assert_allclose(a[0, :2], b[0, :2], atol=1e-6)
    assert not np.allclose(a[0, 2], b[0, 2])


def test_deterministic_bytes() -> None:
    build = get_builder("llm_decoder")
    assert build(PARAMS).SerializeToString() == build(PARAMS).SerializeToString()
    assert build(PARAMS).SerializeToString() != build(PARAMS | {"seed": 1}).SerializeToString()


def test_unknown_or_inconsistent_params() -> None:
    with pytest.raises(ValueError, match="unknown params"):
        get_builder("llm_decoder")({"hidden_size": 8})
    with pytest.raises(ValueError, match="divide"):
        get_builder("llm_decoder")({"hidden": 30, "heads": 4})


def test_manifests() -> None:
    tiny, _ = get_manifest("llm_decoder_tiny")
    assert tiny.size == "small" and resolve("llm_decoder_tiny").path.is_file()
    big, _ = get_manifest("llm_decoder_1b")  # never built here: 4.4 GB of weights
    assert big.size == "large"
    count = parameter_count(big.source.params)  # type: ignore[union-attr]
    assert 1.05e9 < count < 1.15e9  # TinyLlama-1.1B: 1,100,048,384
    names = {i.name for i in big.inputs}
    assert {"input_ids", "past_key_values.21.value"} <= names
