"""Runs labelled rows through the same pipeline the service runs, one message at a time."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from orchestrator.evaluation.dataset import EvalRow
from orchestrator.evaluation.metrics import Outcome
from orchestrator.pipeline.decide import Pipeline


async def run_rows(
    pipeline: Pipeline,
    rows: Sequence[EvalRow],
    *,
    advance: Callable[[], None] = lambda: None,
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for row in rows:
        started = time.perf_counter()
        decision = await pipeline.decide(row.text)
        latency = (time.perf_counter() - started) * 1000
        severity = decision.severity or decision.prediction.severity
        outcomes.append(
            Outcome(
                category=decision.category,
                confidence=decision.confidence,
                intent=(decision.intent or decision.prediction.intent or None),
                severity=severity.value if severity else None,
                latency_ms=latency,
                decision_path=decision.decision_path,
            )
        )
        advance()
    return outcomes
