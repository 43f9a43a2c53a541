"""The BERT encoder run on packed tokens: no padding in the matrix work.

A batch of messages of different lengths, padded to the longest, spends most of its time
multiplying padding: on the service's messages (17 tokens on average, a few near 70) about a
third of the rows in sentence-transformers' chunks were padding. Every layer but attention works
token by token, so here the batch's real tokens are stacked into one `[tokens, 384]` matrix and
only the attention step runs message by message. Same weights and arithmetic as the `BertModel`
+ mean pooling + normalisation that sentence-transformers runs: within 1e-5 in fp32
(tests/classifiers/test_packed.py). Every step treats each message on its own, so a message's
vector does not depend on what else is in its batch.

Precisions: fp32; bf16 (where the CPU computes it natively); int8 linear layers (`_Int8Linear`,
where the CPU has VNNI or AMX int8), with everything around them in fp32.

A pass runs under TorchScript (`Encoder`, scripted at load): its ~60 operations per layer are
dispatched from torch's C++ interpreter instead of Python, with the GIL released for the whole
pass, bit for bit what the same code gives when run from Python.

Written here rather than taken from a library: `transformers` has no unpadded BERT on CPU
(its FlashAttention-2 varlen path is CUDA-only) and torch's nested tensors do not cover the
layer norms and bf16 matmuls on CPU.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F  # noqa: N812 - torch's own convention

from orchestrator.classifiers.cpu import fast_bf16
from orchestrator.classifiers.model_files import BertWeights
from orchestrator.observability.logging import get_logger

if TYPE_CHECKING:
    from orchestrator.classifiers.embedder import Precision

Vectors = npt.NDArray[np.float32]
log = get_logger(__name__)
# Tokens per pass through the layers in int8. Past the caches, int8's elementwise steps (scales,
# rounding) cost more per token: 32 messages of the dev set took 96 ms in one pass and 72-79 ms
# in passes of 96-192 tokens (one thread). fp32 and bf16 passes are not split (fp32 measured
# fastest unsplit).
INT8_PASS_TOKENS = 160
PREPACK_BATCH_HINT = 64  # tokens per call oneDNN lays the weights out for (any count works)


def _cast(t: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return t.detach().to(dtype).contiguous()


def can_prepack() -> bool:
    """oneDNN is in this torch, has the two ops, and this CPU computes bf16 natively.

    (oneDNN also accepts bf16 where it only emulates it, with AVX-512 alone; there the prepacked
    kernel is not bit-identical to the plain one, and bf16 is slower than fp32 anyway.)
    """
    mkldnn = torch.ops.mkldnn
    ops = ("_reorder_linear_weight", "_linear_pointwise", "_is_mkldnn_bf16_supported")
    return (
        fast_bf16()
        and all(hasattr(mkldnn, op) for op in ops)
        and bool(mkldnn._is_mkldnn_bf16_supported())
    )


class _Linear:
    """`F.linear`'s weight and bias, the weight laid out once for oneDNN where possible (bf16).

    Without it oneDNN reorders a bf16 weight on every call: on this model's shapes prepacking
    measured bit-identical results, 25% faster for one message and ~6% for a batch of 32.
    The two ops are the ones torch's own compiler uses for frozen CPU models.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, *, prepack: bool) -> None:
        self.bias = bias
        self.prepacked = prepack  # decided once per model: bf16 and `can_prepack()`
        self.weight = (
            torch.ops.mkldnn._reorder_linear_weight(weight, PREPACK_BATCH_HINT)
            if self.prepacked
            else weight
        )


def _prepacked_linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """`F.linear` on a weight `_Linear` prepacked."""
    no_scalars: list[int | float | complex | None] = []  # TorchScript's `Scalar?[]`
    out: torch.Tensor = torch.ops.mkldnn._linear_pointwise(x, weight, bias, "none", no_scalars, "")
    return out


