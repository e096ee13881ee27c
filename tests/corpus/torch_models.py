"""A tiny decoder step for the PyTorch exporter (torch is not in the test extra: only the
corpus script and ``-m corpus`` import this)."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import torch

HIDDEN, VOCAB = 32, 64


class _RMSNorm(torch.nn.Module):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * self.weight


class Decoder(torch.nn.Module):
    """One decoding step: a token, its attention mask over past + 1 positions, a KV cache."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(VOCAB, HIDDEN)
        self.norm = _RMSNorm(HIDDEN)
        self.q, self.k, self.v = (torch.nn.Linear(HIDDEN, HIDDEN) for _ in range(3))
        self.head = torch.nn.Linear(HIDDEN, VOCAB)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                past_key: torch.Tensor, past_value: torch.Tensor) -> tuple[torch.Tensor, ...]:
        h = self.norm(self.embed(input_ids))
        key = torch.cat([past_key, self.k(h)], dim=1)
        value = torch.cat([past_value, self.v(h)], dim=1)
        mask = (1 - attention_mask[:, None, :].float()) * -1e4
        scores = torch.softmax(self.q(h) @ key.transpose(1, 2) / HIDDEN ** 0.5 + mask, -1)
        return self.head(scores @ value), key, value


def export_decoder(target: Path) -> Path:
    torch.manual_seed(0)
    model = Decoder().eval()
    batch, past = 2, 4
    example = (torch.zeros(batch, 1, dtype=torch.long), torch.ones(batch, past + 1,
                                                                   dtype=torch.long),
               torch.zeros(batch, past, HIDDEN), torch.zeros(batch, past, HIDDEN))
    b, p = torch.export.Dim("batch"), torch.export.Dim("past_sequence_length")
    shapes = {"input_ids": {0: b}, "attention_mask": {0: b, 1: p + 1},
              "past_key": {0: b, 1: p}, "past_value": {0: b, 1: p}}
    with contextlib.redirect_stdout(io.StringIO()):
        torch.onnx.export(model, example, str(target), dynamic_shapes=shapes, dynamo=True,
                          input_names=list(shapes), verbose=False, external_data=False,
                          output_names=["logits", "present_key", "present_value"])
    return target
