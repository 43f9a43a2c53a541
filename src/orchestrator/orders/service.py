"""Orders in the service database: read, list, and upsert (the demo loader's one write path)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.storage.tables import Order

MAX_LIMIT = 200
ORDER_PREFIX = "ORD-"
_ORDER_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,63}$")


class OrderStatus(StrEnum):
    PROCESSING = "processing"  # placed, not yet handed to a carrier: it can still be cancelled
    SHIPPED = "shipped"  # with a carrier (carrier, tracking number, estimated delivery known)
    DELIVERED = "delivered"  # arrived: a return, not a cancellation, undoes it
    CANCELLED = "cancelled"  # stopped before shipping; payment is released
    REFUNDED = "refunded"  # money returned after delivery or cancellation


@dataclass(frozen=True, slots=True)
class OrderData:
    """One order as the order system holds it, independent of the table."""

    order_number: str
    customer_id: str
    status: OrderStatus
    items: list[dict[str, Any]] = field(default_factory=list)
    total_cents: int = 0
    currency: str = "USD"
    carrier: str | None = None
    tracking_number: str | None = None
    estimated_delivery: datetime | None = None


_DATA_FIELDS = tuple(f.name for f in fields(OrderData))


def order_number_candidates(value: str) -> list[str]:
    """The stored spellings a customer's order number may stand for, most literal first.

    "ord 10021", "ORD10021" and "#10021" all find ``ORD-10021``; an id that cannot be an order
    number gives no candidates at all, so it is never sent to the database.
    """
    compact = re.sub(r"[\s#]+", "", value.strip().upper())
    if not _ORDER_NUMBER.match(compact):
        return []
    candidates = [compact]
    digits = compact.removeprefix("ORD").lstrip("-")
    if compact.startswith("ORD") and digits and digits[0].isdigit():
        candidates.append(ORDER_PREFIX + digits)
    elif compact[0].isdigit():
        candidates.append(ORDER_PREFIX + compact)
    return list(dict.fromkeys(candidates))


async def get_order(session: AsyncSession, *, order_number: str) -> Order | None:
    """The order a customer's spelling of its number refers to, if any."""
    for candidate in order_number_candidates(order_number):
        row = await session.get(Order, candidate)
        if row is not None:
            return row
    return None


async def list_orders(
    session: AsyncSession,
    *,
    customer_id: str | None = None,
    status: OrderStatus | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Order]:
    """Orders, most recently updated first, optionally for one customer or in one status."""
    query = select(Order)
    if customer_id is not None:
        query = query.where(Order.customer_id == customer_id)
    if status is not None:
        query = query.where(Order.status == status.value)
    query = query.order_by(Order.updated_at.desc(), Order.order_number)
    query = query.limit(max(1, min(limit, MAX_LIMIT))).offset(max(0, offset))
    return list((await session.scalars(query)).all())


def _same(row: Order, data: OrderData) -> bool:
    for name in _DATA_FIELDS:
        stored, wanted = getattr(row, name), getattr(data, name)
        if isinstance(stored, datetime) and stored.tzinfo is None:
            stored = stored.replace(tzinfo=UTC)  # SQLite hands back naive UTC
        if stored != wanted:
            return False
    return True


async def upsert_order(
    session: AsyncSession, data: OrderData, *, now: datetime | None = None
) -> str:
    """Insert or update one order; returns "created", "updated" or "unchanged". Commits."""
    row = await session.get(Order, data.order_number)
    if row is not None and _same(row, data):
        return "unchanged"
    values = {name: getattr(data, name) for name in _DATA_FIELDS}
    values["status"] = data.status.value
    values["updated_at"] = now or datetime.now(UTC)
    if row is None:
        session.add(Order(**values))
        outcome = "created"
    else:
        for name, value in values.items():
            setattr(row, name, value)
        outcome = "updated"
    await session.commit()
    return outcome
