"""A decoder's I/O convention (:class:`DecoderLayout`; from its input names here, with the
configs' sizes by ``bench.zoo.decoders``) and the feeds of each step of a generation: the
prompt with an empty past first, then one token a step with the previous step's
``present.*`` as the past; ``attention_mask`` (ones over past + new tokens),
``position_ids`` (past .. past + seq - 1), ``use_cache_branch`` (False at the first step)
and GroupQueryAttention's ``seqlens_k`` (total - 1) and ``total_sequence_length`` filled as
the convention says. All of it is built outside the timed region.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.errors import InputError

_PAST = re.compile(r"^past_key_values\.(\d+)\.(key|value)$")
_EXTRA = ("attention_mask", "position_ids", "use_cache_branch", "seqlens_k",
          "total_sequence_length")
NOT_A_DECODER = ("model {model!r} is not a decoder: --scenario token-generation needs inputs "
                 "input_ids and past_key_values.{{i}}.key/.value (the optimum, ONNX Runtime "
                 "GenAI or llm_decoder convention)")


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


def layout_from_names(model: str, names: Sequence[str]) -> DecoderLayout | None:
    """The layout the input names show (optimum, merged, edgebench; no sizes), or None for
    a model with neither ``input_ids`` nor past inputs; a decoder missing a needed input is
    an ``InputError`` naming it. ``bench.zoo.decoders`` adds the configs' sizes."""
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
    count = max(layers) + 1
    for i in range(count):
        for part in ("key", "value"):
            if part not in layers.get(i, set()):
                raise InputError(f"model {model!r}: decoder input past_key_values.{i}.{part} "
                                 f"is missing (layers 0..{count - 1} each need .key and .value)")
    past = tuple((f"past_key_values.{i}.key", f"past_key_values.{i}.value")
                 for i in range(count))
    present = tuple((f"present.{i}.key", f"present.{i}.value") for i in range(count))
    found = {k: k for k in _EXTRA if k in names}
    convention = ("optimum-merged" if "use_cache_branch" in names else
                  "optimum" if "attention_mask" in names else "edgebench")
    return DecoderLayout(convention, past, present, **found)




class Steps:
    """Builds the feeds of every step of a generation for one decoder."""

    def __init__(self, model: str, layout: DecoderLayout, feeds: Mapping[str, np.ndarray],
                 output_names: Sequence[str]) -> None:
        self.layout = layout
        self.dtypes = {n: feeds[n].dtype for n in layout.fed() if n in feeds}
        self.empty = {n: feeds[n][:, :, :0] for pair in layout.past for n in pair}
        missing = [n for pair in layout.present for n in pair if n not in output_names]
        if layout.logits not in output_names or missing:
            raise InputError(f"model {model!r}: decoder output "
                             f"{(missing or [layout.logits])[0]!r} is missing (outputs: "
                             f"{', '.join(output_names[:6])}...)")
        self.logits_at = list(output_names).index(layout.logits)
        self.fed_back = [(list(output_names).index(present), past)
                         for pp, qq in zip(layout.present, layout.past)
                         for present, past in zip(pp, qq)]

    def _extra(self, feeds: dict[str, Any], past: int, seq: int, first: bool) -> None:
        lay, total = self.layout, past + seq
        if lay.attention_mask:
            feeds[lay.attention_mask] = np.ones((1, total), self.dtypes[lay.attention_mask])
        if lay.position_ids:
            feeds[lay.position_ids] = np.arange(past, total, dtype=self.dtypes[
                lay.position_ids])[None, :]
        if lay.use_cache_branch:
            feeds[lay.use_cache_branch] = np.array([not first], self.dtypes[lay.use_cache_branch])
        if lay.seqlens_k:
            feeds[lay.seqlens_k] = np.array([total - 1], self.dtypes[lay.seqlens_k])
        if lay.total_sequence_length:
            feeds[lay.total_sequence_length] = np.array(
                total, self.dtypes[lay.total_sequence_length])

    def first(self, prompt: np.ndarray) -> dict[str, Any]:
        """The prefill's feeds: the prompt and an empty past."""
        feeds: dict[str, Any] = {self.layout.input_ids: prompt, **self.empty}
        self._extra(feeds, 0, prompt.shape[1], True)
        return feeds

    def extend(self, out: Sequence[Any], ids: np.ndarray, past: int) -> dict[str, Any]:
        """The feeds after a step that left ``past`` tokens in the cache: ``ids`` [1, n]
        (the next token, or a chunk of a prompt) and the step's present as the past."""
        feeds: dict[str, Any] = {self.layout.input_ids: ids}
        for present, name in self.fed_back:
            feeds[name] = out[present]
        self._extra(feeds, past, ids.shape[1], False)
        return feeds

    def token(self, out: Sequence[Any]) -> np.ndarray:
        """The greedy next token of a step's logits, as [1, 1] ids."""
        logits = out[self.logits_at]
        return np.argmax(logits[:, -1, :], axis=-1).astype(self.dtypes[
            self.layout.input_ids])[:, None]

    def cache_bytes(self, out: Sequence[Any]) -> int:
        """Bytes the KV cache holds after a step (its present outputs)."""
        return int(sum(out[i].nbytes for i, _ in self.fed_back))
