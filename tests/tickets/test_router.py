"""GET /api/v1/tickets and /api/v1/tickets/{id}: who may read, filters, pages, the 404 envelope."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from orchestrator.auth import service as auth_service
from orchestrator.auth.models import Scope
from orchestrator.integrations.base import TicketDraft, TicketRef
from orchestrator.integrations.database import DatabaseTicketing
from orchestrator.runtime import Runtime

URL = "/api/v1/tickets"


@dataclass(frozen=True)
class Keys:
    admin: str
    reader: str
    wrong_scope: str
    revoked: str


@pytest.fixture
async def keys(app: FastAPI, client: httpx.AsyncClient) -> Keys:
    runtime: Runtime = app.state.runtime
    async with runtime.sessions() as session:
        _, admin = await auth_service.create_key(session, name="admin", scopes=[Scope.ADMIN])
        _, reader = await auth_service.create_key(session, name="care", scopes=[Scope.TICKETS_READ])
        _, wrong = await auth_service.create_key(
            session, name="compliance", scopes=[Scope.COMPLIANCE_READ, Scope.COMPLIANCE_WRITE]
        )
        revoked_row, revoked = await auth_service.create_key(
            session, name="gone", scopes=[Scope.TICKETS_READ]
        )
        await auth_service.revoke_key(session, key_id=revoked_row.id)
    return Keys(admin=admin, reader=reader, wrong_scope=wrong, revoked=revoked)


# (intent, queue, status, customer): created in this order, so the last is the newest.
SEED = [
    ("cancel_order", "orders", "open", "cust-1001"),
    ("refill_prescription", "pharmacy", "open", "cust-1003"),
    ("refund", "orders", "needs_review", "cust-1002"),
    ("update_account", "accounts", "open", "cust-1001"),
    ("open_ticket", "customer_care", "open", None),
]


@pytest.fixture
async def tickets(app: FastAPI, client: httpx.AsyncClient) -> AsyncIterator[list[TicketRef]]:
    adapter = DatabaseTicketing(app.state.runtime.sessions)
    refs = []
    for intent, queue, status, customer in SEED:
        draft = TicketDraft(
            request_id=secrets.token_hex(8),
            intent=intent,
            queue=queue,
            channel="chat",
            summary=f"a {intent} request from <PERSON>",
            status=status,
            customer_id=customer,
        )
        refs.append(await adapter.create_ticket(draft))
    yield refs


def _auth(key: str | None) -> dict[str, str]:
    return {} if key is None else {"X-API-Key": key}


@pytest.mark.parametrize("path", ["", "/TKT-UNKNOWN"], ids=["list", "one"])
@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("nobody", 401, "unauthorized"),
        ("garbage", 401, "unauthorized"),
        ("forged", 401, "unauthorized"),
        ("revoked", 401, "unauthorized"),
        ("wrong_scope", 403, "forbidden"),
    ],
)
async def test_when_not_allowed_then_refused_with_envelope(
    client: httpx.AsyncClient, keys: Keys, path: str, who: str, status: int, code: str
) -> None:
    key = {
        "nobody": None,
        "garbage": "not-a-key",
        "forged": keys.reader.rsplit("_", 1)[0] + "_forgedsecret",
        "revoked": keys.revoked,
        "wrong_scope": keys.wrong_scope,
    }[who]
    response = await client.get(URL + path, headers=_auth(key))

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("who", ["reader", "admin"])
async def test_when_allowed_then_tickets_listed_and_read(
    client: httpx.AsyncClient, keys: Keys, tickets: list[TicketRef], who: str
) -> None:
    key = getattr(keys, who)
    listed = await client.get(URL, headers=_auth(key))
    one = await client.get(f"{URL}/{tickets[0].id}", headers={"Authorization": f"Bearer {key}"})

    assert listed.status_code == 200
    assert listed.json()["total"] == len(SEED)
    assert one.status_code == 200
    body = one.json()
    assert body["id"] == tickets[0].id
    assert (body["intent"], body["queue"], body["customer_id"]) == (
        "cancel_order",
        "orders",
        "cust-1001",
    )
    assert body["summary"] == "a cancel_order request from <PERSON>"
    assert body["delivery"] == "local"
    assert body["created_at"].endswith(("+00:00", "Z"))


async def test_when_listed_then_newest_first_and_paged(
    client: httpx.AsyncClient, keys: Keys, tickets: list[TicketRef]
) -> None:
    newest_first = [ref.id for ref in reversed(tickets)]

    everything = (await client.get(URL, headers=_auth(keys.reader))).json()
    page = await client.get(URL, params={"limit": 2, "offset": 1}, headers=_auth(keys.reader))

    assert [t["id"] for t in everything["items"]] == newest_first
    assert page.json()["items"] == everything["items"][1:3]
    assert (page.json()["limit"], page.json()["offset"], page.json()["total"]) == (2, 1, 5)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"queue": "orders"}, [0, 2]),
        ({"intent": "refill_prescription"}, [1]),
        ({"status": "needs_review"}, [2]),
        ({"customer_id": "cust-1001"}, [0, 3]),
        ({"queue": "orders", "customer_id": "cust-1001"}, [0]),
        ({"delivery": "pending"}, []),
        ({"customer_id": "cust-9999"}, []),
    ],
)
async def test_when_filtered_then_only_matching(
    client: httpx.AsyncClient,
    keys: Keys,
    tickets: list[TicketRef],
    params: dict[str, str],
    expected: list[int],
) -> None:
    response = await client.get(URL, params=params, headers=_auth(keys.reader))

    assert response.status_code == 200
    assert {t["id"] for t in response.json()["items"]} == {tickets[i].id for i in expected}
    assert response.json()["total"] == len(expected)


@pytest.mark.parametrize(
    "params",
    [{"limit": 201}, {"limit": 0}, {"offset": -1}, {"queue": "nowhere"}, {"intent": "dance"}],
)
async def test_when_query_invalid_then_400_envelope(
    client: httpx.AsyncClient, keys: Keys, params: dict[str, object]
) -> None:
    response = await client.get(URL, params=params, headers=_auth(keys.reader))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


async def test_when_limit_is_the_maximum_then_accepted(
    client: httpx.AsyncClient, keys: Keys
) -> None:
    response = await client.get(URL, params={"limit": 200}, headers=_auth(keys.reader))
    assert response.status_code == 200
    assert response.json()["limit"] == 200


async def test_when_ticket_unknown_then_404_envelope(client: httpx.AsyncClient, keys: Keys) -> None:
    response = await client.get(f"{URL}/TKT-UNKNOWN", headers=_auth(keys.admin))

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "No ticket 'TKT-UNKNOWN'.", "details": None}
    }
