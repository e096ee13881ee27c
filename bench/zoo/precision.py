"""Precision variants of a suite model's fp32 file: ``fp16``, ``int8`` and ``int4``.

- **fp16**: every float initializer and op converted to float16 by onnxruntime's converter
  (``onnxruntime.transformers.float16``); graph inputs and outputs stay float32
  (``keep_io_types``), so the same seeded feeds run every variant and outputs compare.
- **int8**, ``quantization: static`` (CNNs): QDQ static quantization with
  ``onnxruntime.quantization``: per-channel int8 weights, uint8 activations, MinMax
  calibration over :data:`CALIBRATION_SAMPLES` inputs drawn from the manifest's own
  generators with fixed seeds. ``quantization: dynamic`` (transformers): int8 weights of
  MatMul/Gemm, activations quantized at run time.
- **int4** (decoders): 4-bit MatMulNBits weights, block 32 (``bench.zoo.genai_build``).

Each variant is cached under a key made of the fp32 file's sha256, the precision, the
method and the tool versions, so it is built once and has its own sha256. Static
quantization calibrates by running the model, so its scales follow this machine's float
arithmetic: same bytes in every process here, possibly not on a CPU with other SIMD units.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import onnx

from bench.device.session import runtime_version
from bench.errors import EdgebenchError, RunError
from bench.spec import ModelSpec
from bench.zoo.cache import cache_dir, write_model
from bench.zoo.graph import graph_inputs
from bench.zoo.inputs import generate_inputs, plan_inputs

CALIBRATION_SAMPLES = 8
CALIBRATION_SEED = 1000  # seeds 1000..1007; the benchmark's own inputs use --seed (0)


def _tool_version() -> str:
    return f"onnx {onnx.__version__}, onnxruntime {runtime_version()}"


def variant_key(fp32_sha256: str, precision: str, method: str) -> str:
    text = "|".join((fp32_sha256, precision, method, str(CALIBRATION_SAMPLES),
                     str(CALIBRATION_SEED), _tool_version(), Path(__file__).read_text()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def to_fp16(model: onnx.ModelProto) -> onnx.ModelProto:
    from onnxruntime.transformers.float16 import convert_float_to_float16

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it warns about values clipped to the fp16 range
        converted = convert_float_to_float16(model, keep_io_types=True)
    return sort_nodes(converted)


def sort_nodes(model: onnx.ModelProto) -> onnx.ModelProto:
    """Order nodes topologically (stable): the converter appends the input casts last,
    which onnxruntime accepts but the ONNX checker does not."""
    graph = model.graph
    ready = {v.name for v in graph.input} | {i.name for i in graph.initializer} | {""}
    pending, ordered = list(graph.node), []
    while pending:
        left = []
        for node in pending:
            if all(name in ready for name in node.input):
                ordered.append(node)
                ready.update(node.output)
            else:
                left.append(node)
        if len(left) == len(pending):
            raise RunError(f"graph {graph.name!r}: a cycle or a missing tensor after fp16 "
                           "conversion")
        pending = left
    copies = [onnx.NodeProto() for _ in ordered]
    for copy, node in zip(copies, ordered):
        copy.CopyFrom(node)
    del graph.node[:]
    graph.node.extend(copies)
    return model


class _Calibration:
    """onnxruntime's CalibrationDataReader protocol over seeded suite inputs."""

    def __init__(self, spec: ModelSpec, model: onnx.ModelProto, source: Path) -> None:
        plans = plan_inputs(spec.name, graph_inputs(model, source), spec.inputs)
        self._feeds: Iterator[dict[str, np.ndarray]] = iter(
            [generate_inputs(plans, CALIBRATION_SEED + i) for i in range(CALIBRATION_SAMPLES)])

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._feeds, None)

    def rewind(self) -> None:  # part of the protocol; never needed for MinMax
        raise NotImplementedError


def _quantize(spec: ModelSpec, fp32: Path, out: Path) -> None:
    import onnxruntime.quantization as q

    logging.getLogger("root").setLevel(logging.ERROR)  # the quantizer logs advice at WARNING
    if spec.quantization == "dynamic":
        q.quantize_dynamic(fp32, out, weight_type=q.QuantType.QInt8,
                           op_types_to_quantize=["MatMul", "Gemm"])
        return
    model = onnx.load(str(fp32))
    q.quantize_static(
        fp32, out, _Calibration(spec, model, fp32), quant_format=q.QuantFormat.QDQ,
        per_channel=True, weight_type=q.QuantType.QInt8, activation_type=q.QuantType.QUInt8,
        calibrate_method=q.CalibrationMethod.MinMax)


def build_variant(spec: ModelSpec, fp32: Path, fp32_sha256: str, precision: str) -> Path:
    """The cached ``precision`` variant of ``fp32`` (built once; temp file and rename)."""
    method = spec.quantization if precision == "int8" else "convert"
    key = variant_key(fp32_sha256, precision, method)
    target = cache_dir() / f"{spec.name}-{precision}-{key}.onnx"
    if target.exists():
        return target
    try:
        if precision == "fp16":
            write_model(target, to_fp16(onnx.load(str(fp32))))
            return target
        if precision == "int4":  # 4-bit MatMulNBits weights (bench.zoo.genai_build)
            from bench.zoo.genai_build import to_int4

            write_model(target, to_int4(onnx.load(str(fp32))))
            return target
        with tempfile.TemporaryDirectory(dir=cache_dir(), prefix=".quantize.") as tmp:
            out = Path(tmp) / "model.onnx"
            _quantize(spec, fp32, out)
            os.replace(out, target)
    except (EdgebenchError, OSError):
        raise
    except Exception as exc:  # the converters raise many kinds; name the model and variant
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise RunError(
            f"model {spec.name!r}: cannot make the {precision} variant: {first}") from None
    return target
