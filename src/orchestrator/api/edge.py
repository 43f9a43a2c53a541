"""The one middleware in front of the routes: a request's id, metrics, admission and log line.

In the order a request meets them:

  request id      the caller's X-Request-ID (well formed) or a fresh one; bound to the log context,
                  answered on every response, refusals included
  load shedding   beyond ORCH_MAX_CONCURRENT_REQUESTS in flight → 503 at once
  rate limiting   token bucket per key or address → 429; RateLimit-* headers on the rest
  (routes)
  telemetry       http_requests_total and classification_requests_total, counted when the answer
                  starts (a scrape after a response always includes it); the latency histogram
  access line     one per request, after it is answered (or has failed)

Probes and scrapes (guardrails.EXEMPT_PATHS) pass the shedder and the limiter untouched.

One pure-ASGI layer rather than one per concern: each layer costs a coroutine and a wrapped
`send` for every request, and in the served process (the model's threads on the same cores) the
four took ~0.16–0.18 ms of each message's ~0.57 ms on the event loop; this one, with the access
line's cheaper rendering, ~0.12–0.14 (README, Throughput). The concerns themselves live beside
it: middleware.py, telemetry.py, guardrails.py.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchestrator.api import guardrails
from orchestrator.api.guardrails import EXEMPT_PATHS, REFUSED
from orchestrator.api.middleware import (
    REQUEST_ID_HEADER,
    access_line,
    append_headers,
    request_fields,
    request_id_for,
)
from orchestrator.api.telemetry import RouteTemplates, count_response, method_label
from orchestrator.config import Settings
from orchestrator.observability.metrics import Metrics
from orchestrator.resilience.ratelimit import RateLimiter
from orchestrator.resilience.shedding import ConcurrencyLimit


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: Settings,
        metrics: Metrics,
        limiter: RateLimiter,
        limit: ConcurrencyLimit,
    ) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics
        self.limiter = limiter
        self.limit = limit
        self.templates = RouteTemplates()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_for(scope)
        fields = request_fields(scope)  # creates the request's state
        scope["state"]["request_id"] = request_id
        method, route = method_label(scope), self.templates(scope)
        trace.get_current_span().set_attribute("request.id", request_id)  # FastAPI's span
        extra = [(REQUEST_ID_HEADER, request_id.encode("latin-1"))]  # the guardrails add theirs
        status = 0  # until the answer starts

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                append_headers(message, extra)
                count_response(self.metrics, method, route, status, fields)
            await send(message)

        bound = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            if scope["path"] in EXEMPT_PATHS:
                await self.app(scope, receive, answer)
            else:
                await self._admit(scope, receive, answer, extra, fields)
        except BaseException:
            # Left bound: the server's own record of this crash (uvicorn logs it in this task,
            # after we return) carries the request id too. Each request is its own task.
            self._done(scope, method, route, status, started, fields)
            raise
        self._done(scope, method, route, status, started, fields)
        structlog.contextvars.reset_contextvars(**bound)

    async def _admit(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        extra: list[tuple[bytes, bytes]],
        fields: dict[str, Any],
    ) -> None:
        """The shedder, then the limiter, then the app."""
        if not self.limit.try_acquire():
            self.metrics.shed.inc()
            fields[REFUSED] = "shed"
            await guardrails.shed_response(self.limit.capacity)(scope, receive, send)
            return
        try:
            client = await guardrails.identify(scope, self.settings)
            verdict = await self.limiter.acquire(client.key, self.settings.tier_limit(client.tier))
            if client.key_id is not None:
                fields["key_id"] = client.key_id
            if not verdict.allowed:
                tier = client.tier if client.tier in self.settings.rate_limit_tiers else "default"
                self.metrics.rate_limited.labels(tier=tier).inc()
                fields[REFUSED] = "rate_limited"
                await guardrails.rate_limited_response(verdict)(scope, receive, send)
                return
            if not verdict.degraded:
                extra += guardrails.rate_limit_headers(verdict)
            await self.app(scope, receive, send)
        finally:
            self.limit.release()

    def _done(
        self,
        scope: Scope,
        method: str,
        route: str,
        status: int,
        started: float,
        fields: dict[str, Any],
    ) -> None:
        if not status:  # the app failed (or returned) before answering: the server answers 500
            status = 500
            count_response(self.metrics, method, route, status, fields)
        self.metrics.http_latency_by(method, route).observe(time.perf_counter() - started)
        access_line(scope, status, started, fields)
