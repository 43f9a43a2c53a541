"""Orders storage: spellings of an order number, upsert outcomes, listing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.orders import service as order_service
from orchestrator.orders.service import OrderData, OrderStatus

Sessions = async_sessionmaker[AsyncSession]


@pytest.mark.parametrize(
    ("spelling", "candidates"),
    [
        ("ORD-10021", ["ORD-10021"]),
        ("ord-10021", ["ORD-10021"]),
        ("ORD10021", ["ORD10021", "ORD-10021"]),
        ("10021", ["10021", "ORD-10021"]),
        ("#10021", ["10021", "ORD-10021"]),
        ("  ord 10021 ", ["ORD10021", "ORD-10021"]),
        ("A-99812", ["A-99812"]),
        ("4471-22", ["4471-22", "ORD-4471-22"]),
        ("", []),
        ("not an order!", []),
        ("-123", []),
        ("9" * 65, []),
    ],
)
def test_order_number_candidates(spelling: str, candidates: list[str]) -> None:
    assert order_service.order_number_candidates(spelling) == candidates


def _order(number: str = "ORD-1", **fields: object) -> OrderData:
    values: dict[str, object] = {
        "order_number": number,
        "customer_id": "cust-1",
        "status": OrderStatus.SHIPPED,
        "items": [{"sku": "X", "name": "thing", "quantity": 1, "price_cents": 500}],
        "total_cents": 500,
        "carrier": "UPS",
        "tracking_number": "1Z1",
        "estimated_delivery": datetime(2026, 5, 1, 20, tzinfo=UTC),
    }
    values.update(fields)
    return OrderData(**values)  # type: ignore[arg-type]


async def test_when_upserted_again_then_unchanged_then_updated(sessions: Sessions) -> None:
    async with sessions() as session:
        assert await order_service.upsert_order(session, _order()) == "created"
        assert await order_service.upsert_order(session, _order()) == "unchanged"
        delivered = _order(status=OrderStatus.DELIVERED)
        assert await order_service.upsert_order(session, delivered) == "updated"
    async with sessions() as session:
        row = await order_service.get_order(session, order_number="ord-1")
    assert row is not None
    assert row.status == "delivered"


async def test_when_listed_then_filtered_and_limited(sessions: Sessions) -> None:
    async with sessions() as session:
        for i, (customer, status) in enumerate(
            [
                ("cust-1", OrderStatus.SHIPPED),
                ("cust-1", OrderStatus.PROCESSING),
                ("cust-2", OrderStatus.SHIPPED),
            ]
        ):
            now = datetime(2026, 1, 1 + i, tzinfo=UTC)
            order = _order(f"ORD-{i}", customer_id=customer, status=status)
            await order_service.upsert_order(session, order, now=now)

        everything = await order_service.list_orders(session)
        mine = await order_service.list_orders(session, customer_id="cust-1")
        shipped = await order_service.list_orders(session, status=OrderStatus.SHIPPED)
        one = await order_service.list_orders(session, limit=1, offset=1)

    assert [o.order_number for o in everything] == ["ORD-2", "ORD-1", "ORD-0"]  # newest first
    assert [o.order_number for o in mine] == ["ORD-1", "ORD-0"]
    assert [o.order_number for o in shipped] == ["ORD-2", "ORD-0"]
    assert [o.order_number for o in one] == ["ORD-1"]
