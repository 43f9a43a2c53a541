"""The informational workflow: an answer from the KB, contact options, or a human (real storage)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.classifiers.base import Prediction
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.config import Settings
from orchestrator.domain import Category
from orchestrator.knowledge import service as kb_service
from orchestrator.knowledge.articles import load_articles
from orchestrator.main import create_app
from orchestrator.observability.metrics import Metrics
from orchestrator.pipeline.decide import Decision
from orchestrator.storage import engine as storage
from orchestrator.workflows.base import MessageContext, WorkflowDeps
from orchestrator.workflows.informational import CONTACT_OPTIONS, InformationalWorkflow
from support.apps import serving

KB_DIR = Path(__file__).resolve().parents[2] / "data" / "kb"
HOURS_QUESTION = "What time does the store close on Sunday?"
NONSENSE_QUESTION = "What is the airspeed velocity of an unladen swallow?"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """conftest's settings, with the shipped KB named explicitly (not found via the cwd)."""
    return Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'orchestrator.db'}",
        kb_dir=KB_DIR,
    )


async def _classify(client: httpx.AsyncClient, message: str) -> dict[str, Any]:
    response = await client.post("/api/v1/classify", json={"message": message})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- through the real API ------------------------------------------------------------------------


async def test_hours_question_is_answered_from_the_kb(client: httpx.AsyncClient) -> None:
    body = await _classify(client, HOURS_QUESTION)
    assert body["category"] == "informational", body
    step = body["next_step"]
    assert step["action"] == "answer", step
    article = step["article"]
    assert article["id"] == "hours-store"
    assert article["title"] == "Store opening hours"
    assert "Sunday:** 9:00 a.m. to 8:00 p.m." in article["text"]
    assert 0 < article["score"] <= 1
    assert 1 <= len(step["related"]) <= 2
    assert all(set(r) == {"id", "title", "score"} for r in step["related"])
    assert all(r["score"] <= article["score"] for r in step["related"])


async def test_informational_question_without_an_article_gets_contact_options(
    client: httpx.AsyncClient,
) -> None:
    body = await _classify(client, NONSENSE_QUESTION)
    assert body["category"] == "informational", body
    step = body["next_step"]
    assert step["action"] == "contact_options", step
    assert step["contact"] == CONTACT_OPTIONS
    assert "article" not in step


async def test_low_confidence_goes_to_a_human_with_a_suggested_article(
    tmp_path: Path, local_classifier: LocalClassifier
) -> None:
    strict = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'strict.db'}",
        kb_dir=KB_DIR,
        confidence_threshold=1.0,  # nothing is confident enough: every message needs a human
    )
    app = create_app(strict, classifier=local_classifier)
    async with serving(app) as client:
        body = await _classify(client, HOURS_QUESTION)
    assert body["category"] == "informational"
    step = body["next_step"]
    assert step["action"] == "human_review"
    assert step["queue"] == "customer_care"
    assert step["suggested_article"]["id"] == "hours-store"
    assert "human_review" in body["decision_path"]


def test_contact_options_match_the_contact_article() -> None:
    article = next(a for a in load_articles(KB_DIR) if a.id == "contact-customer-service")
    assert f"**Phone:** {CONTACT_OPTIONS['phone']}" in article.body
    assert "7:00 a.m. to midnight" in article.body and "midnight" in CONTACT_OPTIONS["chat"]
    assert "within one business day" in article.body
    assert set(CONTACT_OPTIONS) == {"phone", "chat", "hours", "email"}


# --- the workflow on its own storage -------------------------------------------------------------


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'wf.db'}"
    await storage.upgrade(url)
    engine = storage.make_engine(url)
    yield storage.make_sessionmaker(engine)
    await engine.dispose()


def _workflow(
    sessions: async_sessionmaker[AsyncSession],
    classifier: LocalClassifier,
    kb_dir: Path | None,
) -> InformationalWorkflow:
    settings = Settings(environment="test", kb_dir=kb_dir)
    return InformationalWorkflow(WorkflowDeps(settings, sessions, Metrics(), classifier.embedder))


def _decision(text: str, *, needs_human: bool = False) -> Decision:
    scores = {Category.INFORMATIONAL: 0.9, Category.SERVICE_ACTION: 0.05}
    scores[Category.SAFETY_COMPLIANCE] = 0.05
    return Decision(
        text=text,
        category=Category.INFORMATIONAL,
        confidence=0.9,
        scores=scores,
        decision_path="local:argmax",
        tier="local",
        needs_human=needs_human,
        intent=None,
        severity=None,
        screen_hit=None,
        prediction=Prediction(scores=scores, tier="local"),  # no embedding: the workflow embeds
    )


CONTEXT = MessageContext(request_id="req-1")


async def test_start_loads_an_empty_kb_and_answers_without_a_precomputed_embedding(
    sessions: async_sessionmaker[AsyncSession], local_classifier: LocalClassifier
) -> None:
    workflow = _workflow(sessions, local_classifier, KB_DIR)
    await workflow.start()
    assert len(workflow.index) == len(load_articles(KB_DIR))
    outcome = await workflow.run(_decision("how do I track my parcel"), CONTEXT)
    assert outcome.next_step["action"] == "answer"
    assert outcome.next_step["article"]["id"] == "order-tracking"


async def test_start_does_not_reload_files_into_a_filled_kb(
    sessions: async_sessionmaker[AsyncSession],
    local_classifier: LocalClassifier,
    tmp_path: Path,
) -> None:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "only.md").write_text(
        "---\nid: only\ntitle: Parking\n---\nFree parking behind every store.\n", encoding="utf-8"
    )
    async with sessions() as session:
        await kb_service.load_directory(session, tmp_path / "kb", local_classifier.embedder)
    workflow = _workflow(sessions, local_classifier, KB_DIR)
    await workflow.start()
    assert [a.id for a in workflow.index.articles] == ["only"]

    async with sessions() as session:  # an operator runs `orchestrator kb load` meanwhile
        await kb_service.load_directory(session, KB_DIR, local_classifier.embedder)
    assert await workflow.reload() == len(load_articles(KB_DIR))


@pytest.mark.parametrize("kb_dir", [None, Path("/nonexistent/kb")], ids=["unset", "missing"])
async def test_without_articles_every_question_gets_contact_options(
    sessions: async_sessionmaker[AsyncSession],
    local_classifier: LocalClassifier,
    kb_dir: Path | None,
) -> None:
    workflow = _workflow(sessions, local_classifier, kb_dir)
    await workflow.start()
    assert len(workflow.index) == 0
    outcome = await workflow.run(_decision("what time does the store close"), CONTEXT)
    assert outcome.next_step == {
        "action": "contact_options",
        "reason": "no_matching_article",
        "contact": CONTACT_OPTIONS,
    }
    human = await workflow.run(_decision("what time", needs_human=True), CONTEXT)
    assert human.next_step["action"] == "human_review"
    assert human.next_step["suggested_article"] is None


async def test_a_broken_article_file_leaves_the_service_up(
    sessions: async_sessionmaker[AsyncSession], local_classifier: LocalClassifier, tmp_path: Path
) -> None:
    (tmp_path / "broken.md").write_text("no front matter\n", encoding="utf-8")
    workflow = _workflow(sessions, local_classifier, tmp_path)
    await workflow.start()
    assert len(workflow.index) == 0
