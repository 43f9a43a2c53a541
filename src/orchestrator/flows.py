"""The classify flow across systems: pipeline decision, then the category's workflow."""

from __future__ import annotations

import time

from orchestrator.api.schemas import ClassifyRequest, ClassifyResponse
from orchestrator.observability import tracing
from orchestrator.pipeline.decide import Pipeline
from orchestrator.runtime import Runtime
from orchestrator.workflows.base import MessageContext


async def classify_message(
    runtime: Runtime, pipeline: Pipeline, body: ClassifyRequest, *, request_id: str
) -> ClassifyResponse:
    started = time.perf_counter()
    with tracing.span("classification", {"classification.channel": body.channel.value}) as span:
        decision = await pipeline.decide(body.message)
        span.set_attributes(
            {
                "classification.category": decision.category.value,
                "classification.confidence": decision.confidence,
                "classification.tier": decision.tier,
            }
        )
    context = MessageContext(
        request_id=request_id,
        channel=body.channel,
        metadata=body.metadata,
        conversation_id=body.conversation_id,
    )
    assert runtime.workflows is not None, "workflows are attached before pipelines are served"
    with tracing.span("workflow", {"workflow.category": decision.category.value}) as span:
        outcome = await runtime.workflows.run(decision, context)
        span.set_attribute("workflow.action", str(outcome.next_step.get("action")))
    elapsed = time.perf_counter() - started

    metrics = runtime.metrics  # classification_requests_total: api/telemetry.py, every outcome
    metrics.by_category_by(decision.category.value, decision.tier).inc()
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
