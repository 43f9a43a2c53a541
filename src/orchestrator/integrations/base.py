"""The interfaces the service-action workflow talks to: a ticketing system and an order system.

Adapters are chosen by name in settings (``ORCH_TICKETING_ADAPTER``). The contracts:

- ``TicketingAdapter.create_ticket`` is idempotent per ``request_id``: a retried request gets
  the ticket the first attempt made, never a second one. It does not raise for an outage of a
  remote system it forwards to; it keeps the ticket and reports ``delivery="pending"``.
- ``OrderSystem.get_order`` returns None for an unknown order; it raises ``IntegrationError``
  when the order system cannot answer.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar


class IntegrationError(Exception):
    """An external system could not do what was asked (outage, refusal, bad answer)."""


class Delivery(StrEnum):
    """Where a ticket stands with the system of record it is handed to."""

    LOCAL = "local"  # the service's own database is the ticketing system: nothing to hand over
    DELIVERED = "delivered"  # the external system acknowledged it (2xx)
    PENDING = "pending"  # the external system could not be reached; kept here to send again
    REJECTED = "rejected"  # the external system refused it (4xx): a person has to look


@dataclass(frozen=True, slots=True)
class TicketDraft:
    """What a ticket is made from. ``summary`` is already PII-redacted."""

    request_id: str
    intent: str
    queue: str
    channel: str
    summary: str
    status: str = "open"
    customer_id: str | None = None
    order_number: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TicketRef:
    """The ticket an adapter made (or found, for a retried request)."""

    id: str
    request_id: str
    queue: str
    status: str
    created_at: datetime
    created: bool  # False when an earlier attempt of the same request already made it
    delivery: Delivery = Delivery.LOCAL
    external_ref: str | None = None


@dataclass(frozen=True, slots=True)
class OrderInfo:
    """An order as the order system reports it."""

    order_number: str
    customer_id: str
    status: str
    items: list[dict[str, Any]]
    total_cents: int
    currency: str
    carrier: str | None
    tracking_number: str | None
    estimated_delivery: datetime | None
    updated_at: datetime

    def summary(self) -> dict[str, Any]:
        """What the customer who owns the order may be told: status and shipping, no items."""
        eta = self.estimated_delivery
        return {
            "order_number": self.order_number,
            "status": self.status,
            "carrier": self.carrier,
            "tracking_number": self.tracking_number,
            "estimated_delivery": eta.isoformat() if eta is not None else None,
        }


class TicketingAdapter(abc.ABC):
    """Creates tickets in a ticketing system."""

    name: ClassVar[str]

    @abc.abstractmethod
    async def create_ticket(self, draft: TicketDraft) -> TicketRef:
        """Create the ticket for ``draft.request_id``, or return the one that already exists."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections the adapter holds."""


class OrderSystem(abc.ABC):
    """Answers what an order is and whose it is."""

    name: ClassVar[str]

    @abc.abstractmethod
    async def get_order(self, order_number: str) -> OrderInfo | None:
        """The order, or None when the order system does not know the number."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections the adapter holds."""
