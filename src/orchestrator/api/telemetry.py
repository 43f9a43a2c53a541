"""Per-request telemetry: HTTP metrics and the classify outcome counter (counted by api/edge.py).

The request's server span is FastAPI's own (its native OpenTelemetry support, on whenever a
tracer provider is installed: see observability/tracing.py); the edge adds the request id to it.
Refused requests (429, 503) are measured like the rest. Routes are labelled by template
(`/api/v1/tickets/{ticket_id}`), never by raw path, so the metrics' cardinality stays fixed
whatever clients send.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi.routing import RouteContext, iter_route_contexts
from starlette.routing import Match
from starlette.types import Scope

from orchestrator.api.guardrails import REFUSED
from orchestrator.observability.metrics import Metrics

CLASSIFY_ROUTE = "/api/v1/classify"
UNMATCHED = "<unmatched>"
TEMPLATE_CACHE_SIZE = 1024  # paths remembered; beyond that (ids in paths), matched each time
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(routes: Sequence[RouteContext], scope: Scope) -> str:
    """The template of the route that serves (or would serve) this path."""
    for route in routes:
        match, _ = route.matches(scope)
        if match is not Match.NONE and route.path is not None:
            return route.path
    return UNMATCHED


def classify_status(status: int, refused: str | None) -> str:
    """The `status` label of classification_requests_total for one response."""
    if status < 300:
        return "ok"
    if status in (401, 403):
        return "unauthorized"
    if status == 429:
        return "rate_limited"
    if status < 500:
        return "invalid"
    if status == 503:
        return "shed" if refused == "shed" else "unavailable"
    return "error"


def method_label(scope: Scope) -> str:
    method: str = scope["method"]
    return method if method in METHODS else "OTHER"


class RouteTemplates:
    """Path → route template, for the app being served (its routes read on first use)."""

    def __init__(self) -> None:
        self._routes: list[RouteContext] | None = None
        self._templates: dict[str, str] = {}  # a route matches by path alone

    def __call__(self, scope: Scope) -> str:
        path = scope["path"]
        template = self._templates.get(path)
        if template is None:
            if self._routes is None:
                self._routes = list(iter_route_contexts(scope["app"].routes))
            template = route_template(self._routes, scope)
            if len(self._templates) < TEMPLATE_CACHE_SIZE:
                self._templates[path] = template
        return template


def count_response(
    metrics: Metrics, method: str, route: str, status: int, fields: dict[str, Any]
) -> None:
    """http_requests_total, and classification_requests_total for the classify route."""
    metrics.http_requests_by(method, route, str(status)).inc()
    if route == CLASSIFY_ROUTE and method == "POST":
        metrics.requests_by(
            fields.get("category", "none"),
            fields.get("channel", "none"),
            classify_status(status, fields.get(REFUSED)),
        ).inc()
