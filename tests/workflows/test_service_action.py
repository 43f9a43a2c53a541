"""Service action on a real database: entities and customer context in, the action out.

The table runs every intent with and without customer context, with the customer's own order,
someone else's, an unknown one and none, against the demo orders.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
import structlog.testing
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.auth import service as auth_service
from orchestrator.auth.models import Scope
from orchestrator.classifiers.base import Prediction
from orchestrator.config import Settings
from orchestrator.domain import Category, Channel, Intent
from orchestrator.extraction.entities import extract_entities
from orchestrator.integrations.base import (
    IntegrationError,
    OrderInfo,
    OrderSystem,
    TicketDraft,
    TicketingAdapter,
    TicketRef,
)
from orchestrator.observability.metrics import Metrics
from orchestrator.orders import demo
from orchestrator.pipeline.decide import Decision
from orchestrator.storage import engine as storage
from orchestrator.storage.tables import Ticket
from orchestrator.workflows.base import MessageContext, WorkflowDeps
from orchestrator.workflows.service_action import ServiceActionWorkflow

Sessions = async_sessionmaker[AsyncSession]
DAY = date(2026, 3, 10)  # demo orders: ORD-10002 ships with UPS, expected Thursday, March 12


def decision(text: str, intent: Intent, *, needs_human: bool = False) -> Decision:
    confidence = 0.41 if needs_human else 0.93
    scores = {
        Category.SERVICE_ACTION: confidence,
        Category.INFORMATIONAL: (1 - confidence) / 2,
        Category.SAFETY_COMPLIANCE: (1 - confidence) / 2,
    }
    return Decision(
        text=text,
        category=Category.SERVICE_ACTION,
        confidence=confidence,
        scores=scores,
        decision_path="test:argmax",
        tier="test",
        needs_human=needs_human,
        intent=intent,
        severity=None,
        screen_hit=None,
        prediction=Prediction(scores=scores, tier="test", intent=intent),
    )


def context(request_id: str | None = None, **metadata: Any) -> MessageContext:
    return MessageContext(
        request_id=request_id or secrets.token_hex(8), channel=Channel.CHAT, metadata=metadata
    )


@dataclass
class World:
    sessions: Sessions
    metrics: Metrics
    deps: WorkflowDeps

    async def tickets(self) -> list[Ticket]:
        async with self.sessions() as session:
            return list((await session.scalars(select(Ticket))).all())


@pytest.fixture
async def world(settings: Settings) -> AsyncIterator[World]:
    await storage.upgrade(settings.database_url)
    engine = storage.make_engine(settings.database_url)
    sessions = storage.make_sessionmaker(engine)
    async with sessions() as session:
        await demo.load_demo(session, today=DAY)
    metrics = Metrics(CollectorRegistry())
    try:
        yield World(sessions, metrics, WorkflowDeps(settings, sessions, metrics))
    finally:
        await engine.dispose()


@pytest.fixture
async def workflow(world: World) -> AsyncIterator[ServiceActionWorkflow]:
    flow = ServiceActionWorkflow(world.deps)
    await flow.start()
    try:
        yield flow
    finally:
        await flow.aclose()


@dataclass(frozen=True)
class Case:
    text: str
    intent: Intent
    metadata: dict[str, Any]
    action: str
    queue: str | None = None  # None: no ticket
    order_status: str | None = None  # None: no order details in the answer
    reason: str | None = None
    says: tuple[str, ...] = ()  # fragments of customer_next_steps
    needs_human: bool = False


ME = {"customer_id": "cust-1001"}  # owns ORD-10001 (processing), 10002 (shipped), 10003
CASES = {
    # track_order
    "track-own-shipped": Case(
        "Where is my order ORD-10002?", Intent.TRACK_ORDER, ME, "order_status",
        order_status="shipped", says=("UPS", "1Z999AA10123456784", "Thursday, March 12"),
    ),
    "track-own-processing": Case(
        "where's order #10001", Intent.TRACK_ORDER, ME, "order_status",
        order_status="processing", says=("being prepared",),
    ),
    "track-number-from-metadata": Case(
        "where is my package?", Intent.TRACK_ORDER, {**ME, "order_number": "ORD-10003"},
        "order_status", order_status="delivered", says=("was delivered",),
    ),
    "track-someone-elses": Case(
        "where is order ORD-10004", Intent.TRACK_ORDER, ME, "verify_identity",
        reason="identity_unverified", says=("verify your identity",),
    ),
    "track-no-customer-context": Case(
        "where is order ORD-10002", Intent.TRACK_ORDER, {}, "verify_identity",
        reason="identity_unverified",
    ),
    "track-unknown": Case(
        "where is order ORD-99999", Intent.TRACK_ORDER, ME, "request_information",
        reason="order_not_found", says=("couldn't find order ORD-99999", "check the number"),
    ),
    "track-no-number": Case(
        "where is my package?", Intent.TRACK_ORDER, ME, "request_information",
        reason="order_number_missing", says=("send the order number",),
    ),
    # cancel_order
    "cancel-own-processing": Case(
        "please cancel order ORD-10001", Intent.CANCEL_ORDER, ME, "ticket_created",
        queue="orders", order_status="processing", says=("cancel order ORD-10001 before it ships",),
    ),
    "cancel-own-shipped": Case(
        "cancel order ORD-10002 now", Intent.CANCEL_ORDER, ME, "ticket_created",
        queue="orders", order_status="shipped",
        says=("can no longer be cancelled", "return it for a refund"),
    ),
    "cancel-own-delivered": Case(
        "cancel order ORD-10003", Intent.CANCEL_ORDER, ME, "ticket_created",
        queue="orders", order_status="delivered", says=("can't be cancelled",),
    ),
    "cancel-already-cancelled": Case(
        "cancel order ORD-10005", Intent.CANCEL_ORDER, {"customer_id": "cust-1002"},
        "order_status", order_status="cancelled", says=("already cancelled",),
    ),
    "cancel-someone-elses": Case(
        "cancel order ORD-10011", Intent.CANCEL_ORDER, {"customer_id": "cust-1003"},
        "verify_identity", reason="identity_unverified",
    ),
    "cancel-no-customer-context": Case(
        "cancel order ORD-10001", Intent.CANCEL_ORDER, {}, "verify_identity",
        reason="identity_unverified",
    ),
    "cancel-unknown": Case(
        "cancel order ORD-55555", Intent.CANCEL_ORDER, ME, "request_information",
        reason="order_not_found",
    ),
    "cancel-no-number": Case(
        "I want to cancel my last order", Intent.CANCEL_ORDER, ME, "ticket_created",
        queue="orders", says=("Reply with your order number",),
    ),
    # refund
    "refund-own-delivered": Case(
        "I want a refund for order ORD-10003", Intent.REFUND, ME, "ticket_created",
        queue="orders", order_status="delivered", says=("review the refund",),
    ),
    "refund-own-processing": Case(
        "refund order ORD-10001", Intent.REFUND, ME, "ticket_created", queue="orders",
        order_status="processing", says=("hasn't shipped yet",),
    ),
    "refund-already-refunded": Case(
        "refund order ORD-10006 please", Intent.REFUND, {"customer_id": "cust-1002"},
        "order_status", order_status="refunded", says=("already been refunded",),
    ),
    "refund-someone-elses": Case(
        "refund order ORD-10006 please", Intent.REFUND, ME, "verify_identity",
        reason="identity_unverified",
    ),
    "refund-unknown": Case(
        "refund for order 4471-22", Intent.REFUND, ME, "request_information",
        reason="order_not_found", says=("couldn't find order 4471-22",),
    ),
    # the other intents
    "refill-with-rx": Case(
        "please refill rx 7654321", Intent.REFILL_PRESCRIPTION, {"customer_id": "cust-1003"},
        "ticket_created", queue="pharmacy", says=("pharmacist will review",),
    ),
    "refill-without-rx": Case(
        "I need a refill of my blood pressure pills", Intent.REFILL_PRESCRIPTION, {},
        "ticket_created", queue="pharmacy", says=("prescription (Rx) number",),
    ),
    "update-account": Case(
        "change my email to new.me@example.com", Intent.UPDATE_ACCOUNT,
        {"customer_id": "cust-1004"}, "ticket_created", queue="accounts",
        says=("confirm the change",),
    ),
    "open-ticket-anonymous": Case(
        "I need to talk to someone about a charge", Intent.OPEN_TICKET, {}, "ticket_created",
        queue="customer_care", says=("customer care team",),
    ),
    "open-ticket-own-order": Case(
        "the box for order ORD-10003 was damaged", Intent.OPEN_TICKET, ME, "ticket_created",
        queue="customer_care", order_status="delivered",
    ),
    "open-ticket-someone-elses": Case(
        "question about order ORD-10010", Intent.OPEN_TICKET, ME, "verify_identity",
        reason="identity_unverified",
    ),
    "other-unknown-order": Case(
        "something odd about order ORD-55555", Intent.OTHER, ME, "ticket_created",
        queue="customer_care", reason="order_not_found", says=("couldn't find order ORD-55555",),
    ),
    # low confidence: a person looks, so a ticket is made even where none would be
    "unsure-track-own": Case(
        "order ORD-10002 hmm", Intent.TRACK_ORDER, ME, "human_review", queue="customer_care",
        order_status="shipped", says=("will review your message",), needs_human=True,
    ),
    "unsure-cancel-no-number": Case(
        "cancel it?", Intent.CANCEL_ORDER, ME, "human_review", queue="orders",
        says=("will review your message",), needs_human=True,
    ),
    "unsure-someone-elses": Case(
        "order ORD-10004 hmm", Intent.TRACK_ORDER, ME, "verify_identity",
        reason="identity_unverified", needs_human=True,
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_when_entities_and_context_then_action(
    workflow: ServiceActionWorkflow, world: World, case: Case
) -> None:
    outcome = await workflow.run(
        decision(case.text, case.intent, needs_human=case.needs_human), context(**case.metadata)
    )
    step = outcome.next_step
    said = " ".join(step["customer_next_steps"])

    assert step["action"] == case.action
    assert step["intent"] == case.intent.value
    assert step["reason"] == case.reason
    assert step["queue"] == case.queue
    assert (step["order"] or {}).get("status") == case.order_status
    for fragment in case.says:
        assert fragment in said
    assert step["customer_next_steps"], "the customer is always told what happens next"
    tickets = await world.tickets()
    if case.queue is None:
        assert step["ticket_id"] is None
        assert tickets == []
    else:
        [ticket] = tickets
        assert step["ticket_id"] == ticket.id
        assert ticket.id in said
        assert ticket.queue == case.queue
        assert ticket.intent == case.intent.value
        assert ticket.status == ("needs_review" if case.needs_human else "open")
        assert (ticket.details["order"] or {}).get("status") == case.order_status
        assert step["delivery"] == "local"


@pytest.mark.parametrize(
    "case", [c for c in CASES.values() if c.action == "verify_identity"], ids=str
)
async def test_when_order_not_provably_theirs_then_nothing_about_it_leaks(
    workflow: ServiceActionWorkflow, case: Case
) -> None:
    outcome = await workflow.run(decision(case.text, case.intent), context(**case.metadata))
    answer = json.dumps(outcome.next_step)

    assert outcome.next_step["order"] is None
    for detail in ("shipped", "delivered", "processing", "FedEx", "UPS", "USPS", "cust-"):
        assert detail not in answer


async def test_when_ticket_made_then_summary_redacted_and_contacts_masked(
    workflow: ServiceActionWorkflow, world: World
) -> None:
    text = "Please cancel order ORD-10001 and email me at jane.roe@example.com or 555-867-5309"
    outcome = await workflow.run(decision(text, Intent.CANCEL_ORDER), context(**ME))

    [ticket] = await world.tickets()
    assert "jane.roe@example.com" not in ticket.summary
    assert "867-5309" not in ticket.summary
    assert "ORD-10001" in ticket.summary
    stored = json.dumps(ticket.entities)
    assert "jane.roe@example.com" not in stored and "5558675309" not in stored
    assert {e["type"] for e in ticket.entities} == {"order_number", "email", "phone"}
    assert (ticket.customer_id, ticket.order_number, ticket.channel) == (
        "cust-1001",
        "ORD-10001",
        "chat",
    )
    assert outcome.entities == [e.as_dict() for e in extract_entities(text)]


async def test_when_request_retried_then_same_ticket(
    workflow: ServiceActionWorkflow, world: World
) -> None:
    message = decision("please cancel order ORD-10001", Intent.CANCEL_ORDER)
    first = await workflow.run(message, context("req-retried", **ME))
    again = await workflow.run(message, context("req-retried", **ME))

    assert first.next_step["ticket_id"] == again.next_step["ticket_id"]
    assert len(await world.tickets()) == 1


async def test_when_message_handled_then_its_text_is_not_logged(
    workflow: ServiceActionWorkflow,
) -> None:
    text = "Refund order ORD-10003 for Jane Roe, jane.roe@example.com"
    with structlog.testing.capture_logs() as events:
        await workflow.run(decision(text, Intent.REFUND), context(**ME))

    assert [e["event"] for e in events] == ["service_action"]
    assert events[0]["action"] == "ticket_created"
    logged = json.dumps(events, default=str)
    for secret in ("jane.roe@example.com", "Jane Roe", "Refund order"):
        assert secret not in logged


class BrokenTicketing(TicketingAdapter):
    name = "broken"

    async def create_ticket(self, draft: TicketDraft) -> TicketRef:
        raise ConnectionError("ticketing is down")


class BrokenOrders(OrderSystem):
    name = "broken_orders"

    async def get_order(self, order_number: str) -> OrderInfo | None:
        raise IntegrationError("order system is down")


def _errors(metrics: Metrics, adapter: str) -> float:
    value = metrics.registry.get_sample_value("integration_errors_total", {"adapter": adapter})
    return value or 0.0


async def test_when_ticketing_fails_then_degraded_not_raised(world: World) -> None:
    flow = ServiceActionWorkflow(world.deps, ticketing=BrokenTicketing())
    outcome = await flow.run(decision("cancel order ORD-10001", Intent.CANCEL_ORDER), context(**ME))
    await flow.aclose()

    assert outcome.next_step["action"] == "ticket_unavailable"
    assert outcome.next_step["ticket_id"] is None
    assert "try again" in outcome.next_step["customer_next_steps"][0]
    assert _errors(world.metrics, "broken") == 1


async def test_when_order_system_fails_then_ticket_for_a_person(world: World) -> None:
    flow = ServiceActionWorkflow(world.deps, orders=BrokenOrders())
    outcome = await flow.run(
        decision("where is order ORD-10002", Intent.TRACK_ORDER), context(**ME)
    )
    await flow.aclose()

    step = outcome.next_step
    assert (step["action"], step["reason"], step["order"]) == (
        "ticket_created",
        "order_lookup_unavailable",
        None,
    )
    [ticket] = await world.tickets()
    assert ticket.details["order_lookup"] == "unavailable"
    assert ticket.details["order_number_given"] == "ORD-10002"
    assert _errors(world.metrics, "broken_orders") == 1


async def test_when_webhook_unreachable_then_ticket_kept_pending(
    world: World, settings: Settings
) -> None:
    webhook = settings.model_copy(
        update={
            "ticketing_adapter": "webhook",
            "webhook_url": "http://127.0.0.1:9/tickets",  # discard port: nothing listens
            "webhook_secret": SecretStr("loopback-secret"),
            "webhook_timeout_seconds": 0.5,
            "webhook_max_retries": 0,
        }
    )
    flow = ServiceActionWorkflow(WorkflowDeps(webhook, world.sessions, world.metrics))
    await flow.start()
    try:
        outcome = await flow.run(
            decision("cancel order ORD-10001", Intent.CANCEL_ORDER), context(**ME)
        )
    finally:
        await flow.aclose()

    assert (outcome.next_step["action"], outcome.next_step["delivery"]) == (
        "ticket_created",
        "pending",
    )
    [ticket] = await world.tickets()
    assert ticket.delivery == "pending"
    assert _errors(world.metrics, "webhook") == 1


async def test_when_classified_over_http_then_ticket_readable_over_http(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    runtime = app.state.runtime
    async with runtime.sessions() as session:
        await demo.load_demo(session)
        _, key = await auth_service.create_key(session, name="care", scopes=[Scope.TICKETS_READ])
    body = {
        "message": "I want to cancel order ORD-10001 please",
        "metadata": {"customer_id": "cust-1001"},
    }
    headers = {"X-Request-ID": "req-http-cancel"}

    first = await client.post("/api/v1/classify", json=body, headers=headers)
    again = await client.post("/api/v1/classify", json=body, headers=headers)

    assert first.status_code == 200
    step = first.json()["next_step"]
    assert first.json()["category"] == "service_action"
    assert step["action"] in {"ticket_created", "human_review"}
    assert step["ticket_id"] == again.json()["next_step"]["ticket_id"]
    assert {"type": "order_number", "value": "ORD-10001"}.items() <= first.json()["entities"][
        0
    ].items()
    ticket = await client.get(f"/api/v1/tickets/{step['ticket_id']}", headers={"X-API-Key": key})
    assert ticket.status_code == 200
    assert ticket.json()["request_id"] == "req-http-cancel"
    assert ticket.json()["customer_id"] == "cust-1001"
    async with runtime.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Ticket)) == 1
