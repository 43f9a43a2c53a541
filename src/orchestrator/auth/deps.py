"""`require_scope(...)`: 401 without a valid key, 403 with a key that lacks the scope.

A request's key is looked up at most once: the rate limiter (which buckets by key) resolves it
first and leaves the Principal, or None, in the request state for these dependencies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import Scope as AsgiScope

from orchestrator.api.errors import ApiError
from orchestrator.auth import service
from orchestrator.auth.models import Scope
from orchestrator.auth.service import Principal

API_KEY_HEADER = "X-API-Key"
PRINCIPAL_STATE = "principal"  # request state key: Principal, or None for "no valid key"


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The key sent as X-API-Key or Authorization: Bearer (headers looked up lower-case)."""
    key = headers.get(API_KEY_HEADER.lower())
    if key:
        return key
    authorization = headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def principal_for(
    scope: AsgiScope, headers: Mapping[str, str], sessions: async_sessionmaker[AsyncSession]
) -> Principal | None:
    """The request's Principal (None without a valid key), looked up once per request."""
    state = scope.setdefault("state", {})
    if PRINCIPAL_STATE in state:
        cached: Principal | None = state[PRINCIPAL_STATE]
        return cached
    presented = presented_key(headers)
    principal = None
    if presented is not None:
        async with sessions() as session:
            principal = await service.authenticate(session, presented=presented)
    state[PRINCIPAL_STATE] = principal
    return principal


async def _require(request: Request, scope: Scope) -> Principal:
    principal = await principal_for(
        request.scope, request.headers, request.app.state.runtime.sessions
    )
    if principal is None:
        raise ApiError(
            401,
            "unauthorized",
            f"Send a valid API key in {API_KEY_HEADER} or Authorization: Bearer.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not principal.allows(scope):
        raise ApiError(403, "forbidden", f"This key lacks the {scope.value} scope.")
    return principal


def require_scope(scope: Scope) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        return await _require(request, scope)

    return dependency


async def classify_access(request: Request) -> Principal | None:
    """The classify scope where ORCH_CLASSIFY_REQUIRES_KEY (or production) asks for it."""
    if not request.app.state.runtime.settings.classify_key_required:
        return None
    return await _require(request, Scope.CLASSIFY)
