"""No PII in the logs: messages full of names, phone numbers and emails go through a real
server, including one whose classifier crashes quoting its input, and none of it reaches a log
line; every line written while a request is served carries its request id."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog

from orchestrator.classifiers.base import Prediction
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.config import Settings
from orchestrator.main import create_app
from orchestrator.observability.logging import RedactPII, configure_logging, get_logger
from support.live import running

NAMES = ["Maria Lopez", "Daniel Whitfield", "Priya Raman"]
PHONES = ["(555) 123-4567", "555.867.5309", "+1 415 555 0199"]
EMAILS = ["maria.lopez@example.com", "d.whitfield@mailbox.org", "priya.raman@example.net"]
PII = NAMES + PHONES + EMAILS
MESSAGES = [
    f"Hi, this is {NAMES[0]}, call me at {PHONES[0]} or {EMAILS[0]} about cancelling order "
    "ORD-10001",
    f"My husband {NAMES[1]} broke out in hives after amoxicillin, reach him on {PHONES[1]} "
    f"or {EMAILS[1]}",
    f"What time does the pharmacy close? {NAMES[2]}, {PHONES[2]}, {EMAILS[2]}",
    f"CRASH please: {NAMES[0]} {PHONES[1]} {EMAILS[2]}",
]


class QuotingCrashClassifier(LocalClassifier):
    """The real classifier, except that it fails on cue with the customer's words in the
    exception, the way a careless library would."""

    def __init__(self, inner: LocalClassifier) -> None:
        super().__init__(inner.embedder, inner.model)

    async def classify(self, text: str) -> Prediction:
        if text.startswith("CRASH"):
            raise RuntimeError(f"cannot classify {text!r}")
        return await super().classify(text)


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_when_pii_sent_through_a_real_server_then_no_log_line_holds_any(
    tmp_path: Path, local_classifier: LocalClassifier, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path / 'pii.db'}"
    )
    app = create_app(settings, classifier=QuotingCrashClassifier(local_classifier))
    with running(app) as url:
        capsys.readouterr()  # startup lines are not a request's
        statuses = []
        for n, message in enumerate(MESSAGES):
            response = httpx.post(
                f"{url}/api/v1/classify",
                json={
                    "message": message,
                    "metadata": {"customer_id": "cust-1001", "contact": EMAILS[n % 3]},
                },
                headers={"X-Request-ID": f"pii-{n}"},
                timeout=60,
            )
            statuses.append(response.status_code)
    logged = capsys.readouterr().err  # after shutdown: uvicorn logs a crash after answering

    assert statuses == [200, 200, 200, 500]
    lines = json_lines(logged)
    assert len([line for line in lines if line["event"] == "request"]) == len(MESSAGES)
    crash = [line for line in lines if line["event"].startswith("Exception in ASGI application")]
    assert crash, "the server logs the crash (and so would have leaked the text)"
    assert "<PHONE>" in crash[0]["exception"] and "<EMAIL>" in crash[0]["exception"]
    assert all(line.get("request_id", "").startswith("pii-") for line in lines), lines
    for value in PII:
        assert value not in logged


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str]) -> Any:
    configure_logging("INFO", json=True)
    capsys.readouterr()

    def read() -> list[dict[str, Any]]:
        return json_lines(capsys.readouterr().err)

    return read


def test_when_fields_hold_pii_then_every_value_is_redacted(logs: Any) -> None:
    log = get_logger("test")
    log.info(
        f"note for {NAMES[0]}",
        contact=f"call {PHONES[0]}",
        nested={"emails": [EMAILS[0], EMAILS[1]], "count": 2},
        category="safety_compliance",
        error=ValueError(f"bad address {EMAILS[2]}"),
    )
    (line,) = logs()
    assert line["event"] == "note for <PERSON>"
    assert line["contact"] == "call <PHONE>"
    assert line["nested"] == {"emails": ["<EMAIL>", "<EMAIL>"], "count": 2}
    assert line["category"] == "safety_compliance"
    assert line["error"] == "ValueError: bad address <EMAIL>"


def test_when_exception_logged_then_traceback_is_redacted(logs: Any) -> None:
    try:
        raise KeyError(f"no customer {EMAILS[0]} / {PHONES[2]}")
    except KeyError:
        get_logger("test").exception("lookup_failed")
    (line,) = logs()
    assert "KeyError" in line["exception"]
    assert EMAILS[0] not in line["exception"] and PHONES[2] not in line["exception"]


def test_when_a_library_logs_pii_then_it_is_redacted_too(logs: Any) -> None:
    with structlog.contextvars.bound_contextvars(request_id="lib-1"):
        logging.getLogger("some.library").warning("rejected %s from %s", EMAILS[1], NAMES[1])
        logging.getLogger("some.library").info("below the library level: dropped")
    (line,) = logs()
    assert line["event"] == "rejected <EMAIL> from <PERSON>"
    assert line["logger"] == "some.library"
    assert line["request_id"] == "lib-1"


def test_when_configured_twice_then_one_handler_and_one_line(logs: Any) -> None:
    configure_logging("INFO", json=True)
    logging.getLogger("some.library").error("once")
    assert len(logs()) == 1


def test_when_value_is_long_then_redacted_without_caching() -> None:
    redact = RedactPII()
    long_text = ("x " * 200) + PHONES[0]
    event = redact(None, "info", {"event": "e", "body": long_text, "n": 3, "ok": True})
    assert event["body"].endswith("<PHONE>")
    assert (event["n"], event["ok"]) == (3, True)
