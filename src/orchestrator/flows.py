"""The classify flow across systems: pipeline decision, then the category's workflow."""

from __future__ import annotations

import time

from orchestrator.api.schemas import ClassifyRequest, ClassifyResponse
from orchestrator.pipeline.decide import Pipeline
from orchestrator.runtime import Runtime
from orchestrator.workflows.base import MessageContext


async def classify_message(
    runtime: Runtime, pipeline: Pipeline, body: ClassifyRequest, *, request_id: str
) -> ClassifyResponse:
    started = time.perf_counter()
    decision = await pipeline.decide(body.message)
    context = MessageContext(
        request_id=request_id,
        channel=body.channel,
        metadata=body.metadata,
        conversation_id=body.conversation_id,
    )
    assert runtime.workflows is not None, "workflows are attached before pipelines are served"
    outcome = await runtime.workflows.run(decision, context)
    elapsed = time.perf_counter() - started

    metrics = runtime.metrics
    metrics.requests.labels(status="ok").inc()
    metrics.by_category.labels(category=decision.category.value, tier=decision.tier).inc()
    metrics.latency.observe(elapsed)
    metrics.confidence.observe(decision.confidence)
    if decision.needs_human:
        metrics.human_review.inc()

    return ClassifyResponse.model_validate(
        {
            "request_id": request_id,
            "category": decision.category,
            "confidence": decision.confidence,
            "decision_path": decision.decision_path,
            "next_step": outcome.next_step,
            "processing_time_ms": round(elapsed * 1000, 2),
            "scores": decision.scores,
            "intent": decision.intent,
            "entities": outcome.entities,
            "severity": decision.severity,
            "classifier": decision.tier,
        }
    )
