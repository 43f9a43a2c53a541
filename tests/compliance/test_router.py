"""The queue and audit endpoints through the real app: auth matrix, filters, events, verify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from orchestrator.auth import service as auth_service
from orchestrator.auth.models import Scope
from orchestrator.compliance import service
from orchestrator.domain import Severity

EMERGENCY = "um my son swallowed a bunch of my pills"
WITH_PII = (
    "This is Jane Doe, jane.doe@example.com or 415-555-0132: "
    "I got hives all over after the amoxicillin you sent"
)
RECORDS = "/api/v1/compliance/records"


async def _key(app: FastAPI, *scopes: Scope, revoked: bool = False) -> str:
    async with app.state.runtime.sessions() as session:
        row, plaintext = await auth_service.create_key(session, name="test", scopes=scopes)
        if revoked:
            await auth_service.revoke_key(session, key_id=row.id)
    return plaintext


def _auth(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


async def _classify(client: httpx.AsyncClient, message: str = EMERGENCY) -> dict[str, Any]:
    response = await client.post("/api/v1/classify", json={"message": message})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert body["category"] == "safety_compliance"
    return body


async def _record_id(client: httpx.AsyncClient, message: str = EMERGENCY) -> str:
    record_id: str = (await _classify(client, message))["next_step"]["record_id"]
    return record_id


# --- who may call what ----------------------------------------------------------------------

ENDPOINTS = {
    "list": ("GET", RECORDS, Scope.COMPLIANCE_READ, Scope.TICKETS_READ),
    "detail": ("GET", RECORDS + "/{id}", Scope.COMPLIANCE_READ, Scope.TICKETS_READ),
    "acknowledge": (
        "POST",
        RECORDS + "/{id}/acknowledge",
        Scope.COMPLIANCE_WRITE,
        Scope.COMPLIANCE_READ,
    ),
    "resolve": ("POST", RECORDS + "/{id}/resolve", Scope.COMPLIANCE_WRITE, Scope.COMPLIANCE_READ),
    "verify": ("GET", "/api/v1/audit/verify", Scope.ADMIN, Scope.COMPLIANCE_WRITE),
}
CALLERS = {
    "no_key": 401,
    "bad_key": 401,
    "revoked_key": 401,
    "wrong_scope": 403,
    "right_scope": 200,
    "admin": 200,
}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_when_caller_presents_key_then_status_by_scope(
    app: FastAPI, client: httpx.AsyncClient, endpoint: str, caller: str
) -> None:
    method, path, needed, wrong = ENDPOINTS[endpoint]
    record_id = await _record_id(client)
    headers = {
        "no_key": {},
        "bad_key": _auth("orch_nosuchkey_notasecret"),
        "revoked_key": _auth(await _key(app, needed, revoked=True)),
        "wrong_scope": _auth(await _key(app, wrong)),
        "right_scope": _auth(await _key(app, needed)),
        "admin": {"Authorization": f"Bearer {await _key(app, Scope.ADMIN)}"},
    }[caller]

    response = await client.request(method, path.format(id=record_id), headers=headers)

    assert response.status_code == CALLERS[caller], response.text
    if response.status_code >= 400:
        code = {401: "unauthorized", 403: "forbidden"}[response.status_code]
        assert response.json()["error"]["code"] == code
    if response.status_code == 401:
        assert response.headers["www-authenticate"] == "Bearer"


# --- the queue ------------------------------------------------------------------------------


@pytest.fixture
async def reader(app: FastAPI, client: httpx.AsyncClient) -> dict[str, str]:
    return _auth(await _key(app, Scope.COMPLIANCE_READ, Scope.COMPLIANCE_WRITE))


async def test_when_safety_message_classified_then_record_on_the_queue(
    client: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    body = await _classify(client)
    step = body["next_step"]

    page = (await client.get(RECORDS, headers=reader)).json()

    assert (page["total"], page["limit"], page["offset"]) == (1, 50, 0)
    (item,) = page["items"]
    assert item["id"] == step["record_id"]
    assert item["request_id"] == body["request_id"]
    assert (item["severity"], item["queue"], item["status"], item["breached"]) == (
        "urgent",
        "pharmacist",
        "open",
        False,
    )
    assert datetime.fromisoformat(item["due_at"]) == datetime.fromisoformat(step["due_at"])
    assert item["redacted_text"] == "um my son swallowed a bunch of my pills"


async def test_when_records_read_then_no_unredacted_text_anywhere(
    client: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    record_id = await _record_id(client, WITH_PII)
    await client.post(f"{RECORDS}/{record_id}/acknowledge", headers=reader)

    listed = await client.get(RECORDS, headers=reader)
    detail = await client.get(f"{RECORDS}/{record_id}", headers=reader)

    for response in (listed, detail):
        assert response.status_code == 200
        for secret in ("jane.doe@example.com", "415-555-0132"):
            assert secret not in response.text
    assert "hives" in detail.json()["redacted_text"]
    assert detail.json()["pii_types"]


async def test_when_filtered_then_only_matching_records_soonest_due_first(
    app: FastAPI, client: httpx.AsyncClient, reader: dict[str, str], new_record
) -> None:
    urgent = await _record_id(client)
    now = datetime.now(UTC)
    async with app.state.runtime.sessions() as session:
        overdue, _ = await service.create_record(
            session, new_record("overdue", created_at=now - timedelta(hours=3))
        )
    async with app.state.runtime.sessions() as session:
        privacy, _ = await service.create_record(
            session,
            new_record("privacy", severity=Severity.STANDARD, queue="compliance",
                       due_in=timedelta(hours=24)),
        )  # fmt: skip

    async def ids(**params: Any) -> list[str]:
        response = await client.get(RECORDS, params=params, headers=reader)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids() == [overdue.id, urgent, privacy.id]
    assert await ids(queue="compliance") == [privacy.id]
    assert await ids(severity="urgent") == [urgent]
    assert await ids(breached="true") == [overdue.id]
    assert await ids(breached="false") == [urgent, privacy.id]
    assert await ids(status="open", limit=1, offset=1) == [urgent]
    await client.post(f"{RECORDS}/{urgent}/resolve", headers=reader)
    assert await ids(status="resolved") == [urgent]
    assert await ids(status="open") == [overdue.id, privacy.id]


@pytest.mark.parametrize(
    "params",
    [{"limit": 201}, {"limit": 0}, {"offset": -1}, {"status": "closed"}, {"severity": "mild"}],
)
async def test_when_query_invalid_then_400_envelope(
    client: httpx.AsyncClient, reader: dict[str, str], params: dict[str, Any]
) -> None:
    response = await client.get(RECORDS, params=params, headers=reader)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


async def test_when_acknowledged_then_resolved_then_history_with_actor(
    app: FastAPI, client: httpx.AsyncClient, reader: dict[str, str]
) -> None:
    record_id = await _record_id(client)
    key_id = reader["X-API-Key"].split("_")[1]

    acked = await client.post(
        f"{RECORDS}/{record_id}/acknowledge", json={"note": "calling back"}, headers=reader
    )
    resolved = await client.post(f"{RECORDS}/{record_id}/resolve", headers=reader)

    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    assert resolved.status_code == 200
    detail = (await client.get(f"{RECORDS}/{record_id}", headers=reader)).json()
    assert detail["status"] == "resolved"
    assert detail["resolved_at"] is not None and detail["breached"] is False
    assert [(e["type"], e["actor"], e["note"]) for e in detail["events"]] == [
        ("acknowledged", key_id, "calling back"),
        ("resolved", key_id, None),
    ]
    assert detail["details"]["decision_path"].startswith("safety_screen:")


@pytest.mark.parametrize(
    ("first", "then"),
    [("resolve", "resolve"), ("resolve", "acknowledge"), ("acknowledge", "acknowledge")],
)
async def test_when_state_refuses_then_409_envelope(
    client: httpx.AsyncClient, reader: dict[str, str], first: str, then: str
) -> None:
    record_id = await _record_id(client)
    assert (await client.post(f"{RECORDS}/{record_id}/{first}", headers=reader)).status_code == 200

    response = await client.post(f"{RECORDS}/{record_id}/{then}", headers=reader)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conflict"
    detail = (await client.get(f"{RECORDS}/{record_id}", headers=reader)).json()
    assert len(detail["events"]) == 1


@pytest.mark.parametrize(
    ("method", "suffix"), [("GET", ""), ("POST", "/acknowledge"), ("POST", "/resolve")]
)
async def test_when_record_unknown_then_404_envelope(
    client: httpx.AsyncClient, reader: dict[str, str], method: str, suffix: str
) -> None:
    response = await client.request(method, f"{RECORDS}/cr_nope{suffix}", headers=reader)
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": "No compliance record has that id.",
        "details": {"id": "cr_nope"},
    }


@pytest.mark.parametrize(
    "body",
    [{"note": "x" * 2001}, {"note": 5}, {"comment": "hi"}],
)
async def test_when_event_body_invalid_then_400_and_nothing_appended(
    client: httpx.AsyncClient, reader: dict[str, str], body: dict[str, Any]
) -> None:
    record_id = await _record_id(client)
    response = await client.post(f"{RECORDS}/{record_id}/acknowledge", json=body, headers=reader)
    assert response.status_code == 400
    detail = (await client.get(f"{RECORDS}/{record_id}", headers=reader)).json()
    assert detail["events"] == []


# --- the audit check ------------------------------------------------------------------------


async def test_when_chain_intact_then_verify_ok_and_when_edited_then_reported(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    admin = _auth(await _key(app, Scope.ADMIN))
    for _ in range(3):
        await _record_id(client)

    intact = (await client.get("/api/v1/audit/verify", headers=admin)).json()
    assert intact["ok"] is True
    assert intact["chains"][0] == {
        "chain": "compliance_records",
        "ok": True,
        "rows": 3,
        "head_seq": 3,
        "problem": None,
        "seq": None,
        "detail": None,
    }

    async with app.state.runtime.engine.begin() as connection:
        await connection.execute(
            text("UPDATE compliance_records SET severity = 'standard' WHERE seq = 2")
        )
    tampered = await client.get("/api/v1/audit/verify", headers=admin)

    assert tampered.status_code == 200
    report = tampered.json()
    assert report["ok"] is False
    assert (report["chains"][0]["problem"], report["chains"][0]["seq"]) == ("edited", 2)
