"""fp16 and int8 variants run and stay close to fp32 on the same seeded inputs.

The measure is the relative L2 error ||y - y_fp32|| / ||y_fp32|| of every output.
Default bounds: fp16 <= 0.01 (fp16 keeps an 11-bit significand, ~5e-4 relative per rounding;
a few dozen layers of accumulated rounding stay well under 1%; observed <= 0.002);
int8 <= 0.2 (a uint8 activation step is 1/255 of the calibrated range, ~0.4% of it per tensor,
and errors of 20-50 quantized layers add up; the weights are untrained, so activations are
not the peaked distributions trained nets have; observed 0.004-0.09). A manifest can widen
a bound (``tolerance:``); fc_autoencoder does for int8 (its 8-wide bottleneck, observed 0.15).
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.device import session
from bench.zoo import resolve
from bench.zoo.inputs import generate_inputs, plan_inputs
from bench.zoo.manifests import get_manifest

DEFAULT_TOLERANCE = {"fp16": 0.01, "int8": 0.2}
FAST = ["ds_cnn_kws", "mobilenet_v1_025_vww", "resnet8_cifar", "fc_autoencoder",
        "mobilenet_v2"]
SLOW = ["minilm_l6", "efficientnet_lite0", "ssd_mobilenet_v2", "deeplabv3_mobilenet_v2", "edsr",
        "resnet50", "mobilebert", "bert_base"]
CASES = [(n, p) for n in FAST for p in ("fp16", "int8")] + \
    [pytest.param(n, p, marks=pytest.mark.slow) for n in SLOW for p in ("fp16", "int8")]


def _outputs(name: str, precision: str) -> tuple[str, list[np.ndarray]]:
    model = resolve(name, precision)
    plans = plan_inputs(model.name, model.inputs, model.spec.inputs if model.spec else ())
    opened = session.open_session(model.path)
    return model.sha256, opened.session.run(None, generate_inputs(plans, seed=0))


@pytest.mark.parametrize(("name", "precision"), CASES)
def test_variant_runs_and_stays_close_to_fp32(name: str, precision: str) -> None:
    spec, _ = get_manifest(name)
    own = spec.tolerance[precision].rel_l2 if precision in spec.tolerance else None
    bound = own if own is not None else DEFAULT_TOLERANCE[precision]
    ref_sha, reference = _outputs(name, "fp32")
    sha, outputs = _outputs(name, precision)
    assert sha != ref_sha  # its own file, its own hash
    for got, want in zip(outputs, reference):
        assert got.dtype == np.float32  # fp16 keeps float32 inputs and outputs
        error = np.linalg.norm(got - want) / np.linalg.norm(want)
        assert error <= bound, f"{name} {precision}: rel L2 {error:.4f} > {bound}"


def test_variant_is_cached_and_rebuilt_identically(tmp_path, monkeypatch) -> None:
    first = resolve("resnet8_cifar", "int8")
    assert resolve("resnet8_cifar", "int8").path == first.path  # cached: same file
    monkeypatch.setenv("EDGEBENCH_CACHE_DIR", str(tmp_path))
    again = resolve("resnet8_cifar", "int8")  # built afresh in an empty cache
    assert again.path != first.path and again.sha256 == first.sha256


def test_a_precision_the_manifest_does_not_offer_is_refused(cli_runner) -> None:
    from bench.cli import cli

    result = cli_runner.invoke(cli, ["models", "build", "tiny_cnn", "--precision", "int8"])
    assert result.exit_code == 2
    assert "tiny_cnn" in result.output and "offered: fp32" in result.output
