"""The int8 encoder as one ONNX graph, run by ONNX Runtime: where the CPU has VNNI or AMX.

Same arithmetic as `_Int8Linear` in packed.py (weights int8 per output channel, each token's
activations scaled to int8 on their own row, exact int32 sums, everything else in fp32), on
ONNX Runtime's kernels instead of torch's. Why: a pass over a few tokens, which is what batches
look like below saturation, costs torch ~1.5 ms before it does any useful work: oneDNN's GEMM
behind `torch._int_mm` lays the weight matrix out anew on every call (24 calls a pass, 10.6 MB of
weights), and each of the ~350 operations of a pass costs a few microseconds to dispatch. ONNX
Runtime lays the constant weights out once, when the session starts (`MatMulInteger` with a
constant B), and runs a whole pass from C++. Measured on an AMD EPYC with AVX512-VNNI (one
thread, 24 products of a pass): 0.3 against 0.8-1.0 ms for 3 tokens, 0.9-1.1 against 1.7-1.8
for 14, the same at 160; the whole encoder on one message 2.0-2.5 ms against 3.4-3.7
(README, Throughput).

Messages are packed token after token, as in packed.py: the linear layers, norms and GELU run on
the pass's real tokens. Attention runs on a padded `[messages, heads, longest, 32]` layout with
the padding masked out (the padded keys' weights are exactly zero); the messages of a batch come
sorted by length (`Embedder.encode`), so there is little padding. Every step treats each
message's rows on their own, so a message gets the same vector alone or in any batch, bit for
bit (tests/classifiers/test_packed.py).

The graph is built here from the model's weights (onnx's helper API) rather than exported from
torch: torch's exporter would need the encoder written for tracing, and the per-token int8 steps
are plain ONNX operators.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import torch

from orchestrator.classifiers.cpu import int8_dot_products
from orchestrator.classifiers.packed import INT8_PASS_TOKENS, Vectors, _Int8Linear, passes

if TYPE_CHECKING:
    import onnx

    from orchestrator.classifiers.model_files import BertWeights

OPSET = 20  # LayerNormalization (17), Gelu (20)
LEVELS = 127.0  # int8 steps either side of zero, as `_Int8Linear`
ZERO_POINT = 128  # activations go to MatMulInteger as uint8 around 128: its fast u8 x s8 path


class UnsuitableCpuError(ValueError):
    """ONNX Runtime's int8 kernels were asked for on a CPU without int8 dot products."""


def require_int8_dot_products(flags: frozenset[str] | None = None) -> None:
    """Refuse a CPU without VNNI or AMX (`flags`: its flags; default: read from it). There ONNX
    Runtime's u8 x s8 kernels add products in 16-bit pairs, which 8-bit weights can saturate
    (its own docs suggest 7-bit weights, `reduce_range`, on such CPUs); fbgemm's path in
    packed.py is the int8 kernel for them."""
    if not int8_dot_products(flags):
        raise UnsuitableCpuError(
            "ORCH_INT8_KERNEL=onnxruntime needs int8 dot products (AVX512-VNNI, AVX-VNNI or "
            "AMX-INT8), which this CPU lacks: use auto, int_mm or fbgemm"
        )


def available() -> bool:
    """ONNX Runtime and onnx are installed."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


class _Graph:
    """Builds the encoder's ONNX graph node by node."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self._count = 0

    def const(self, name: str, value: npt.ArrayLike) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, kind: str, inputs: Sequence[str], **attributes: Any) -> str:
        from onnx import helper

        self._count += 1
        output = f"{kind.lower()}_{self._count}"
        self.nodes.append(helper.make_node(kind, list(inputs), [output], **attributes))
        return output


def _f32(t: torch.Tensor) -> npt.NDArray[np.float32]:
    return np.ascontiguousarray(t.detach().float().numpy())


