"""The default adapters: tickets and orders in the service's own database."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.integrations.base import (
    Delivery,
    IntegrationError,
    OrderInfo,
    OrderSystem,
    TicketDraft,
    TicketingAdapter,
    TicketRef,
)
from orchestrator.orders import service as order_service
from orchestrator.storage.tables import Order, Ticket
from orchestrator.tickets import service as ticket_service


def _aware(value: datetime) -> datetime:
    """SQLite hands timestamps back naive; they were written as UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def ticket_ref(row: Ticket, *, created: bool) -> TicketRef:
    return TicketRef(
        id=row.id,
        request_id=row.request_id,
        queue=row.queue,
        status=row.status,
        created_at=_aware(row.created_at),
        created=created,
        delivery=Delivery(row.delivery),
        external_ref=row.external_ref,
    )


def ticket_draft(row: Ticket) -> TicketDraft:
    """The draft a stored ticket was made from (to hand it over again)."""
    return TicketDraft(
        request_id=row.request_id,
        intent=row.intent,
        queue=row.queue,
        channel=row.channel,
        summary=row.summary,
        status=row.status,
        customer_id=row.customer_id,
        order_number=row.order_number,
        entities=list(row.entities),
        details=dict(row.details),
    )


class DatabaseTicketing(TicketingAdapter):
    """Tickets in the `tickets` table; `request_id` is unique, so a retry finds the first one."""

    name = "database"

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, delivery: Delivery = Delivery.LOCAL
    ) -> None:
        self.sessions = sessions
        self._initial_delivery = delivery

    async def create_ticket(self, draft: TicketDraft) -> TicketRef:
        async with self.sessions() as session:
            try:  # insert first: a retry is rare, and the unique request id catches it
                row = await ticket_service.create_ticket(
                    session, draft, delivery=self._initial_delivery
                )
            except IntegrityError:
                # This request already has its ticket (a retry, or a concurrent attempt that
                # won the insert): read it.
                await session.rollback()
                winner = await ticket_service.get_by_request_id(
                    session, request_id=draft.request_id
                )
                if winner is None:
                    raise
                return ticket_ref(winner, created=False)
            return ticket_ref(row, created=True)

    async def record_delivery(
        self,
        ticket_id: str,
        *,
        delivery: Delivery,
        attempts: int,
        external_ref: str | None = None,
        error: str | None = None,
    ) -> TicketRef | None:
        async with self.sessions() as session:
            row = await ticket_service.record_delivery(
                session,
                ticket_id=ticket_id,
                delivery=delivery,
                attempts=attempts,
                external_ref=external_ref,
                error=error,
            )
            return None if row is None else ticket_ref(row, created=False)

    async def pending(self, *, limit: int = 100) -> list[tuple[TicketRef, TicketDraft]]:
        """Tickets still waiting to be handed over, oldest first."""
        async with self.sessions() as session:
            rows = await ticket_service.list_undelivered(session, limit=limit)
            return [(ticket_ref(row, created=False), ticket_draft(row)) for row in rows]


def order_info(row: Order) -> OrderInfo:
    eta = row.estimated_delivery
    return OrderInfo(
        order_number=row.order_number,
        customer_id=row.customer_id,
        status=row.status,
        items=list(row.items),
        total_cents=row.total_cents,
        currency=row.currency,
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        estimated_delivery=_aware(eta) if eta is not None else None,
        updated_at=_aware(row.updated_at),
    )


class DatabaseOrders(OrderSystem):
    """Orders from the `orders` table (demo data: `orchestrator orders load-demo`)."""

    name = "database"

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def get_order(self, order_number: str) -> OrderInfo | None:
        try:
            async with self.sessions() as session:
                row = await order_service.get_order(session, order_number=order_number)
                return None if row is None else order_info(row)
        except SQLAlchemyError as exc:
            raise IntegrationError(f"order lookup failed: {type(exc).__name__}") from exc
