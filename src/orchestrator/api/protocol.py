"""uvicorn's httptools protocol, sending each response's head and body in one write.

uvicorn writes a response's status line and headers to the socket when the app sends
`http.response.start`, and its body when the app sends `http.response.body`: two `send` calls
per response, each a trip through the kernel's TCP stack, and on a keep-alive connection two
wake-ups of the client, which reads the head and then waits for the rest. Here each request's
cycle writes through a `HeadHolder`, which keeps the head back until the first body write and
sends both together. Only the head is held, and never longer than the response takes to start
its body: an interim `100 Continue` goes out at once, a streamed body's chunks go out as they
come, and a response without a body write (HEAD) releases its head when it completes.

`orchestrator serve` runs uvicorn with this protocol (`UVICORN_OPTIONS`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

HTTP_PROTOCOL = "orchestrator.api.protocol:CoalescingHttpToolsProtocol"
# How `orchestrator serve` runs uvicorn; the tests' live servers take the same.
UVICORN_OPTIONS: dict[str, Any] = {
    "http": HTTP_PROTOCOL,
    "access_log": False,  # the app writes one access line per request (api/middleware.py)
    "log_level": "warning",
    "log_config": None,  # uvicorn's records go through our handler: JSON, PII redacted
    "proxy_headers": False,  # X-Forwarded-For: only from ORCH_TRUSTED_PROXIES, in the app
}


class HeadHolder:
    """The transport as one request's cycle sees it: its response head waits for the body."""

    __slots__ = ("_cycle", "_head", "_started", "_transport")

    def __init__(self, transport: asyncio.Transport, cycle: RequestResponseCycle) -> None:
        self._transport = transport
        self._cycle = cycle
        self._head: bytes | None = None
        self._started = False  # the head has been written (held or sent)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._started and self._cycle.response_started:  # the head: hold it
            self._started = True
            self._head = bytes(data)
            return
        if self._head is not None:
            data, self._head = self._head + bytes(data), None
        self._transport.write(data)

    def release(self) -> None:
        """Send a held head now (the response ended without writing a body)."""
        if self._head is not None:
            head, self._head = self._head, None
            self._transport.write(head)

    def close(self) -> None:
        self.release()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:  # is_closing, get_extra_info, abort, …
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol whose request cycles write through a `HeadHolder`."""

    def on_headers_complete(self) -> None:
        previous = self.cycle
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is previous:  # an upgrade: no new request cycle
            return
        holder = HeadHolder(self.transport, cycle)
        cycle.transport = holder  # type: ignore[assignment]
        completed = cycle.on_response

        def on_response() -> None:  # this cycle's response is complete: nothing may stay held
            holder.release()
            completed()

        cycle.on_response = on_response
