"""Request ids and the one access-log line per request (pure ASGI: no per-request task).

The request id is bound to the structlog context for the request, so every line logged while
it is served carries it.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchestrator.observability.logging import get_logger

REQUEST_ID_HEADER = b"x-request-id"  # read and answered as a raw ASGI header name
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
log = get_logger("orchestrator.access")


def append_header(message: Message, name: bytes, value: bytes) -> None:
    """Add a header the app itself never sets to an `http.response.start` message.

    Appending the raw pair: `MutableHeaders` would first scan every header for the name.
    """
    headers = message.get("headers")
    if isinstance(headers, list):
        headers.append((name, value))
    else:
        message["headers"] = [*(headers or ()), (name, value)]


def request_fields(scope: Scope) -> dict[str, Any]:
    """Fields a handler adds to its request's log line (category, confidence, tier …)."""
    state = scope.setdefault("state", {})
    fields: dict[str, Any] = state.setdefault("log_fields", {})
    return fields


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope.get("headers") or ():
            if name == REQUEST_ID_HEADER:
                incoming = value.decode("latin-1")  # the last one, as a dict of them would keep
        request_id = incoming if _WELL_FORMED.match(incoming) else os.urandom(16).hex()
        raw_id = request_id.encode("latin-1")
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        fields = request_fields(scope)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                append_header(message, REQUEST_ID_HEADER, raw_id)
            await send(message)

        bound = structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            # Left bound: the server's own record of this crash (uvicorn logs it in this task,
            # after we return) carries the request id too. Each request is its own task.
            self._access_line(scope, status, started, fields)
            raise
        self._access_line(scope, status, started, fields)
        structlog.contextvars.reset_contextvars(**bound)

    @staticmethod
    def _access_line(scope: Scope, status: int, started: float, fields: dict[str, Any]) -> None:
        log.info(
            "request",
            method=scope.get("method"),
            path=scope.get("path"),
            status=status,
            latency_ms=round((time.perf_counter() - started) * 1000, 2),
            **fields,
        )
