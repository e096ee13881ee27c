"""The model corpus: real ONNX files from many producers, each with the flags a user would
give it and what it exercises.

Every file is fetched from an installed pip package or made here by a producer installable
from PyPI, by ``make(folder)``; ``python -m tests.corpus.build`` makes them all into the
cache. One file is committed, because the default test run needs it and its package is
not in the test extra: ``files/ppocr_cls_mobile_v2.onnx`` (585,532 bytes, sha256
``e47aced...6215c``), copied unchanged from ``rapidocr-onnxruntime`` 1.4.4 (Apache-2.0),
``rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx``, written by Paddle2ONNX
(producer ``PaddlePaddle``, opset 11). The default run's other four are shipped by onnx and
onnxruntime (base dependencies) or made from the committed file by onnxruntime's own tools.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx

FILES = Path(__file__).parent / "files"
CLS = FILES / "ppocr_cls_mobile_v2.onnx"


class Unavailable(Exception):
    """The producer or package an entry needs is not installed (the reason says which)."""


@dataclass(frozen=True)
class Entry:
    name: str
    producer: str
    exercises: str
    make: Callable[[Path], Path]
    args: tuple[str, ...] = ()
    default: bool = False  # in the default test run (must work with the test extra alone)
    error: str | None = None  # a documented unsupported case: the one-line error it gets
    warns: str | None = None  # the source of a warning its result must list


def _packaged(distribution: str, path: str, extra: str) -> Callable[[Path], Path]:
    def make(_: Path) -> Path:
        try:
            dist = importlib.metadata.distribution(distribution)
        except importlib.metadata.PackageNotFoundError:
            raise Unavailable(f"pip install {extra}") from None
        found = Path(str(dist.locate_file(path)))
        if not found.is_file():
            raise Unavailable(f"{path} is not in {distribution} {dist.version}")
        return found
    return make


def _needs(*modules: str) -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise Unavailable(f"needs {', '.join(missing)} (pip install {' '.join(missing)})")


def _cached(file: str) -> Callable[[Callable[[Path], None]], Callable[[Path], Path]]:
    """A maker that writes ``folder/file`` once; later calls return it (a temporary name
    and a rename, so an interrupted build leaves nothing half-written)."""
    def wrap(build: Callable[[Path], None]) -> Callable[[Path], Path]:
        def make(folder: Path) -> Path:
            target = folder / file
            if not target.exists():
                partial = folder / f".partial-{file}"
                build(partial)
                partial.replace(target)
            return target
        make.__doc__ = build.__doc__
        return make
    return wrap


def _committed(_: Path) -> Path:
    return CLS


@_cached("ppocr_cls_fused.onnx")
def _cls_fused(target: Path) -> None:
    """onnxruntime's offline optimizer at ORT_ENABLE_EXTENDED (the graph fusions its
    transformer optimizer runs at opt_level 2; that tool imports torch, so it is called
    here the way it calls onnxruntime) turns Conv+activation into com.microsoft FusedConv."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(target)
    ort.InferenceSession(str(CLS), options, providers=["CPUExecutionProvider"])


@_cached("ppocr_cls_fp16.onnx")
def _cls_fp16(target: Path) -> None:
    """onnxruntime's float16 converter with keep_io_types=False: a float16 input."""
    from onnxruntime.transformers.float16 import convert_float_to_float16

    onnx.save(convert_float_to_float16(onnx.load(str(CLS)), keep_io_types=False), str(target))


