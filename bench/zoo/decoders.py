"""Decoder I/O conventions, recognised from a model's inputs and the config beside it.

=================  ==========================================================================
convention         inputs (besides ``input_ids`` and the past key/value pair of every layer)
=================  ==========================================================================
edgebench          none: positions come from the past's length (``bench/zoo/builders/decoder``)
optimum            ``attention_mask`` [batch, past + seq], optionally ``position_ids``
                   [batch, seq]; past ``past_key_values.{i}.key/.value`` [batch, kv_heads,
                   past, head_dim]; ``config.json`` beside it gives the sizes
optimum-merged     the legacy ``decoder_model_merged.onnx``: also ``use_cache_branch`` (bool
                   [1]), False at the first step
onnxruntime-genai  names from ``genai_config.json`` (``model.decoder.inputs``/``outputs``);
                   GroupQueryAttention's ``seqlens_k`` (int32 [batch], total - 1) and
                   ``total_sequence_length`` (int32 scalar) when they are graph inputs
=================  ==========================================================================

A generation starts with an empty past (past length 0); the first step's shapes come from the
convention and the config (batch 1, the prompt's length), never from ``--shape``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.errors import InputError
from bench.spec import Generator, InputSpec
from bench.zoo.genai_folder import DecoderFolder, beside
from bench.zoo.graph import GraphInput

if TYPE_CHECKING:
    from bench.spec import RunSettings
    from bench.zoo import ResolvedModel

DEFAULT_PROMPT = 128
_PAST = re.compile(r"^past_key_values\.(\d+)\.(key|value)$")
_EXTRA = ("attention_mask", "position_ids", "use_cache_branch", "seqlens_k",
          "total_sequence_length")


@dataclass(frozen=True)
class DecoderLayout:
    """Which inputs a decoder takes and how each step fills them."""

    convention: str
    past: tuple[tuple[str, str], ...]  # (key, value) input of each layer
    present: tuple[tuple[str, str], ...]  # the output fed back to each
    input_ids: str = "input_ids"
    logits: str = "logits"
    attention_mask: str | None = None
    position_ids: str | None = None
    use_cache_branch: str | None = None
    seqlens_k: str | None = None
    total_sequence_length: str | None = None
    kv_heads: int | None = None
    head_dim: int | None = None
    vocab: int | None = None
    context_length: int | None = None

    @property
    def layers(self) -> int:
        return len(self.past)

    def fed(self) -> tuple[str, ...]:
        """Every input the convention fills."""
        extra = (self.attention_mask, self.position_ids, self.use_cache_branch,
                 self.seqlens_k, self.total_sequence_length)
        return (self.input_ids, *(n for pair in self.past for n in pair),
                *(n for n in extra if n is not None))


def _int(config: Mapping[str, object] | None, *keys: str) -> int | None:
    for key in keys:
        value = (config or {}).get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _sizes(folder: DecoderFolder | None) -> dict[str, int | None]:
    if folder is not None and folder.genai is not None:
        m = folder.genai.model
        return {"kv_heads": m.decoder.num_key_value_heads, "head_dim": m.decoder.head_size,
                "vocab": m.vocab_size, "context_length": m.context_length,
                "layers": m.decoder.num_hidden_layers}
    c = folder.hf_config if folder is not None else None
    heads, hidden = _int(c, "num_attention_heads", "n_head"), _int(c, "hidden_size", "n_embd")
    head_dim = _int(c, "head_dim") or (hidden // heads if heads and hidden else None)
    return {"kv_heads": _int(c, "num_key_value_heads") or heads, "head_dim": head_dim,
            "vocab": _int(c, "vocab_size"),
            "context_length": _int(c, "max_position_embeddings", "n_positions"),
            "layers": _int(c, "num_hidden_layers", "n_layer")}


def _genai_layout(model: str, names: set[str], folder: DecoderFolder) -> DecoderLayout:
    assert folder.genai is not None
    d = folder.genai.model.decoder
    past = tuple((d.inputs.past_key_names % i, d.inputs.past_value_names % i)
                 for i in range(d.num_hidden_layers))
    present = tuple((d.outputs.present_key_names % i, d.outputs.present_value_names % i)
                    for i in range(d.num_hidden_layers))
    needed = [d.inputs.input_ids, *(n for pair in past for n in pair)]
    missing = [n for n in needed if n not in names]
    if missing:
        raise InputError(f"model {model!r}: input {missing[0]!r} named by {folder.folder}/"
                         f"genai_config.json (model.decoder.inputs) is not in "
                         f"{folder.model_file.name}; the folder's config and model disagree")
    optional = {"attention_mask": d.inputs.attention_mask, "position_ids": d.inputs.position_ids,
                "seqlens_k": "seqlens_k", "total_sequence_length": "total_sequence_length"}
    found = {k: v for k, v in optional.items() if v is not None and v in names}
    sizes = {k: v for k, v in _sizes(folder).items() if k != "layers"}
    return DecoderLayout("onnxruntime-genai", past, present, d.inputs.input_ids,
                         d.outputs.logits, **found, **sizes)


def recognise(model: str, inputs: Sequence[GraphInput],
              folder: DecoderFolder | None = None) -> DecoderLayout | None:
    """The layout of a decoder, or None for a model that is not one (no ``input_ids`` and
    no past inputs). A decoder missing a needed input is an ``InputError`` naming it."""
    names = {g.name for g in inputs}
    if folder is not None and folder.genai is not None:
        return _genai_layout(model, names, folder)
    layers: dict[int, set[str]] = {}
    for name in names:
        match = _PAST.match(name)
        if match:
            layers.setdefault(int(match.group(1)), set()).add(match.group(2))
    if "input_ids" not in names and not layers:
        return None
    what = "a decoder (inputs input_ids and past_key_values.{i}.key/.value)"
    if "input_ids" not in names:
        raise InputError(f"model {model!r}: has past_key_values inputs but no input_ids; "
                         f"token generation needs {what}")
    if not layers:
        raise InputError(f"model {model!r}: has input_ids but no past_key_values.{{i}}.key/"
                         f".value inputs; token generation needs {what} (export it with "
                         "the KV cache, e.g. optimum's --task text-generation-with-past)")
    sizes = _sizes(folder)
    count = max(layers) + 1
    for i in range(count):
        for part in ("key", "value"):
            if part not in layers.get(i, set()):
                raise InputError(f"model {model!r}: decoder input past_key_values.{i}.{part} "
                                 f"is missing (layers 0..{count - 1} each need .key and .value)")
    if sizes["layers"] is not None and sizes["layers"] != count:
        raise InputError(f"model {model!r}: {count} layers of past_key_values inputs, but "
                         f"config.json says num_hidden_layers {sizes['layers']}")
    past = tuple((f"past_key_values.{i}.key", f"past_key_values.{i}.value")
                 for i in range(count))
    present = tuple((f"present.{i}.key", f"present.{i}.value") for i in range(count))
    found = {k: k for k in _EXTRA if k in names}
    convention = ("optimum-merged" if "use_cache_branch" in names else
                  "optimum" if "attention_mask" in names else "edgebench")
    return DecoderLayout(convention, past, present, **found,
                         **{k: v for k, v in sizes.items() if k != "layers"})


def require(model: str, inputs: Sequence[GraphInput],
            folder: DecoderFolder | None = None) -> DecoderLayout:
    layout = recognise(model, inputs, folder)
    if layout is None:
        raise InputError(f"model {model!r} is not a decoder: --scenario token-generation "
                         "needs inputs input_ids and past_key_values.{i}.key/.value (the "
                         "optimum, ONNX Runtime GenAI or llm_decoder convention)")
    return layout


def _past_dims(model: str, layout: DecoderLayout, g: GraphInput) -> tuple[int, int]:
    dims = g.dims
    kv = dims[1] if len(dims) == 4 and isinstance(dims[1], int) else layout.kv_heads
    hd = dims[3] if len(dims) == 4 and isinstance(dims[3], int) else layout.head_dim
    if len(dims) != 4 or kv is None or hd is None:
        raise InputError(f"model {model!r}: past input {g.name!r} {list(dims)} needs the KV "
                         "heads and head size, and no config.json (num_key_value_heads, "
                         "head_dim) or genai_config.json beside the model gives them")
    return kv, hd


def first_step_specs(model: str, layout: DecoderLayout, inputs: Sequence[GraphInput],
                     prompt_length: int | None) -> tuple[InputSpec, ...]:
    """The inputs of a generation's first step: batch 1, the prompt, an empty past; token
    ids drawn from the vocabulary (seeded)."""
    length = prompt_length or min(DEFAULT_PROMPT, layout.context_length or DEFAULT_PROMPT)
    by_name = {g.name: g for g in inputs}
    past = {n for pair in layout.past for n in pair}
    specs = [InputSpec(name=layout.input_ids, shape=[1, length], generator=Generator(
        kind="int", low=0, high=layout.vocab or 2))]
    for name in sorted(past):
        kv, hd = _past_dims(model, layout, by_name[name])
        specs.append(InputSpec(name=name, shape=[1, kv, 0, hd]))
    one = Generator(kind="constant", value=1)
    for name, shape, generator in (
            (layout.attention_mask, [1, length], one),
            (layout.position_ids, [1, length], Generator(kind="constant", value=0)),
            (layout.use_cache_branch, [1], Generator(kind="constant", value=0)),
            (layout.seqlens_k, [1], Generator(kind="constant", value=length - 1)),
            (layout.total_sequence_length, [], Generator(kind="constant", value=length))):
        if name is not None:
            specs.append(InputSpec(name=name, shape=shape, generator=generator))
    return tuple(specs)


def check_context(model: str, layout: DecoderLayout, prompt: int, new_tokens: int) -> None:
    """A generation must fit the model's context (its config's length)."""
    if layout.context_length is not None and prompt + new_tokens > layout.context_length:
        raise InputError(f"model {model!r}: a prompt of {prompt} tokens and {new_tokens} new "
                         f"tokens exceed its context length {layout.context_length}; lower "
                         "--prompt-length or --new-tokens")


@dataclass(frozen=True)
class PlannedDecoder:
    layout: DecoderLayout
    specs: tuple[InputSpec, ...]  # the first step's inputs (used for a model file)


def plan_decoder(model: ResolvedModel, settings: RunSettings) -> PlannedDecoder:
    """A decoder scenario's plan of ``model``: its convention (from its inputs and the
    config beside its file) and its first step's inputs; bad input is an ``InputError``."""
    layout = require(model.name, model.inputs, beside(model.path))
    specs = first_step_specs(model.name, layout, model.inputs, settings.prompt_length)
    prompt = (specs[0].shape or [0, 0])[1]
    if model.spec is not None:  # a suite model's prompt is its manifest's
        prompt = settings.prompt_length or 0
    check_context(model.name, layout, prompt, settings.new_tokens)
    return PlannedDecoder(layout, specs)
