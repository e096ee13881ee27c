"""Model folders of exported decoders: an ONNX Runtime GenAI folder (``genai_config.json``
beside ``model.onnx`` and its ``.data``) or a Hugging Face optimum export (``model.onnx`` or
the legacy ``decoder_model_merged.onnx``, with ``config.json``).

``genai_config.json`` is another tool's file, so its model ignores keys edgebench does not
read (``extra="ignore"``, unlike edgebench's own files): the builder adds keys between
releases, and a folder it writes must not be refused for one. What edgebench reads is typed
and checked, and a broken file is one line naming it and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bench.errors import ModelFileError

GENAI_CONFIG = "genai_config.json"
HF_CONFIG = "config.json"
OPTIMUM_FILES = ("model.onnx", "decoder_model_merged.onnx")


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class DecoderInputs(_Read):
    input_ids: str = "input_ids"
    attention_mask: str | None = "attention_mask"
    position_ids: str | None = None
    past_key_names: str = "past_key_values.%d.key"
    past_value_names: str = "past_key_values.%d.value"


class DecoderOutputs(_Read):
    logits: str = "logits"
    present_key_names: str = "present.%d.key"
    present_value_names: str = "present.%d.value"


class GenaiDecoder(_Read):
    filename: str
    head_size: int = Field(gt=0)
    hidden_size: int = Field(gt=0)
    num_attention_heads: int = Field(gt=0)
    num_hidden_layers: int = Field(gt=0)
    num_key_value_heads: int = Field(gt=0)
    inputs: DecoderInputs = DecoderInputs()
    outputs: DecoderOutputs = DecoderOutputs()


class GenaiModel(_Read):
    type: str
    context_length: int = Field(gt=0)
    vocab_size: int = Field(gt=0)
    decoder: GenaiDecoder


class GenaiConfig(_Read):
    model: GenaiModel


@dataclass(frozen=True)
class DecoderFolder:
    """A folder of an exported decoder: its model file and what its config says."""

    folder: Path
    model_file: Path
    genai: GenaiConfig | None = None
    hf_config: dict[str, object] | None = None

    @property
    def kind(self) -> str:
        return "genai" if self.genai is not None else "optimum"


def _json(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                             f"{exc.msg}); re-export the model folder") from None
    if not isinstance(data, dict):
        raise ModelFileError(f"{path}: expected a JSON object at the top")
    return data


def read_genai_config(path: Path) -> GenaiConfig:
    """``genai_config.json``, checked; a broken one is a ``ModelFileError`` naming the field."""
    data = _json(path)
    try:
        return GenaiConfig.model_validate(data)
    except ValidationError as exc:
        item = exc.errors()[0]
        field = ".".join(str(p) for p in item["loc"])
        raise ModelFileError(f"{path}: field {field}: {item['msg'].lower()} (an ONNX Runtime "
                             "GenAI config needs model.type, context_length, vocab_size and "
                             "model.decoder's filename, sizes and layer count)") from None


def hf_config(folder: Path) -> dict[str, object] | None:
    """``config.json`` beside a Hugging Face export, if there is one."""
    path = folder / HF_CONFIG
    return _json(path) if path.is_file() else None


def open_folder(folder: Path) -> DecoderFolder:
    """What a model folder holds; one ``ModelFileError`` line when it holds no decoder."""
    config = folder / GENAI_CONFIG
    if config.is_file():
        genai = read_genai_config(config)
        model_file = folder / genai.model.decoder.filename
        if not model_file.is_file():
            raise ModelFileError(f"{config}: model.decoder.filename {model_file.name!r} is "
                                 f"not in {folder}")
        return DecoderFolder(folder, model_file, genai=genai)
    for name in OPTIMUM_FILES:
        if (folder / name).is_file():
            return DecoderFolder(folder, folder / name, hf_config=hf_config(folder))
    raise ModelFileError(f"{folder}: a folder with no {GENAI_CONFIG} (an ONNX Runtime GenAI "
                         f"model) and no {' or '.join(OPTIMUM_FILES)} (an optimum export); "
                         "pass the folder the exporter wrote, or the .onnx file")


def beside(model_file: Path) -> DecoderFolder:
    """The folder context of a model file given directly (its configs, when present)."""
    folder = model_file.parent
    config = folder / GENAI_CONFIG
    if config.is_file():
        genai = read_genai_config(config)
        if genai.model.decoder.filename == model_file.name:
            return DecoderFolder(folder, model_file, genai=genai)
    return DecoderFolder(folder, model_file, hf_config=hf_config(folder))


def is_genai_folder(ref: str) -> bool:
    """Whether ``ref`` names an ONNX Runtime GenAI folder (its config beside the model)."""
    path = Path(ref)
    return (path / GENAI_CONFIG).is_file() or (path.is_file()
                                               and (path.parent / GENAI_CONFIG).is_file())
