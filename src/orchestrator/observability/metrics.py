"""Prometheus metrics, one registry per app so tests can build many apps side by side."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "classification_requests_total",
            "Classification requests by outcome",
            ["status"],
            registry=r,
        )
        self.by_category = Counter(
            "classification_by_category",
            "Classified messages by category and deciding tier",
            ["category", "tier"],
            registry=r,
        )
        self.latency = Histogram(
            "classification_latency_seconds",
            "End-to-end classify latency",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.confidence = Histogram(
            "classification_confidence",
            "Confidence of the final decision",
            buckets=CONFIDENCE_BUCKETS,
            registry=r,
        )
        self.human_review = Counter(
            "classification_human_review_total",
            "Decisions sent to a human for low confidence",
            registry=r,
        )
        self.llm_errors = Counter(
            "llm_errors_total", "LLM provider errors by kind", ["kind"], registry=r
        )
        self.integration_errors = Counter(
            "integration_errors_total",
            "External adapter failures by adapter",
            ["adapter"],
            registry=r,
        )
        self.compliance_records = Counter(
            "compliance_records_total", "Compliance records written", ["severity"], registry=r
        )
