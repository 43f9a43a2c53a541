"""Linear heads over embeddings, stored as plain arrays (no pickles) with a temperature.

A head is `softmax((x @ W + b) / T)`: W and b come from logistic regression, T from temperature
scaling on out-of-fold logits, so a reported 0.8 is right about 80% of the time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from orchestrator.classifiers.embedder import Vectors

Floats = npt.NDArray[np.float64]

HEADS_FILE = "heads.npz"
MANIFEST_FILE = "manifest.json"
HEAD_NAMES = ("category", "intent", "severity")


def softmax(logits: Floats) -> Floats:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    result: Floats = exp / exp.sum(axis=-1, keepdims=True)
    return result


@dataclass(frozen=True)
class LinearHead:
    labels: tuple[str, ...]
    weights: Floats  # (dimension, n_labels)
    bias: Floats  # (n_labels,)
    temperature: float

    def logits(self, vectors: Vectors) -> Floats:
        result: Floats = vectors.astype(np.float64) @ self.weights + self.bias
        return result

    def predict_proba(self, vectors: Vectors) -> Floats:
        return softmax(self.logits(vectors) / self.temperature)


@dataclass(frozen=True)
class LocalModel:
    """The three heads the local tier ships with, plus the manifest that says how they were made."""

    category: LinearHead
    intent: LinearHead
    severity: LinearHead
    manifest: dict[str, Any]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {}
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
            for name in HEAD_NAMES:
                heads[name] = LinearHead(
                    labels=tuple(str(label) for label in data[f"{name}_labels"]),
                    weights=data[f"{name}_weights"].astype(np.float64),
                    bias=data[f"{name}_bias"].astype(np.float64),
                    temperature=float(data[f"{name}_temperature"][0]),
                )
        manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        return cls(manifest=manifest, **heads)
