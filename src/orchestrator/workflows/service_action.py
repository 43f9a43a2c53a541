"""Service action: intent and entities, the order checked, a ticket handed to the ticketing system.

Rules, in order of precedence:
1. An order is shown or acted on only for the customer who owns it (``metadata.customer_id``).
   Found but not provably theirs → ``verify_identity``: no ticket, nothing about the order said.
2. An order-centred request (track, cancel, refund) naming an unknown order → ask to check it.
3. ``decision.needs_human`` → ``human_review``: the ticket is still made, so a person picks it up.
4. Tracking a known order needs no ticket; nor does cancelling or refunding an order that is
   already cancelled or refunded. Everything else becomes a ticket in the intent's queue, with
   the order's status attached; tickets are idempotent per request id.
The message text is never logged; the ticket keeps only its PII-redacted form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from orchestrator.domain import Category, Channel, Intent
from orchestrator.extraction.entities import Entity, EntityType, extract_entities
from orchestrator.integrations import registry
from orchestrator.integrations.base import (
    IntegrationError,
    OrderInfo,
    OrderSystem,
    TicketDraft,
    TicketingAdapter,
    TicketRef,
)
from orchestrator.observability.logging import get_logger
from orchestrator.orders.service import OrderStatus
from orchestrator.pipeline.decide import Decision
from orchestrator.privacy.redactor import Redactor
from orchestrator.tickets.service import Queue, TicketStatus
from orchestrator.workflows.base import (
    HUMAN_REVIEW,
    MessageContext,
    Outcome,
    Workflow,
    WorkflowDeps,
)

log = get_logger(__name__)

QUEUE_BY_INTENT: dict[Intent, Queue] = {
    Intent.REFILL_PRESCRIPTION: Queue.PHARMACY,
    Intent.REFUND: Queue.ORDERS,
    Intent.CANCEL_ORDER: Queue.ORDERS,
    Intent.UPDATE_ACCOUNT: Queue.ACCOUNTS,
    Intent.OPEN_TICKET: Queue.CUSTOMER_CARE,
    Intent.TRACK_ORDER: Queue.CUSTOMER_CARE,
    Intent.OTHER: Queue.CUSTOMER_CARE,
}
ORDER_INTENTS = frozenset({Intent.TRACK_ORDER, Intent.CANCEL_ORDER, Intent.REFUND})
# Contact details reach the agent through the verified account, never through a ticket.
MASKED_ENTITY_TYPES = frozenset({EntityType.EMAIL, EntityType.PHONE})
_MAX_ID_CHARS = 64

_C, _R, _T = Intent.CANCEL_ORDER, Intent.REFUND, Intent.TRACK_ORDER
_S = OrderStatus
# What the owner of an order is told, by (intent, status); "{shipped}" is the carrier sentence.
_STATUS_LINES: dict[OrderStatus, tuple[str, ...]] = {
    _S.PROCESSING: ("Order {n} is being prepared; we'll email tracking details when it ships.",),
    _S.SHIPPED: ("{shipped}.",),
    _S.DELIVERED: ("Order {n} was delivered.",),
    _S.CANCELLED: ("Order {n} was cancelled.",),
    _S.REFUNDED: ("Order {n} was refunded.",),
}
_ORDER_LINES: dict[tuple[Intent, OrderStatus], tuple[str, ...]] = {
    (_C, _S.PROCESSING): (
        "We've asked the orders team to cancel order {n} before it ships; "
        "you'll get an email once it is cancelled.",
    ),
    (_C, _S.SHIPPED): (
        "{shipped}, so it can no longer be cancelled.",
        "Once it arrives you can return it for a refund.",
    ),
    (_C, _S.DELIVERED): (
        "Order {n} was already delivered, so it can't be cancelled.",
        "You can return it for a refund instead.",
    ),
    (_C, _S.CANCELLED): ("Order {n} is already cancelled; there is nothing more to do.",),
    (_C, _S.REFUNDED): ("Order {n} has already been refunded to your original payment method.",),
    (_R, _S.PROCESSING): (
        "Order {n} hasn't shipped yet: cancelling it releases the full payment, "
        "and the orders team can do that for you.",
    ),
    (_R, _S.SHIPPED): (
        "{shipped}.",
        "Once it arrives, return it and the orders team will refund it.",
    ),
    (_R, _S.DELIVERED): ("The orders team will review the refund for order {n} and email you.",),
    (_R, _S.CANCELLED): (
        "Order {n} was cancelled, so its payment goes back to your original payment method; "
        "the orders team will check that it has.",
    ),
    (_R, _S.REFUNDED): ("Order {n} has already been refunded to your original payment method.",),
}
_NOTHING_TO_DO = frozenset({(_C, _S.CANCELLED), (_C, _S.REFUNDED), (_R, _S.REFUNDED)})
_TICKET_LINE = "We've opened ticket {ticket} with our {team} team."
_REVIEW_LINE = (
    "A member of our team will review your message (ticket {ticket}) and get back to you."
)
_FOLLOW_UP: dict[Intent, str] = {
    Intent.REFILL_PRESCRIPTION: "A pharmacist will review the refill and tell you when it's ready.",
    Intent.UPDATE_ACCOUNT: "The accounts team will confirm the change with you before making it.",
}
_UNAVAILABLE_LINE = "We couldn't record your request just now. Please try again in a few minutes."


class Action(StrEnum):
    TICKET_CREATED = "ticket_created"
    ORDER_STATUS = "order_status"  # a known order's status answers the request
    VERIFY_IDENTITY = "verify_identity"  # the order is not provably the customer's
    REQUEST_INFORMATION = "request_information"  # the order number is missing or unknown
    HUMAN_REVIEW = HUMAN_REVIEW  # low confidence: a ticket is made and a person checks it
    TICKET_UNAVAILABLE = "ticket_unavailable"  # the ticketing system failed


class Lookup(StrEnum):
    NO_ORDER = "no_order"  # no order number in the message or the metadata
    FOUND = "found"
    NOT_FOUND = "not_found"
    UNAVAILABLE = "unavailable"  # the order system could not answer


@dataclass
class Plan:
    """What to do before any ticket exists: the action, and what to tell the customer."""

    action: Action
    ticket: bool
    reason: str | None = None
    notes: list[str] = field(default_factory=list)  # facts: order unknown, lookup failed
    steps: list[str] = field(default_factory=list)  # what the intent's action means for them


def _clean_id(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text if 0 < len(text) <= _MAX_ID_CHARS else None


def order_number_of(entities: list[Entity], metadata: dict[str, Any]) -> str | None:
    """The order the message names, else the one the channel passed in its metadata."""
    for entity in entities:
        if entity.type is EntityType.ORDER_NUMBER:
            return entity.value
    return _clean_id(metadata.get("order_number"))


def _order_lines(intent: Intent, order: OrderInfo) -> tuple[list[str], bool]:
    """Sentences about the customer's own order, and whether the request still needs a ticket."""
    shipped = f"Order {order.order_number} has shipped with {order.carrier or 'the carrier'}"
    if order.tracking_number:
        shipped += f", tracking number {order.tracking_number}"
    if (eta := order.estimated_delivery) is not None:
        shipped += f", expected {eta:%A, %B} {eta.day}"
    try:
        status = OrderStatus(order.status)
    except ValueError:
        return [f"Order {order.order_number} is {order.status}."], intent is not _T
    lines = _ORDER_LINES.get((intent, status), _STATUS_LINES[status])
    ticket = intent is not _T and (intent, status) not in _NOTHING_TO_DO
    return [line.format(n=order.order_number, shipped=shipped) for line in lines], ticket


