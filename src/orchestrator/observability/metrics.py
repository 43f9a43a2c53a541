"""Prometheus metrics, one registry per app so tests can build many apps side by side.

With several worker processes (`orchestrator serve --workers N`) prometheus-client's multiprocess
mode is on (PROMETHEUS_MULTIPROC_DIR, set by `serve`): every worker writes its samples to files
there and `/metrics` merges all of them, so any worker answers for the whole server.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # prometheus-client reads it when imported
LLM_LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)
BATCH_SIZE_BUCKETS = (1, 2, 4, 8, 12, 16, 24, 32, 48, 64)
BATCH_SIZE_METRIC = "classifier_batch_size"  # also read back by `make bench` from /metrics
HTTP_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


M = TypeVar("M", Counter, Histogram)
LABEL_CACHE_SIZE = 1024  # children per metric remembered; every hot metric has fewer


def children(metric: M) -> Callable[..., M]:
    """`metric.labels` by positional values, each child looked up once: `labels()` validates
    and locks on every call (~1.2 µs), a remembered child costs a dict lookup."""
    return functools.lru_cache(maxsize=LABEL_CACHE_SIZE)(metric.labels)


class Metrics:
    def __init__(
        self, registry: CollectorRegistry | None = None, *, multiproc_dir: Path | None = None
    ) -> None:
        self.registry = registry or CollectorRegistry()
        self.multiproc_dir = multiproc_dir
        r = self.registry
        self.requests = Counter(
            "classification_requests_total",
            "Classify requests by outcome (ok, invalid, unauthorized, rate_limited, shed, "
            "unavailable, error), decided category and channel ('none' when not reached)",
            ["category", "channel", "status"],
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
        self.batch_size = Histogram(
            BATCH_SIZE_METRIC,
            "Messages embedded together in one micro-batch (local tier)",
            buckets=BATCH_SIZE_BUCKETS,
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

        # LLM tier and cascade (classifiers/llm.py, classifiers/cascade.py)
        self.llm_requests = Counter(
            "llm_requests_total",
            "Messages the LLM tier was asked to classify, by outcome (ok, failed, rejected)",
            ["outcome"],
            registry=r,
        )
        self.llm_retries = Counter(
            "llm_retries_total",
            "LLM attempts retried, by the failure retried",
            ["kind"],
            registry=r,
        )
        self.llm_tokens = Counter(
            "llm_tokens_total",
            "Tokens the provider reported using (prompt, completion)",
            ["kind"],
            registry=r,
        )
        self.llm_latency = Histogram(
            "llm_request_seconds",
            "One LLM classification, all attempts and waits included",
            buckets=LLM_LATENCY_BUCKETS,
            registry=r,
        )
        self.circuit_state = Gauge(
            "circuit_breaker_state",
            "Circuit breaker state: 0 closed, 1 half-open, 2 open (the worst live worker's)",
            ["circuit"],
            registry=r,
            multiprocess_mode="livemax",
        )
        self.circuit_transitions = Counter(
            "circuit_breaker_transitions_total",
            "Circuit breaker state changes, by the state entered",
            ["circuit", "state"],
            registry=r,
        )
        self.cascade_routes = Counter(
            "cascade_decisions_total",
            "Cascade decisions by route (local, llm, local_fallback)",
            ["route"],
            registry=r,
        )

        # Guardrails: HTTP traffic, rate limiting, load shedding (api/telemetry.py, guardrails.py)
        self.http_requests = Counter(
            "http_requests_total",
            "HTTP requests by method, route template and status code",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request duration, first byte in to last byte out",
            ["method", "route"],
            buckets=HTTP_LATENCY_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge(
            "requests_in_flight",
            "Requests being served that count against ORCH_MAX_CONCURRENT_REQUESTS",
            registry=r,
            multiprocess_mode="livesum",
        )
        self.shed = Counter(
            "shed", "Requests refused with 503 because too many were in flight", registry=r
        )
        self.rate_limited = Counter(
            "rate_limited", "Requests refused with 429, by the caller's tier", ["tier"], registry=r
        )
        self.rate_limit_backend_errors = Counter(
            "rate_limit_backend_errors",
            "Rate-limit backend failures (the request was let through unmetered)",
            ["backend"],
            registry=r,
        )

        # The per-request children, by positional label values (see `children`).
        self.requests_by = children(self.requests)  # category, channel, status
        self.by_category_by = children(self.by_category)  # category, tier
        self.http_requests_by = children(self.http_requests)  # method, route, status
        self.http_latency_by = children(self.http_latency)  # method, route

    def render(self) -> bytes:
        """The Prometheus text: this process's registry, or every worker's in multiprocess mode."""
        if self.multiproc_dir is None:
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged, path=str(self.multiproc_dir))  # type: ignore[no-untyped-call]
        return generate_latest(merged)

    def close(self) -> None:
        """This worker is going away: drop its live gauges from the multiprocess files."""
        if self.multiproc_dir is not None:
            multiprocess.mark_process_dead(os.getpid(), str(self.multiproc_dir))  # type: ignore[no-untyped-call]


@contextmanager
def multiprocess_dir(
    workers: int, configured: Path | None, environ: MutableMapping[str, str]
) -> Iterator[Path | None]:
    """A clean folder for the workers' metric files, handed to them in `environ`.

    A configured folder is emptied (stale files would add a previous run's counts); with several
    workers and none configured, a temporary one is made and removed afterwards.
    """
    if configured is not None:
        configured.mkdir(parents=True, exist_ok=True)
        for stale in configured.glob("*.db"):
            stale.unlink()
        environ[MULTIPROC_ENV] = str(configured)
        yield configured
        return
    if workers == 1:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="orchestrator-metrics-") as folder:
        environ[MULTIPROC_ENV] = folder
        try:
            yield Path(folder)
        finally:
            environ.pop(MULTIPROC_ENV, None)
