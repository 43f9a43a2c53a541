"""The shipped model is the one its training data makes, and training refuses bad data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from orchestrator.classifiers.heads import HEAD_NAMES, LocalModel
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.classifiers.training import (
    TrainingDataError,
    data_files,
    fingerprint,
    load_examples,
    train,
)
from orchestrator.config import DEFAULT_MODEL_DIR
from orchestrator.domain import Category, Intent, Severity

ROOT = Path(__file__).resolve().parents[2]
TRAIN_DIR = ROOT / "data" / "train"


def test_when_shipped_then_manifest_names_the_current_training_data() -> None:
    manifest = LocalModel.load(DEFAULT_MODEL_DIR).manifest
    files = data_files(TRAIN_DIR)
    assert manifest["data_sha256"] == fingerprint(files), "run `make train` after editing data/"
    assert manifest["data_files"] == [f.name for f in files]


def test_when_training_data_loaded_then_it_covers_every_label_and_channel() -> None:
    examples = load_examples(TRAIN_DIR)
    assert len(examples) >= 1500
    assert {e.category for e in examples} == set(Category)
    assert {e.intent for e in examples if e.intent} == set(Intent)
    assert {e.severity for e in examples if e.severity} == set(Severity)
    assert {e.channel for e in examples} == {"chat", "voice", "mail"}


@pytest.mark.slow
def test_when_retrained_then_same_model_as_shipped(local_classifier: LocalClassifier) -> None:
    shipped = LocalModel.load(DEFAULT_MODEL_DIR)
    rebuilt = train(TRAIN_DIR, local_classifier.embedder)
    assert rebuilt.vectorizer.vocabulary == shipped.vectorizer.vocabulary
    for name in HEAD_NAMES:
        a, b = getattr(rebuilt, name), getattr(shipped, name)
        assert a.labels == b.labels
        np.testing.assert_allclose(a.weights.astype(np.float32), b.weights, atol=2e-3)
        np.testing.assert_allclose(a.bias.astype(np.float32), b.bias, atol=2e-3)
        assert a.temperature == pytest.approx(b.temperature, abs=1e-2)


def test_when_scores_predicted_then_they_sum_to_one(local_classifier: LocalClassifier) -> None:
    text = "hi um yeah i need to refill my lisinopril"
    prediction = local_classifier.predict_vector(text, local_classifier.embed(text))
    assert sum(prediction.scores.values()) == pytest.approx(1.0)
    assert prediction.intent is Intent.REFILL_PRESCRIPTION


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("text,category\nhello,unknown_category\n", "unknown_category"),
        ("text,category,intent\nrefund me,service_action,teleport\n", "teleport"),
        ("words,label\nhello,informational\n", "text"),
        ("text,category\n", "no rows"),
    ],
)
def test_when_training_data_is_bad_then_clear_error(
    tmp_path: Path, content: str, problem: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TrainingDataError, match=problem):
        load_examples(path)


def test_when_no_csv_then_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TrainingDataError, match="no training CSV"):
        data_files(tmp_path)
