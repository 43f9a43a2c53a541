"""The BERT encoder run on packed tokens: no padding in the matrix work.

A batch of messages of different lengths, padded to the longest, spends most of its time
multiplying padding: on the service's messages (17 tokens on average, a few near 70) about a
third of the rows in sentence-transformers' chunks were padding. Every layer but attention works
token by token, so here the batch's real tokens are stacked into one `[tokens, 384]` matrix and
only the attention step runs message by message. Same weights and arithmetic as the `BertModel`
+ mean pooling + normalisation that sentence-transformers runs: within 1e-5 in fp32
(tests/classifiers/test_packed.py). Every step treats each message on its own, so a message's
vector does not depend on what else is in its batch.

Precisions: fp32; bf16 (where the CPU computes it natively); int8 linear layers, with everything
around them in fp32: `torch._int_mm` where the CPU has VNNI or AMX int8 (`_Int8Linear`), fbgemm's
kernels where it has AVX2 alone (`_FbgemmLinear`). Both scale each token on its own. Where the
CPU has VNNI or AMX and ONNX Runtime is installed, int8 runs there instead, with the same
arithmetic (onnx_int8.py): its small passes cost far less.

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
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
import torch
import torch.nn.functional as F  # noqa: N812 - torch's own convention

from orchestrator.classifiers.cpu import avx2_int8, cpu_flags, fast_bf16, fast_int8
from orchestrator.classifiers.model_files import BertWeights
from orchestrator.observability.logging import get_logger

if TYPE_CHECKING:
    from orchestrator.classifiers.embedder import Precision

# The int8 kernels: torch's (`int_mm`, `fbgemm`: this module) or ONNX Runtime's (onnx_int8.py).
Int8Kernel = Literal["onnxruntime", "int_mm", "fbgemm"]
TorchInt8Kernel = Literal["int_mm", "fbgemm"]

Vectors = npt.NDArray[np.float32]
log = get_logger(__name__)
# Tokens per pass through the layers in int8. Past the caches, int8's elementwise steps (scales,
# rounding) cost more per token: 32 messages of the dev set took 96 ms in one pass and 72-79 ms
# in passes of 96-192 tokens (one thread). fp32 and bf16 passes are not split (fp32 measured
# fastest unsplit).
INT8_PASS_TOKENS = 160
# fbgemm's kernels (AVX2): 32 messages of the bench's mix took 4.2-4.6 ms each in passes of 64
# tokens, 4.0-4.2 in 160, 3.6-4.2 in 320, 4.4-5.1 unsplit; fp32 5.3-5.7 (one thread, AMD EPYC
# Zen 3, five rounds).
FBGEMM_PASS_TOKENS = 320
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


# fbgemm's AVX2 kernels add products of u8 and s8 in pairs into 16 bits, which saturate past
# 32,767: 255 x 63 x 2 = 32,130 cannot. Weights on 7 bits, then (measured on the bench's messages,
# cosine to fp32 0.9729 at worst and 0.9963 on average, as with 8 bits), activations on 8.
FBGEMM_WEIGHT_LEVELS = 63
# Input channels per fbgemm layer kept in fp32. Cosine to fp32 over the test set's 150 messages,
# worst / mean, the channels found on 64 training messages: none 0.9794 / 0.9958, two 0.9941 /
# 0.9987, four 0.9952 / 0.9988, eight 0.9947 / 0.9989; four found on `CALIBRATION_TEXTS` (what
# runs): 0.9959 / 0.9988 (torch._int_mm's int8, with none: 0.9841 / 0.9971).
FBGEMM_OUTLIERS = 4


def int8_kernel(
    flags: frozenset[str] | None = None, *, onnxruntime: bool | None = None
) -> Int8Kernel:
    """Where the CPU has VNNI or AMX: ONNX Runtime's kernels (`onnxruntime`: whether it is
    installed; default: look), else `torch._int_mm`; fbgemm on AVX2 alone; `torch._int_mm` where
    there is nothing better. `flags`: the CPU's (default: read from it)."""
    present = cpu_flags() if flags is None else flags
    if fast_int8(present):
        if onnxruntime is None:
            from orchestrator.classifiers import onnx_int8

            onnxruntime = onnx_int8.available()
        if onnxruntime:
            return "onnxruntime"
    return torch_int8_kernel(present)


def torch_int8_kernel(flags: frozenset[str] | None = None) -> TorchInt8Kernel:
    """torch's kernel for this CPU: `torch._int_mm` where it has VNNI or AMX (or nothing
    better), fbgemm on AVX2 alone."""
    present = cpu_flags() if flags is None else flags
    return "fbgemm" if not fast_int8(present) and avx2_int8(present) else "int_mm"