def plan(
    intent: Intent, *, needs_human: bool, number: str | None, lookup: Lookup, mine: OrderInfo | None
) -> Plan:
    """The decision table; `mine` is the order only when it belongs to the customer."""
    if lookup is Lookup.FOUND and mine is None:
        return Plan(
            Action.VERIFY_IDENTITY,
            ticket=False,
            reason="identity_unverified",
            steps=[
                "To protect your account, please sign in or verify your identity so we can "
                f"help with order {number}."
            ],
        )
    result = Plan(Action.TICKET_CREATED, ticket=True)
    if lookup is Lookup.NOT_FOUND:
        result.reason = "order_not_found"
        result.notes.append(
            f"We couldn't find order {number}. Please check the number on your confirmation "
            "email and send it again."
        )
        if intent in ORDER_INTENTS:
            result.action, result.ticket = Action.REQUEST_INFORMATION, False
    elif lookup is Lookup.UNAVAILABLE:
        result.reason = "order_lookup_unavailable"
        result.notes.append(f"We couldn't check order {number} just now; our team will.")
    elif mine is not None:
        result.steps, result.ticket = _order_lines(intent, mine)
        if not result.ticket:
            result.action = Action.ORDER_STATUS
    elif intent is Intent.TRACK_ORDER:
        result.action, result.ticket = Action.REQUEST_INFORMATION, False
        result.reason = "order_number_missing"
        result.steps.append(
            "Please send the order number from your confirmation email so we can track it."
        )
    elif intent in ORDER_INTENTS:
        result.steps.append("Reply with your order number so the team can act on it sooner.")
    if needs_human:
        result.action, result.ticket = Action.HUMAN_REVIEW, True
    return result


def _ticket_entities(entities: list[Entity]) -> list[dict[str, Any]]:
    return [
        {"type": e.type.value, "value": None, "start": e.start, "end": e.end, "masked": True}
        if e.type in MASKED_ENTITY_TYPES
        else e.as_dict()
        for e in entities
    ]