def _int8_linear(g: _Graph, x: str, weight: torch.Tensor, bias: torch.Tensor, name: str) -> str:
    """`x @ weight.T + bias` with `weight` in int8 per output channel and each row of `x` scaled
    to int8 on its own (`_Int8Linear`'s arithmetic)."""
    from onnx import TensorProto

    layer = _Int8Linear(weight, bias)  # the torch kernel's own weights, scales and bias
    w = g.const(f"{name}.weight", np.ascontiguousarray(layer.weight.numpy()))  # [in, out]
    s = g.const(f"{name}.scale", _f32(layer.scale))
    b = g.const(f"{name}.bias", _f32(layer.bias))
    peak = g.op("ReduceMax", [g.op("Abs", [x]), "axis_1"], keepdims=1)
    step = g.op("Div", [g.op("Max", [peak, "tiny"]), "levels"])  # [tokens, 1]
    zero_points = g.op("Expand", ["zero_point", g.op("Shape", [step], start=0, end=1)])
    tokens = g.op("QuantizeLinear", [x, g.op("Reshape", [step, "flat"]), zero_points], axis=0)
    sums = g.op("Cast", [g.op("MatMulInteger", [tokens, w, "zero_point"])], to=TensorProto.FLOAT)
    return g.op("Add", [g.op("Mul", [g.op("Mul", [sums, step]), s]), b])


