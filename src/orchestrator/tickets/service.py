"""Tickets in the service database: create (unique per request), read, list, record delivery."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select

from orchestrator.integrations.base import Delivery, TicketDraft
from orchestrator.storage.tables import Ticket

MAX_LIMIT = 200


class TicketStatus(StrEnum):
    OPEN = "open"  # ready for the queue to act on
    NEEDS_REVIEW = "needs_review"  # the classifier was unsure: a person checks the intent first
    RESOLVED = "resolved"
    CLOSED = "closed"


class Queue(StrEnum):
    CUSTOMER_CARE = "customer_care"
    ORDERS = "orders"
    PHARMACY = "pharmacy"
    ACCOUNTS = "accounts"


@dataclass(frozen=True, slots=True)
class TicketFilter:
    queue: str | None = None
    intent: str | None = None
    status: str | None = None
    customer_id: str | None = None
    delivery: str | None = None


def new_ticket_id() -> str:
    return f"TKT-{uuid.uuid4().hex[:16].upper()}"


async def get_ticket(session: AsyncSession, *, ticket_id: str) -> Ticket | None:
    return await session.get(Ticket, ticket_id)


async def get_by_request_id(session: AsyncSession, *, request_id: str) -> Ticket | None:
    return await session.scalar(select(Ticket).where(Ticket.request_id == request_id))


def _filtered(query: Select[Ticket], where: TicketFilter) -> Select[Ticket]:
    for column, value in (
        (Ticket.queue, where.queue),
        (Ticket.intent, where.intent),
        (Ticket.status, where.status),
        (Ticket.customer_id, where.customer_id),
        (Ticket.delivery, where.delivery),
    ):
        if value is not None:
            query = query.where(column == value)
    return query


async def list_tickets(
    session: AsyncSession, *, where: TicketFilter, limit: int = 50, offset: int = 0
) -> tuple[list[Ticket], int]:
    """One page of tickets, newest first, and how many match in all."""
    query = _filtered(select(Ticket), where)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    page = query.order_by(Ticket.created_at.desc(), Ticket.id.desc())
    page = page.limit(max(1, min(limit, MAX_LIMIT))).offset(max(0, offset))
    return list((await session.scalars(page)).all()), int(total or 0)


async def create_ticket(
    session: AsyncSession, draft: TicketDraft, *, delivery: Delivery, now: datetime | None = None
) -> Ticket:
    """Insert and commit. Raises IntegrityError when the request already has a ticket."""
    row = Ticket(
        id=new_ticket_id(),
        request_id=draft.request_id,
        intent=draft.intent,
        status=draft.status,
        queue=draft.queue,
        customer_id=draft.customer_id,
        order_number=draft.order_number,
        channel=draft.channel,
        summary=draft.summary,
        entities=list(draft.entities),
        details=dict(draft.details),
        created_at=now or datetime.now(UTC),
        delivery=delivery.value,
        external_ref=None,
        delivery_attempts=0,
        delivery_error=None,
        delivered_at=None,
    )
    session.add(row)
    await session.commit()
    return row


async def record_delivery(
    session: AsyncSession,
    *,
    ticket_id: str,
    delivery: Delivery,
    attempts: int,
    external_ref: str | None = None,
    error: str | None = None,
    now: datetime | None = None,
) -> Ticket | None:
    """Note how handing the ticket over went. A delivered ticket is never set back."""
    row = await session.get(Ticket, ticket_id, with_for_update=True)
    if row is None:
        return None
    if row.delivery != Delivery.DELIVERED.value:
        row.delivery = delivery.value
        row.delivery_attempts = row.delivery_attempts + attempts
        row.delivery_error = error[:120] if error else None
        if delivery is Delivery.DELIVERED:
            row.external_ref = external_ref[:200] if external_ref else None
            row.delivered_at = now or datetime.now(UTC)
        await session.commit()
    return row


async def list_undelivered(session: AsyncSession, *, limit: int = 100) -> list[Ticket]:
    """Tickets whose hand-over is still pending, oldest first."""
    query = select(Ticket).where(Ticket.delivery == Delivery.PENDING.value)
    query = query.order_by(Ticket.created_at, Ticket.id).limit(max(1, min(limit, MAX_LIMIT)))
    return list((await session.scalars(query)).all())
