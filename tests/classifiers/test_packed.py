"""The packed encoder gives sentence-transformers' vectors, without the padding work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from orchestrator.classifiers.embedder import Embedder
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.classifiers.packed import PackedBert, can_prepack
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


def _reference(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """sentence-transformers' own padded forward pass, pooling and normalisation."""
    model = embedder._model  # the same loaded weights, through the library's path
    vectors = model.encode(texts, batch_size=8, normalize_embeddings=True, convert_to_numpy=True)
    return np.asarray(vectors, dtype=np.float32)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _texts()


def test_when_fp32_then_equal_to_sentence_transformers(
    local_classifier: LocalClassifier, texts: list[str]
) -> None:
    embedder = local_classifier.embedder
    assert embedder.precision == "fp32"
    got = embedder.encode(texts, batch_size=32)
    np.testing.assert_allclose(got, _reference(embedder, texts), rtol=0, atol=1e-5)
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
    local_classifier: LocalClassifier, texts: list[str]
) -> None:
    bert = local_classifier.embedder._model[0].auto_model
    features = local_classifier.embedder._model.preprocess(texts[:64])
    ids, mask = features["input_ids"], features["attention_mask"]
    prepacked = PackedBert(bert, dtype=torch.bfloat16, prepack=True)
    plain = PackedBert(bert, dtype=torch.bfloat16, prepack=False)
    assert prepacked.layers[0].up.prepacked and not plain.layers[0].up.prepacked
    np.testing.assert_array_equal(prepacked.encode(ids, mask), plain.encode(ids, mask))