class ServiceActionWorkflow(Workflow):
    category = Category.SERVICE_ACTION

    def __init__(
        self,
        deps: WorkflowDeps,
        *,
        ticketing: TicketingAdapter | None = None,
        orders: OrderSystem | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        super().__init__(deps)
        self._ticketing = ticketing
        self._orders = orders
        self._built: list[TicketingAdapter | OrderSystem] = []  # ours to close
        self._redactor = redactor or Redactor()

    async def start(self) -> None:
        self._adapters()

    async def aclose(self) -> None:
        for adapter in self._built:
            await adapter.aclose()
            if adapter is self._ticketing:
                self._ticketing = None
            if adapter is self._orders:
                self._orders = None
        self._built.clear()

    def _adapters(self) -> tuple[TicketingAdapter, OrderSystem]:
        """The adapters passed in, else the ones settings name (built once)."""
        deps = self.deps
        if self._ticketing is None:
            self._ticketing = registry.ticketing_adapter(deps.settings, deps.sessions, deps.metrics)
            self._built.append(self._ticketing)
        if self._orders is None:
            self._orders = registry.order_system(deps.settings, deps.sessions)
            self._built.append(self._orders)
        return self._ticketing, self._orders

    async def run(self, decision: Decision, context: MessageContext) -> Outcome:
        ticketing, orders = self._adapters()
        entities = extract_entities(decision.text)
        intent = decision.intent or Intent.OTHER
        customer_id = _clean_id(context.metadata.get("customer_id"))
        number = order_number_of(entities, context.metadata)
        lookup, order = await self._lookup(orders, number)
        mine = order if order is not None and order.customer_id == customer_id else None
        the_plan = plan(
            intent, needs_human=decision.needs_human, number=number, lookup=lookup, mine=mine
        )
        queue = QUEUE_BY_INTENT[intent]
        ref: TicketRef | None = None
        if the_plan.ticket:
            draft = TicketDraft(
                request_id=context.request_id,
                intent=intent.value,
                queue=queue.value,
                channel=Channel(context.channel).value,
                summary=self._redactor.redact(decision.text).redacted,
                status=(TicketStatus.NEEDS_REVIEW if decision.needs_human else TicketStatus.OPEN),
                customer_id=customer_id,
                order_number=mine.order_number if mine is not None else None,
                entities=_ticket_entities(entities),
                details={
                    "order": mine.summary() if mine is not None else None,
                    "order_lookup": lookup.value,
                    "order_number_given": number if mine is None else None,
                    "needs_human": decision.needs_human,
                    "confidence": decision.confidence,
                    "classifier": decision.tier,
                },
            )
            ref = await self._create(ticketing, draft)
        step = self._next_step(the_plan, intent, queue, ref, mine, entities)
        log.info(
            "service_action",
            intent=intent.value,
            action=step["action"],
            ticket_id=step["ticket_id"],
            queue=step["queue"],
            order_lookup=lookup.value,
        )
        return Outcome(step, [e.as_dict() for e in entities])

    async def _lookup(
        self, orders: OrderSystem, number: str | None
    ) -> tuple[Lookup, OrderInfo | None]:
        if number is None:
            return Lookup.NO_ORDER, None
        try:
            order = await orders.get_order(number)
        except IntegrationError as exc:
            self.deps.metrics.integration_errors.labels(adapter=orders.name).inc()
            log.warning("order_lookup_failed", adapter=orders.name, error=str(exc))
            return Lookup.UNAVAILABLE, None
        return (Lookup.NOT_FOUND, None) if order is None else (Lookup.FOUND, order)

    async def _create(self, ticketing: TicketingAdapter, draft: TicketDraft) -> TicketRef | None:
        """The ticket, or None when the ticketing system failed (counted, logged, degraded)."""
        try:
            return await ticketing.create_ticket(draft)
        except Exception as exc:  # any adapter failure degrades the answer, never fails it
            self.deps.metrics.integration_errors.labels(adapter=ticketing.name).inc()
            log.error("ticket_failed", adapter=ticketing.name, error_type=type(exc).__name__)
            return None

    @staticmethod
    def _next_step(
        the_plan: Plan,
        intent: Intent,
        queue: Queue,
        ref: TicketRef | None,
        mine: OrderInfo | None,
        entities: list[Entity],
    ) -> dict[str, Any]:
        action = the_plan.action
        lines = [*the_plan.notes, *the_plan.steps]
        if the_plan.ticket and ref is None:
            action, lines = Action.TICKET_UNAVAILABLE, [_UNAVAILABLE_LINE]
        elif ref is not None and action is Action.HUMAN_REVIEW:
            lines = [_REVIEW_LINE.format(ticket=ref.id), *the_plan.notes]
        elif ref is not None:
            team = queue.value.replace("_", " ")
            lines = [_TICKET_LINE.format(ticket=ref.id, team=team), *lines]
            if intent in _FOLLOW_UP:
                lines.append(_FOLLOW_UP[intent])
            has_rx = any(e.type is EntityType.RX_NUMBER for e in entities)
            if intent is Intent.REFILL_PRESCRIPTION and not has_rx:
                lines.append("Reply with your prescription (Rx) number if you have it.")
        return {
            "action": action.value,
            "intent": intent.value,
            "reason": the_plan.reason,
            "ticket_id": ref.id if ref is not None else None,
            "queue": queue.value if the_plan.ticket else None,
            "delivery": ref.delivery.value if ref is not None else None,
            "order": mine.summary() if mine is not None else None,
            "customer_next_steps": lines,
        }
