"""The feeds of each step of a generation, by a decoder's convention
(:class:`bench.zoo.decoders.DecoderLayout`): the prompt with an empty past first, then one
token a step with the previous step's ``present.*`` as the past; ``attention_mask`` (ones
over past + new tokens), ``position_ids`` (past .. past + seq - 1), ``use_cache_branch``
(False at the first step) and GroupQueryAttention's ``seqlens_k`` (total - 1) and
``total_sequence_length`` filled as the convention says. All of it is built outside the
timed region.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from bench.errors import InputError

if TYPE_CHECKING:
    from bench.zoo.decoders import DecoderLayout


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
