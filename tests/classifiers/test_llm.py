"""The LLM tier against a real chat-completions server on loopback, through the real SDK.

The fault matrix: each script of server replies, what the tier ends with, how many requests
reached the server, and which retries were counted.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from orchestrator.classifiers.llm import LLMClassifier, LLMUnavailable
from orchestrator.classifiers.prompts import RESPONSE_SCHEMA, load_prompt
from orchestrator.config import Settings
from orchestrator.domain import Category, Intent, Severity
from support.fake_llm import (
    MODEL,
    FakeLLM,
    ManualClock,
    RecordedSleeps,
    Reply,
    completion,
    llm_settings,
    refused_url,
)

MakeLLM = Callable[..., Awaitable[LLMClassifier]]


@pytest.fixture
def sleeps() -> RecordedSleeps:
    return RecordedSleeps()


@pytest.fixture
async def make_llm(fake: FakeLLM, sleeps: RecordedSleeps) -> AsyncIterator[MakeLLM]:
    built: list[LLMClassifier] = []

    async def make(
        base_url: str | None = None, *, clock: ManualClock | None = None, **values: Any
    ) -> LLMClassifier:
        settings = llm_settings(base_url or fake.base_url, **values)
        if clock is None:
            llm = LLMClassifier.from_settings(settings, sleep=sleeps)
        else:
            llm = LLMClassifier.from_settings(settings, sleep=sleeps, clock=clock)
        built.append(llm)
        return llm

    yield make
    for llm in built:
        await llm.aclose()


def sample(llm: LLMClassifier, name: str, **labels: str) -> float:
    value = llm.metrics.registry.get_sample_value(name, labels or None)
    return value or 0.0


async def test_when_answered_then_prediction_carries_the_answer(
    fake: FakeLLM, make_llm: MakeLLM
) -> None:
    fake.script(
        Reply.answer(
            "service_action",
            0.82,
            intent="refund",
            prompt_tokens=211,
            completion_tokens=37,
        )
    )
    llm = await make_llm()
    prediction = await llm.classify("I want my money back for order ORD-10001")
    assert prediction.tier == "llm"
    assert prediction.category is Category.SERVICE_ACTION
    assert prediction.confidence == pytest.approx(0.82)
    assert sum(prediction.scores.values()) == pytest.approx(1.0)
    assert prediction.intent is Intent.REFUND
    assert prediction.severity is None
    assert prediction.reasoning == "scripted answer"
    assert prediction.extras["prompt_tokens"] == 211
    assert sample(llm, "llm_tokens_total", kind="prompt") == 211
    assert sample(llm, "llm_tokens_total", kind="completion") == 37
    assert sample(llm, "llm_requests_total", outcome="ok") == 1


async def test_when_sent_then_strict_json_schema_and_the_versioned_prompt(
    fake: FakeLLM, make_llm: MakeLLM
) -> None:
    llm = await make_llm(llm_api_key=SecretStr("sk-test-123"))
    await llm.classify("what time do you close on sunday")
    (request,) = fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test-123"
    body = request.body
    assert body["model"] == MODEL
    assert body["temperature"] == 0.0
    prompt = load_prompt()
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "classify-v2", "strict": True, "schema": RESPONSE_SCHEMA},
    }
    assert body["messages"][0] == {"role": "system", "content": prompt.system}
    assert "what time do you close on sunday" in request.user_message
    assert "{message}" not in request.user_message


async def test_when_json_object_mode_then_no_schema_sent(fake: FakeLLM, make_llm: MakeLLM) -> None:
    llm = await make_llm(llm_response_format="json_object")
    await llm.classify("hours?")
    assert fake.requests[0].body["response_format"] == {"type": "json_object"}


async def test_when_message_holds_pii_then_redacted_before_it_leaves(
    fake: FakeLLM, make_llm: MakeLLM
) -> None:
    llm = await make_llm()
    await llm.classify("this is Maria Lopez, call me at (555) 123-4567 or maria.lopez@example.com")
    sent = json.dumps(fake.requests[0].body)
    for secret in ("Maria Lopez", "123-4567", "maria.lopez@example.com"):
        assert secret not in sent
    for tag in ("<PERSON>", "<PHONE>", "<EMAIL>"):
        assert tag in fake.requests[0].user_message


async def test_when_redaction_off_then_text_sent_as_is(fake: FakeLLM, make_llm: MakeLLM) -> None:
    llm = await make_llm(llm_redact_pii=False)
    await llm.classify("call me at (555) 123-4567")
    assert "(555) 123-4567" in fake.requests[0].user_message


@pytest.mark.parametrize(
    ("reply", "intent", "severity"),
    [
        (Reply.answer("informational", intent="refund", severity="urgent"), None, None),
        (Reply.answer("safety_compliance", intent="refund", severity="high"), None, Severity.HIGH),
        (Reply.answer("service_action", intent="track_order"), Intent.TRACK_ORDER, None),
    ],
)
async def test_when_fields_do_not_fit_the_category_then_dropped(
    fake: FakeLLM,
    make_llm: MakeLLM,
    reply: Reply,
    intent: Intent | None,
    severity: Severity | None,
) -> None:
    fake.script(reply)
    prediction = await (await make_llm()).classify("a message")
    assert (prediction.intent, prediction.severity) == (intent, severity)


def _refusal() -> Reply:
    body = json.loads(completion(""))
    body["choices"][0]["message"] = {"role": "assistant", "content": None, "refusal": "no"}
    return Reply(body=json.dumps(body).encode(), name="refusal")


def _cut_off() -> Reply:
    body = json.loads(completion('{"reasoning": "the customer'))
    body["choices"][0]["finish_reason"] = "length"
    return Reply(body=json.dumps(body).encode(), name="length")


OK = Reply.answer("informational", 0.9)
BAD = ("invalid_output", 2, {"invalid_output": 1})  # retried once, then given up

# name: (script, outcome kind or "ok", requests that reach the server, retries counted by kind)
FAULTS: dict[str, tuple[list[Reply], str, int, dict[str, int]]] = {
    "500 then ok": ([Reply.fault(500), OK], "ok", 2, {"server_error": 1}),
    "503 x4": ([Reply.fault(503)] * 4, "server_error", 4, {"server_error": 3}),
    "429 then ok": ([Reply.rate_limited("2"), OK], "ok", 2, {"rate_limited": 1}),
    "429 too long": ([Reply.rate_limited("120")], "rate_limited", 1, {}),
    "slow then ok": ([Reply.slow(1.5), OK], "ok", 2, {"timeout": 1}),
    "malformed then ok": ([Reply.malformed_json(), OK], "ok", 2, {"invalid_output": 1}),
    "wrong schema then ok": ([Reply.wrong_schema(), OK], "ok", 2, {"invalid_output": 1}),
    "malformed twice": (
        [Reply.malformed_json(), Reply.wrong_schema()],
        "invalid_output",
        2,
        {"invalid_output": 1},
    ),
    "body not json": (
        [Reply(200, b"<html>oops</html>")] * 2,
        "invalid_output",
        2,
        {"invalid_output": 1},
    ),
    "no choices": (
        [Reply(200, b'{"id": "x", "choices": []}')] * 2,
        "invalid_output",
        2,
        {"invalid_output": 1},
    ),
    "refusal": ([_refusal()] * 2, "invalid_output", 2, {"invalid_output": 1}),
    "cut off": ([_cut_off()] * 2, "invalid_output", 2, {"invalid_output": 1}),
    "400": ([Reply.fault(400)], "client_error", 1, {}),
    "401": ([Reply.fault(401)], "client_error", 1, {}),
    "404": ([Reply.fault(404)], "client_error", 1, {}),
    "422": ([Reply.fault(422)], "client_error", 1, {}),
}


@pytest.mark.parametrize("name", list(FAULTS))
async def test_fault_matrix(
    fake: FakeLLM, make_llm: MakeLLM, sleeps: RecordedSleeps, name: str
) -> None:
    script, outcome, requests, retries = FAULTS[name]
    fake.script(*script)
    llm = await make_llm(llm_max_retries=3)
    if outcome == "ok":
        prediction = await llm.classify("where is my order")
        assert prediction.category is Category.INFORMATIONAL
        assert prediction.extras["llm_attempts"] == requests
    else:
        with pytest.raises(LLMUnavailable) as failed:
            await llm.classify("where is my order")
        assert failed.value.kind == outcome
        assert failed.value.retry_after >= 1
        assert sample(llm, "llm_requests_total", outcome="failed") == 1
    assert fake.calls == requests
    for kind, count in retries.items():
        assert sample(llm, "llm_retries_total", kind=kind) == count
    assert sum(sample(llm, "llm_retries_total", kind=k) for k in retries) == len(sleeps)
    assert sum(
        sample(llm, "llm_errors_total", kind=k)
        for k in ("server_error", "rate_limited", "timeout", "invalid_output", "client_error")
    ) == requests - (outcome == "ok")


async def test_when_answer_refused_then_its_tokens_still_counted(
    fake: FakeLLM, make_llm: MakeLLM
) -> None:
    fake.script(_cut_off(), _cut_off())
    llm = await make_llm()
    with pytest.raises(LLMUnavailable):
        await llm.classify("hours?")
    assert sample(llm, "llm_tokens_total", kind="completion") == 2 * 30


async def test_when_429_then_retry_after_honoured(
    fake: FakeLLM, make_llm: MakeLLM, sleeps: RecordedSleeps
) -> None:
    fake.script(Reply.rate_limited("7"), OK)
    await (await make_llm(llm_retry_after_max_seconds=30)).classify("hours?")
    assert sleeps[0] >= 7.0


async def test_when_503_with_retry_after_then_honoured(
    fake: FakeLLM, make_llm: MakeLLM, sleeps: RecordedSleeps
) -> None:
    fake.script(Reply.fault(503, {"Retry-After": "3"}), OK)
    await (await make_llm()).classify("hours?")
    assert sleeps[0] >= 3.0


async def test_when_backing_off_then_waits_grow(
    fake: FakeLLM, make_llm: MakeLLM, sleeps: RecordedSleeps
) -> None:
    fake.script(*[Reply.fault(500)] * 3, OK)
    await (await make_llm(llm_backoff_seconds=1.0, llm_backoff_max_seconds=10.0)).classify("x")
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0 and 2.0 <= sleeps[2] <= 4.0


async def test_when_connection_refused_then_retried_and_counted(make_llm: MakeLLM) -> None:
    llm = await make_llm(refused_url(), llm_max_retries=2)
    with pytest.raises(LLMUnavailable) as failed:
        await llm.classify("hours?")
    assert failed.value.kind == "connection"
    assert sample(llm, "llm_retries_total", kind="connection") == 2
    assert sample(llm, "llm_errors_total", kind="connection") == 3


async def test_when_deadline_near_then_no_more_attempts(fake: FakeLLM, make_llm: MakeLLM) -> None:
    fake.default = Reply.slow(2.0)
    llm = await make_llm(llm_timeout_seconds=0.3, llm_deadline_seconds=0.5, llm_max_retries=5)
    with pytest.raises(LLMUnavailable) as failed:
        await llm.classify("hours?")
    assert failed.value.kind == "timeout"
    assert 1 <= fake.calls <= 2  # the deadline, not the five retries, ended it


async def test_when_failures_reach_threshold_then_circuit_opens_and_calls_stop(
    fake: FakeLLM, make_llm: MakeLLM
) -> None:
    fake.default = Reply.fault(500)
    clock = ManualClock()
    llm = await make_llm(
        llm_max_retries=1,
        llm_breaker_failure_threshold=2,
        llm_breaker_reset_seconds=30,
        clock=clock,
    )
    for _ in range(2):
        with pytest.raises(LLMUnavailable):
            await llm.classify("hours?")
    assert fake.calls == 4
    assert llm.status()["llm"]["circuit"] == "open"
    assert sample(llm, "circuit_breaker_state", circuit="llm") == 2

    with pytest.raises(LLMUnavailable) as refused:
        await llm.classify("hours?")
    assert refused.value.kind == "circuit_open"
    assert refused.value.retry_after == 30
    assert fake.calls == 4  # refused without a request
    assert sample(llm, "llm_requests_total", outcome="rejected") == 1
    assert sample(llm, "circuit_breaker_transitions_total", circuit="llm", state="open") == 1


async def test_when_cool_down_passes_then_half_open_and_one_success_closes(
    fake: FakeLLM, make_llm: MakeLLM
) -> None:
    fake.script(Reply.fault(400))
    clock = ManualClock()
    llm = await make_llm(clock=clock, llm_breaker_failure_threshold=1)
    with pytest.raises(LLMUnavailable):
        await llm.classify("hours?")
    assert llm.breaker.state.value == "open"
    clock.advance(30)
    assert llm.status()["llm"]["circuit"] == "half_open"
    assert sample(llm, "circuit_breaker_state", circuit="llm") == 1
    await llm.classify("hours?")  # the trial call succeeds
    assert llm.breaker.state.value == "closed"
    assert sample(llm, "circuit_breaker_state", circuit="llm") == 0


async def test_when_trial_fails_then_open_again(fake: FakeLLM, make_llm: MakeLLM) -> None:
    fake.script(Reply.fault(400), Reply.fault(400))
    clock = ManualClock()
    llm = await make_llm(clock=clock, llm_breaker_failure_threshold=1)
    with pytest.raises(LLMUnavailable):
        await llm.classify("hours?")
    clock.advance(30)
    with pytest.raises(LLMUnavailable):
        await llm.classify("hours?")
    assert llm.breaker.state.value == "open"
    assert fake.calls == 2


def test_when_no_key_and_no_base_url_then_refused() -> None:
    settings = Settings(environment="test", llm_base_url=None, llm_api_key=None)
    with pytest.raises(ValueError, match="ORCH_LLM_API_KEY"):
        LLMClassifier.from_settings(settings)


async def test_when_key_and_no_base_url_then_openai(tmp_path: Path) -> None:
    settings = Settings(environment="test", llm_api_key=SecretStr("sk-x"), llm_base_url=None)
    llm = LLMClassifier.from_settings(settings)
    try:
        assert llm.status()["llm"]["host"] == "api.openai.com"
        assert llm.status()["llm"]["prompt"] == "classify-v2"
    finally:
        await llm.aclose()
