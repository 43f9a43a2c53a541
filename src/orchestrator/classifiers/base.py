"""The interface every classifier tier implements, and what it returns."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from orchestrator.domain import Category, Intent, Severity

if TYPE_CHECKING:
    from orchestrator.observability.metrics import Metrics


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
    # How the tier came to answer, when more than one tier was involved; it ends with `tier`
    # and prefixes decision_path, e.g. "cascade:uncertain(p=0.62<0.80)>llm".
    route: str | None = None

    @property
    def category(self) -> Category:
        return max(self.scores, key=lambda c: self.scores[c])

    @property
    def confidence(self) -> float:
        return self.scores[self.category]


class ClassifierError(RuntimeError):
    """A tier could not produce a prediction (provider down, bad answer, circuit open).

    The API answers 503 with ``Retry-After: retry_after`` (whole seconds, at least 1)."""

    def __init__(self, message: str, *, kind: str = "error", retry_after: int = 5) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = max(1, retry_after)


class Classifier(abc.ABC):
    """A tier: turns normalised text into a Prediction without blocking the event loop."""

    name: str

    @abc.abstractmethod
    async def classify(self, text: str) -> Prediction: ...

    async def classify_screened(self, text: str) -> Prediction:
        """The prediction for a message the safety screen has already decided: tiers that would
        pay for a provider call answer locally instead, since the screen wins anyway."""
        return await self.classify(text)

    def instrument(self, metrics: Metrics) -> None:  # noqa: B027 - optional hook
        """Count into the app's registry; tiers without provider calls have nothing to count."""

    def status(self) -> dict[str, Any]:
        """What readiness shows about this tier beyond "loaded" (circuit state, model)."""
        return {}

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release clients and pools; most tiers hold none."""
