"""Demo orders for four demo customers, so the service-action workflow has something to act on.

Dates are anchored to the day they are loaded (deliveries at 20:00 UTC), so loading twice on
the same day changes nothing, and a shipped order's estimated delivery is always ahead.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.orders import service as order_service
from orchestrator.orders.service import OrderData, OrderStatus

DEMO_CUSTOMERS: tuple[str, ...] = ("cust-1001", "cust-1002", "cust-1003", "cust-1004")
Shipping = tuple[str, str, int]  # carrier, tracking number, delivery day relative to load day


def _item(sku: str, name: str, quantity: int, price_cents: int) -> dict[str, Any]:
    return {"sku": sku, "name": name, "quantity": quantity, "price_cents": price_cents}


def demo_orders(today: date | None = None) -> list[OrderData]:
    """Twelve orders across the demo customers, every status represented."""
    day = today or datetime.now(UTC).date()
    p, s, d = OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.DELIVERED
    c, r = OrderStatus.CANCELLED, OrderStatus.REFUNDED
    vitamin_d = _item("OTC-2201", "Vitamin D3 1000 IU, 90 softgels", 1, 1299)
    bandages = _item("OTC-3107", "Adhesive bandages, 100 count", 2, 549)
    thermometer = _item("DEV-0410", "Digital thermometer", 1, 1899)
    cuff = _item("DEV-0520", "Upper-arm blood pressure monitor", 1, 5499)
    strips = _item("DEV-0611", "Glucose test strips, 50 count", 2, 2499)
    allergy = _item("OTC-1450", "Loratadine 10 mg, 30 tablets", 1, 1149)
    sunscreen = _item("OTC-4020", "Mineral sunscreen SPF 50", 1, 1599)
    refill = _item("RX-REFILL", "Prescription refill (90-day supply)", 1, 1500)
    rows: list[tuple[int, str, OrderStatus, list[dict[str, Any]], Shipping | None]] = [
        (10001, "cust-1001", p, [vitamin_d, bandages], None),
        (10002, "cust-1001", s, [cuff], ("UPS", "1Z999AA10123456784", 2)),
        (10003, "cust-1001", d, [allergy], ("USPS", "9400100000000000000101", -5)),
        (10004, "cust-1002", s, [strips], ("FedEx", "612999990001", 1)),
        (10005, "cust-1002", c, [sunscreen], None),
        (10006, "cust-1002", r, [thermometer], ("USPS", "9400100000000000000118", -20)),
        (10007, "cust-1003", p, [refill], None),
        (10008, "cust-1003", d, [refill, vitamin_d], ("UPS", "1Z999AA10123456791", -2)),
        (10009, "cust-1003", s, [bandages, sunscreen], ("USPS", "9400100000000000000125", 3)),
        (10010, "cust-1004", d, [thermometer], ("FedEx", "612999990018", -9)),
        (10011, "cust-1004", p, [allergy, vitamin_d], None),
        (10012, "cust-1004", c, [cuff], None),
    ]
    orders = []
    for number, customer, status, items, shipping in rows:
        carrier, tracking, offset = shipping or (None, None, None)
        eta = (
            None
            if offset is None
            else datetime.combine(day + timedelta(days=offset), time(20, 0), tzinfo=UTC)
        )
        orders.append(
            OrderData(
                order_number=f"{order_service.ORDER_PREFIX}{number}",
                customer_id=customer,
                status=status,
                items=items,
                total_cents=sum(int(i["quantity"]) * int(i["price_cents"]) for i in items),
                carrier=carrier,
                tracking_number=tracking,
                estimated_delivery=eta,
            )
        )
    return orders


async def load_demo(session: AsyncSession, *, today: date | None = None) -> dict[str, int]:
    """Upsert the demo orders; counts of created / updated / unchanged rows."""
    outcomes: Counter[str] = Counter({"created": 0, "updated": 0, "unchanged": 0})
    for order in demo_orders(today):
        outcomes[await order_service.upsert_order(session, order)] += 1
    return dict(outcomes)
