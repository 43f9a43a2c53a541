"""How the local and LLM tiers combine in the `llm` and `cascade` modes.

``cascade``: the local tier first; the LLM only when the local decision is uncertain (top score
below ``threshold``); the local answer, marked ``local_fallback``, when the LLM fails or its
circuit is open. A local safety score at or above ``safety_threshold`` is never sent on: the
LLM may add a safety flag, never remove one (recall first).

``llm``: the LLM decides every message; when it fails or its circuit is open, the local tier
answers (``local_fallback``) when fallback is on, else the LLMUnavailable goes up (503).

In both modes a message the safety screen has already decided is not sent to the LLM, and the
prediction's ``route`` says which tier decided and why; it prefixes ``decision_path``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from orchestrator.classifiers.base import Classifier, Prediction
from orchestrator.classifiers.llm import LLMClassifier, LLMUnavailable
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.domain import Category
from orchestrator.observability.metrics import Metrics

FALLBACK_TIER = "local_fallback"


def _fallback(local: Prediction, exc: LLMUnavailable, before: str | None = None) -> Prediction:
    """The local answer, marked: the LLM was asked (or refused by its circuit) and failed."""
    route = f"llm_failed({exc.kind})>{FALLBACK_TIER}"
    return dataclasses.replace(
        local,
        tier=FALLBACK_TIER,
        route=f"{before}>{route}" if before else route,
        extras={**local.extras, "llm_calls": 0.0 if exc.kind == "circuit_open" else 1.0},
    )


def _with_call(prediction: Prediction, route: str, local: Prediction | None) -> Prediction:
    return dataclasses.replace(
        prediction,
        route=route,
        extras={**prediction.extras, "llm_calls": 1.0},
        embedding=local.embedding if local is not None else prediction.embedding,
    )


class _Tiered(Classifier):
    """What both modes share: a local and an LLM tier, closed and instrumented together."""

    def __init__(self, local: LocalClassifier, llm: LLMClassifier) -> None:
        self.local = local
        self.llm = llm
        self.metrics = llm.metrics

    async def classify_screened(self, text: str) -> Prediction:
        return await self.local.classify(text)

    def instrument(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self.local.instrument(metrics)
        self.llm.instrument(metrics)

    def status(self) -> dict[str, Any]:
        return {"mode": self.name, **self.llm.status()}

    async def aclose(self) -> None:
        await self.llm.aclose()
        await self.local.aclose()


class CascadeClassifier(_Tiered):
    name = "cascade"

    def __init__(
        self,
        local: LocalClassifier,
        llm: LLMClassifier,
        *,
        threshold: float,
        safety_threshold: float,
    ) -> None:
        super().__init__(local, llm)
        self.threshold = threshold
        self.safety_threshold = safety_threshold

    def status(self) -> dict[str, Any]:
        return {**super().status(), "cascade_threshold": self.threshold}

    async def classify(self, text: str) -> Prediction:
        local = await self.local.classify(text)
        safety = local.scores.get(Category.SAFETY_COMPLIANCE, 0.0)
        if safety >= self.safety_threshold:
            reason = f"cascade:safety(p={safety:.2f}>={self.safety_threshold:.2f})"
            return self._local(local, reason)
        if local.confidence >= self.threshold:
            return self._local(local, f"cascade:confident(p={local.confidence:.2f})")
        route = f"cascade:uncertain(p={local.confidence:.2f}<{self.threshold:.2f})"
        try:
            answer = await self.llm.classify(text)
        except LLMUnavailable as exc:
            self.metrics.cascade_routes.labels(route=FALLBACK_TIER).inc()
            return _fallback(local, exc, route)
        self.metrics.cascade_routes.labels(route="llm").inc()
        return _with_call(answer, f"{route}>{answer.tier}", local)

    def _local(self, local: Prediction, reason: str) -> Prediction:
        self.metrics.cascade_routes.labels(route="local").inc()
        return dataclasses.replace(local, route=f"{reason}>{local.tier}")


class LLMFirstClassifier(_Tiered):
    """The `llm` mode."""

    name = "llm"

    def __init__(self, local: LocalClassifier, llm: LLMClassifier, *, fallback: bool) -> None:
        super().__init__(local, llm)
        self.fallback = fallback

    def status(self) -> dict[str, Any]:
        return {**super().status(), "fallback": FALLBACK_TIER if self.fallback else None}

    async def classify(self, text: str) -> Prediction:
        try:
            answer = await self.llm.classify(text)
        except LLMUnavailable as exc:
            if not self.fallback:
                raise
            return _fallback(await self.local.classify(text), exc)
        return _with_call(answer, answer.tier, None)
