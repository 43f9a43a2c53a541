"""End to end through the real model and SQLite: one message per category, per service intent
and per severity; each stored ticket or record is read back through the queue API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from orchestrator.auth import service as keys
from orchestrator.auth.models import Scope
from orchestrator.orders import demo

CUSTOMER = {"customer_id": "cust-1001"}  # owns the demo orders ORD-10001..ORD-10003

SERVICE_CASES = [
    ("please cancel order ORD-10001, I ordered the wrong thing", "cancel_order", "orders"),
    ("I want a refund for order ORD-10003, the thermometer is broken", "refund", "orders"),
    ("I want to file a complaint about how rude your delivery driver was", "open_ticket", None),
    ("please change the email address on my account to my new one", "update_account", None),
    ("can you refill my lisinopril prescription rx 6012345", "refill_prescription", "pharmacy"),
    ("I want to speak to a real person please", "other", None),
]
SAFETY_CASES = [
    ("my son just swallowed a handful of my sleeping pills", "urgent", "pharmacist", 15),
    ("I got an itchy rash all over my arms after starting amoxicillin", "high", "pharmacist", 120),
    (
        "the safety seal on my new bottle of pills was already broken",
        "standard",
        "compliance",
        1440,
    ),
]


@pytest.fixture
async def admin(app: FastAPI, client: httpx.AsyncClient) -> dict[str, str]:
    runtime = app.state.runtime
    async with runtime.sessions() as session:
        await demo.load_demo(session)
    async with runtime.sessions() as session:
        _, token = await keys.create_key(session, name="e2e", scopes=[Scope.ADMIN])
    return {"X-API-Key": token}


async def classify(client: httpx.AsyncClient, message: str, **extra: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/classify", json={"message": message, **extra})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_when_informational_then_knowledge_base_answer(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    body = await classify(client, "What time does the pharmacy close on Sunday?")
    assert body["category"] == "informational"
    assert body["next_step"]["action"] == "answer"
    assert body["next_step"]["article"]["id"].startswith("hours")


async def test_when_tracking_own_order_then_status_without_ticket(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    body = await classify(client, "where is my order ORD-10002?", metadata=CUSTOMER)
    assert body["category"] == "service_action"
    assert body["intent"] == "track_order"
    assert body["next_step"]["action"] == "order_status"
    assert body["next_step"]["order"]["status"] == "shipped"


@pytest.mark.parametrize(("message", "intent", "queue"), SERVICE_CASES)
async def test_when_service_action_then_ticket_readable_through_api(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    message: str,
    intent: str,
    queue: str | None,
) -> None:
    body = await classify(client, message, metadata=CUSTOMER, channel="chat")
    assert body["category"] == "service_action"
    assert body["intent"] == intent
    step = body["next_step"]
    assert step["action"] in {"ticket_created", "human_review"}
    ticket = await client.get(f"/api/v1/tickets/{step['ticket_id']}", headers=admin)
    assert ticket.status_code == 200
    stored = ticket.json()
    assert stored["request_id"] == body["request_id"]
    assert stored["intent"] == intent
    if queue:
        assert stored["queue"] == queue
    listed = await client.get("/api/v1/tickets", params={"intent": intent}, headers=admin)
    assert step["ticket_id"] in [t["id"] for t in listed.json()["items"]]


@pytest.mark.parametrize(("message", "severity", "queue", "sla_minutes"), SAFETY_CASES)
async def test_when_safety_then_record_on_queue_and_chain(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    message: str,
    severity: str,
    queue: str,
    sla_minutes: int,
) -> None:
    body = await classify(client, message + " - this is Maria Lopez, 555-201-3344")
    assert body["category"] == "safety_compliance"
    assert body["severity"] == severity
    step = body["next_step"]
    assert (step["queue"], step["sla_minutes"]) == (queue, sla_minutes)
    assert ("guidance" in step) is (severity == "urgent")

    record = await client.get(f"/api/v1/compliance/records/{step['record_id']}", headers=admin)
    assert record.status_code == 200
    stored = record.json()
    assert stored["severity"] == severity
    assert stored["queue"] == queue
    assert "Maria" not in str(stored) and "555-201-3344" not in str(stored)

    queued = await client.get(
        "/api/v1/compliance/records", params={"queue": queue, "severity": severity}, headers=admin
    )
    assert step["record_id"] in [r["id"] for r in queued.json()["items"]]

    ack = f"/api/v1/compliance/records/{step['record_id']}/acknowledge"
    assert (await client.post(ack, json={"note": "called back"}, headers=admin)).status_code == 200
    resolve = f"/api/v1/compliance/records/{step['record_id']}/resolve"
    assert (await client.post(resolve, json={}, headers=admin)).status_code == 200
    history = await client.get(f"/api/v1/compliance/records/{step['record_id']}", headers=admin)
    assert [e["type"] for e in history.json()["events"]] == ["acknowledged", "resolved"]

    verify = await client.get("/api/v1/audit/verify", headers=admin)
    assert verify.json()["ok"] is True
