"""The int8 encoder on ONNX Runtime: the torch int8 encoder's arithmetic, a message's vector the
same alone or in any batch. (Closeness to fp32 and batch independence through the Embedder run
for every kernel in test_packed.py.)"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from orchestrator.classifiers import onnx_int8, packed
from orchestrator.classifiers.cpu import fast_int8
from orchestrator.classifiers.embedder import Embedder, default_model_path
from orchestrator.classifiers.model_files import BertWeights, Tokenizer
from orchestrator.classifiers.onnx_int8 import OnnxInt8Encoder, pass_inputs
from orchestrator.classifiers.packed import PackedBert, passes
from orchestrator.classifiers.training import load_examples

ROOT = Path(__file__).resolve().parents[2]
needs_vnni = pytest.mark.skipif(not fast_int8(), reason="ONNX Runtime's int8 needs VNNI or AMX")


@pytest.fixture(scope="module")
def weights() -> BertWeights:
    return BertWeights.read(default_model_path())


@pytest.fixture(scope="module")
def ids() -> list[list[int]]:
    """Token ids of 150 training messages, from 3 tokens to the 256-token limit."""
    texts = [e.text for e in load_examples(ROOT / "data" / "train")[::25]] + ["hi", "refund " * 400]
    tokens: list[list[int]] = Tokenizer(default_model_path())(texts)
    return tokens


def test_when_a_pass_is_laid_out_then_padding_points_at_the_empty_row_and_is_masked() -> None:
    inputs = pass_inputs([[101, 7, 102], [101, 102], [101, 8, 9, 102]])
    np.testing.assert_array_equal(inputs["ids"], [101, 7, 102, 101, 102, 101, 8, 9, 102])
    np.testing.assert_array_equal(inputs["positions"], [0, 1, 2, 0, 1, 0, 1, 2, 3])
    np.testing.assert_array_equal(inputs["shape"], [3, 4])  # messages, longest
    # Each message's tokens, then the row past the last token (all zeros) for its padding.
    np.testing.assert_array_equal(inputs["pad_index"], [0, 1, 2, 9, 3, 4, 9, 9, 5, 6, 7, 8])
    np.testing.assert_array_equal(inputs["unpad_index"], [0, 1, 2, 4, 5, 8, 9, 10, 11])
    mask = inputs["mask"].reshape(3, 4)
    assert (mask[0] == [0, 0, 0, -np.inf]).all() and (mask[1][2:] == -np.inf).all()
    assert (mask[2] == 0).all()


@needs_vnni
def test_when_split_into_passes_by_tokens_then_same_vectors(
    weights: BertWeights, ids: list[list[int]]
) -> None:
    one_pass = OnnxInt8Encoder(weights, max_tokens=1 << 20)
    small = OnnxInt8Encoder(weights, max_tokens=40)
    lengths = np.array([len(m) for m in ids[:48]])
    assert len(passes(torch.from_numpy(lengths), small.max_tokens)) > 10  # really split
    np.testing.assert_array_equal(small.encode(ids[:48]), one_pass.encode(ids[:48]))


@needs_vnni
def test_when_encoding_then_close_to_torchs_int8_and_unit_length(
    weights: BertWeights, ids: list[list[int]]
) -> None:
    """The same int8 arithmetic on other kernels: exact int32 sums, float steps in another order
    (a product may round to the neighbouring int8 step in the next layer)."""
    ours = OnnxInt8Encoder(weights).encode(ids)
    torchs = PackedBert(weights, precision="int8", kernel="int_mm").encode(ids)
    cosines = (ours * torchs).sum(axis=1)
    assert cosines.min() > 0.99, cosines.min()
    assert cosines.mean() > 0.999, cosines.mean()
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, rtol=1e-5)


@needs_vnni
def test_when_nothing_to_encode_then_no_vectors(weights: BertWeights) -> None:
    assert OnnxInt8Encoder(weights).encode([]).shape == (0, 384)


@needs_vnni
def test_when_int8_on_this_cpu_then_the_embedder_runs_onnxruntime() -> None:
    embedder = Embedder(precision="int8")
    assert embedder.int8_kernel == "onnxruntime"
    assert embedder.encode(["where is my order"]).shape == (1, 384)


@needs_vnni
def test_when_a_session_starts_then_it_runs_on_the_threads_asked(weights: BertWeights) -> None:
    encoder = OnnxInt8Encoder(weights, threads=2)
    assert encoder.threads == 2
    assert encoder.session.get_session_options().intra_op_num_threads == 2


@needs_vnni
def test_when_the_embedders_threads_change_then_its_onnxruntime_session_follows() -> None:
    suite_threads = torch.get_num_threads()  # process-wide: set back after
    embedder = Embedder(precision="int8", int8_kernel="onnxruntime")
    texts = ["where is my order", "my husband took two doses of the new tablets and feels dizzy"]
    before = embedder.encode(texts)
    wanted = 1 if embedder.threads != 1 else 2
    try:
        embedder.set_threads(wanted)
        assert embedder.threads == wanted  # the session's own count, not torch's
        # The same sums whatever the threads: int8 products are exact, the rest row by row.
        np.testing.assert_allclose(embedder.encode(texts), before, atol=1e-6)
    finally:
        torch.set_num_threads(suite_threads)


@pytest.mark.parametrize(
    "flags",
    [{"avx2", "avx512f", "avx512_vnni"}, {"avx2", "avx_vnni"}, {"amx_tile", "amx_int8"}],
)
def test_when_the_cpu_has_int8_dot_products_then_onnxruntime_may_run(flags: set[str]) -> None:
    onnx_int8.require_int8_dot_products(frozenset(flags))


@pytest.mark.parametrize("flags", [{"sse2", "avx", "avx2", "fma"}, {"fp", "asimd"}, set()])
def test_when_the_cpu_lacks_int8_dot_products_then_onnxruntime_is_refused(
    flags: set[str],
) -> None:
    with pytest.raises(onnx_int8.UnsuitableCpuError, match="ORCH_INT8_KERNEL"):
        onnx_int8.require_int8_dot_products(frozenset(flags))


@pytest.mark.parametrize("missing", ["onnxruntime", "onnx"])
def test_when_either_library_is_missing_then_int8_stays_on_torch(
    missing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert onnx_int8.available()  # both are the project's dependencies
    monkeypatch.setitem(sys.modules, missing, None)  # `import` of it now raises ImportError
    assert not onnx_int8.available()
    vnni = frozenset({"avx2", "avx512f", "avx512_vnni"})
    assert packed.int8_kernel(vnni) == packed.torch_int8_kernel(vnni)
