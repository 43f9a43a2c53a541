"""The BERT encoder run on packed tokens: no padding in the matrix work.

A batch of messages of different lengths, padded to the longest, spends most of its time
multiplying padding: on the service's messages (17 tokens on average, a few near 70) about a
third of the rows in sentence-transformers' chunks were padding. Every layer but attention works
token by token, so here the batch's real tokens are stacked into one `[tokens, 384]` matrix and
only the attention step is laid out per message (padded, masked, then packed again). Same
weights and arithmetic as the `BertModel` + mean pooling + normalisation that
sentence-transformers runs: within 1e-5 in fp32 (tests/classifiers/test_packed.py).

Written here rather than taken from a library: `transformers` has no unpadded BERT on CPU
(its FlashAttention-2 varlen path is CUDA-only) and torch's nested tensors do not cover the
layer norms and bf16 matmuls on CPU.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F  # noqa: N812 - torch's own convention

Vectors = npt.NDArray[np.float32]
# Messages per attention call: the batch is sorted by length, so a group pads to little more
# than its own members (one group of 32 padded everything to the longest message).
ATTENTION_GROUP = 8
PREPACK_BATCH_HINT = 64  # tokens per call oneDNN lays the weights out for (any count works)


def can_prepack() -> bool:
    """oneDNN is in this torch, has the two ops, and runs bf16 on this CPU."""
    mkldnn = torch.ops.mkldnn
    ops = ("_reorder_linear_weight", "_linear_pointwise", "_is_mkldnn_bf16_supported")
    return (
        torch.backends.mkldnn.is_available()  # type: ignore[no-untyped-call]
        and all(hasattr(mkldnn, op) for op in ops)
        and bool(mkldnn._is_mkldnn_bf16_supported())
    )


class _Linear:
    """`F.linear`, with the weight laid out once for oneDNN where that is possible (bf16).

    Without it oneDNN reorders a bf16 weight on every call: on this model's shapes prepacking
    measured bit-identical results, 25% faster for one message and ~6% for a batch of 32.
    The two ops are the ones torch's own compiler uses for frozen CPU models.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, *, prepack: bool) -> None:
        self.bias = bias
        self.prepacked = prepack and weight.dtype == torch.bfloat16 and can_prepack()
        self.weight = (
            torch.ops.mkldnn._reorder_linear_weight(weight, PREPACK_BATCH_HINT)
            if self.prepacked
            else weight
        )

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if self.prepacked:
            out: torch.Tensor = torch.ops.mkldnn._linear_pointwise(
                x, self.weight, self.bias, "none", [], ""
            )
            return out
        return F.linear(x, self.weight, self.bias)


@dataclass(frozen=True)
class _Layer:
    qkv: _Linear  # query, key and value stacked: one matmul instead of three
    out: _Linear
    norm1: tuple[torch.Tensor, torch.Tensor]
    up: _Linear
    down: _Linear
    norm2: tuple[torch.Tensor, torch.Tensor]


