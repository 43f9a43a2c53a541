"""The demo orders: every status, shipping details where they belong, loading is idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.orders import demo
from orchestrator.orders import service as order_service
from orchestrator.orders.service import OrderStatus

Sessions = async_sessionmaker[AsyncSession]
DAY = date(2026, 3, 10)


def test_demo_orders_cover_every_status_and_customer() -> None:
    orders = demo.demo_orders(DAY)

    assert len(orders) == 12
    assert len({o.order_number for o in orders}) == 12
    assert {o.customer_id for o in orders} == set(demo.DEMO_CUSTOMERS)
    assert {o.status for o in orders} == set(OrderStatus)
    for order in orders:
        assert order.total_cents == sum(i["quantity"] * i["price_cents"] for i in order.items)
        if order.status is OrderStatus.SHIPPED:
            assert order.carrier and order.tracking_number
            assert order.estimated_delivery is not None
            assert order.estimated_delivery > datetime(2026, 3, 10, 23, 59, tzinfo=UTC)
        if order.status in {OrderStatus.PROCESSING, OrderStatus.CANCELLED}:
            assert order.tracking_number is None


async def test_when_loaded_twice_then_nothing_duplicated(sessions: Sessions) -> None:
    async with sessions() as session:
        first = await demo.load_demo(session, today=DAY)
        second = await demo.load_demo(session, today=DAY)
        stored = await order_service.list_orders(session)

    assert first == {"created": 12, "updated": 0, "unchanged": 0}
    assert second == {"created": 0, "updated": 0, "unchanged": 12}
    assert len(stored) == 12


async def test_when_loaded_another_day_then_dates_move_with_it(sessions: Sessions) -> None:
    async with sessions() as session:
        await demo.load_demo(session, today=DAY)
        later = await demo.load_demo(session, today=date(2026, 3, 11))
        order = await order_service.get_order(session, order_number="ORD-10002")

    with_dates = sum(o.estimated_delivery is not None for o in demo.demo_orders(DAY))
    assert later == {"created": 0, "updated": with_dates, "unchanged": 12 - with_dates}
    assert order is not None and order.estimated_delivery is not None
    assert order.estimated_delivery.replace(tzinfo=UTC) == datetime(2026, 3, 13, 20, tzinfo=UTC)
