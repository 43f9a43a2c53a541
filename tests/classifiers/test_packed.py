"""The packed encoder gives sentence-transformers' vectors, without the padding work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from structlog.testing import capture_logs
from torch.profiler import ProfilerActivity, profile

from orchestrator.classifiers import packed
from orchestrator.classifiers.cpu import avx2_int8, fast_int8
from orchestrator.classifiers.embedder import Embedder, Precision, default_model_path
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.classifiers.model_files import BertWeights
from orchestrator.classifiers.packed import (
    Encoder,
    PackedBert,
    TorchInt8Kernel,
    _FbgemmLinear,
    _Int8Linear,
    can_prepack,
    fbgemm_int8_linear,
    int8_linear,
    passes,
)
from orchestrator.classifiers.training import load_examples

ROOT = Path(__file__).resolve().parents[2]

# Written for this test: lengths from one token to past the model's 256-token limit.
EDGES = [
    "hi",
    "?",
    "   padded with spaces   ",
    "ORDER #123-456 WHERE IS IT",
    "my refund " * 400,  # truncated at 256 tokens, as sentence-transformers truncates
    "i took two of my blood pressure pills by mistake this morning and feel dizzy",
]


def _texts() -> list[str]:
    examples = load_examples(ROOT / "data" / "train")
    return [e.text for e in examples[::25]] + EDGES


@pytest.fixture(scope="module")
def library() -> Any:
    """sentence-transformers itself on the same model folder: the reference."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(default_model_path()), device="cpu")


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _texts()


@pytest.fixture(scope="module")
def weights() -> BertWeights:
    return BertWeights.read(default_model_path())


def _ids(classifier: LocalClassifier, texts: list[str]) -> list[list[int]]:
    return classifier.embedder.tokenize(texts)


def test_when_tokenized_then_the_librarys_ids(
    local_classifier: LocalClassifier, library: Any, texts: list[str]
) -> None:
    extra = ["", "\u200b\u00a0", "Café NAÏVE 😀 ﬁle", "中文 テスト", "a\tb\nc", "x" * 3000]
    for text in [*texts, *extra]:
        features = library.preprocess([text])
        assert _ids(local_classifier, [text]) == [features["input_ids"][0].tolist()], text


