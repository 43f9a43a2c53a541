"""POST /api/v1/classify through the real model: the contract, and every kind of bad input."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

URL = "/api/v1/classify"


async def test_when_hours_question_then_informational(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"message": "What time do you close on Sunday?"})
    assert response.status_code == 200
    body = response.json()
    assert body["category"] == "informational"
    assert set(body["scores"]) == {"informational", "service_action", "safety_compliance"}
    assert sum(body["scores"].values()) == pytest.approx(1.0, abs=1e-3)
    assert 0.0 <= body["confidence"] <= 1.0
    assert body["classifier"] == "local"
    assert body["request_id"] == response.headers["x-request-id"]
    assert body["next_step"]["action"]
    assert body["processing_time_ms"] >= 0


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("I want to cancel order 55123 please", "service_action"),
        ("where is my package, order #88213 hasn't arrived", "service_action"),
        ("my throat is swelling after the new antibiotic and I can't breathe", "safety_compliance"),
        ("do you accept HSA cards?", "informational"),
    ],
)
async def test_when_clear_message_then_expected_category(
    client: httpx.AsyncClient, message: str, category: str
) -> None:
    response = await client.post(URL, json={"message": message})
    assert response.status_code == 200
    assert response.json()["category"] == category


async def test_when_emergency_then_screen_decides_and_urgent(client: httpx.AsyncClient) -> None:
    body = (
        await client.post(
            URL, json={"message": "um my son swallowed a bunch of my pills", "channel": "voice"}
        )
    ).json()
    assert body["category"] == "safety_compliance"
    assert body["decision_path"].startswith("safety_screen:")
    assert body["classifier"] == "safety_screen"
    assert body["severity"] == "urgent"
    assert "911" in body["next_step"]["guidance"]


async def test_when_service_request_then_intent_and_entities(client: httpx.AsyncClient) -> None:
    body = (await client.post(URL, json={"message": "please cancel my order ORD-2024-5531"})).json()
    assert body["category"] == "service_action"
    assert body["intent"] == "cancel_order"
    assert any(e["type"] == "order_number" for e in body["entities"])


async def test_when_request_id_given_then_echoed(client: httpx.AsyncClient) -> None:
    response = await client.post(
        URL, json={"message": "are you open today"}, headers={"X-Request-ID": "abc-123"}
    )
    assert response.headers["x-request-id"] == "abc-123"
    assert response.json()["request_id"] == "abc-123"


async def test_when_request_id_malformed_then_replaced(client: httpx.AsyncClient) -> None:
    response = await client.post(
        URL, json={"message": "are you open today"}, headers={"X-Request-ID": "bad id\twith space"}
    )
    assert response.headers["x-request-id"] != "bad id\twith space"
    assert len(response.headers["x-request-id"]) == 32


def _json(payload: object) -> dict[str, object]:
    return {"content": json.dumps(payload), "headers": {"content-type": "application/json"}}


BAD_INPUT = [
    ("empty", _json({"message": ""}), "invalid_request"),
    ("whitespace", _json({"message": "   \n\t  "}), "invalid_request"),
    ("too_long", _json({"message": "a" * 5001}), "invalid_request"),
    ("unknown_channel", _json({"message": "hi", "channel": "fax"}), "invalid_request"),
    ("message_not_string", _json({"message": 42}), "invalid_request"),
    ("message_null", _json({"message": None}), "invalid_request"),
    ("metadata_not_object", _json({"message": "hi", "metadata": [1]}), "invalid_request"),
    ("body_is_list", _json(["hi"]), "invalid_request"),
    ("missing_message", _json({"channel": "chat"}), "invalid_request"),
    (
        "invalid_json",
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        "invalid_json",
    ),
    ("no_body", {"headers": {"content-type": "application/json"}}, "missing_body"),
    (
        "wrong_content_type",
        {"content": b"message=hi", "headers": {"content-type": "text/plain"}},
        "unsupported_media_type",
    ),
    ("no_content_type", {"content": b'{"message": "hi"}'}, "unsupported_media_type"),
]


@pytest.mark.parametrize(("case", "kwargs", "code"), BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
async def test_when_bad_input_then_400_envelope(
    client: httpx.AsyncClient, case: str, kwargs: dict[str, object], code: str
) -> None:
    response = await client.post(URL, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 400, case
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert "Traceback" not in response.text
    assert response.headers["x-request-id"]


async def test_when_body_invalid_then_errors_point_into_the_body_without_echoing_it(
    client: httpx.AsyncClient,
) -> None:
    secret = "Jane Roe 555-0142"
    response = await client.post(URL, json={"message": secret, "channel": "fax"})
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert [d["loc"] for d in details] == [["body", "channel"]]
    assert details[0]["type"] == "enum"
    assert secret not in response.text and "fax" not in json.dumps(details[0]["loc"])

    missing = (await client.post(URL, json={"channel": "chat"})).json()["error"]["details"]
    assert [(d["loc"], d["type"]) for d in missing] == [(["body", "message"], "missing")]
    empty = (await client.post(URL, **_json_bytes(b""))).json()["error"]
    assert (empty["code"], empty["details"]) == (
        "missing_body",
        [{"loc": ["body"], "msg": "Field required", "type": "missing"}],
    )


def _json_bytes(content: bytes) -> dict[str, object]:
    return {"content": content, "headers": {"content-type": "application/json"}}


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b'{"message": "\\ud800 lone surrogate"}', "invalid_json"),  # JSON text, not Unicode
        ('{"message": "caf\u00e9"}'.encode("utf-16"), "invalid_json"),  # JSON, but not UTF-8
        (b'{"message": "\xff\xfe"}', "invalid_json"),  # bytes that are not UTF-8 at all
        (b"null", "invalid_request"),
        (b'"just a string"', "invalid_request"),
    ],
    ids=["lone_surrogate", "utf16", "not_utf8", "null", "string"],
)
async def test_when_body_is_not_a_json_object_of_text_then_400(
    client: httpx.AsyncClient, content: bytes, code: str
) -> None:
    response = await client.post(URL, **_json_bytes(content))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert "Traceback" not in response.text


async def test_when_message_at_limit_after_trim_then_accepted(client: httpx.AsyncClient) -> None:
    message = "  " + ("refill my prescription " * 300)[:5000] + "   "
    response = await client.post(URL, json={"message": message})
    assert response.status_code == 200


async def test_when_unknown_route_then_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_when_record_cannot_be_stored_then_503_with_guidance(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async with app.state.runtime.engine.begin() as connection:
        await connection.execute(text("DROP TABLE compliance_events"))
        await connection.execute(text("DROP TABLE compliance_records"))
    response = await client.post(
        URL, json={"message": "my son swallowed a bottle of my pills and won't wake up"}
    )
    assert response.status_code == 503
    assert response.headers["retry-after"]
    error = response.json()["error"]
    assert error["code"] == "storage_unavailable"
    assert "911" in error["details"]["guidance"]
    assert error["details"]["record_id"] is None
