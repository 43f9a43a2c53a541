"""Trains the local tier's heads from the team's labelled CSV files, deterministically."""

from __future__ import annotations

import csv
import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from orchestrator.classifiers.embedder import Embedder
from orchestrator.classifiers.heads import (
    Features,
    Floats,
    LinearHead,
    LocalModel,
    NgramVectorizer,
    softmax,
)
from orchestrator.domain import Category, Intent, Severity
from orchestrator.pipeline.normalise import normalise

SEED = 0
FOLDS = 5
REGULARISATION = {"category": 4.0, "intent": 4.0, "severity": 4.0}


class TrainingDataError(ValueError):
    """A training file is missing, empty, or has a row with an unknown label."""


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    category: Category
    intent: Intent | None = None
    severity: Severity | None = None
    channel: str = "chat"


def data_files(path: Path) -> list[Path]:
    """A CSV file, or every CSV in a folder, in a stable order."""
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise TrainingDataError(f"no training CSV found at {path}")
    return files


def fingerprint(files: Sequence[Path]) -> str:
    """sha256 over file names and bytes: the shipped model records the data it was made from."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def _optional(enum: type[Intent] | type[Severity], value: str | None) -> Any:
    value = (value or "").strip()
    return enum(value) if value else None


def load_examples(path: Path) -> list[Example]:
    examples: list[Example] = []
    for file in data_files(path):
        with file.open(newline="", encoding="utf-8") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                try:
                    examples.append(
                        Example(
                            text=normalise(row["text"]),
                            category=Category(row["category"].strip()),
                            intent=_optional(Intent, row.get("intent")),
                            severity=_optional(Severity, row.get("severity")),
                            channel=(row.get("channel") or "chat").strip() or "chat",
                        )
                    )
                except (KeyError, ValueError) as exc:
                    raise TrainingDataError(f"{file.name}:{line}: {exc}") from exc
    if not examples:
        raise TrainingDataError(f"no rows in {path}")
    return examples


def _temperature(logits: Floats, targets: np.ndarray[Any, Any]) -> float:
    """The T that minimises the negative log-likelihood of out-of-fold logits."""

    def nll(t: float) -> float:
        probs = softmax(logits / t)
        return float(-np.mean(np.log(probs[np.arange(len(targets)), targets] + 1e-12)))

    result = minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded")
    return float(result.x)


def fit_head(features: Features, labels: Sequence[str], *, c: float) -> tuple[LinearHead, float]:
    """Logistic regression plus temperature scaling; returns the head and its CV accuracy."""
    vectors = features.stacked()
    classes = sorted(set(labels))
    targets = np.array([classes.index(label) for label in labels])
    model = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    folds = min(FOLDS, int(np.bincount(targets).min()))
    if folds >= 2:
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
        oof = cross_val_predict(model, vectors, targets, cv=splitter, method="decision_function")
        oof_logits = np.asarray(oof, dtype=np.float64)
        if oof_logits.ndim == 1:  # binary: sklearn returns one margin
            oof_logits = np.stack([np.zeros_like(oof_logits), oof_logits], axis=1)
        temperature = _temperature(oof_logits, targets)
        accuracy = float(np.mean(oof_logits.argmax(axis=1) == targets))
    else:
        temperature, accuracy = 1.0, float("nan")
    model.fit(vectors, targets)
    weights = np.asarray(model.coef_, dtype=np.float64).T
    bias = np.asarray(model.intercept_, dtype=np.float64)
    if weights.shape[1] == 1:  # binary: expand to two logits so every head is a softmax
        weights = np.concatenate([np.zeros_like(weights), weights], axis=1)
        bias = np.concatenate([np.zeros(1), bias])
    return LinearHead(tuple(classes), weights, bias, temperature), accuracy


def train(
    path: Path,
    embedder: Embedder,
    *,
    progress: Callable[[str], None] = lambda _: None,
) -> LocalModel:
    """Embeds every example and fits the category, intent and severity heads."""
    files = data_files(path)
    examples = load_examples(path)
    progress(f"embedding {len(examples)} examples")
    texts = [e.text for e in examples]
    vectorizer = NgramVectorizer.fit(texts)
    features = Features(embedder.encode(texts), vectorizer.transform(texts))
    service = [i for i, e in enumerate(examples) if e.intent is not None]
    safety = [i for i, e in enumerate(examples) if e.severity is not None]
    if not service or not safety:
        raise TrainingDataError("training data needs intent-labelled and severity-labelled rows")

    progress("fitting category head")
    category, category_cv = fit_head(
        features, [e.category.value for e in examples], c=REGULARISATION["category"]
    )
    progress("fitting intent head")
    intent, intent_cv = fit_head(
        features.rows(service),
        [str(examples[i].intent) for i in service],
        c=REGULARISATION["intent"],
    )
    progress("fitting severity head")
    severity, severity_cv = fit_head(
        features.rows(safety),
        [str(examples[i].severity) for i in safety],
        c=REGULARISATION["severity"],
    )
    manifest: dict[str, Any] = {
        "data_sha256": fingerprint(files),
        "data_files": [f.name for f in files],
        "examples": len(examples),
        "per_category": dict(sorted(Counter(e.category.value for e in examples).items())),
        "per_intent": dict(sorted(Counter(str(examples[i].intent) for i in service).items())),
        "per_severity": dict(sorted(Counter(str(examples[i].severity) for i in safety).items())),
        "per_channel": dict(sorted(Counter(e.channel for e in examples).items())),
        "cv_accuracy": {
            "category": round(category_cv, 4),
            "intent": round(intent_cv, 4),
            "severity": round(severity_cv, 4),
        },
        "temperature": {
            "category": round(category.temperature, 4),
            "intent": round(intent.temperature, 4),
            "severity": round(severity.temperature, 4),
        },
        "regularisation": REGULARISATION,
        "seed": SEED,
        "embedding_model": "sentence-transformers/all-MiniLM-L6-v2",
        "features": f"embedding(384) + char_wb tf-idf {len(vectorizer.vocabulary)} n-grams",
    }
    return LocalModel(
        vectorizer=vectorizer,
        category=category,
        intent=intent,
        severity=severity,
        manifest=manifest,
    )