@_cached("ppocr_cls_qdq.onnx")
def _cls_qdq(target: Path) -> None:
    """onnxruntime's static quantizer, QDQ format, calibrated on 4 seeded inputs."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            rng = np.random.default_rng(0)
            self.batches = iter([{"x": rng.random((1, 3, 48, 192), np.float32)}
                                 for _ in range(4)])

        def get_next(self) -> dict | None:
            return next(self.batches, None)

    quantize_static(str(CLS), str(target), Reader(), quant_format=QuantFormat.QDQ)


@_cached("sklearn_forest.onnx")
def _sklearn_forest(target: Path) -> None:
    _needs("sklearn", "skl2onnx")
    from skl2onnx import to_onnx
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier

    x, y = load_iris(return_X_y=True)
    model = RandomForestClassifier(n_estimators=8, max_depth=4, random_state=0).fit(x, y)
    onnx.save(to_onnx(model, x[:1].astype(np.float32)), str(target))


@_cached("sklearn_categories.onnx")
def _sklearn_categories(target: Path) -> None:
    """A string input: one-hot encoded categories into a logistic regression."""
    _needs("sklearn", "skl2onnx")
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import StringTensorType
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    x = np.array([["red"], ["green"], ["blue"], ["green"], ["red"], ["blue"]], dtype=object)
    pipe = make_pipeline(OneHotEncoder(handle_unknown="ignore"), LogisticRegression())
    pipe.fit(x, [0, 1, 2, 1, 0, 2])
    onnx.save(to_onnx(pipe, initial_types=[("colour", StringTensorType([None, 1]))]),
              str(target))


@_cached("lightgbm_classifier.onnx")
def _lightgbm(target: Path) -> None:
    _needs("lightgbm", "onnxmltools")
    import lightgbm
    from onnxmltools import convert_lightgbm
    from onnxmltools.convert.common.data_types import FloatTensorType

    rng = np.random.default_rng(0)
    x = rng.random((200, 6)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 1).astype(int)
    model = lightgbm.LGBMClassifier(n_estimators=10, num_leaves=8, verbose=-1).fit(x, y)
    onnx.save(convert_lightgbm(model, initial_types=[("features", FloatTensorType([None, 6]))],
                               target_opset=15), str(target))


@_cached("torch_decoder.onnx")
def _torch_decoder(target: Path) -> None:
    """The PyTorch exporter (torch.onnx.export, dynamo) of a tiny decoder step with a KV
    cache: dims ``batch`` (shared by every input) and ``past_sequence_length + 1``."""
    _needs("torch", "onnxscript")
    from tests.corpus.torch_models import export_decoder

    export_decoder(target)


@_cached("torch_decoder_ort.onnx")
def _torch_decoder_ort(target: Path) -> None:
    """onnxruntime's offline graph optimizer on the PyTorch decoder: RMSNorm becomes
    SimplifiedLayerNormalization in the default domain, which onnx.checker does not know."""
    import onnxruntime as ort

    source = _torch_decoder(target.parent)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(target)
    ort.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])


@_cached("torch_decoder_nbits.onnx")
def _torch_decoder_nbits(target: Path) -> None:
    """onnxruntime's 4-bit weight quantizer: com.microsoft MatMulNBits (ONNX Runtime
    GenAI's weight format)."""
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    quantizer = MatMulNBitsQuantizer(onnx.load(str(_torch_decoder(target.parent))), block_size=16,
                                     is_symmetric=True)
    quantizer.process()
    quantizer.model.save_model_to_file(str(target))


