"""Runs labelled rows through the same pipeline the service runs, one message at a time."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from orchestrator.evaluation.dataset import EvalRow
from orchestrator.evaluation.metrics import Outcome
from orchestrator.pipeline.decide import Pipeline

USAGE_KEYS = ("llm_calls", "prompt_tokens", "completion_tokens")


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
        extras = decision.prediction.extras
        outcomes.append(
            Outcome(
                category=decision.category,
                confidence=decision.confidence,
                intent=(decision.intent or decision.prediction.intent or None),
                severity=severity.value if severity else None,
                latency_ms=latency,
                decision_path=decision.decision_path,
                tier=decision.tier,
                usage={key: extras[key] for key in USAGE_KEYS if key in extras},
            )
        )
        advance()
    return outcomes


def tier_usage(mode: str, outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Which tier decided how many rows, and what the LLM was asked: in cascade mode
    ``llm_share`` is the share of messages sent to the LLM (a circuit-refused call is not sent)."""
    sent = sum(int(o.usage.get("llm_calls", 0)) for o in outcomes)
    return {
        "mode": mode,
        "decided_by": dict(sorted(Counter(o.tier for o in outcomes).items())),
        "llm_calls": sent,
        "llm_share": round(sent / len(outcomes), 4) if outcomes else 0.0,
        "llm_tokens": {
            kind: int(sum(o.usage.get(f"{kind}_tokens", 0) for o in outcomes))
            for kind in ("prompt", "completion")
        },
    }
