"""Hands tickets to an external ticketing system as a signed JSON POST, with retries.

The ticket is always recorded in the service database first (``DatabaseTicketing``), so an
outage of the external system degrades the answer (``delivery="pending"``) and loses nothing.

What the receiver gets, per attempt::

    POST <ORCH_WEBHOOK_URL>
    Content-Type: application/json
    Idempotency-Key: <request_id>             one ticket per request, however often it is sent
    X-Orchestrator-Timestamp: <unix seconds>  fresh per attempt; refuse old ones (replays)
    X-Orchestrator-Signature: sha256=<hex>    HMAC-SHA256(secret, "<timestamp>." + raw body)

Retried: connect errors, timeouts, dropped connections, 5xx and 429 (never sooner than its
Retry-After; a Retry-After beyond ``retry_after_max`` ends the attempts). Not retried: other 4xx,
which mark the ticket ``rejected`` for a person to look at. Every failed attempt counts in
``integration_errors_total{adapter="webhook"}``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import httpx
from pydantic import SecretStr

from orchestrator import __version__
from orchestrator.integrations.base import Delivery, TicketDraft, TicketingAdapter, TicketRef
from orchestrator.integrations.database import DatabaseTicketing
from orchestrator.observability.logging import get_logger
from orchestrator.observability.metrics import Metrics
from orchestrator.resilience.retry import parse_retry_after

log = get_logger(__name__)

SIGNATURE_HEADER = "X-Orchestrator-Signature"
TIMESTAMP_HEADER = "X-Orchestrator-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_TOLERANCE_SECONDS = 300
_EXTERNAL_REF_KEYS = ("id", "ticket_id", "reference", "key")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for one attempt."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify_signature(
    secret: str,
    *,
    body: bytes,
    timestamp: str,
    signature: str,
    now: float | None = None,
    tolerance_seconds: float = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def ticket_payload(ref: TicketRef, draft: TicketDraft) -> bytes:
    """The JSON body: canonical (sorted keys, no spaces) so it signs the same every time."""
    payload: dict[str, Any] = {
        "event": "ticket.created",
        "ticket": {
            "id": ref.id,
            "request_id": ref.request_id,
            "created_at": ref.created_at.isoformat(),
            "intent": draft.intent,
            "queue": draft.queue,
            "status": draft.status,
            "channel": draft.channel,
            "summary": draft.summary,
            "customer_id": draft.customer_id,
            "order_number": draft.order_number,
            "entities": draft.entities,
            "details": draft.details,
        },
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    delivery: Delivery
    attempts: int
    external_ref: str | None = None
    error: str | None = None


def _external_ref(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict):
        for key in _EXTERNAL_REF_KEYS:
            value = body.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                return str(value)
    return None


def _transport_error(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connect_error"
    return "network_error"


class WebhookTicketing(TicketingAdapter):
    """Records the ticket locally, then POSTs it to the external system."""

    name = "webhook"

    def __init__(
        self,
        *,
        url: str,
        secret: SecretStr,
        local: DatabaseTicketing,
        metrics: Metrics,
        timeout_seconds: float = 5.0,
        max_retries: int = 3,
        backoff_seconds: float = 0.25,
        backoff_max_seconds: float = 4.0,
        retry_after_max_seconds: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError("ORCH_WEBHOOK_URL must be an http(s) URL")
        if not secret.get_secret_value():
            raise ValueError("ORCH_WEBHOOK_SECRET is empty; the receiver could not verify us")
        self.url = url
        self._secret = secret
        self.local = local
        self._errors = metrics.integration_errors.labels(adapter=self.name)
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self.backoff_seconds = backoff_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.retry_after_max_seconds = retry_after_max_seconds
        self._clock = clock
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_seconds),
            transport=transport,
            follow_redirects=False,
            headers={"User-Agent": f"orchestrator/{__version__}"},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def create_ticket(self, draft: TicketDraft) -> TicketRef:
        ref = await self.local.create_ticket(draft)
        if ref.delivery is not Delivery.PENDING:
            return ref  # handed over (or refused) by an earlier attempt of this request
        return await self._hand_over(ref, draft)

    async def redeliver_pending(self, *, limit: int = 100) -> dict[str, int]:
        """Try again for tickets an outage left pending; counts by resulting delivery state."""
        counts = {state.value: 0 for state in Delivery}
        for ref, draft in await self.local.pending(limit=limit):
            counts[(await self._hand_over(ref, draft)).delivery.value] += 1
        return counts

    async def _hand_over(self, ref: TicketRef, draft: TicketDraft) -> TicketRef:
        result = await self.deliver(ref, draft)
        stored = await self.local.record_delivery(
            ref.id,
            delivery=result.delivery,
            attempts=result.attempts,
            external_ref=result.external_ref,
            error=result.error,
        )
        return replace(stored or ref, created=ref.created)

    def _headers(self, body: bytes, request_id: str) -> dict[str, str]:
        timestamp = str(int(self._clock()))
        return {
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: request_id,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self._secret.get_secret_value(), timestamp, body),
        }

    def _backoff(self, retry: int) -> float:
        """Exponential with equal jitter: half the step fixed, half random."""
        step = min(self.backoff_max_seconds, self.backoff_seconds * 2.0**retry)
        return step / 2 + random.uniform(0, step / 2)

    async def _post(self, body: bytes, request_id: str) -> httpx.Response:
        async with asyncio.timeout(self.timeout_seconds):  # the whole exchange, not per read
            return await self._client.post(
                self.url, content=body, headers=self._headers(body, request_id)
            )

    async def deliver(self, ref: TicketRef, draft: TicketDraft) -> DeliveryResult:
        """POST the ticket until it is acknowledged, refused, or the retries run out."""
        body = ticket_payload(ref, draft)
        error = "not_attempted"
        for attempt in range(self.max_retries + 1):
            wait = self._backoff(attempt)
            try:
                response = await self._post(body, ref.request_id)
            except (httpx.TransportError, TimeoutError) as exc:
                error = _transport_error(exc)
            else:
                if response.is_success:
                    log.info("webhook_delivered", ticket_id=ref.id, attempts=attempt + 1)
                    return DeliveryResult(
                        Delivery.DELIVERED, attempt + 1, external_ref=_external_ref(response)
                    )
                status = response.status_code
                error = f"http_{status}"
                if status != 429 and status < 500:
                    self._failed(ref, attempt, error)
                    return DeliveryResult(Delivery.REJECTED, attempt + 1, error=error)
                retry_after = parse_retry_after(response.headers)
                if retry_after is not None:
                    if retry_after > self.retry_after_max_seconds:
                        self._failed(ref, attempt, error)
                        return DeliveryResult(Delivery.PENDING, attempt + 1, error=error)
                    wait = max(wait, retry_after)
            self._failed(ref, attempt, error)
            if attempt < self.max_retries:
                await asyncio.sleep(wait)
        log.warning("webhook_pending", ticket_id=ref.id, attempts=self.max_retries + 1, error=error)
        return DeliveryResult(Delivery.PENDING, self.max_retries + 1, error=error)

    def _failed(self, ref: TicketRef, attempt: int, error: str) -> None:
        self._errors.inc()
        log.warning("webhook_attempt_failed", ticket_id=ref.id, attempt=attempt + 1, error=error)
