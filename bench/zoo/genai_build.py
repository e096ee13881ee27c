"""The suite's decoders in the forms users ship them: 4-bit weights and ONNX Runtime GenAI
folders.

- **int4** (``--precision int4``): every MatMul with a constant weight becomes
  ``com.microsoft.MatMulNBits`` (4 bits, block size 32, symmetric, accuracy level 4), made by
  onnxruntime's own weight-only quantizer (``onnxruntime.quantization.matmul_nbits_quantizer``,
  formerly ``MatMul4BitsQuantizer``), as the GenAI model builder does. The embedding table
  stays fp32 (a Gather, not a MatMul). Its conformance tolerance against fp32 on the same
  seeded prompt is ``bench.measure.conformance.TOLERANCES["int4"]``.
- **GenAI folder** (``--engine genai`` on a suite decoder): the GroupQueryAttention form of
  the decoder (``bench.zoo.builders.decoder_gqa``) as ``model.onnx`` + ``model.onnx.data``
  beside its ``genai_config.json``, in fp32 or int4; built once into the cache and put in
  place by one rename.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

import onnx

from bench.errors import RunError, UsageError
from bench.spec import ModelSpec
from bench.spec.model import BuilderSource
from bench.zoo.builders import builder_code
from bench.zoo.builders.decoder_gqa import build_gqa_decoder, genai_config
from bench.zoo.cache import cache_dir
from bench.zoo.genai_folder import GENAI_CONFIG

INT4_BLOCK = 32
INT4_ACCURACY_LEVEL = 4  # int8 activations in the kernel, as the GenAI builder's int4 CPU models
DECODER_BUILDERS = ("llm_decoder",)


def to_int4(model: onnx.ModelProto) -> onnx.ModelProto:
    """``model`` with its constant-weight MatMuls as 4-bit MatMulNBits."""
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    logging.getLogger("root").setLevel(logging.ERROR)  # the quantizer logs each node at INFO
    quantizer = MatMulNBitsQuantizer(model, bits=4, block_size=INT4_BLOCK, is_symmetric=True,
                                     accuracy_level=INT4_ACCURACY_LEVEL)
    quantizer.process()
    return quantizer.model.model


def _decoder_params(spec: ModelSpec) -> dict[str, object]:
    source = spec.source
    if not isinstance(source, BuilderSource) or source.builder not in DECODER_BUILDERS:
        raise UsageError(f"model {spec.name!r} is not one of the suite's decoders "
                         f"({', '.join(DECODER_BUILDERS)}): --engine genai runs an ONNX "
                         "Runtime GenAI folder or a suite decoder")
    return dict(source.params)


def genai_folder(spec: ModelSpec, precision: str) -> Path:
    """The cached GenAI folder of a suite decoder at ``fp32`` or ``int4``."""
    if precision not in ("fp32", "int4"):
        raise UsageError(f"--engine genai builds fp32 or int4 folders, not {precision!r}")
    params = _decoder_params(spec)
    canonical = json.dumps({"params": params, "precision": precision}, sort_keys=True)
    key = hashlib.sha256(canonical.encode() + builder_code().encode()
                         + Path(__file__).read_bytes()).hexdigest()[:16]
    target = cache_dir() / f"{spec.name}-genai-{precision}-{key}"
    if (target / GENAI_CONFIG).is_file():
        return target
    try:
        model = build_gqa_decoder(params)  # type: ignore[arg-type]
        if precision == "int4":
            model = to_int4(model)
        with tempfile.TemporaryDirectory(dir=cache_dir(), prefix=".genai.") as tmp:
            staged = Path(tmp) / "folder"
            staged.mkdir()
            onnx.save_model(model, staged / "model.onnx", save_as_external_data=True,
                            all_tensors_to_one_file=True, location="model.onnx.data",
                            size_threshold=1024)
            config = genai_config(params)  # type: ignore[arg-type]
            (staged / GENAI_CONFIG).write_text(json.dumps(config, indent=2) + "\n")
            if target.exists():  # a half-made folder of an earlier, killed build
                shutil.rmtree(target)
            os.replace(staged, target)
    except (UsageError, OSError):
        raise
    except Exception as exc:  # the quantizer raises many kinds; name the model
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise RunError(f"model {spec.name!r}: cannot build its GenAI folder: {first}") from None
    return target
