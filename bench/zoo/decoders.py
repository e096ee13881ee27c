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

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.errors import InputError
from bench.measure.decoding import NOT_A_DECODER, DecoderLayout, layout_from_names
from bench.spec import Generator, InputSpec
from bench.zoo.genai_folder import DecoderFolder, beside
from bench.zoo.graph import GraphInput

if TYPE_CHECKING:
    from bench.spec import RunSettings
    from bench.zoo import ResolvedModel

DEFAULT_PROMPT = 128


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
    layout = layout_from_names(model, sorted(names))
    if layout is None:
        return None
    sizes = _sizes(folder)
    if sizes["layers"] is not None and sizes["layers"] != layout.layers:
        raise InputError(f"model {model!r}: {layout.layers} layers of past_key_values inputs, "
                         f"but config.json says num_hidden_layers {sizes['layers']}")
    return dataclasses.replace(layout, **{k: v for k, v in sizes.items() if k != "layers"})


def require(model: str, inputs: Sequence[GraphInput],
            folder: DecoderFolder | None = None) -> DecoderLayout:
    layout = recognise(model, inputs, folder)
    if layout is None:
        raise InputError(NOT_A_DECODER.format(model=model))
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
