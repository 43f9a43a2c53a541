"""The middleware stack, in the order a request meets it, and what it holds open.

FastAPI's own    server span (its native OpenTelemetry), body limit, error handling
Edge             request id, load shedding, rate limiting, HTTP metrics, the access-log line
(routes)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from orchestrator.api.edge import EdgeMiddleware
from orchestrator.api.guardrails import EXEMPT_PATHS
from orchestrator.config import Settings
from orchestrator.observability.metrics import Metrics
from orchestrator.observability.tracing import setup_tracing
from orchestrator.resilience.ratelimit import RateLimiter
from orchestrator.resilience.shedding import ConcurrencyLimit


def _untraced(scope: MutableMapping[str, Any]) -> bool:
    return scope.get("path") in EXEMPT_PATHS  # probes and scrapes: no spans


# FastAPI's native OpenTelemetry: the request's server span and spans for dependency resolution,
# the endpoint and serialization, whenever a tracer provider is installed (setup_tracing). Its
# metrics and logs stay off: metrics are Prometheus here, and its log records would carry
# exception messages, which may quote a customer's words. Export is ours alone (ORCH_OTLP_*).
FASTAPI_TELEMETRY: TelemetryConfig = {
    "tracing": True,
    "operation_spans": True,
    "metrics": False,
    "logs": False,
    "auto_configure": False,
    "exclude": _untraced,
}


def install_middleware(
    app: FastAPI, settings: Settings, metrics: Metrics, limiter: RateLimiter
) -> None:
    app.add_middleware(
        EdgeMiddleware,
        settings=settings,
        metrics=metrics,
        limiter=limiter,
        limit=ConcurrencyLimit(settings.max_concurrent_requests, gauge=metrics.in_flight),
    )


@asynccontextmanager
async def open_guardrails(
    settings: Settings, metrics: Metrics, limiter: RateLimiter
) -> AsyncIterator[None]:
    """Tracing export (when configured) for the app's life; the limiter and metrics closed after."""
    provider = setup_tracing(settings)
    try:
        yield
    finally:
        await limiter.aclose()
        metrics.close()
        if provider is not None:
            provider.shutdown()
