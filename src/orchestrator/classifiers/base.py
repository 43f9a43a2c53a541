"""The interface every classifier tier implements, and what it returns."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from orchestrator.domain import Category, Intent, Severity


@dataclass(frozen=True, slots=True)
class Prediction:
    """One tier's view of a message: calibrated category scores that sum to 1."""

    scores: dict[Category, float]
    tier: str
    intent: Intent | None = None
    severity: Severity | None = None
    reasoning: str | None = None
    extras: dict[str, float] = field(default_factory=dict)
    embedding: npt.NDArray[np.float32] | None = field(default=None, repr=False, compare=False)

    @property
    def category(self) -> Category:
        return max(self.scores, key=lambda c: self.scores[c])

    @property
    def confidence(self) -> float:
        return self.scores[self.category]


class ClassifierError(RuntimeError):
    """A tier could not produce a prediction (provider down, bad answer, circuit open)."""


class Classifier(abc.ABC):
    """A tier: turns normalised text into a Prediction without blocking the event loop."""

    name: str

    @abc.abstractmethod
    async def classify(self, text: str) -> Prediction: ...

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release clients and pools; most tiers hold none."""
