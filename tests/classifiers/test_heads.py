"""The serving path of the heads gives what the sparse training-time features give."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from orchestrator.classifiers.heads import HEAD_NAMES, Features, LinearHead, softmax
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.classifiers.training import load_examples

ROOT = Path(__file__).resolve().parents[2]
# Written for this test: no known n-gram, repeats, case, accents, emoji, a long mail.
ODD = ["", "~~~", "REFUND refund ReFuNd", "café crème brûlée", "ok 👍👍", "order " * 300]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [e.text for e in load_examples(ROOT / "data" / "train")[::12]] + ODD


def test_when_probabilities_then_equal_to_the_sparse_path(
    local_classifier: LocalClassifier, texts: list[str]
) -> None:
    model = local_classifier.model
    vectors = local_classifier.embedder.encode(texts)
    # The training-time view: scikit-learn's transform, features stacked, one sparse matmul.
    stacked = Features(vectors, model.vectorizer.transform(texts)).stacked()
    got = model.probabilities(texts, vectors)
    assert len(got) == len(HEAD_NAMES)
    for name, probabilities in zip(HEAD_NAMES, got, strict=True):
        head: LinearHead = getattr(model, name)
        expected = softmax((np.asarray(stacked @ head.weights) + head.bias) / head.temperature)
        np.testing.assert_allclose(probabilities, expected, rtol=0, atol=1e-6)
        assert (probabilities.argmax(axis=1) == expected.argmax(axis=1)).all()


@pytest.mark.parametrize("text", ["", "~~~", "∮∯∰"])
def test_when_no_known_ngram_then_no_terms(local_classifier: LocalClassifier, text: str) -> None:
    ids, weights = local_classifier.model.vectorizer.terms(text)
    assert ids == [] and weights.size == 0


def test_when_terms_then_unit_length(local_classifier: LocalClassifier) -> None:
    ids, weights = local_classifier.model.vectorizer.terms("please refill my lisinopril")
    assert len(ids) == len(set(ids)) > 10
    assert np.isclose(np.linalg.norm(weights), 1.0)
