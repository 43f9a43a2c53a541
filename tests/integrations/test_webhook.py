"""The webhook adapter against a real ticketing system on loopback, with faults on demand.

The receiver is a ThreadingHTTPServer: it verifies the signature and timestamp itself (not with
the adapter's helper), keeps one external ticket per Idempotency-Key, and answers each request
with the next scripted fault (a status, a delay, headers) until the script runs out.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.integrations.base import Delivery, TicketDraft
from orchestrator.integrations.database import DatabaseTicketing
from orchestrator.integrations.webhook import (
    WebhookTicketing,
    sign,
    verify_signature,
)
from orchestrator.observability.metrics import Metrics
from orchestrator.storage.tables import Ticket
from support.loopback import LoopbackServer

SECRET = "loopback-webhook-secret"
TIMEOUT = 0.3
SLOW = 1.0  # beyond TIMEOUT: the adapter gives up on the attempt
Sessions = async_sessionmaker[AsyncSession]
NewDraft = Callable[..., TicketDraft]


@dataclass(frozen=True)
class Fault:
    status: int | None = None  # answer with this status instead of handling the request
    delay: float = 0.0  # wait this long first
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    signature_ok: bool
    at: float  # monotonic


class Receiver(LoopbackServer):
    """An external ticketing system: signed POSTs in, one ticket per Idempotency-Key."""

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret.encode()
        self.faults: list[Fault] = []
        self.received: list[Received] = []
        self.tickets: dict[str, str] = {}  # idempotency key -> external id
        self.lock = threading.Lock()
        super().__init__()

    @property
    def url(self) -> str:
        return f"{self.origin}/tickets"

    def _verified(self, headers: dict[str, str], body: bytes) -> bool:
        timestamp = headers.get("x-orchestrator-timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return False
        mac = hmac.new(self.secret, timestamp.encode() + b"." + body, hashlib.sha256)
        expected = f"sha256={mac.hexdigest()}"
        return hmac.compare_digest(expected, headers.get("x-orchestrator-signature", ""))

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        body = request.rfile.read(int(headers.get("content-length", "0")))
        ok = self._verified(headers, body)
        with self.lock:
            self.received.append(Received(headers, body, ok, time.monotonic()))
            fault = self.faults.pop(0) if self.faults else Fault()
        if fault.delay:
            time.sleep(fault.delay)
        if fault.status is not None:
            self._answer(request, fault.status, {"error": "injected"}, fault.headers)
        elif not ok:
            self._answer(request, 401, {"error": "bad signature"})
        else:
            key = headers["idempotency-key"]
            with self.lock:
                external = self.tickets.setdefault(key, f"EXT-{len(self.tickets) + 1}")
            self._answer(request, 201, {"id": external, "status": "new"})

    @staticmethod
    def _answer(
        request: BaseHTTPRequestHandler,
        status: int,
        payload: dict[str, str],
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    try:
        yield server
    finally:
        server.close()


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tickets"


AdapterFactory = Callable[..., WebhookTicketing]


@pytest.fixture
async def make_adapter(
    sessions: Sessions, metrics: Metrics, receiver: Receiver
) -> AsyncIterator[AdapterFactory]:
    """`make_adapter(url=receiver.url, secret=SECRET, **options)`; closed after the test."""
    made: list[WebhookTicketing] = []

    def build(url: str | None = None, secret: str = SECRET, **options: Any) -> WebhookTicketing:
        settings: dict[str, Any] = {
            "timeout_seconds": TIMEOUT,
            "max_retries": 2,
            "backoff_seconds": 0.01,
            "backoff_max_seconds": 0.05,
            "retry_after_max_seconds": 2.0,
        }
        settings.update(options)
        adapter = WebhookTicketing(
            url=url or receiver.url,
            secret=SecretStr(secret),
            local=DatabaseTicketing(sessions, delivery=Delivery.PENDING),
            metrics=metrics,
            **settings,
        )
        made.append(adapter)
        return adapter

    yield build
    for adapter in made:
        await adapter.aclose()


def _failures(metrics: Metrics) -> float:
    value = metrics.registry.get_sample_value("integration_errors_total", {"adapter": "webhook"})
    return value or 0.0


async def _row(sessions: Sessions, ticket_id: str) -> Ticket:
    async with sessions() as session:
        row = await session.get(Ticket, ticket_id)
    assert row is not None
    return row


async def test_when_receiver_accepts_then_delivered_signed_and_recorded(
    make_adapter: AdapterFactory, receiver: Receiver, sessions: Sessions, new_draft: NewDraft
) -> None:
    draft = new_draft()
    ref = await make_adapter().create_ticket(draft)

    assert (ref.delivery, ref.external_ref, ref.created) == (Delivery.DELIVERED, "EXT-1", True)
    [request] = receiver.received
    assert request.signature_ok
    assert request.headers["idempotency-key"] == draft.request_id
    assert request.headers["content-type"] == "application/json"
    assert abs(int(request.headers["x-orchestrator-timestamp"]) - time.time()) < 60
    body = json.loads(request.body)
    assert body["event"] == "ticket.created"
    assert body["ticket"]["id"] == ref.id
    assert body["ticket"]["summary"] == draft.summary
    assert body["ticket"]["queue"] == "orders"
    row = await _row(sessions, ref.id)
    assert (row.delivery, row.external_ref, row.delivery_attempts) == ("delivered", "EXT-1", 1)
    assert row.delivered_at is not None


async def test_when_503_twice_then_retried_and_delivered_once(
    make_adapter: AdapterFactory,
    receiver: Receiver,
    sessions: Sessions,
    metrics: Metrics,
    new_draft: NewDraft,
) -> None:
    receiver.faults = [Fault(503), Fault(503)]
    ref = await make_adapter().create_ticket(new_draft())

    assert ref.delivery is Delivery.DELIVERED
    assert len(receiver.received) == 3
    assert all(r.signature_ok for r in receiver.received)
    assert len({r.headers["idempotency-key"] for r in receiver.received}) == 1
    assert len(receiver.tickets) == 1
    assert _failures(metrics) == 2
    assert (await _row(sessions, ref.id)).delivery_attempts == 3


async def test_when_400_then_not_retried_and_rejected(
    make_adapter: AdapterFactory,
    receiver: Receiver,
    sessions: Sessions,
    metrics: Metrics,
    new_draft: NewDraft,
) -> None:
    receiver.faults = [Fault(400)]
    ref = await make_adapter().create_ticket(new_draft())

    assert ref.delivery is Delivery.REJECTED
    assert len(receiver.received) == 1
    assert _failures(metrics) == 1
    row = await _row(sessions, ref.id)
    assert (row.delivery, row.delivery_error, row.external_ref) == ("rejected", "http_400", None)


async def test_when_receiver_too_slow_then_retried_then_pending(
    make_adapter: AdapterFactory,
    receiver: Receiver,
    sessions: Sessions,
    metrics: Metrics,
    new_draft: NewDraft,
) -> None:
    receiver.faults = [Fault(delay=SLOW)] * 3
    ref = await make_adapter().create_ticket(new_draft())

    assert ref.delivery is Delivery.PENDING
    assert ref.created is True
    assert len(receiver.received) == 3
    assert _failures(metrics) == 3
    row = await _row(sessions, ref.id)
    assert (row.delivery, row.delivery_error, row.delivery_attempts) == ("pending", "timeout", 3)


async def test_when_connection_refused_then_ticket_kept_pending(
    make_adapter: AdapterFactory, sessions: Sessions, metrics: Metrics, new_draft: NewDraft
) -> None:
    ref = await make_adapter(url=_closed_port_url()).create_ticket(new_draft())

    assert ref.delivery is Delivery.PENDING
    assert _failures(metrics) == 3
    row = await _row(sessions, ref.id)
    assert (row.delivery, row.delivery_error) == ("pending", "connect_error")


async def test_when_429_then_retry_waits_for_retry_after(
    make_adapter: AdapterFactory, receiver: Receiver, new_draft: NewDraft
) -> None:
    receiver.faults = [Fault(429, headers={"Retry-After": "1"})]
    ref = await make_adapter().create_ticket(new_draft())

    assert ref.delivery is Delivery.DELIVERED
    first, second = receiver.received
    assert second.at - first.at >= 0.95


async def test_when_retry_after_beyond_limit_then_pending_without_retry(
    make_adapter: AdapterFactory, receiver: Receiver, new_draft: NewDraft
) -> None:
    receiver.faults = [Fault(503, headers={"Retry-After": "120"})]
    ref = await make_adapter().create_ticket(new_draft())

    assert ref.delivery is Delivery.PENDING
    assert len(receiver.received) == 1


async def test_when_secret_wrong_then_receiver_refuses_and_ticket_rejected(
    make_adapter: AdapterFactory, receiver: Receiver, new_draft: NewDraft
) -> None:
    ref = await make_adapter(secret="not-the-shared-secret").create_ticket(new_draft())

    assert ref.delivery is Delivery.REJECTED
    [request] = receiver.received
    assert not request.signature_ok
    assert receiver.tickets == {}


async def test_when_same_request_twice_then_posted_once(
    make_adapter: AdapterFactory, receiver: Receiver, sessions: Sessions, new_draft: NewDraft
) -> None:
    adapter = make_adapter()
    first = await adapter.create_ticket(new_draft("req-webhook-twice"))
    again = await adapter.create_ticket(new_draft("req-webhook-twice"))

    assert again.id == first.id
    assert (again.created, again.delivery, again.external_ref) == (
        False,
        Delivery.DELIVERED,
        "EXT-1",
    )
    assert len(receiver.received) == 1


async def test_when_same_request_concurrently_then_one_ticket_on_each_side(
    make_adapter: AdapterFactory, receiver: Receiver, sessions: Sessions, new_draft: NewDraft
) -> None:
    adapter = make_adapter()
    refs = await asyncio.gather(
        *(adapter.create_ticket(new_draft("req-webhook-race")) for _ in range(5))
    )

    assert len({ref.id for ref in refs}) == 1
    assert sum(ref.created for ref in refs) == 1
    assert len(receiver.tickets) == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 1


async def test_when_outage_over_then_pending_tickets_redelivered(
    make_adapter: AdapterFactory, receiver: Receiver, sessions: Sessions, new_draft: NewDraft
) -> None:
    down = make_adapter(url=_closed_port_url(), max_retries=0)
    refs = [await down.create_ticket(new_draft()) for _ in range(2)]
    assert {ref.delivery for ref in refs} == {Delivery.PENDING}

    counts = await make_adapter().redeliver_pending()

    assert counts["delivered"] == 2
    assert {(await _row(sessions, ref.id)).delivery for ref in refs} == {"delivered"}
    assert len(receiver.tickets) == 2


async def test_when_retried_after_outage_then_delivered_under_same_key(
    make_adapter: AdapterFactory, receiver: Receiver, new_draft: NewDraft
) -> None:
    receiver.faults = [Fault(503)] * 3
    adapter = make_adapter()
    first = await adapter.create_ticket(new_draft("req-after-outage"))
    again = await adapter.create_ticket(new_draft("req-after-outage"))

    assert (first.delivery, again.delivery) == (Delivery.PENDING, Delivery.DELIVERED)
    assert again.id == first.id
    assert {r.headers["idempotency-key"] for r in receiver.received} == {"req-after-outage"}


NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("body", "timestamp", "signature", "valid"),
    [
        (b'{"a":1}', str(int(NOW)), sign(SECRET, str(int(NOW)), b'{"a":1}'), True),
        (b'{"a":2}', str(int(NOW)), sign(SECRET, str(int(NOW)), b'{"a":1}'), False),
        (b'{"a":1}', str(int(NOW) - 301), sign(SECRET, str(int(NOW) - 301), b'{"a":1}'), False),
        (b'{"a":1}', str(int(NOW) + 1), sign(SECRET, str(int(NOW)), b'{"a":1}'), False),
        (b'{"a":1}', "yesterday", sign(SECRET, "yesterday", b'{"a":1}'), False),
        (b'{"a":1}', str(int(NOW)), sign("other", str(int(NOW)), b'{"a":1}'), False),
    ],
    ids=["valid", "body-changed", "too-old", "timestamp-changed", "not-a-time", "other-secret"],
)
def test_verify_signature(body: bytes, timestamp: str, signature: str, valid: bool) -> None:
    assert (
        verify_signature(SECRET, body=body, timestamp=timestamp, signature=signature, now=NOW)
        is valid
    )


def test_when_secret_empty_then_refused(sessions: Sessions, metrics: Metrics) -> None:
    with pytest.raises(ValueError, match="SECRET"):
        WebhookTicketing(
            url="http://127.0.0.1:9/tickets",
            secret=SecretStr(""),
            local=DatabaseTicketing(sessions),
            metrics=metrics,
        )