class PackedBert:
    """Mean-pooled, L2-normalised sentence vectors from a Hugging Face `BertModel`."""

    def __init__(self, bert: Any, *, dtype: torch.dtype, prepack: bool = True) -> None:
        config = bert.config
        if getattr(config, "position_embedding_type", "absolute") != "absolute":
            raise ValueError("only absolute position embeddings are supported")
        if config.hidden_act != "gelu":
            raise ValueError(f"unsupported activation {config.hidden_act!r}")
        self.heads = int(config.num_attention_heads)
        self.hidden = int(config.hidden_size)
        self.eps = float(config.layer_norm_eps)
        self.dtype = dtype

        def cast(t: torch.Tensor) -> torch.Tensor:
            return t.detach().to(dtype).contiguous()

        e = bert.embeddings
        self.word = cast(e.word_embeddings.weight)
        self.position = cast(e.position_embeddings.weight)
        self.token_type = cast(e.token_type_embeddings.weight[0])
        self.embed_norm = (cast(e.LayerNorm.weight), cast(e.LayerNorm.bias))
        self.layers = []
        for layer in bert.encoder.layer:
            attention = layer.attention.self
            self.layers.append(
                _Layer(
                    qkv=_Linear(
                        cast(
                            torch.cat(
                                [
                                    attention.query.weight,
                                    attention.key.weight,
                                    attention.value.weight,
                                ]
                            )
                        ),
                        cast(
                            torch.cat(
                                [attention.query.bias, attention.key.bias, attention.value.bias]
                            )
                        ),
                        prepack=prepack,
                    ),
                    out=_Linear(
                        cast(layer.attention.output.dense.weight),
                        cast(layer.attention.output.dense.bias),
                        prepack=prepack,
                    ),
                    norm1=(
                        cast(layer.attention.output.LayerNorm.weight),
                        cast(layer.attention.output.LayerNorm.bias),
                    ),
                    up=_Linear(
                        cast(layer.intermediate.dense.weight),
                        cast(layer.intermediate.dense.bias),
                        prepack=prepack,
                    ),
                    down=_Linear(
                        cast(layer.output.dense.weight),
                        cast(layer.output.dense.bias),
                        prepack=prepack,
                    ),
                    norm2=(cast(layer.output.LayerNorm.weight), cast(layer.output.LayerNorm.bias)),
                )
            )

    def _norm(self, x: torch.Tensor, affine: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        return F.layer_norm(x, (self.hidden,), affine[0], affine[1], self.eps)

    @torch.inference_mode()
    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> Vectors:
        """One vector per row of a padded tokenizer output (its padding is dropped here)."""
        batch = int(input_ids.shape[0])
        if batch == 0:
            return np.zeros((0, self.hidden), dtype=np.float32)
        # Shortest first, so each attention group pads to a length close to its members'.
        lengths, order = attention_mask.bool().sum(dim=1).sort(stable=True)
        valid = attention_mask.bool()[order]
        ids = input_ids[order][valid]  # real tokens, message after message
        positions = torch.cat([torch.arange(int(n)) for n in lengths])
        groups = [
            _Group.of(lengths, start, min(start + ATTENTION_GROUP, batch))
            for start in range(0, batch, ATTENTION_GROUP)
        ]

        h = self._norm(self.word[ids] + self.position[positions] + self.token_type, self.embed_norm)
        for layer in self.layers:
            qkv = layer.qkv(h)  # [tokens, 3 * hidden]
            parts = [self._attend(qkv, group) for group in groups]
            context = parts[0] if len(parts) == 1 else torch.cat(parts)
            h = self._norm(layer.out(context) + h, layer.norm1)
            h = self._norm(layer.down(F.gelu(layer.up(h))) + h, layer.norm2)

        # Mean over each message's tokens (special tokens included, as sentence-transformers
        # pools), in fp32, then unit length; then back to the caller's order.
        owner = torch.repeat_interleave(torch.arange(batch), lengths)
        sums = torch.zeros(batch, self.hidden, dtype=torch.float32)
        sums.index_add_(0, owner, h.float())
        means = sums / lengths.unsqueeze(1).to(torch.float32)
        vectors = torch.empty_like(means)
        vectors[order] = F.normalize(means, p=2.0, dim=1)
        return vectors.numpy().astype(np.float32, copy=False)

    def _attend(self, qkv: torch.Tensor, group: _Group) -> torch.Tensor:
        """Self-attention within each message of a group: padded and masked, in fp32.

        fp32 here because torch's CPU attention ran ~30% faster in fp32 than in bf16 on these
        shapes; the matmuls around it stay in the model's precision.
        """
        size, longest, head_dim = group.size, group.longest, self.hidden // self.heads
        if group.dense:  # members all of one length (one message, say): nothing to pad
            padded = qkv[group.rows].float()
        else:
            padded = torch.zeros(size * longest, 3 * self.hidden, dtype=torch.float32)
            padded[group.slots] = qkv[group.rows].float()
        q, k, v = padded.view(size, longest, 3, self.heads, head_dim).permute(2, 0, 3, 1, 4)
        context = F.scaled_dot_product_attention(
            q, k, v, attn_mask=None if group.dense else group.mask
        )
        out = context.transpose(1, 2).reshape(size * longest, self.hidden)
        return (out if group.dense else out[group.slots]).to(self.dtype)


@dataclass(frozen=True)
class _Group:
    """Consecutive messages attended together: their packed rows and their padded layout."""

    rows: slice  # their tokens in the packed matrix
    slots: torch.Tensor  # packed row -> slot in the group's [size * longest] layout
    mask: torch.Tensor  # [size, 1, 1, longest]: each query sees its own message's real keys
    size: int
    longest: int

    @property
    def dense(self) -> bool:
        return bool(self.size * self.longest == self.rows.stop - self.rows.start)

    @classmethod
    def of(cls, lengths: torch.Tensor, start: int, stop: int) -> _Group:
        members = lengths[start:stop]
        longest = int(members.max())
        valid = torch.arange(longest).unsqueeze(0) < members.unsqueeze(1)
        first = int(lengths[:start].sum())
        return cls(
            rows=slice(first, first + int(members.sum())),
            slots=valid.reshape(-1).nonzero().squeeze(1),
            mask=valid[:, None, None, :],
            size=stop - start,
            longest=longest,
        )