class _FbgemmLinear:
    """A linear layer in int8 on fbgemm (`fbgemm_int8_linear`), for CPUs with AVX2 but no VNNI,
    where `torch._int_mm` has no fast kernel (~20x slower than fp32 there).

    fbgemm's dynamic quantisation takes one step for all the rows it is given, from their range.
    Each token is scaled here to [-1, 1] on its own first, and a pinning row holding exactly -1
    and 1 goes along, so the range, and with it the step, is the same for every call: a message
    gets the same vector alone or in a batch, bit for bit (tested), as with `_Int8Linear`. Weights
    per output channel; the bias is added back in fp32 after the token's scale.

    `outliers`: input channels that run in fp32 beside the int8 product (`outlier_channels`). A
    few of this model's channels are 5-15x louder than the rest (one reaches 28 where the median
    is 1.8): scaled with them, every other channel of the token loses most of its steps.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, outliers: torch.Tensor) -> None:
        weight = weight.detach().float()
        self.outliers = outliers.to(torch.long)
        self.outlier_weight = weight[:, self.outliers].t().contiguous()  # [outliers, out]
        weight = weight.index_fill(1, self.outliers, 0.0)
        scale = weight.abs().amax(dim=1).clamp_min(1e-12) / FBGEMM_WEIGHT_LEVELS
        zero = torch.zeros(weight.shape[0], dtype=torch.long)
        with warnings.catch_warnings():  # quantised tensors are marked deprecated; torch is pinned
            warnings.filterwarnings("ignore", "torch.quantize_per_tensor", UserWarning)
            quantized = torch.quantize_per_channel(weight, scale.double(), zero, 0, torch.qint8)
        self.weight = torch.ops.quantized.linear_prepack(quantized, None)
        self.bias = bias.detach().float().contiguous()


def fbgemm_int8_linear(
    x: torch.Tensor,
    packed: torch.classes.quantized.LinearPackedParamsBase,  # type: ignore[name-defined]
    bias: torch.Tensor,
    outliers: torch.Tensor,
    outlier_weight: torch.Tensor,
) -> torch.Tensor:
    """`x @ weight + bias`: fbgemm's int8 kernels for all but the `outliers` input channels,
    each row of `x` scaled on its own, and fp32 for those."""
    rest = x.index_fill(1, outliers, 0.0)
    step = rest.abs().amax(dim=1, keepdim=True).clamp_min(1e-12)
    pin = x.new_zeros(1, x.shape[1])
    pin[0, 0], pin[0, 1] = 1.0, -1.0
    out = torch.ops.quantized.linear_dynamic(torch.cat([rest / step, pin]), packed, False)
    y = torch.addcmul(bias, out[:-1], step)
    # Channel by channel, elementwise: a matrix product's order of sums may change with the
    # number of rows, and the next layer's rounding to int8 would turn that into whole steps.
    loud = x.index_select(1, outliers)
    for k in range(loud.shape[1]):
        y.addcmul_(loud[:, k : k + 1], outlier_weight[k])
    return y


def outlier_channels(loudest: torch.Tensor, count: int) -> torch.Tensor:
    """The `count` input channels with the largest magnitudes seen (`loudest`), in order."""
    return torch.topk(loudest, min(count, len(loudest))).indices.sort().values


Linear = _Linear | _Int8Linear | _FbgemmLinear


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


def _dense(weights: BertWeights, i: int, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    return weights.layer(i, f"{name}.weight"), weights.layer(i, f"{name}.bias")


def _stacked_qkv(weights: BertWeights, i: int) -> tuple[torch.Tensor, torch.Tensor]:
    heads = [_dense(weights, i, f"attention.self.{h}") for h in ("query", "key", "value")]
    return torch.cat([w for w, _ in heads]), torch.cat([b for _, b in heads])


def _on_fbgemm(
    weights: BertWeights, layers: list[_Layer], calibration: Sequence[Sequence[int]]
) -> list[_Layer]:
    """`layers` (fp32) on fbgemm, each keeping in fp32 the input channels that were loudest over
    the `calibration` messages, run through the fp32 layers one by one."""
    recorder = _Loudness(weights, layers)
    with torch.inference_mode():
        for ids in calibration:
            recorder(torch.tensor(list(ids)), [len(ids)])
    linears = iter(recorder.loudest)

    def int8(lin: Linear) -> _FbgemmLinear:
        loudest = next(linears)
        count = FBGEMM_OUTLIERS if calibration else 0
        return _FbgemmLinear(lin.weight, lin.bias, outlier_channels(loudest, count))

    return [
        _Layer(int8(ly.qkv), int8(ly.out), ly.norm1, int8(ly.up), int8(ly.down), ly.norm2)
        for ly in layers
    ]


class PackedBert:
    """Mean-pooled, L2-normalised sentence vectors from a Hugging Face `BertModel`."""

    def __init__(
        self,
        weights: BertWeights,
        *,
        precision: Precision,
        prepack: bool = True,
        max_tokens: int | None = None,
        kernel: TorchInt8Kernel | None = None,
        calibration: Sequence[Sequence[int]] = (),
    ) -> None:
        """`precision`: fp32; bf16 weights and activations; or int8 linear layers with fp32
        around them, on `kernel` (default: this CPU's, `int8_kernel()`). `max_tokens` per pass:
        by default split only in int8. `calibration`: token ids of messages whose loudest
        channels stay in fp32 on fbgemm (none: no channel does)."""
        self.hidden = weights.config.hidden
        int8 = precision == "int8"
        self.kernel: TorchInt8Kernel | None = (kernel or torch_int8_kernel()) if int8 else None
        dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        split = FBGEMM_PASS_TOKENS if self.kernel == "fbgemm" else INT8_PASS_TOKENS
        self.max_tokens = max_tokens or (split if int8 else 1 << 30)
        prepack = prepack and dtype == torch.bfloat16 and can_prepack()

        def cast(t: torch.Tensor) -> torch.Tensor:
            return _cast(t, dtype)

        def linear(weight: torch.Tensor, bias: torch.Tensor) -> Linear:
            if int8 and self.kernel != "fbgemm":
                return _Int8Linear(weight, bias)
            return _Linear(cast(weight), cast(bias), prepack=prepack)

        def norm(i: int, name: str) -> tuple[torch.Tensor, torch.Tensor]:
            return cast(weights.layer(i, f"{name}.weight")), cast(weights.layer(i, f"{name}.bias"))

        self.layers = [
            _Layer(
                qkv=linear(*_stacked_qkv(weights, i)),
                out=linear(*_dense(weights, i, "attention.output.dense")),
                norm1=norm(i, "attention.output.LayerNorm"),
                up=linear(*_dense(weights, i, "intermediate.dense")),
                down=linear(*_dense(weights, i, "output.dense")),
                norm2=norm(i, "output.LayerNorm"),
            )
            for i in range(weights.config.layers)
        ]
        if self.kernel == "fbgemm":  # from the fp32 layers: the loud channels, then int8
            self.layers = _on_fbgemm(weights, self.layers, calibration)
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
        self.fbgemm = isinstance(first, _FbgemmLinear)
        self.prepacked = isinstance(first, _Linear) and first.prepacked
        self.word = _cast(weights["embeddings.word_embeddings.weight"], dtype)
        self.position = _cast(weights["embeddings.position_embeddings.weight"], dtype)
        self.token_type = _cast(weights["embeddings.token_type_embeddings.weight"][0], dtype)
        self.embed_norm = [
            _cast(weights[f"embeddings.LayerNorm.{name}"], dtype) for name in ("weight", "bias")
        ]
        # Four linear layers per BERT layer (qkv, out, up, down), and two norms of two tensors.
        linears = [lin for layer in layers for lin in (layer.qkv, layer.out, layer.up, layer.down)]
        none = torch.empty(0)
        self.weights = [lin.weight for lin in linears if not isinstance(lin, _FbgemmLinear)]
        self.packed = [lin.weight for lin in linears if isinstance(lin, _FbgemmLinear)]
        self.outliers = [
            lin.outliers if isinstance(lin, _FbgemmLinear) else none.long() for lin in linears
        ]
        self.outlier_weights = [
            lin.outlier_weight if isinstance(lin, _FbgemmLinear) else none for lin in linears
        ]
        self.biases = [lin.bias for lin in linears]
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
        if self.fbgemm:
            return fbgemm_int8_linear(
                x, self.packed[i], self.biases[i], self.outliers[i], self.outlier_weights[i]
            )
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


class _Loudness(Encoder):
    """The fp32 encoder, noting each linear layer's largest input magnitude per channel."""

    def __init__(self, weights: BertWeights, layers: list[_Layer]) -> None:
        super().__init__(weights, layers)
        self.loudest = [torch.zeros(int(w.shape[1])) for w in self.weights]

    def _linear(self, x: torch.Tensor, i: int) -> torch.Tensor:
        self.loudest[i] = torch.maximum(self.loudest[i], x.abs().amax(dim=0))
        return super()._linear(x, i)


# The types of the weight lists, one of which is empty (`packed`: fbgemm's prepacked weights; else
# `weights`), which TorchScript cannot infer from an empty list nor read from the string that
# `from __future__ import annotations` would make of a class annotation.
Encoder.__annotations__["weights"] = list[torch.Tensor]
Encoder.__annotations__["packed"] = list[torch.classes.quantized.LinearPackedParamsBase]  # type: ignore[name-defined]


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
