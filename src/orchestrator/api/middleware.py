"""Request ids, a request's log fields, and the one access-log line per request.

The request id is bound to the structlog context for the request (by the edge middleware,
api/edge.py), so every line logged while it is served carries it.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

from starlette.types import Message, Scope

from orchestrator.observability.logging import info_line

REQUEST_ID_HEADER = b"x-request-id"  # read and answered as a raw ASGI header name
_WELL_FORMED = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def request_id_for(scope: Scope) -> str:
    """The caller's X-Request-ID when it is well formed, else a fresh one (32 hex digits)."""
    incoming = ""
    for name, value in scope.get("headers") or ():
        if name == REQUEST_ID_HEADER:
            incoming = value.decode("latin-1")  # the last one, as a dict of them would keep
    return incoming if _WELL_FORMED.match(incoming) else os.urandom(16).hex()


def append_headers(message: Message, pairs: list[tuple[bytes, bytes]]) -> None:
    """Add headers the app itself never sets to an `http.response.start` message.

    Appending the raw pairs: `MutableHeaders` would first scan every header for each name.
    """
    headers = message.get("headers")
    if isinstance(headers, list):
        headers.extend(pairs)
    else:
        message["headers"] = [*(headers or ()), *pairs]


def request_fields(scope: Scope) -> dict[str, Any]:
    """Fields a handler adds to its request's log line (category, confidence, tier …)."""
    state = scope.setdefault("state", {})
    fields: dict[str, Any] = state.setdefault("log_fields", {})
    return fields


def access_line(scope: Scope, status: int, started: float, fields: dict[str, Any]) -> None:
    """The request's one line: method, path, status, latency and the handler's fields."""
    info_line(
        {
            "event": "request",
            "method": scope.get("method"),
            "path": scope.get("path"),
            "status": status,
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
            **fields,
        }
    )