def test_when_fp32_then_equal_to_sentence_transformers(
    local_classifier: LocalClassifier, library: Any, texts: list[str]
) -> None:
    embedder = local_classifier.embedder
    assert embedder.precision == "fp32"
    got = embedder.encode(texts, batch_size=32)
    # The library's own padded forward pass, pooling and normalisation.
    reference = library.encode(texts, batch_size=8, normalize_embeddings=True)
    np.testing.assert_allclose(got, np.asarray(reference, dtype=np.float32), rtol=0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_when_batched_differently_then_same_vectors(
    local_classifier: LocalClassifier, texts: list[str]
) -> None:
    embedder = local_classifier.embedder
    whole = embedder.encode(texts, batch_size=len(texts))
    alone = np.concatenate([embedder.encode([t]) for t in texts[:40]])
    np.testing.assert_allclose(whole[:40], alone, rtol=0, atol=1e-5)


def test_when_empty_then_no_vectors(local_classifier: LocalClassifier) -> None:
    assert local_classifier.embedder.encode([]).shape == (0, Embedder.dimension)


@pytest.mark.skipif(
    not torch.backends.mkldnn.is_available(), reason="bf16 needs oneDNN in this torch build"
)
def test_when_bf16_then_close_to_fp32(local_classifier: LocalClassifier, texts: list[str]) -> None:
    fp32 = local_classifier.embedder.encode(texts)
    bf16 = Embedder(precision="bf16").encode(texts)
    cosines = (fp32 * bf16).sum(axis=1)
    assert cosines.min() > 0.995, cosines.min()


@pytest.mark.skipif(not can_prepack(), reason="oneDNN bf16 prepacking unavailable on this CPU")
def test_when_weights_prepacked_then_bit_identical(
    local_classifier: LocalClassifier, texts: list[str], weights: BertWeights
) -> None:
    ids = _ids(local_classifier, texts[:64])
    prepacked = PackedBert(weights, precision="bf16", prepack=True)
    plain = PackedBert(weights, precision="bf16", prepack=False)
    assert prepacked.layers[0].up.prepacked and not plain.layers[0].up.prepacked
    np.testing.assert_array_equal(prepacked.encode(ids), plain.encode(ids))


TORCH_KERNELS = [
    "int_mm",
    pytest.param(
        "fbgemm", marks=pytest.mark.skipif(not avx2_int8(), reason="fbgemm needs AVX2 here")
    ),
]
KERNELS = [
    pytest.param(
        "onnxruntime",
        marks=pytest.mark.skipif(not fast_int8(), reason="ONNX Runtime's int8 needs VNNI or AMX"),
    ),
    *TORCH_KERNELS,
]


@pytest.fixture(scope="module", params=KERNELS)
def int8_embedder(request: pytest.FixtureRequest) -> Embedder:
    return Embedder(precision="int8", int8_kernel=request.param)


def test_when_int8_then_close_to_fp32(
    local_classifier: LocalClassifier, int8_embedder: Embedder, texts: list[str]
) -> None:
    cosines = (local_classifier.embedder.encode(texts) * int8_embedder.encode(texts)).sum(axis=1)
    assert cosines.min() > 0.98, cosines.min()
    assert cosines.mean() > 0.99, cosines.mean()


def test_when_int8_and_batched_differently_then_same_vectors(
    int8_embedder: Embedder, texts: list[str]
) -> None:
    # Each token is scaled on its own and each message attended on its own: no float noise from
    # the neighbours either, so not even a rounding to int8 can come out differently.
    whole = int8_embedder.encode(texts, batch_size=len(texts))
    alone = np.concatenate([int8_embedder.encode([t]) for t in texts[:40]])
    np.testing.assert_array_equal(whole[:40], alone)


@pytest.mark.parametrize(
    ("flags", "onnxruntime", "kernel"),
    [
        ({"avx2", "avx512f", "avx512_vnni"}, True, "onnxruntime"),  # its weights laid out once
        ({"avx2", "amx_tile", "amx_int8"}, True, "onnxruntime"),
        ({"avx2", "avx512f", "avx512_vnni"}, False, "int_mm"),  # oneDNN's VNNI kernel
        ({"avx2", "amx_tile", "amx_int8"}, False, "int_mm"),
        ({"sse2", "avx", "avx2", "fma"}, True, "fbgemm"),  # no VNNI: fbgemm's AVX2 kernels
        ({"sse2", "avx"}, True, "int_mm"),  # neither: the only kernel there is
        ({"fp", "asimd"}, True, "int_mm"),
    ],
)
@pytest.mark.skipif(
    not torch.backends.mkldnn.is_available()
    or "fbgemm" not in torch.backends.quantized.supported_engines,
    reason="this torch lacks oneDNN or fbgemm (an x86 build has both)",
)
def test_when_the_cpu_has_vnni_then_onnxruntime_or_int_mm_else_fbgemm_on_avx2(
    flags: set[str], onnxruntime: bool, kernel: str
) -> None:
    assert packed.int8_kernel(frozenset(flags), onnxruntime=onnxruntime) == kernel
    torch_kernel = "fbgemm" if kernel == "fbgemm" else "int_mm"
    assert packed.torch_int8_kernel(frozenset(flags)) == torch_kernel


def test_when_embedding_in_int8_then_the_kernel_is_this_cpus() -> None:
    assert Embedder(precision="int8").int8_kernel == packed.int8_kernel()


@pytest.mark.parametrize(
    ("precision", "kernel"), [("fp32", None), *[("int8", k) for k in TORCH_KERNELS]]
)
def test_when_split_into_passes_by_tokens_then_same_vectors(
    local_classifier: LocalClassifier,
    texts: list[str],
    precision: Precision,
    kernel: TorchInt8Kernel | None,
    weights: BertWeights,
) -> None:
    ids = _ids(local_classifier, texts[:48])
    one_pass = PackedBert(weights, precision=precision, max_tokens=1 << 20, kernel=kernel)
    small = PackedBert(weights, precision=precision, max_tokens=40, kernel=kernel)
    lengths = torch.tensor([len(message) for message in ids])
    assert len(passes(lengths, small.max_tokens)) > 10  # really split
    np.testing.assert_array_equal(small.encode(ids), one_pass.encode(ids))


def test_when_attending_then_torchs_fused_cpu_kernel_runs(
    local_classifier: LocalClassifier, texts: list[str], weights: BertWeights
) -> None:
    # Without a batch dimension torch falls back to its unfused "math" attention, twice the time.
    ids = _ids(local_classifier, texts[:3])
    with profile(activities=[ProfilerActivity.CPU]) as run:
        PackedBert(weights, precision="fp32").encode(ids)
    names = {event.name for event in run.events()}
    assert "aten::_scaled_dot_product_flash_attention_for_cpu" in names
    assert "aten::_scaled_dot_product_attention_math" not in names


def test_when_a_message_is_longer_than_a_pass_then_it_goes_alone() -> None:
    lengths = torch.tensor([3, 4, 4, 12, 30])
    # (first message, end message, first token, end token) per pass
    assert passes(lengths, 10) == [
        (0, 2, 0, 7),
        (2, 3, 7, 11),
        (3, 4, 11, 23),
        (4, 5, 23, 53),
    ]


def _layer_inputs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A layer's weight and bias, and 12 tokens of which one is 100x louder than the rest."""
    generator = torch.Generator().manual_seed(6)
    weight = torch.randn(96, 64, generator=generator) * 0.05
    bias = torch.randn(96, generator=generator)
    x = torch.randn(12, 64, generator=generator)
    x[3] *= 100  # one loud token must not coarsen its neighbours' steps
    return weight, bias, x


def test_when_int8_linear_then_within_quantisation_error_of_fp32() -> None:
    weight, bias, x = _layer_inputs()
    layer = _Int8Linear(weight, bias)

    def run(rows: torch.Tensor) -> torch.Tensor:
        return int8_linear(rows, layer.weight, layer.scale, layer.bias)

    got, exact = run(x), torch.nn.functional.linear(x, weight, bias)
    scale = exact.abs().amax(dim=1, keepdim=True)
    assert ((got - exact).abs() / scale).max() < 0.02
    alone = torch.cat([run(x[i : i + 1]) for i in range(len(x))])
    torch.testing.assert_close(got, alone, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    ("precision", "kernel"), [("fp32", None), *[("int8", k) for k in TORCH_KERNELS]]
)
def test_when_scripted_then_bit_identical_to_the_same_code_run_from_python(
    local_classifier: LocalClassifier,
    texts: list[str],
    precision: Precision,
    kernel: TorchInt8Kernel | None,
    weights: BertWeights,
) -> None:
    ids = _ids(local_classifier, texts[:48])
    scripted = PackedBert(weights, precision=precision, kernel=kernel)
    assert isinstance(scripted.encoder, torch.jit.ScriptModule)  # this torch scripts it
    from_python = PackedBert(weights, precision=precision, kernel=kernel)
    from_python.encoder = Encoder(weights, from_python.layers)
    np.testing.assert_array_equal(scripted.encode(ids), from_python.encode(ids))


@pytest.mark.skipif(not avx2_int8(), reason="fbgemm needs AVX2 here")
def test_when_fbgemm_int8_linear_then_within_quantisation_error_and_row_by_row() -> None:
    weight, bias, x = _layer_inputs()
    x[:, 5] *= 30  # a loud channel, kept in fp32
    plain = _FbgemmLinear(weight, bias, torch.empty(0, dtype=torch.long))
    layer = _FbgemmLinear(weight, bias, torch.tensor([5]))

    def run(rows: torch.Tensor, on: _FbgemmLinear = layer) -> torch.Tensor:
        return fbgemm_int8_linear(rows, on.weight, on.bias, on.outliers, on.outlier_weight)

    got, exact = run(x), torch.nn.functional.linear(x, weight, bias)
    scale = exact.abs().amax(dim=1, keepdim=True)
    error = ((got - exact).abs() / scale).max()
    assert error < 0.02
    assert error < ((run(x, plain) - exact).abs() / scale).max()  # the loud channel's due
    alone = torch.cat([run(x[i : i + 1]) for i in range(len(x))])
    torch.testing.assert_close(got, alone, rtol=0, atol=0)


@pytest.mark.skipif(not avx2_int8(), reason="fbgemm needs AVX2 here")
def test_when_every_product_is_at_its_largest_then_fbgemm_does_not_saturate() -> None:
    # Weights of one sign at full scale against tokens at the top of their range: each pair of
    # u8 x s8 products is as large as it gets. With 8-bit weights the 16-bit pair sums of AVX2
    # would clip; with 7 they cannot, and the result is the exact one.
    weight = torch.ones(8, 64)
    weight[1] *= -1
    x = torch.ones(4, 64)
    x[2] *= -1
    layer = _FbgemmLinear(weight, torch.zeros(8), torch.empty(0, dtype=torch.long))
    got = fbgemm_int8_linear(x, layer.weight, layer.bias, layer.outliers, layer.outlier_weight)
    torch.testing.assert_close(got, x @ weight.t(), rtol=0.01, atol=0.1)


class _Unscriptable(Encoder):
    def forward(self, ids: torch.Tensor, sizes: list[int]) -> torch.Tensor:
        return super().forward(ids, *[sizes])  # starred arguments: not TorchScript


def test_when_the_encoder_cannot_be_scripted_then_it_runs_from_python(
    local_classifier: LocalClassifier, texts: list[str], weights: BertWeights
) -> None:
    ids = _ids(local_classifier, texts[:8])
    model = PackedBert(weights, precision="fp32")
    fallback = PackedBert(weights, precision="fp32")
    with capture_logs() as logs:
        fallback.encoder = packed.scripted(_Unscriptable(weights, fallback.layers))
    assert isinstance(fallback.encoder, _Unscriptable)
    assert [entry["event"] for entry in logs] == ["encoder_not_scripted"]
    np.testing.assert_array_equal(fallback.encode(ids), model.encode(ids))
