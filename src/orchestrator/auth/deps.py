"""`require_scope(...)`: 401 without a valid key, 403 with a key that lacks the scope."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from orchestrator.api.errors import ApiError
from orchestrator.auth import service
from orchestrator.auth.models import Scope
from orchestrator.auth.service import Principal

API_KEY_HEADER = "X-API-Key"


def _presented(request: Request) -> str | None:
    key = request.headers.get(API_KEY_HEADER)
    if key:
        return key
    authorization = request.headers.get("authorization", "")
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def require_scope(scope: Scope) -> Callable[[Request], Awaitable[Principal]]:
    async def dependency(request: Request) -> Principal:
        presented = _presented(request)
        unauthorized = ApiError(
            401,
            "unauthorized",
            f"Send a valid API key in {API_KEY_HEADER} or Authorization: Bearer.",
            headers={"WWW-Authenticate": "Bearer"},
        )
        if presented is None:
            raise unauthorized
        async with request.app.state.runtime.sessions() as session:
            principal = await service.authenticate(session, presented=presented)
        if principal is None:
            raise unauthorized
        if not principal.allows(scope):
            raise ApiError(403, "forbidden", f"This key lacks the {scope.value} scope.")
        return principal

    return dependency
