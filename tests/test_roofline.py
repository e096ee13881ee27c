"""FLOPs of the tiny models, counted by hand."""

from __future__ import annotations

from bench.measure.roofline import count_flops, roofline
from bench.zoo import resolve


def test_tiny_mlp_flops() -> None:
    # 2 x (512 x 1024) + 2 x (1024 x 10) per sample
    assert count_flops(resolve("tiny_mlp").path, {"x": (1, 512)}) == 1_069_056
    assert count_flops(resolve("tiny_mlp").path, {"x": (4, 512)}) == 4 * 1_069_056


def test_tiny_cnn_flops() -> None:
    # conv0 32x64x64 out x 27, conv1 64x32x32 x 288, conv2 128x16x16 x 576, fc 128x10; x2
    expected = 2 * (32 * 64 * 64 * 27 + 64 * 32 * 32 * 288 + 128 * 16 * 16 * 576 + 128 * 10)
    assert count_flops(resolve("tiny_cnn").path, {"image": (1, 3, 128, 128)}) == expected


def test_roofline_rates() -> None:
    r = roofline(2_000_000_000, 2.0, None, concurrent=False)
    assert r is not None and r.gflops_per_s == 1000.0  # 2 GFLOP in 2 ms
    overlapping = roofline(1_000_000_000, 50.0, 30.0, concurrent=True)
    assert overlapping is not None and overlapping.gflops_per_s == 30.0
    assert roofline(0, 1.0, 1.0, concurrent=False) is None
