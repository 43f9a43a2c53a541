"""`orchestrator orders load-demo | list`: the default order system's demo data."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from orchestrator.config import Settings
from orchestrator.orders import demo
from orchestrator.orders import service as order_service
from orchestrator.orders.service import OrderStatus
from orchestrator.runtime import open_runtime

app = typer.Typer(help="The default order system's demo data.", no_args_is_help=True)


@app.command("load-demo")
def load_demo() -> None:
    """Load the demo orders (safe to run again: existing orders are updated, not duplicated)."""

    async def run() -> dict[str, int]:
        async with open_runtime(Settings()) as runtime, runtime.sessions() as session:
            return await demo.load_demo(session)

    counts = asyncio.run(run())
    typer.echo(
        f"demo orders: {counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged"
    )


@app.command("list")
def list_(
    customer: Annotated[str | None, typer.Option(help="Only this customer's orders")] = None,
    status: Annotated[OrderStatus | None, typer.Option(help="Only orders in this status")] = None,
    limit: Annotated[int, typer.Option(min=1, max=order_service.MAX_LIMIT)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line")] = False,
) -> None:
    """List orders, most recently updated first."""

    async def run() -> list[dict[str, object]]:
        async with open_runtime(Settings()) as runtime, runtime.sessions() as session:
            rows = await order_service.list_orders(
                session, customer_id=customer, status=status, limit=limit
            )
            return [
                {
                    "order_number": row.order_number,
                    "customer_id": row.customer_id,
                    "status": row.status,
                    "total": f"{row.total_cents / 100:.2f} {row.currency}",
                    "carrier": row.carrier,
                    "tracking_number": row.tracking_number,
                    "estimated_delivery": row.estimated_delivery.date().isoformat()
                    if row.estimated_delivery
                    else None,
                }
                for row in rows
            ]

    orders = asyncio.run(run())
    if as_json:
        for order in orders:
            typer.echo(json.dumps(order))
        return
    table = Table("order", "customer", "status", "total", "carrier", "tracking", "eta")
    for order in orders:
        table.add_row(*(str(value) if value is not None else "" for value in order.values()))
    Console().print(table)
