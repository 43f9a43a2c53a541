"""Per-request telemetry: HTTP metrics, the classify outcome counter, the request's span tagged.

The request's server span is FastAPI's own (its native OpenTelemetry support, on whenever a
tracer provider is installed: see observability/tracing.py); this middleware adds the request id
to it. It sits outside the guardrails, so refused requests (429, 503) are measured like the rest.
Routes are labelled by template (`/api/v1/tickets/{ticket_id}`), never by raw path, so the
metrics' cardinality stays fixed whatever clients send.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from fastapi.routing import RouteContext, iter_route_contexts
from opentelemetry import trace
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchestrator.api.guardrails import REFUSED
from orchestrator.api.middleware import request_fields
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


class TelemetryMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self._routes: list[RouteContext] | None = None  # the app's, once it is serving
        self._templates: dict[str, str] = {}  # path -> template; a route matches by path alone

    def routes(self, scope: Scope) -> list[RouteContext]:
        if self._routes is None:
            self._routes = list(iter_route_contexts(scope["app"].routes))
        return self._routes

    def template(self, scope: Scope) -> str:
        path = scope["path"]
        template = self._templates.get(path)
        if template is None:
            template = route_template(self.routes(scope), scope)
            if len(self._templates) < TEMPLATE_CACHE_SIZE:
                self._templates[path] = template
        return template

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = scope.get("state", {}).get("request_id")
        if request_id:
            trace.get_current_span().set_attribute("request.id", request_id)
        started = time.perf_counter()
        method = scope["method"] if scope["method"] in METHODS else "OTHER"
        route = self.template(scope)
        counted = False

        async def send_with_status(message: Message) -> None:
            nonlocal counted
            if message["type"] == "http.response.start":
                # Counted before the client can see the answer: a scrape after a response
                # always includes it.
                self._count(scope, method, route, message["status"])
                counted = True
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            if not counted:  # the app failed before answering; the server answers 500
                self._count(scope, method, route, 500)
            self.metrics.http_latency_by(method, route).observe(time.perf_counter() - started)

    def _count(self, scope: Scope, method: str, route: str, status: int) -> None:
        metrics = self.metrics
        metrics.http_requests_by(method, route, str(status)).inc()
        if route == CLASSIFY_ROUTE and method == "POST":
            fields = request_fields(scope)
            metrics.requests_by(
                fields.get("category", "none"),
                fields.get("channel", "none"),
                classify_status(status, fields.get(REFUSED)),
            ).inc()
