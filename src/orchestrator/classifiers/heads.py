"""Linear heads over [sentence embedding ‖ character n-gram TF-IDF], stored as plain arrays.

A head is `softmax((x @ W + b) / T)`: W and b come from logistic regression, T from temperature
scaling on out-of-fold logits, so a reported 0.8 is right about 80% of the time. The embedding
carries meaning; the character n-grams carry the surface cues embeddings blur (symptom lists,
drug suffixes, typos). Nothing is pickled: the vocabulary, idf and weights are arrays and JSON.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from orchestrator.classifiers.embedder import Vectors
from orchestrator.tfidf import TfidfRows

Floats = npt.NDArray[np.float64]

HEADS_FILE = "heads.npz"
MANIFEST_FILE = "manifest.json"
HEAD_NAMES = ("category", "intent", "severity")
NGRAM_RANGE = (2, 5)


def softmax(logits: Floats) -> Floats:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    result: Floats = exp / exp.sum(axis=-1, keepdims=True)
    return result


def new_vectorizer(vocabulary: dict[str, int] | None = None) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=NGRAM_RANGE,
        lowercase=True,
        sublinear_tf=True,
        min_df=2,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


@dataclass(frozen=True)
class Features:
    """One row per message: the dense embedding and the sparse n-gram vector side by side."""

    dense: Vectors
    ngrams: sparse.csr_matrix

    def stacked(self) -> sparse.csr_matrix:
        return sparse.hstack([sparse.csr_matrix(self.dense), self.ngrams]).tocsr()

    def rows(self, index: Sequence[int] | npt.NDArray[np.int_]) -> Features:
        return Features(self.dense[index], self.ngrams[index])


@dataclass(frozen=True)
class NgramVectorizer:
    """A fitted TF-IDF over character n-grams, rebuilt from its vocabulary and idf."""

    vocabulary: tuple[str, ...]
    idf: Floats

    @classmethod
    def fit(cls, texts: Sequence[str]) -> NgramVectorizer:
        vectorizer = new_vectorizer().fit(texts)
        terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        return cls(tuple(terms), np.asarray(vectorizer.idf_, dtype=np.float64))

    def __post_init__(self) -> None:
        vectorizer = new_vectorizer({t: i for i, t in enumerate(self.vocabulary)})
        vectorizer.idf_ = self.idf
        object.__setattr__(self, "_vectorizer", vectorizer)
        object.__setattr__(self, "_rows", TfidfRows.of(vectorizer))

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        vectorizer: TfidfVectorizer = self.__dict__["_vectorizer"]
        return sparse.csr_matrix(vectorizer.transform(texts))

    def terms(self, text: str) -> tuple[list[int], Floats]:
        """One message's row of `transform`, as (term ids, weights), without scikit-learn."""
        rows: TfidfRows = self.__dict__["_rows"]
        return rows.row(text)


@dataclass(frozen=True)
class LinearHead:
    labels: tuple[str, ...]
    weights: Floats  # (embedding dim + n-gram vocabulary, n_labels)
    bias: Floats  # (n_labels,)
    temperature: float


@dataclass(frozen=True)
class LocalModel:
    """The three heads the local tier ships with, plus the manifest that says how they were made."""

    vectorizer: NgramVectorizer
    category: LinearHead
    intent: LinearHead
    severity: LinearHead
    manifest: dict[str, Any]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {
            "ngram_vocabulary": np.array(self.vectorizer.vocabulary),
            "ngram_idf": self.vectorizer.idf.astype(np.float32),
        }
        for name in HEAD_NAMES:
            head: LinearHead = getattr(self, name)
            arrays[f"{name}_labels"] = np.array(head.labels)
            arrays[f"{name}_weights"] = head.weights.astype(np.float32)
            arrays[f"{name}_bias"] = head.bias.astype(np.float32)
            arrays[f"{name}_temperature"] = np.array([head.temperature])
        np.savez_compressed(directory / HEADS_FILE, **arrays)
        (directory / MANIFEST_FILE).write_text(
            json.dumps(self.manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, directory: Path) -> LocalModel:
        heads: dict[str, LinearHead] = {}
        with np.load(directory / HEADS_FILE, allow_pickle=False) as data:
            vectorizer = NgramVectorizer(
                tuple(str(t) for t in data["ngram_vocabulary"]),
                data["ngram_idf"].astype(np.float64),
            )
            for name in HEAD_NAMES:
                heads[name] = LinearHead(
                    labels=tuple(str(label) for label in data[f"{name}_labels"]),
                    weights=data[f"{name}_weights"].astype(np.float64),
                    bias=data[f"{name}_bias"].astype(np.float64),
                    temperature=float(data[f"{name}_temperature"][0]),
                )
        manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        return cls(vectorizer=vectorizer, manifest=manifest, **heads)

    def probabilities(self, texts: Sequence[str], vectors: Vectors) -> list[Floats]:
        """Each head's `softmax(([embedding ‖ n-gram tf-idf] @ W + b) / T)`, head by head.

        The three heads' weights side by side, and each message's n-grams gathered straight
        from its terms (sublinear tf, idf, L2 norm, as the fitted vectorizer computes them).
        """
        packed: tuple[Floats, Floats, list[int]] = self.__dict__.get("_packed") or self._pack()
        dense_weights, ngram_weights, widths = packed
        logits = vectors.astype(np.float64) @ dense_weights
        for row, text in enumerate(texts):
            ids, weights = self.vectorizer.terms(text)
            if ids:
                logits[row] += weights @ ngram_weights[ids]
        result, start = [], 0
        for name, width in zip(HEAD_NAMES, widths, strict=True):
            head: LinearHead = getattr(self, name)
            part = logits[:, start : start + width] + head.bias
            result.append(softmax(part / head.temperature))
            start += width
        return result

    def _pack(self) -> tuple[Floats, Floats, list[int]]:
        heads: list[LinearHead] = [getattr(self, name) for name in HEAD_NAMES]
        dim = self.category.weights.shape[0] - len(self.vectorizer.vocabulary)
        packed = (
            np.ascontiguousarray(np.hstack([h.weights[:dim] for h in heads])),
            np.ascontiguousarray(np.hstack([h.weights[dim:] for h in heads])),
            [len(h.labels) for h in heads],
        )
        object.__setattr__(self, "_packed", packed)
        return packed
