"""The figures `orchestrator eval` reports, with the definitions DESIGN.md gives them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import f1_score, precision_recall_fscore_support

from orchestrator.domain import Category
from orchestrator.evaluation.dataset import EvalRow

ECE_BINS = 15


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the pipeline said about one row."""

    category: Category
    confidence: float
    intent: str | None
    severity: str | None
    latency_ms: float
    decision_path: str
    tier: str = ""  # which tier decided: safety_screen, local, llm, local_fallback
    usage: dict[str, float] = field(default_factory=dict)  # llm_calls, *_tokens (LLM tiers)


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = ECE_BINS
) -> float:
    """Weighted mean |accuracy - confidence| over equal-width confidence bins."""
    conf = np.asarray(confidences, dtype=float)
    hits = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        mask = (conf > low) & (conf <= high) if low > 0 else (conf >= low) & (conf <= high)
        if mask.any():
            ece += mask.mean() * abs(hits[mask].mean() - conf[mask].mean())
    return float(ece)


def reliability_bins(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> list[dict[str, float]]:
    conf = np.asarray(confidences, dtype=float)
    hits = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    result = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        mask = (conf >= low) & (conf < high) if high < 1 else (conf >= low) & (conf <= high)
        if mask.any():
            result.append(
                {
                    "low": float(low),
                    "high": float(high),
                    "count": int(mask.sum()),
                    "confidence": float(conf[mask].mean()),
                    "accuracy": float(hits[mask].mean()),
                }
            )
    return result


def _share(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def summarise(rows: Sequence[EvalRow], outcomes: Sequence[Outcome]) -> dict[str, Any]:
    labels = [c.value for c in Category]
    truth = [r.category.value for r in rows]
    predicted = [o.category.value for o in outcomes]
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    correct = [t == p for t, p in zip(truth, predicted, strict=True)]

    safety = [i for i, r in enumerate(rows) if r.category is Category.SAFETY_COMPLIANCE]
    urgent = [i for i in safety if rows[i].severity == "urgent"]
    intents = [i for i, r in enumerate(rows) if r.category is Category.SERVICE_ACTION and r.intent]
    known_intents = {rows[i].intent for i in intents}
    severities = [i for i in safety if rows[i].severity]

    def intent_of(i: int) -> str:
        guess = outcomes[i].intent or "other"
        return guess if guess in known_intents else "other"

    safety_hit = Category.SAFETY_COMPLIANCE
    latencies = np.asarray([o.latency_ms for o in outcomes], dtype=float)
    confusion = {
        t: {
            p: sum(1 for a, b in zip(truth, predicted, strict=True) if a == t and b == p)
            for p in labels
        }
        for t in labels
    }
    return {
        "n": len(rows),
        "accuracy": round(float(np.mean(correct)), 4),
        "macro_f1": round(
            float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)), 4
        ),
        "per_category": {
            label: {
                "precision": round(float(precision[k]), 4),
                "recall": round(float(recall[k]), 4),
                "f1": round(float(f1[k]), 4),
                "support": int(support[k]),
            }
            for k, label in enumerate(labels)
        },
        "safety_recall": _share(
            sum(outcomes[i].category is safety_hit for i in safety), len(safety)
        ),
        "urgent_recall": _share(
            sum(
                outcomes[i].category is safety_hit and outcomes[i].severity == "urgent"
                for i in urgent
            ),
            len(urgent),
        ),
        "intent_accuracy": _share(
            sum(intent_of(i) == rows[i].intent for i in intents), len(intents)
        ),
        "severity_accuracy": _share(
            sum(outcomes[i].severity == rows[i].severity for i in severities), len(severities)
        ),
        "ece": round(expected_calibration_error([o.confidence for o in outcomes], correct), 4),
        "latency_ms": {
            q: round(float(np.percentile(latencies, p)), 2)
            for q, p in (("p50", 50), ("p95", 95), ("p99", 99))
        },
        "confusion": confusion,
    }
