"""GET /api/v1/tickets and /api/v1/tickets/{id}: the queues read their tickets (tickets:read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from orchestrator.api.deps import RuntimeDep
from orchestrator.api.errors import ApiError
from orchestrator.auth.deps import require_scope
from orchestrator.auth.models import Scope
from orchestrator.domain import Intent
from orchestrator.integrations.base import Delivery
from orchestrator.tickets import service as ticket_service
from orchestrator.tickets.schemas import TicketPage, TicketRead
from orchestrator.tickets.service import Queue, TicketFilter, TicketStatus

router = APIRouter(
    prefix="/tickets",
    tags=["tickets"],
    dependencies=[Depends(require_scope(Scope.TICKETS_READ))],
    responses={
        401: {"description": "No valid API key (error envelope)"},
        403: {"description": "The key lacks tickets:read (error envelope)"},
    },
)


@router.get("", response_model=TicketPage)
async def list_tickets(
    runtime: RuntimeDep,
    queue: Queue | None = None,
    intent: Intent | None = None,
    status: TicketStatus | None = None,
    customer_id: Annotated[str | None, Query(max_length=64)] = None,
    delivery: Delivery | None = None,
    limit: Annotated[int, Query(ge=1, le=ticket_service.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,  # beyond it SQL integers overflow
) -> TicketPage:
    """Tickets, newest first, filtered by queue, intent, status, customer or delivery."""
    where = TicketFilter(
        queue=queue.value if queue else None,
        intent=intent.value if intent else None,
        status=status.value if status else None,
        customer_id=customer_id,
        delivery=delivery.value if delivery else None,
    )
    async with runtime.sessions() as session:
        rows, total = await ticket_service.list_tickets(
            session, where=where, limit=limit, offset=offset
        )
        items = [TicketRead.model_validate(row) for row in rows]
    return TicketPage(items=items, total=total, limit=limit, offset=offset)


@router.get("/{ticket_id}", response_model=TicketRead, responses={404: {"description": "Unknown"}})
async def get_ticket(ticket_id: str, runtime: RuntimeDep) -> TicketRead:
    """One ticket by id."""
    async with runtime.sessions() as session:
        row = await ticket_service.get_ticket(session, ticket_id=ticket_id)
        if row is None:
            raise ApiError(404, "not_found", f"No ticket {ticket_id!r}.")
        return TicketRead.model_validate(row)
