"""One JSON log line per request, with the decision and never the message text."""

from __future__ import annotations

import json

import httpx
import pytest

SECRET_TEXT = "my name is Jane Doe and I want to cancel order 99812"


async def test_when_classified_then_one_json_line_without_text(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    response = await client.post(
        "/api/v1/classify", json={"message": SECRET_TEXT}, headers={"X-Request-ID": "log-1"}
    )
    assert response.status_code == 200
    err = capsys.readouterr().err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    requests = [line for line in lines if line.get("event") == "request"]
    assert len(requests) == 1
    line = requests[0]
    assert line["request_id"] == "log-1"
    assert line["category"] == response.json()["category"]
    assert line["confidence"] == response.json()["confidence"]
    assert line["tier"] == "local"
    assert line["latency_ms"] >= 0
    assert line["status"] == 200
    assert "Jane" not in err
    assert "99812" not in err