def build_model(weights: BertWeights) -> onnx.ModelProto:
    """The encoder for a packed pass: inputs `ids`, `positions` (each `[tokens]`), the padded
    attention layout (`pad_index`, `unpad_index`, `mask`, `shape` = [messages, longest]);
    output `hidden`, `[tokens, hidden]`, before pooling."""
    from onnx import TensorProto, helper

    config = weights.config
    hidden, heads = config.hidden, config.heads
    head_dim = hidden // heads
    g = _Graph()
    g.const("axis_1", np.array([1], dtype=np.int64))
    g.const("flat", np.array([-1], dtype=np.int64))
    g.const("tiny", np.array(1e-12, dtype=np.float32))
    g.const("levels", np.array(LEVELS, dtype=np.float32))
    g.const("zero_point", np.array(ZERO_POINT, dtype=np.uint8))
    g.const("no_row", np.zeros((1, 3 * hidden), dtype=np.float32))  # what padding gathers
    g.const("rows", np.array([-1, hidden], dtype=np.int64))
    g.const("attention_scale", np.array(1.0 / np.sqrt(head_dim), dtype=np.float32))
    layout = g.op("Concat", ["shape", g.const("per_token", [3, heads, head_dim])], axis=0)
    pick = [g.const(f"part_{i}", np.array(i, dtype=np.int64)) for i in range(3)]

    def norm(x: str, prefix: str) -> str:
        w = g.const(f"{prefix}.weight", _f32(weights[f"{prefix}.weight"]))
        b = g.const(f"{prefix}.bias", _f32(weights[f"{prefix}.bias"]))
        return g.op("LayerNormalization", [x, w, b], axis=-1, epsilon=config.eps)

    word = g.op(
        "Gather", [g.const("word", _f32(weights["embeddings.word_embeddings.weight"])), "ids"]
    )
    position = g.op(
        "Gather",
        [g.const("position", _f32(weights["embeddings.position_embeddings.weight"])), "positions"],
    )
    token_type = g.const("token_type", _f32(weights["embeddings.token_type_embeddings.weight"][0]))
    h = norm(g.op("Add", [g.op("Add", [word, position]), token_type]), "embeddings.LayerNorm")
    for i in range(config.layers):
        layer = f"encoder.layer.{i}"
        parts = [f"{layer}.attention.self.{p}" for p in ("query", "key", "value")]
        qkv = _int8_linear(
            g,
            h,
            torch.cat([weights[f"{p}.weight"] for p in parts]),
            torch.cat([weights[f"{p}.bias"] for p in parts]),
            f"{layer}.qkv",
        )
        # [messages * longest, 3 * hidden] -> [3, messages, heads, longest, head_dim]
        padded = g.op("Gather", [g.op("Concat", [qkv, "no_row"], axis=0), "pad_index"])
        split = g.op("Transpose", [g.op("Reshape", [padded, layout])], perm=[2, 0, 3, 1, 4])
        q, k, v = (g.op("Gather", [split, p], axis=0) for p in pick)
        scores = g.op("MatMul", [q, g.op("Transpose", [k], perm=[0, 1, 3, 2])])
        scores = g.op("Add", [g.op("Mul", [scores, "attention_scale"]), "mask"])
        context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        context = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]), "rows"])
        context = g.op("Gather", [context, "unpad_index"])  # back to the packed tokens
        out = _int8_linear(
            g,
            context,
            weights[f"{layer}.attention.output.dense.weight"],
            weights[f"{layer}.attention.output.dense.bias"],
            f"{layer}.out",
        )
        h = norm(g.op("Add", [out, h]), f"{layer}.attention.output.LayerNorm")
        up = _int8_linear(
            g,
            h,
            weights[f"{layer}.intermediate.dense.weight"],
            weights[f"{layer}.intermediate.dense.bias"],
            f"{layer}.up",
        )
        down = _int8_linear(
            g,
            g.op("Gelu", [up]),
            weights[f"{layer}.output.dense.weight"],
            weights[f"{layer}.output.dense.bias"],
            f"{layer}.down",
        )
        h = norm(g.op("Add", [down, h]), f"{layer}.output.LayerNorm")
    g.nodes.append(helper.make_node("Identity", [h], ["hidden"]))

    def tensor(name: str, kind: int, shape: list[str | int]) -> onnx.ValueInfoProto:
        return helper.make_tensor_value_info(name, kind, shape)

    graph = helper.make_graph(
        g.nodes,
        "all-MiniLM-L6-v2 int8, packed",
        [
            tensor("ids", TensorProto.INT64, ["tokens"]),
            tensor("positions", TensorProto.INT64, ["tokens"]),
            tensor("pad_index", TensorProto.INT64, ["padded"]),
            tensor("unpad_index", TensorProto.INT64, ["tokens"]),
            tensor("mask", TensorProto.FLOAT, ["messages", 1, 1, "longest"]),
            tensor("shape", TensorProto.INT64, [2]),
        ],
        [tensor("hidden", TensorProto.FLOAT, ["tokens", hidden])],
        g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 9  # what onnxruntime 1.20 and later read
    return model


def pass_inputs(sequences: Sequence[Sequence[int]]) -> dict[str, npt.NDArray[Any]]:
    """One pass's inputs: the messages' tokens stacked, and where each sits in the padded
    layout attention runs on (padding points at an all-zero row and is masked out)."""
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    tokens, messages, longest = int(lengths.sum()), len(sequences), int(lengths.max())
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    slot = np.arange(longest)[None, :]
    real = slot < lengths[:, None]
    positions = np.concatenate([np.arange(n) for n in lengths]).astype(np.int64)
    return {
        "ids": np.fromiter((t for s in sequences for t in s), dtype=np.int64, count=tokens),
        "positions": positions,
        "pad_index": np.where(real, starts[:, None] + slot, tokens).reshape(-1),
        "unpad_index": np.repeat(np.arange(messages) * longest, lengths) + positions,
        "mask": np.where(real, 0.0, -np.inf).astype(np.float32).reshape(messages, 1, 1, longest),
        "shape": np.array([messages, longest], dtype=np.int64),
    }


class OnnxInt8Encoder:
    """Mean-pooled, L2-normalised int8 sentence vectors from the model's weights, on ONNX Runtime.

    `threads`: ONNX Runtime's intra-op threads (the worker's share of the cores, as torch's).
    """

    def __init__(
        self, weights: BertWeights, *, threads: int = 1, max_tokens: int = INT8_PASS_TOKENS
    ) -> None:
        import onnxruntime

        require_int8_dot_products()
        self.hidden = weights.config.hidden
        self.max_tokens = max_tokens
        self.threads = max(1, threads)  # fixed for the session's life
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        # Its threads sleep between passes instead of spinning: they share the cores with the
        # event loops.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3  # its warnings are not the service's
        self.session = onnxruntime.InferenceSession(
            build_model(weights).SerializeToString(), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, sequences: Sequence[Sequence[int]]) -> Vectors:
        """One vector per message, from its token ids (the tokenizer's, unpadded)."""
        if not sequences:
            return np.zeros((0, self.hidden), dtype=np.float32)
        lengths = np.array([len(s) for s in sequences], dtype=np.int64)
        means = []
        # Split where the torch encoder splits.
        for start, stop, _, _ in passes(torch.from_numpy(lengths), self.max_tokens):
            (hidden,) = self.session.run(["hidden"], pass_inputs(sequences[start:stop]))
            firsts = np.concatenate([[0], np.cumsum(lengths[start:stop])[:-1]])
            sums = np.add.reduceat(hidden, firsts, axis=0)  # row after row, message by message
            means.append(sums / lengths[start:stop, None].astype(np.float32))
        pooled = np.concatenate(means)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        vectors: Vectors = (pooled / norms).astype(np.float32, copy=False)
        return vectors
