"""`ORCH_CLASSIFIER=llm` through the real API, the real SDK and a loopback provider.

With fallback on, no provider fault reaches the caller as a 5xx: the local tier answers and says
so. With fallback off, the caller gets 503 + Retry-After, never a 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from orchestrator.classifiers.cascade import LLMFirstClassifier
from orchestrator.classifiers.llm import LLMClassifier
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.config import Settings
from orchestrator.main import create_app
from support.apps import serving
from support.fake_llm import FakeLLM, ManualClock, RecordedSleeps, Reply, llm_settings, refused_url

KB_DIR = Path(__file__).resolve().parents[2] / "data" / "kb"
Serve = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]

FAULTS: dict[str, list[Reply] | None] = {  # None: nothing listens (connection refused)
    "500": [Reply.fault(500)] * 4,
    "429 with Retry-After": [Reply.rate_limited("1")] * 4,
    "slower than the timeout": [Reply.slow(1.5)] * 4,
    "malformed JSON": [Reply.malformed_json()] * 2,
    "wrong schema": [Reply.wrong_schema()] * 2,
    "400": [Reply.fault(400)],
    "connection refused": None,
}
KINDS = {
    "500": "server_error",
    "429 with Retry-After": "rate_limited",
    "slower than the timeout": "timeout",
    "malformed JSON": "invalid_output",
    "wrong schema": "invalid_output",
    "400": "client_error",
    "connection refused": "connection",
}


@pytest.fixture
def serve(tmp_path: Path, local_classifier: LocalClassifier, fake: FakeLLM) -> Serve:
    """An app in llm mode around the shared local model; the tier is closed afterwards."""

    @asynccontextmanager
    async def served(
        *,
        fallback: bool = True,
        base_url: str | None = None,
        clock: ManualClock | None = None,
        **values: Any,
    ) -> AsyncIterator[httpx.AsyncClient]:
        values.setdefault("kb_dir", None)
        settings = llm_settings(
            base_url or fake.base_url,
            tmp_path,
            classifier="llm",
            llm_fallback_to_local=fallback,
            **values,
        )
        options: dict[str, Any] = {"sleep": RecordedSleeps()}
        if clock is not None:
            options["clock"] = clock
        llm = LLMClassifier.from_settings(settings, **options)
        tier = LLMFirstClassifier(local_classifier, llm, fallback=fallback)
        app = create_app(settings, classifier=tier)
        try:
            async with serving(app) as http:
                yield http
        finally:
            await tier.aclose()

    return served


async def classify(http: httpx.AsyncClient, message: str) -> httpx.Response:
    return await http.post("/api/v1/classify", json={"message": message})


async def test_when_llm_answers_then_it_decides(fake: FakeLLM, serve: Serve) -> None:
    fake.script(Reply.answer("service_action", 0.93, intent="cancel_order"))
    async with serve() as http:
        response = await classify(http, "please cancel my order, I ordered the wrong size")
        metrics = (await http.get("/metrics")).text
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["classifier"] == "llm"
    assert body["decision_path"] == "llm:argmax"
    assert body["category"] == "service_action"
    assert body["intent"] == "cancel_order"
    assert body["confidence"] == pytest.approx(0.93)
    assert 'llm_requests_total{outcome="ok"} 1.0' in metrics
    assert 'llm_tokens_total{kind="prompt"} 120.0' in metrics
    assert 'classification_by_category_total{category="service_action",tier="llm"}' in metrics


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_when_provider_faults_with_fallback_then_never_5xx(
    fake: FakeLLM, serve: Serve, fault: str
) -> None:
    script = FAULTS[fault]
    if script is not None:
        fake.script(*script)
    base_url = refused_url() if script is None else None
    async with serve(base_url=base_url, llm_max_retries=3) as http:
        response = await classify(http, "what time do you close on sunday")
        ready = (await http.get("/api/v1/ready")).json()
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["classifier"] == "local_fallback"
    assert body["decision_path"].startswith(f"llm_failed({KINDS[fault]})>local_fallback:")
    assert body["category"] == "informational"
    assert ready["classifier"]["mode"] == "llm"
    assert ready["classifier"]["fallback"] == "local_fallback"


@pytest.mark.parametrize("fault", list(FAULTS))
async def test_when_provider_faults_without_fallback_then_503_with_retry_after(
    fake: FakeLLM, serve: Serve, fault: str
) -> None:
    script = FAULTS[fault]
    if script is not None:
        fake.script(*script)
    base_url = refused_url() if script is None else None
    async with serve(fallback=False, base_url=base_url) as http:
        response = await classify(http, "what time do you close on sunday")
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    error = response.json()["error"]
    assert error["code"] == "classifier_unavailable"
    assert error["details"] == {"reason": KINDS[fault]}


async def test_when_circuit_opens_then_ready_shows_it_and_503_until_cool_down(
    fake: FakeLLM, serve: Serve
) -> None:
    fake.default = Reply.fault(500)
    clock = ManualClock()
    async with serve(
        fallback=False,
        clock=clock,
        llm_max_retries=0,
        llm_breaker_failure_threshold=3,
        llm_breaker_reset_seconds=20,
    ) as http:
        for _ in range(3):
            assert (await classify(http, "hours?")).status_code == 503
        assert fake.calls == 3
        ready = await http.get("/api/v1/ready")
        refused = await classify(http, "hours?")
        metrics = (await http.get("/metrics")).text
        assert fake.calls == 3  # refused without calling the provider

        clock.advance(20)
        half_open = (await http.get("/api/v1/ready")).json()["classifier"]["llm"]
        fake.default = Reply.answer("informational", 0.9)
        recovered = await classify(http, "hours?")
        closed = (await http.get("/api/v1/ready")).json()["classifier"]["llm"]

    assert ready.status_code == 200  # shown, not judged: the service still answers
    assert ready.json()["classifier"]["llm"]["circuit"] == "open"
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "20"
    assert refused.json()["error"]["details"] == {"reason": "circuit_open"}
    assert 'circuit_breaker_state{circuit="llm"} 2.0' in metrics
    assert half_open["circuit"] == "half_open"
    assert recovered.status_code == 200
    assert recovered.json()["classifier"] == "llm"
    assert closed["circuit"] == "closed"


async def test_when_circuit_open_with_fallback_then_local_answers(
    fake: FakeLLM, serve: Serve
) -> None:
    fake.default = Reply.fault(500)
    async with serve(llm_max_retries=0, llm_breaker_failure_threshold=1) as http:
        first = await classify(http, "hours?")
        second = await classify(http, "hours?")
    assert first.json()["decision_path"].startswith("llm_failed(server_error)>local_fallback")
    assert second.status_code == 200
    assert second.json()["decision_path"].startswith("llm_failed(circuit_open)>local_fallback")
    assert fake.calls == 1


async def test_when_safety_screen_fires_then_the_llm_is_not_asked(
    fake: FakeLLM, serve: Serve
) -> None:
    async with serve() as http:
        response = await classify(http, "my throat is swelling after the new antibiotic")
    assert response.status_code == 200
    assert response.json()["classifier"] == "safety_screen"
    assert fake.calls == 0


async def test_when_loaded_from_settings_then_llm_mode_answers_from_the_kb(
    fake: FakeLLM, tmp_path: Path
) -> None:
    """The default loader: the local tier is built too, so the KB has its embedder."""
    fake.script(Reply.answer("informational", 0.95))
    settings = llm_settings(fake.base_url, tmp_path, classifier="llm", kb_dir=KB_DIR)
    app = create_app(settings)
    async with serving(app) as http:
        await asyncio.wait_for(app.state.runtime.ready.wait(), timeout=120)
        response = await classify(http, "What time does the store close on Sunday?")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["classifier"] == "llm"
    assert body["next_step"]["action"] == "answer"
    assert body["next_step"]["article"]["id"] == "hours-store"


async def test_when_llm_mode_without_key_then_not_ready_with_the_reason(tmp_path: Path) -> None:
    settings = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'o.db'}",
        classifier="cascade",
        llm_base_url=None,
        llm_api_key=None,
        kb_dir=None,
    )
    app = create_app(settings)
    async with serving(app) as http:
        runtime = app.state.runtime
        for _ in range(200):
            if runtime.load_error:
                break
            await asyncio.sleep(0.02)
        response = await http.get("/api/v1/ready")
    assert response.status_code == 503
    assert "ORCH_LLM_API_KEY" in response.json()["error"]["details"]["load_error"]
