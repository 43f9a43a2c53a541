"""Load shedding and rate limiting: who is calling, and the refusals (applied by api/edge.py).

Order: the shedder first (a request beyond ORCH_MAX_CONCURRENT_REQUESTS is refused before any
work, even a key lookup), then the rate limiter (a key's bucket, else the address's). Health,
readiness and metrics pass both untouched: an orchestrator must be able to see a service that is
refusing traffic. Every refusal is the error envelope with Retry-After.
"""

from __future__ import annotations

import math

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers
from starlette.types import Scope

from orchestrator.api.clients import Client, client_address
from orchestrator.api.errors import envelope
from orchestrator.auth.deps import principal_for
from orchestrator.config import Settings
from orchestrator.observability.logging import get_logger
from orchestrator.resilience.ratelimit import WINDOW_SECONDS, Verdict

log = get_logger(__name__)
EXEMPT_PATHS = frozenset({"/health", "/ready", "/api/v1/health", "/api/v1/ready", "/metrics"})
RETRY_AFTER_SHED = "1"  # seconds: in-flight requests finish in milliseconds
REFUSED = "refused"  # log field (and telemetry's cue): "shed" or "rate_limited"


def shed_response(capacity: int) -> JSONResponse:
    return JSONResponse(
        envelope(
            "overloaded",
            "Too many requests in flight; retry shortly.",
            {"max_concurrent_requests": capacity},
        ),
        status_code=503,
        headers={"Retry-After": RETRY_AFTER_SHED},
    )


def rate_limit_headers(verdict: Verdict) -> list[tuple[bytes, bytes]]:
    """draft-ietf-httpapi-ratelimit-headers: the policy, what is left, when it is whole again
    (raw ASGI pairs: appended to responses that never set them)."""
    return [
        (b"ratelimit-limit", b"%d" % verdict.limit),
        (b"ratelimit-remaining", b"%d" % verdict.remaining),
        (b"ratelimit-reset", b"%d" % math.ceil(verdict.reset_after)),
        (b"ratelimit-policy", b"%d;w=%d" % (verdict.limit, WINDOW_SECONDS)),
    ]


def rate_limited_response(verdict: Verdict) -> JSONResponse:
    retry_after = max(1, math.ceil(verdict.retry_after))
    response = JSONResponse(
        envelope(
            "rate_limited",
            f"Rate limit of {verdict.limit} requests per minute exceeded; "
            f"retry in {retry_after} s.",
            {"limit_per_minute": verdict.limit, "retry_after_seconds": retry_after},
        ),
        status_code=429,
        headers={"Retry-After": str(retry_after)},
    )
    if not verdict.degraded:
        response.raw_headers.extend(rate_limit_headers(verdict))
    return response


async def identify(scope: Scope, settings: Settings) -> Client:
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
    return Client(f"addr:{client_address(scope, settings.trusted_proxies)}")