_SP = "onnx/backend/test/data"
_DECODER = ("--dim", "past_sequence_length=8")
ENTRIES: tuple[Entry, ...] = (
    Entry("ppocr_cls_mobile_v2", "Paddle2ONNX (rapidocr-onnxruntime 1.4.4; committed)",
          "dim_value -1 and dim_param '?' dims", _committed,
          ("--shape", "x=1,3,48,192"), default=True),
    Entry("ppocr_cls_fused", "onnxruntime offline optimizer (extended fusions)",
          "com.microsoft contrib op FusedConv", _cls_fused, ("--shape", "x=1,3,48,192"),
          default=True),
    Entry("ppocr_cls_fp16", "onnxruntime.transformers.float16 (keep_io_types=False)",
          "a float16 input", _cls_fp16, ("--shape", "x=1,3,48,192"), default=True),
    Entry("logreg_iris", "OnnxMLTools (shipped by onnxruntime)",
          "ai.onnx.ml LinearClassifier with a ZipMap seq(map) output",
          _packaged("onnxruntime", "onnxruntime/datasets/logreg_iris.onnx", "onnxruntime"),
          ("--check-outputs",), default=True),
    Entry("strnorm_nochangecase", "onnx backend test model (shipped by onnx)",
          "a string input (StringNormalizer)",
          _packaged("onnx", f"{_SP}/simple/test_strnorm_model_nostopwords_nochangecase/"
                            "model.onnx", "onnx"), ("--check-outputs",), default=True),
    Entry("ppocr_cls_qdq", "onnxruntime.quantization quantize_static (QDQ)",
          "QuantizeLinear/DequantizeLinear pairs", _cls_qdq, ("--shape", "x=1,3,48,192"),
          warns="onnxruntime"),
    Entry("ppocr_v4_det", "Paddle2ONNX (rapidocr-onnxruntime)", "p2o.DynamicDimension names",
          _packaged("rapidocr-onnxruntime", "rapidocr_onnxruntime/models/"
                    "ch_PP-OCRv4_det_infer.onnx", "--no-deps rapidocr-onnxruntime"),
          ("--shape", "x=1,3,640,640")),
    Entry("ppocr_v4_rec", "Paddle2ONNX (rapidocr-onnxruntime)", "named and '?' dims mixed",
          _packaged("rapidocr-onnxruntime", "rapidocr_onnxruntime/models/"
                    "ch_PP-OCRv4_rec_infer.onnx", "--no-deps rapidocr-onnxruntime"),
          ("--shape", "x=1,3,48,320")),
    Entry("silero_vad", "spox (silero-vad)", "unnamed dims, a scalar int64 input, If",
          _packaged("silero-vad", "silero_vad/data/silero_vad.onnx", "--no-deps silero-vad"),
          ("--shape", "input=1,512", "--shape", "state=2,1,128", "--value", "sr=16000")),
    Entry("silero_vad_op18", "PyTorch exporter 2.9 (silero-vad)",
          "'batch' shared by two inputs, bound once by the batch default",
          _packaged("silero-vad", "silero_vad/data/silero_vad_op18_ifless.onnx",
                    "--no-deps silero-vad"), ("--dim", "sequence=512", "--value", "sr=16000")),
    Entry("silero_vad_op15", "PyTorch exporter 2.3.1 (silero-vad)", "named dims, opset 15",
          _packaged("silero-vad", "silero_vad/data/silero_vad_16k_op15.onnx",
                    "--no-deps silero-vad"), ("--dim", "sequence=512", "--value", "sr=16000")),
    Entry("light_resnet50", "onnx-caffe2 (onnx backend test model)",
          "IR 3: initializers listed as inputs; onnxruntime warns (an unused initializer)",
          _packaged("onnx", f"{_SP}/light/light_resnet50.onnx", "onnx"), default=True,
          warns="onnxruntime"),
    Entry("light_inception_v2", "onnx-caffe2 (onnx backend test model)", "a deep CNN",
          _packaged("onnx", f"{_SP}/light/light_inception_v2.onnx", "onnx")),
    Entry("torch_embedding", "PyTorch exporter 0.3 (onnx backend test model)",
          "an int64 index input beside a float one; opset 6, onnxruntime warns",
          _packaged("onnx", f"{_SP}/pytorch-converted/test_Embedding/model.onnx", "onnx"),
          default=True, warns="onnxruntime"),
    Entry("sklearn_forest", "skl2onnx (scikit-learn RandomForestClassifier)",
          "ai.onnx.ml TreeEnsembleClassifier, ZipMap, an unnamed batch", _sklearn_forest,
          ("--check-outputs",)),
    Entry("sklearn_categories", "skl2onnx (OneHotEncoder + LogisticRegression)",
          "a string input drawn from the model's own categories", _sklearn_categories,
          ("--check-outputs",)),
    Entry("lightgbm_classifier", "onnxmltools (LightGBM LGBMClassifier)",
          "ai.onnx.ml trees from another converter", _lightgbm, ("--check-outputs",)),
    Entry("torch_decoder", "PyTorch exporter 2.13.0 (dynamo, made here)",
          "'past_sequence_length + 1' and 'batch' shared by four inputs", _torch_decoder,
          _DECODER),
    Entry("torch_decoder_ort", "onnxruntime offline optimizer (ORT_ENABLE_EXTENDED)",
          "SimplifiedLayerNormalization: onnx.checker fails, onnxruntime runs (a warning)",
          _torch_decoder_ort, _DECODER, warns="onnx.checker"),
    Entry("torch_decoder_nbits", "onnxruntime MatMulNBitsQuantizer (4-bit)",
          "com.microsoft MatMulNBits", _torch_decoder_nbits, _DECODER),
)


def get(name: str) -> Entry:
    return next(e for e in ENTRIES if e.name == name)
