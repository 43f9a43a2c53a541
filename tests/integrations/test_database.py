"""The default adapters on SQLite and PostgreSQL: tickets unique per request, orders by number."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.integrations.base import Delivery, TicketDraft
from orchestrator.integrations.database import DatabaseOrders, DatabaseTicketing
from orchestrator.orders import demo
from orchestrator.storage.tables import Ticket

Sessions = async_sessionmaker[AsyncSession]
NewDraft = Callable[..., TicketDraft]


async def _ticket_count(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Ticket)) or 0)


async def test_when_ticket_created_then_stored_as_drafted(
    sessions: Sessions, new_draft: NewDraft
) -> None:
    draft = new_draft()
    ref = await DatabaseTicketing(sessions).create_ticket(draft)

    assert ref.created is True
    assert ref.id.startswith("TKT-")
    assert ref.delivery is Delivery.LOCAL
    assert ref.created_at.tzinfo is not None
    async with sessions() as session:
        row = await session.get(Ticket, ref.id)
    assert row is not None
    assert (row.request_id, row.intent, row.queue, row.status) == (
        draft.request_id,
        "cancel_order",
        "orders",
        "open",
    )
    assert row.summary == draft.summary
    assert row.entities == draft.entities
    assert row.details == draft.details
    assert (row.delivery, row.delivery_attempts, row.external_ref) == ("local", 0, None)


async def test_when_same_request_twice_then_one_ticket(
    sessions: Sessions, new_draft: NewDraft
) -> None:
    adapter = DatabaseTicketing(sessions)
    first = await adapter.create_ticket(new_draft("req-twice"))
    again = await adapter.create_ticket(new_draft("req-twice", summary="a retried request"))

    assert again.id == first.id
    assert (first.created, again.created) == (True, False)
    assert await _ticket_count(sessions) == 1


async def test_when_same_request_concurrently_then_one_ticket(
    sessions: Sessions, new_draft: NewDraft
) -> None:
    adapter = DatabaseTicketing(sessions)
    refs = await asyncio.gather(*(adapter.create_ticket(new_draft("req-race")) for _ in range(8)))

    assert len({ref.id for ref in refs}) == 1
    assert sum(ref.created for ref in refs) == 1
    assert await _ticket_count(sessions) == 1


async def test_when_requests_differ_then_tickets_differ(
    sessions: Sessions, new_draft: NewDraft
) -> None:
    adapter = DatabaseTicketing(sessions)
    refs = await asyncio.gather(*(adapter.create_ticket(new_draft()) for _ in range(5)))

    assert len({ref.id for ref in refs}) == 5
    assert await _ticket_count(sessions) == 5


async def test_when_delivered_then_never_set_back_to_pending(
    sessions: Sessions, new_draft: NewDraft
) -> None:
    adapter = DatabaseTicketing(sessions, delivery=Delivery.PENDING)
    ref = await adapter.create_ticket(new_draft())
    assert ref.delivery is Delivery.PENDING

    delivered = await adapter.record_delivery(
        ref.id, delivery=Delivery.DELIVERED, attempts=2, external_ref="EXT-9"
    )
    late = await adapter.record_delivery(
        ref.id, delivery=Delivery.PENDING, attempts=1, error="timeout"
    )

    assert delivered is not None and late is not None
    assert (late.delivery, late.external_ref) == (Delivery.DELIVERED, "EXT-9")
    async with sessions() as session:
        row = await session.get(Ticket, ref.id)
    assert row is not None
    assert (row.delivery_attempts, row.delivery_error) == (2, None)
    assert row.delivered_at is not None
    assert await adapter.pending() == []


async def test_when_unknown_ticket_then_record_delivery_is_none(sessions: Sessions) -> None:
    adapter = DatabaseTicketing(sessions)
    assert (
        await adapter.record_delivery("TKT-NOPE", delivery=Delivery.DELIVERED, attempts=1) is None
    )


@pytest.mark.parametrize(
    "spelling", ["ORD-10002", "ord-10002", "ORD10002", "10002", "#10002", " ord 10002 "]
)
async def test_when_order_spelled_any_way_then_found(sessions: Sessions, spelling: str) -> None:
    async with sessions() as session:
        await demo.load_demo(session, today=date(2026, 3, 10))

    order = await DatabaseOrders(sessions).get_order(spelling)

    assert order is not None
    assert (order.order_number, order.customer_id, order.status) == (
        "ORD-10002",
        "cust-1001",
        "shipped",
    )
    assert (order.carrier, order.tracking_number) == ("UPS", "1Z999AA10123456784")
    assert order.estimated_delivery == datetime(2026, 3, 12, 20, 0, tzinfo=UTC)
    assert order.summary()["estimated_delivery"] == "2026-03-12T20:00:00+00:00"


@pytest.mark.parametrize("number", ["ORD-99999", "99999", "not an order", ""])
async def test_when_order_unknown_then_none(sessions: Sessions, number: str) -> None:
    async with sessions() as session:
        await demo.load_demo(session)
    assert await DatabaseOrders(sessions).get_order(number) is None
