"""The default tier: all-MiniLM-L6-v2 embeddings and calibrated linear heads, fully offline."""

from __future__ import annotations

import asyncio
from pathlib import Path

from orchestrator.classifiers.base import Classifier, Prediction
from orchestrator.classifiers.embedder import Embedder, Vectors
from orchestrator.classifiers.heads import LocalModel
from orchestrator.domain import Category, Intent, Severity


class LocalClassifier(Classifier):
    name = "local"

    def __init__(self, embedder: Embedder, model: LocalModel) -> None:
        self.embedder = embedder
        self.model = model

    @classmethod
    def from_paths(cls, model_dir: Path, embedding_model: Path | None = None) -> LocalClassifier:
        return cls(Embedder(embedding_model), LocalModel.load(model_dir))

    def embed(self, text: str) -> Vectors:
        return self.embedder.encode([text])

    def predict_vector(self, text: str, vector: Vectors) -> Prediction:
        """The heads on an embedding already computed: well under a millisecond."""
        features = self.model.features([text], vector)
        category = self.model.category.predict_proba(features)[0]
        intent = self.model.intent.predict_proba(features)[0]
        severity = self.model.severity.predict_proba(features)[0]
        intent_label = self.model.intent.labels[int(intent.argmax())]
        severity_label = self.model.severity.labels[int(severity.argmax())]
        return Prediction(
            scores={
                Category(label): float(p)
                for label, p in zip(self.model.category.labels, category, strict=True)
            },
            tier=self.name,
            intent=Intent(intent_label),
            severity=Severity(severity_label),
            extras={
                "intent_confidence": float(intent.max()),
                "severity_confidence": float(severity.max()),
            },
            embedding=vector[0],
        )

    async def classify(self, text: str) -> Prediction:
        vector = await asyncio.to_thread(self.embed, text)
        return self.predict_vector(text, vector)