class _Int8Linear:
    """A linear layer in int8 (`int8_linear`): weights per output channel, activations per token,
    exact int32 sums.

    Each token's row is scaled to [-127, 127] on its own (never by its batch neighbours), so a
    message gets the same vector alone or in a batch. On CPUs with VNNI the int8 product
    (`torch._int_mm`, oneDNN) moves a quarter of fp32's weight bytes and ran 3-5x faster than
    fp32 on this model's shapes; the arithmetic around it (scales, bias, the rest of the
    layer) stays in fp32.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        weight = weight.detach().float()
        scale = weight.abs().amax(dim=1).clamp_min(1e-12) / 127.0  # one per output channel
        quantized = (weight / scale.unsqueeze(1)).round().clamp(-127, 127).to(torch.int8)
        self.weight = quantized.t()  # [in, out], a view of the [out, in] rows
        self.scale = scale
        self.bias = bias.detach().float().contiguous()


def int8_linear(
    x: torch.Tensor, weight: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor
) -> torch.Tensor:
    """`x @ weight` in int8 (`weight` quantised per output channel, `scale` its steps), plus
    `bias`, in fp32. Each row of `x` gets its own step."""
    step = x.abs().amax(dim=1, keepdim=True).clamp_min(1e-12) / 127.0  # one per token
    tokens = torch.round(x / step).to(torch.int8)
    sums = torch._int_mm(tokens, weight).float()
    return torch.addcmul(bias, sums.mul_(step), scale)


Linear = _Linear | _Int8Linear


@dataclass(frozen=True)
class _Layer:
    qkv: Linear  # query, key and value stacked: one matmul instead of three
    out: Linear
    norm1: tuple[torch.Tensor, torch.Tensor]
    up: Linear
    down: Linear
    norm2: tuple[torch.Tensor, torch.Tensor]


def passes(lengths: torch.Tensor, max_tokens: int) -> list[tuple[int, int, int, int]]:
    """Runs of consecutive messages of at most `max_tokens` tokens (one message at least), as
    (first message, end message, first token, end token). Past the cache sizes, a bigger pass
    costs more per token, not less."""
    runs, start, first, tokens = [], 0, 0, 0
    for i, n in enumerate(lengths.tolist()):
        if tokens and tokens + n > max_tokens:
            runs.append((start, i, first, first + tokens))
            start, first, tokens = i, first + tokens, 0
        tokens += n
    runs.append((start, len(lengths), first, first + tokens))
    return runs


class PackedBert:
    """Mean-pooled, L2-normalised sentence vectors from a Hugging Face `BertModel`."""

    def __init__(
        self,
        weights: BertWeights,
        *,
        precision: Precision,
        prepack: bool = True,
        max_tokens: int | None = None,
    ) -> None:
        """`precision`: fp32; bf16 weights and activations; or int8 linear layers with fp32
        around them. `max_tokens` per pass: by default split only in int8."""
        self.hidden = weights.config.hidden
        int8 = precision == "int8"
        dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        self.max_tokens = max_tokens or (INT8_PASS_TOKENS if int8 else 1 << 30)
        prepack = prepack and dtype == torch.bfloat16 and can_prepack()

        def cast(t: torch.Tensor) -> torch.Tensor:
            return _cast(t, dtype)

        def linear(weight: torch.Tensor, bias: torch.Tensor) -> Linear:
            if int8:
                return _Int8Linear(weight, bias)
            return _Linear(cast(weight), cast(bias), prepack=prepack)

        def dense(i: int, name: str) -> Linear:
            return linear(weights.layer(i, f"{name}.weight"), weights.layer(i, f"{name}.bias"))

        def norm(i: int, name: str) -> tuple[torch.Tensor, torch.Tensor]:
            return cast(weights.layer(i, f"{name}.weight")), cast(weights.layer(i, f"{name}.bias"))

        self.layers = []
        for i in range(weights.config.layers):
            qkv = [f"attention.self.{h}" for h in ("query", "key", "value")]
            self.layers.append(
                _Layer(
                    qkv=linear(
                        torch.cat([weights.layer(i, f"{h}.weight") for h in qkv]),
                        torch.cat([weights.layer(i, f"{h}.bias") for h in qkv]),
                    ),
                    out=dense(i, "attention.output.dense"),
                    norm1=norm(i, "attention.output.LayerNorm"),
                    up=dense(i, "intermediate.dense"),
                    down=dense(i, "output.dense"),
                    norm2=norm(i, "output.LayerNorm"),
                )
            )
        self.encoder = scripted(Encoder(weights, self.layers))

    @torch.inference_mode()
    def encode(self, sequences: Sequence[Sequence[int]]) -> Vectors:
        """One vector per message, from its token ids (the tokenizer's, unpadded)."""
        if not sequences:
            return np.zeros((0, self.hidden), dtype=np.float32)
        lengths = torch.tensor([len(ids) for ids in sequences])
        ids = torch.tensor([token for message in sequences for token in message])
        means = torch.cat(
            [
                self.encoder(ids[first:last], lengths[start:stop].tolist())
                for start, stop, first, last in passes(lengths, self.max_tokens)
            ]
        )
        vectors = F.normalize(means, p=2.0, dim=1)  # unit length
        return vectors.numpy().astype(np.float32, copy=False)


class Encoder(torch.nn.Module):
    """Embeddings, the layers and mean pooling for messages stacked token after token.

    Written for TorchScript: scripted, a pass runs in torch's C++ interpreter instead of
    dispatching ~60 operations per layer from Python, and without the GIL, so the event loop
    of the same process is not held up by the pass, nor the pass by the event loop.
    """

    def __init__(self, weights: BertWeights, layers: list[_Layer]) -> None:
        """The embeddings of `weights`, in the precision of `layers` (PackedBert builds them)."""
        super().__init__()
        config = weights.config
        dtype = layers[0].norm1[0].dtype  # fp32 around int8 linear layers, else theirs
        first = layers[0].qkv
        self.heads = config.heads
        self.hidden = config.hidden
        self.eps = config.eps
        self.int8 = isinstance(first, _Int8Linear)
        self.prepacked = isinstance(first, _Linear) and first.prepacked
        self.word = _cast(weights["embeddings.word_embeddings.weight"], dtype)
        self.position = _cast(weights["embeddings.position_embeddings.weight"], dtype)
        self.token_type = _cast(weights["embeddings.token_type_embeddings.weight"][0], dtype)
        self.embed_norm = [
            _cast(weights[f"embeddings.LayerNorm.{name}"], dtype) for name in ("weight", "bias")
        ]
        # Four linear layers per BERT layer (qkv, out, up, down), and two norms of two tensors.
        linears = [lin for layer in layers for lin in (layer.qkv, layer.out, layer.up, layer.down)]
        self.weights = [lin.weight for lin in linears]
        self.biases = [lin.bias for lin in linears]
        none = torch.empty(0)
        self.scales = [lin.scale if isinstance(lin, _Int8Linear) else none for lin in linears]
        self.norms = [t for layer in layers for t in (*layer.norm1, *layer.norm2)]
        self.layers = len(layers)

    def forward(self, ids: torch.Tensor, sizes: list[int]) -> torch.Tensor:
        """Mean over each message's tokens (special tokens included, as sentence-transformers
        pools), in fp32: `[messages, hidden]` for messages of `sizes` tokens stacked in `ids`."""
        positions = torch.cat([torch.arange(n) for n in sizes])
        h = self.word[ids] + self.position[positions] + self.token_type
        h = F.layer_norm(h, [self.hidden], self.embed_norm[0], self.embed_norm[1], self.eps)
        for i in range(self.layers):
            qkv = self._linear(h, 4 * i)  # [tokens, 3 * hidden]
            parts = [self._attend(m, h.dtype) for m in torch.split(qkv, sizes)]
            context = parts[0] if len(parts) == 1 else torch.cat(parts)
            h = self._norm(self._linear(context, 4 * i + 1) + h, 2 * i)
            h = self._norm(
                self._linear(F.gelu(self._linear(h, 4 * i + 2)), 4 * i + 3) + h, 2 * i + 1
            )
        batch = len(sizes)
        lengths = torch.tensor(sizes)
        owner = torch.repeat_interleave(torch.arange(batch), lengths)
        sums = torch.zeros(batch, self.hidden, dtype=torch.float32)
        sums.index_add_(0, owner, h.float())
        return sums / lengths.unsqueeze(1).to(torch.float32)

    def _linear(self, x: torch.Tensor, i: int) -> torch.Tensor:
        if self.int8:
            return int8_linear(x, self.weights[i], self.scales[i], self.biases[i])
        if self.prepacked:
            return _prepacked_linear(x, self.weights[i], self.biases[i])
        return F.linear(x, self.weights[i], self.biases[i])

    def _norm(self, x: torch.Tensor, i: int) -> torch.Tensor:
        weight, bias = self.norms[2 * i], self.norms[2 * i + 1]
        return F.layer_norm(x, [self.hidden], weight, bias, self.eps)

    def _attend(self, qkv: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """Self-attention within one message's `[tokens, 3 * hidden]` rows, in fp32.

        One message at a time: no padding, no mask, and the same arithmetic for a message
        whatever else is in the batch (padded groups of 8 measured no faster). fp32 because
        torch's CPU attention ran ~30% faster in fp32 than in bf16 on these shapes; the matmuls
        around it stay in the model's precision.
        """
        tokens, head_dim = qkv.shape[0], self.hidden // self.heads
        # [1, heads, tokens, head_dim]: with a batch dimension torch takes its fused CPU kernel
        # (flash attention); without one, the unfused "math" path, twice the time.
        q, k, v = (
            qkv.float().view(1, tokens, 3, self.heads, head_dim).permute(2, 0, 3, 1, 4).unbind()
        )
        context = F.scaled_dot_product_attention(q, k, v)[0]  # [heads, tokens, head_dim]
        return context.transpose(0, 1).reshape(tokens, self.hidden).to(dtype)


def scripted(encoder: Encoder) -> Callable[[torch.Tensor, list[int]], torch.Tensor]:
    """The encoder under TorchScript where this torch can script it, else as written.

    torch 2.13 marks `torch.jit.script` deprecated (for `torch.compile`, whose generated code
    still dispatches from Python with the GIL, after a compile of tens of seconds per worker, or
    `torch.export`); torch is pinned here, and where scripting is gone the same code runs
    from Python, a little slower.
    """
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", "`torch.jit.script` is deprecated", DeprecationWarning
            )
            module: Callable[[torch.Tensor, list[int]], torch.Tensor] = torch.jit.script(encoder)
    except Exception as exc:  # a torch without TorchScript: the same code, run from Python
        log.warning("encoder_not_scripted", error=type(exc).__name__)
        return encoder
    return module
