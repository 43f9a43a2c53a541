"""Load shedding and rate limiting, as pure ASGI middleware in front of every route.

Order, outermost first: the shedder (a request beyond ORCH_MAX_CONCURRENT_REQUESTS is refused
before any work, even a key lookup), then the rate limiter (a key's bucket, else the address's).
Health, readiness and metrics pass both untouched: an orchestrator must be able to see a
service that is refusing traffic. Every refusal is the error envelope with Retry-After.
"""

from __future__ import annotations

import math

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchestrator.api.clients import Client, client_address
from orchestrator.api.errors import envelope
from orchestrator.api.middleware import append_header, request_fields
from orchestrator.auth.deps import principal_for
from orchestrator.config import Settings
from orchestrator.observability.logging import get_logger
from orchestrator.observability.metrics import Metrics
from orchestrator.resilience.ratelimit import WINDOW_SECONDS, RateLimiter, Verdict
from orchestrator.resilience.shedding import ConcurrencyLimit

log = get_logger(__name__)
EXEMPT_PATHS = frozenset({"/health", "/ready", "/api/v1/health", "/api/v1/ready", "/metrics"})
RETRY_AFTER_SHED = "1"  # seconds: in-flight requests finish in milliseconds
REFUSED = "refused"  # log field (and telemetry's cue): "shed" or "rate_limited"


def _exempt(scope: Scope) -> bool:
    return scope["type"] != "http" or scope["path"] in EXEMPT_PATHS


class LoadSheddingMiddleware:
    def __init__(self, app: ASGIApp, *, limit: ConcurrencyLimit, metrics: Metrics) -> None:
        self.app = app
        self.limit = limit
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _exempt(scope):
            await self.app(scope, receive, send)
            return
        if not self.limit.try_acquire():
            self.metrics.shed.inc()
            request_fields(scope)[REFUSED] = "shed"
            response = JSONResponse(
                envelope(
                    "overloaded",
                    "Too many requests in flight; retry shortly.",
                    {"max_concurrent_requests": self.limit.capacity},
                ),
                status_code=503,
                headers={"Retry-After": RETRY_AFTER_SHED},
            )
            await response(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.limit.release()


def rate_limit_headers(verdict: Verdict) -> dict[str, str]:
    """draft-ietf-httpapi-ratelimit-headers: the policy, what is left, when it is whole again."""
    return {
        "RateLimit-Limit": str(verdict.limit),
        "RateLimit-Remaining": str(verdict.remaining),
        "RateLimit-Reset": str(math.ceil(verdict.reset_after)),
        "RateLimit-Policy": f"{verdict.limit};w={int(WINDOW_SECONDS)}",
    }


class RateLimitMiddleware:
    def __init__(
        self, app: ASGIApp, *, limiter: RateLimiter, settings: Settings, metrics: Metrics
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.settings = settings
        self.metrics = metrics

    async def identify(self, scope: Scope) -> Client:
        """The key's bucket when the request carries a valid key, else the address's."""
        runtime = getattr(scope["app"].state, "runtime", None) if "app" in scope else None
        if runtime is not None:
            try:
                principal = await principal_for(scope, Headers(scope=scope), runtime.sessions)
            except Exception as exc:  # the route's own check reports it; limit by address
                log.warning("rate_limit_key_lookup_failed", error=type(exc).__name__)
                principal = None
            if principal is not None:
                return Client(f"key:{principal.key_id}", principal.tier, principal.key_id)
        return Client(f"addr:{client_address(scope, self.settings.trusted_proxies)}")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _exempt(scope):
            await self.app(scope, receive, send)
            return
        client = await self.identify(scope)
        verdict = await self.limiter.acquire(client.key, self.settings.tier_limit(client.tier))
        headers = {} if verdict.degraded else rate_limit_headers(verdict)
        if client.key_id is not None:
            request_fields(scope)["key_id"] = client.key_id
        if not verdict.allowed:
            tier = client.tier if client.tier in self.settings.rate_limit_tiers else "default"
            self.metrics.rate_limited.labels(tier=tier).inc()
            request_fields(scope)[REFUSED] = "rate_limited"
            retry_after = max(1, math.ceil(verdict.retry_after))
            response = JSONResponse(
                envelope(
                    "rate_limited",
                    f"Rate limit of {verdict.limit} requests per minute exceeded; "
                    f"retry in {retry_after} s.",
                    {"limit_per_minute": verdict.limit, "retry_after_seconds": retry_after},
                ),
                status_code=429,
                headers={"Retry-After": str(retry_after), **headers},
            )
            await response(scope, receive, send)
            return

        raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                for name, value in raw:  # set by nothing else: appended, not looked up
                    append_header(message, name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
