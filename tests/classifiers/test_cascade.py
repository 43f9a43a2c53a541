"""`ORCH_CLASSIFIER=cascade`: local first, the LLM only when the local tier is unsure.

Thresholds are set around the real model's confidence for the message at hand, so each test
decides the route it exercises without depending on the shipped model's exact numbers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from orchestrator.classifiers.cascade import CascadeClassifier
from orchestrator.classifiers.llm import LLMClassifier
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.cli import app as cli
from orchestrator.main import create_app
from support.apps import serving
from support.fake_llm import FakeLLM, RecordedSleeps, Reply, llm_settings, refused_url

MESSAGE = "can you tell me if my refund went through"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "eval_sample.csv"
Serve = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
async def local_confidence(local_classifier: LocalClassifier) -> float:
    return (await local_classifier.classify(MESSAGE)).confidence


@pytest.fixture
def serve(tmp_path: Path, local_classifier: LocalClassifier, fake: FakeLLM) -> Serve:
    @asynccontextmanager
    async def served(
        *, threshold: float, safety_threshold: float = 0.3, base_url: str | None = None
    ) -> AsyncIterator[httpx.AsyncClient]:
        settings = llm_settings(
            base_url or fake.base_url,
            tmp_path,
            classifier="cascade",
            kb_dir=None,
            cascade_threshold=threshold,
            llm_max_retries=1,
        )
        llm = LLMClassifier.from_settings(settings, sleep=RecordedSleeps())
        tier = CascadeClassifier(
            local_classifier, llm, threshold=threshold, safety_threshold=safety_threshold
        )
        app = create_app(settings, classifier=tier)
        try:
            async with serving(app) as http:
                yield http
        finally:
            await tier.aclose()

    return served


async def classify(http: httpx.AsyncClient, message: str = MESSAGE) -> dict[str, Any]:
    response = await http.post("/api/v1/classify", json={"message": message})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_when_local_is_confident_then_llm_not_asked(
    fake: FakeLLM, serve: Serve, local_confidence: float
) -> None:
    async with serve(threshold=local_confidence - 0.01, safety_threshold=1.0) as http:
        body = await classify(http)
        metrics = (await http.get("/metrics")).text
    assert fake.calls == 0
    assert body["classifier"] == "local"
    assert body["decision_path"].startswith(f"cascade:confident(p={local_confidence:.2f})>local:")
    assert 'cascade_decisions_total{route="local"} 1.0' in metrics


async def test_when_local_is_uncertain_then_llm_decides(
    fake: FakeLLM, serve: Serve, local_confidence: float
) -> None:
    fake.script(Reply.answer("service_action", 0.88, intent="refund"))
    threshold = min(1.0, local_confidence + 0.01)
    async with serve(threshold=threshold, safety_threshold=1.0) as http:
        body = await classify(http)
        metrics = (await http.get("/metrics")).text
    assert fake.calls == 1
    assert body["classifier"] == "llm"
    assert body["decision_path"] == (
        f"cascade:uncertain(p={local_confidence:.2f}<{threshold:.2f})>llm:argmax"
    )
    assert body["intent"] == "refund"
    assert 'cascade_decisions_total{route="llm"} 1.0' in metrics


@pytest.mark.parametrize("fault", ["500", "malformed", "refused"])
async def test_when_llm_fails_then_local_answer_marked_as_fallback(
    fake: FakeLLM, serve: Serve, local_confidence: float, fault: str
) -> None:
    fake.default = Reply.fault(500) if fault == "500" else Reply.malformed_json()
    base_url = refused_url() if fault == "refused" else None
    async with serve(threshold=1.0, safety_threshold=1.0, base_url=base_url) as http:
        body = await classify(http)
        metrics = (await http.get("/metrics")).text
    assert body["classifier"] == "local_fallback"
    assert ">llm_failed(" in body["decision_path"]
    assert ")>local_fallback:" in body["decision_path"]
    assert body["confidence"] == pytest.approx(local_confidence, abs=1e-3)
    assert 'cascade_decisions_total{route="local_fallback"} 1.0' in metrics


async def test_when_local_flags_safety_then_llm_cannot_clear_it(
    fake: FakeLLM, serve: Serve
) -> None:
    fake.default = Reply.answer("informational", 0.99)
    async with serve(threshold=1.0, safety_threshold=0.0) as http:  # every score is >= 0.0
        body = await classify(http)
    assert fake.calls == 0
    assert body["decision_path"].startswith("cascade:safety(p=")


async def test_when_safety_screen_fires_then_llm_not_asked(fake: FakeLLM, serve: Serve) -> None:
    async with serve(threshold=1.0, safety_threshold=1.0) as http:
        body = await classify(http, "I took a double dose of my metformin by mistake")
    assert fake.calls == 0
    assert body["classifier"] == "safety_screen"


async def test_when_ready_then_cascade_state_shown(serve: Serve) -> None:
    async with serve(threshold=0.8) as http:
        ready = (await http.get("/api/v1/ready")).json()
    assert ready["classifier"]["mode"] == "cascade"
    assert ready["classifier"]["cascade_threshold"] == 0.8
    assert ready["classifier"]["llm"]["circuit"] == "closed"
    assert ready["classifier"]["llm"]["host"] == "127.0.0.1"


# --- orchestrator eval in the three modes -------------------------------------------------------

runner = CliRunner()


def _eval(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> dict[str, Any]:
    monkeypatch.setenv("ORCH_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(cli, ["eval", "--data", str(SAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    summary: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return summary


@pytest.mark.slow
def test_when_eval_in_cascade_mode_then_llm_share_reported(
    fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    summary = _eval(
        monkeypatch,
        tmp_path,
        ORCH_CLASSIFIER="cascade",
        ORCH_CASCADE_THRESHOLD="1.0",  # all but the screened rows
        ORCH_LLM_BASE_URL=fake.base_url,
    )
    usage = summary["classifier"]
    assert usage["mode"] == "cascade"
    assert usage["llm_calls"] == fake.calls
    assert 0 < usage["llm_calls"] < summary["n"]
    assert usage["llm_share"] == round(fake.calls / summary["n"], 4)
    assert usage["llm_tokens"] == {"prompt": 120 * fake.calls, "completion": 30 * fake.calls}
    assert sum(usage["decided_by"].values()) == summary["n"]


@pytest.mark.slow
def test_when_eval_table_in_cascade_mode_then_llm_use_printed(
    fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ORCH_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("ORCH_CLASSIFIER", "cascade")
    monkeypatch.setenv("ORCH_CASCADE_THRESHOLD", "1.0")
    monkeypatch.setenv("ORCH_LLM_BASE_URL", fake.base_url)
    result = runner.invoke(cli, ["eval", "--data", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert f"sent to the LLM: {fake.calls} (" in result.stdout
    assert f"LLM tokens: {120 * fake.calls} prompt" in result.stdout


@pytest.mark.slow
def test_when_eval_in_llm_mode_then_every_unscreened_message_sent(
    fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    summary = _eval(monkeypatch, tmp_path, ORCH_CLASSIFIER="llm", ORCH_LLM_BASE_URL=fake.base_url)
    usage = summary["classifier"]
    decided = usage["decided_by"]
    assert set(decided) <= {"llm", "safety_screen"}
    assert usage["llm_calls"] == fake.calls == decided["llm"]
    assert decided["llm"] + decided.get("safety_screen", 0) == summary["n"]


@pytest.mark.slow
def test_when_eval_in_local_mode_then_no_llm(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    summary = _eval(monkeypatch, tmp_path, ORCH_CLASSIFIER="local")
    assert summary["classifier"]["llm_calls"] == 0
    assert set(summary["classifier"]["decided_by"]) <= {"local", "safety_screen"}


@pytest.mark.slow
def test_when_eval_in_llm_mode_without_fallback_and_provider_down_then_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ORCH_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("ORCH_CLASSIFIER", "llm")
    monkeypatch.setenv("ORCH_LLM_BASE_URL", refused_url())
    monkeypatch.setenv("ORCH_LLM_FALLBACK_TO_LOCAL", "false")
    monkeypatch.setenv("ORCH_LLM_MAX_RETRIES", "0")
    result = runner.invoke(cli, ["eval", "--data", str(SAMPLE)])
    assert result.exit_code == 1
    assert "cannot answer (connection)" in result.output


def test_when_eval_in_llm_mode_without_key_then_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ORCH_CLASSIFIER", "llm")
    monkeypatch.delenv("ORCH_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("ORCH_LLM_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    result = runner.invoke(cli, ["eval", "--data", str(SAMPLE)])
    assert result.exit_code == 2
    assert "ORCH_LLM_API_KEY" in result.output


@pytest.mark.slow
def test_when_classify_cli_in_cascade_mode_then_decision_path_names_the_route(
    fake: FakeLLM, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ORCH_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("ORCH_CLASSIFIER", "cascade")
    monkeypatch.setenv("ORCH_CASCADE_THRESHOLD", "1.0")
    monkeypatch.setenv("ORCH_LLM_BASE_URL", fake.base_url)
    fake.script(Reply.answer("service_action", 0.9, intent="refund"))
    result = runner.invoke(cli, ["classify", MESSAGE, "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["classifier"] == "llm"
    assert body["decision_path"].startswith("cascade:uncertain(")
    assert body["intent"] == "refund"
    assert fake.calls == 1


@pytest.mark.slow
def test_when_classify_cli_in_llm_mode_and_provider_down_then_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ORCH_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("ORCH_CLASSIFIER", "llm")
    monkeypatch.setenv("ORCH_LLM_BASE_URL", refused_url())
    monkeypatch.setenv("ORCH_LLM_FALLBACK_TO_LOCAL", "false")
    monkeypatch.setenv("ORCH_LLM_MAX_RETRIES", "0")
    result = runner.invoke(cli, ["classify", MESSAGE])
    assert result.exit_code == 1
    assert "cannot answer (connection)" in result.output
