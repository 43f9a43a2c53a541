"""`info_line`: the per-request line through the same processors as every other line."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from orchestrator.observability.logging import configure_logging, get_logger, info_line

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]


@pytest.fixture(autouse=True)
def _json_at_info() -> Iterator[None]:
    yield
    configure_logging("INFO", json=True)  # as every other test expects it


def test_when_written_then_the_same_line_as_a_bound_loggers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("INFO", json=True)
    capsys.readouterr()
    with structlog.contextvars.bound_contextvars(request_id="same-1"):
        get_logger("orchestrator.access").info("request", status=200, latency_ms=1.5, tier="local")
        info_line({"event": "request", "status": 200, "latency_ms": 1.5, "tier": "local"})
    bound, direct = lines(capsys)
    assert ISO_UTC.match(bound.pop("timestamp")) and ISO_UTC.match(direct.pop("timestamp"))
    assert (
        direct
        == bound
        == {
            "event": "request",
            "status": 200,
            "latency_ms": 1.5,
            "tier": "local",
            "request_id": "same-1",
            "level": "info",
        }
    )


def test_when_a_value_holds_pii_then_it_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json=True)
    capsys.readouterr()
    info_line({"event": "request", "path": "/api/v1/customers/maria.lopez@example.com"})
    (line,) = lines(capsys)
    assert line["path"] == "/api/v1/customers/<EMAIL>"


def test_when_level_above_info_then_nothing_written(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("WARNING", json=True)
    capsys.readouterr()
    info_line({"event": "request", "status": 200})
    get_logger("test").warning("still_written")
    assert [line["event"] for line in lines(capsys)] == ["still_written"]


def test_when_console_format_then_a_readable_line(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", json=False)
    capsys.readouterr()
    info_line({"event": "request", "status": 201})
    err = capsys.readouterr().err
    assert "request" in err and "status" in err and "201" in err
    assert not err.lstrip().startswith("{")
