"""The safety-compliance workflow on a real (SQLite) database, Decisions from the real pipeline.

The chain, idempotency and concurrency on PostgreSQL too are in tests/compliance.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import structlog
from sqlalchemy import func, select

from orchestrator.classifiers.base import Prediction
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.compliance import chain
from orchestrator.config import Settings
from orchestrator.domain import Category, Channel, Severity
from orchestrator.observability.metrics import Metrics
from orchestrator.pipeline.decide import Decision, Pipeline
from orchestrator.runtime import build_pipeline
from orchestrator.storage import engine as storage
from orchestrator.storage.tables import ComplianceRecord
from orchestrator.workflows.base import MessageContext, WorkflowDeps, WorkflowUnavailable
from orchestrator.workflows.safety_compliance import SafetyComplianceWorkflow

EMERGENCY = "um my son swallowed a bunch of my pills"
HIVES_AND_REFUND = "I got hives from the pills you sent and I want a refund for order 1234"


@pytest.fixture
async def deps(settings: Settings) -> AsyncIterator[WorkflowDeps]:
    await storage.upgrade(settings.database_url)
    engine = storage.make_engine(settings.database_url)
    try:
        yield WorkflowDeps(settings, storage.make_sessionmaker(engine), Metrics())
    finally:
        await engine.dispose()


@pytest.fixture
def workflow(deps: WorkflowDeps) -> SafetyComplianceWorkflow:
    return SafetyComplianceWorkflow(deps)


@pytest.fixture
def pipeline(local_classifier: LocalClassifier) -> Pipeline:
    return build_pipeline(Settings(environment="test"), local_classifier)


def _context(request_id: str | None = None, **kwargs: object) -> MessageContext:
    return MessageContext(request_id=request_id or uuid.uuid4().hex, **kwargs)  # type: ignore[arg-type]


def _decision(
    text: str = "I feel a bit off since the new tablets",
    severity: Severity | None = Severity.HIGH,
    *,
    needs_human: bool = False,
    path: str = "local:argmax",
) -> Decision:
    scores = {
        Category.SAFETY_COMPLIANCE: 0.8,
        Category.INFORMATIONAL: 0.1,
        Category.SERVICE_ACTION: 0.1,
    }
    return Decision(
        text=text,
        category=Category.SAFETY_COMPLIANCE,
        confidence=0.8,
        scores=scores,
        decision_path=path,
        tier="local",
        needs_human=needs_human,
        intent=None,
        severity=severity,
        screen_hit=None,
        prediction=Prediction(scores, "local"),
    )


async def _records(deps: WorkflowDeps) -> list[ComplianceRecord]:
    async with deps.sessions() as session:
        return list((await session.scalars(select(ComplianceRecord))).all())


def _counted(deps: WorkflowDeps, severity: str) -> float:
    value = deps.metrics.registry.get_sample_value(
        "compliance_records_total", {"severity": severity}
    )
    return value or 0.0


async def test_when_emergency_then_urgent_record_pharmacist_and_guidance(
    workflow: SafetyComplianceWorkflow, deps: WorkflowDeps, pipeline: Pipeline
) -> None:
    decision = await pipeline.decide(EMERGENCY)
    assert decision.screen_hit is not None
    before = datetime.now(UTC)

    outcome = await workflow.run(decision, _context("req-urgent", channel=Channel.VOICE))

    step = outcome.next_step
    assert step["action"] == "escalate_to_pharmacist"
    assert (step["severity"], step["queue"], step["sla_minutes"]) == ("urgent", "pharmacist", 15)
    assert "911" in step["guidance"] and "1-800-222-1222" in step["guidance"]
    assert step["rule"] == decision.screen_hit.rule
    due = datetime.fromisoformat(step["due_at"])
    assert before + timedelta(minutes=15) <= due <= datetime.now(UTC) + timedelta(minutes=15)

    (record,) = await _records(deps)  # committed: a fresh session sees it
    assert record.id == step["record_id"]
    assert (record.request_id, record.channel, record.severity) == ("req-urgent", "voice", "urgent")
    assert record.rule == decision.screen_hit.rule
    assert record.details["decision_path"] == decision.decision_path
    assert _counted(deps, "urgent") == 1
    async with deps.sessions() as session:
        assert (await chain.verify(session)).ok


@pytest.mark.parametrize(
    ("severity", "expected", "minutes", "queue", "action"),
    [
        (Severity.URGENT, "urgent", 15, "pharmacist", "escalate_to_pharmacist"),
        (Severity.HIGH, "high", 120, "pharmacist", "escalate_to_pharmacist"),
        (Severity.STANDARD, "standard", 1440, "compliance", "compliance_review"),
        (None, "high", 120, "pharmacist", "escalate_to_pharmacist"),
    ],
)
async def test_when_severity_given_then_sla_and_queue_from_the_table(
    workflow: SafetyComplianceWorkflow,
    deps: WorkflowDeps,
    severity: Severity | None,
    expected: str,
    minutes: int,
    queue: str,
    action: str,
) -> None:
    step = (await workflow.run(_decision(severity=severity), _context())).next_step
    assert (step["severity"], step["sla_minutes"], step["queue"], step["action"]) == (
        expected,
        minutes,
        queue,
        action,
    )
    assert ("guidance" in step) is (expected == "urgent")
    (record,) = await _records(deps)
    assert chain.utc(record.due_at) - chain.utc(record.created_at) == timedelta(minutes=minutes)
    assert record.queue == queue
    assert _counted(deps, expected) == 1


async def test_when_message_has_pii_then_only_redacted_text_is_stored_or_logged(
    workflow: SafetyComplianceWorkflow, deps: WorkflowDeps, pipeline: Pipeline
) -> None:
    message = (
        "This is Jane Doe, jane.doe@example.com or 415-555-0132: "
        "I got hives all over after the amoxicillin you sent"
    )
    decision = await pipeline.decide(message)
    assert decision.category is Category.SAFETY_COMPLIANCE

    with structlog.testing.capture_logs() as logs:
        await workflow.run(decision, _context())

    (record,) = await _records(deps)
    for secret in ("jane.doe@example.com", "415-555-0132"):
        assert secret not in record.redacted_text
        assert secret not in repr(logs)
    assert "hives" in record.redacted_text
    assert record.pii_types and record.pii_types == sorted(set(record.pii_types))
    assert "hives" not in repr(logs)  # the message text is never logged, redacted or not
    assert [entry["event"] for entry in logs] == ["compliance_record"]


async def test_when_request_retried_then_same_record_and_counted_once(
    workflow: SafetyComplianceWorkflow, deps: WorkflowDeps, pipeline: Pipeline
) -> None:
    decision = await pipeline.decide(EMERGENCY)
    first = await workflow.run(decision, _context("req-retry"))
    again = await workflow.run(decision, _context("req-retry"))

    assert again.next_step == first.next_step
    assert len(await _records(deps)) == 1
    assert _counted(deps, "urgent") == 1


async def test_when_refund_beside_reaction_then_secondary_request_recorded_and_echoed(
    workflow: SafetyComplianceWorkflow, deps: WorkflowDeps, pipeline: Pipeline
) -> None:
    decision = await pipeline.decide(HIVES_AND_REFUND)
    assert decision.category is Category.SAFETY_COMPLIANCE

    outcome = await workflow.run(decision, _context())

    secondary = outcome.next_step["secondary_request"]
    assert secondary["intent"] == "refund"
    assert {"type": "order_number", "value": "1234"}.items() <= secondary["entities"][0].items()
    (record,) = await _records(deps)
    assert record.secondary_request == secondary
    assert any(e["type"] == "order_number" for e in outcome.entities)


async def test_when_no_secondary_request_then_none_recorded(
    workflow: SafetyComplianceWorkflow, deps: WorkflowDeps
) -> None:
    outcome = await workflow.run(_decision("my skin is peeling after the new cream"), _context())
    assert "secondary_request" not in outcome.next_step
    (record,) = await _records(deps)
    assert record.secondary_request is None


async def test_when_low_confidence_then_human_review_flag_beside_the_escalation(
    workflow: SafetyComplianceWorkflow,
) -> None:
    path = "local:argmax>low_confidence(<0.50):human_review"
    step = (await workflow.run(_decision(needs_human=True, path=path), _context())).next_step
    assert step["action"] == "escalate_to_pharmacist"
    assert step["human_review"] is True
    assert step["rule"] == path


async def test_when_confident_then_no_human_review_flag(
    workflow: SafetyComplianceWorkflow,
) -> None:
    step = (await workflow.run(_decision(), _context())).next_step
    assert "human_review" not in step


async def test_when_database_cannot_take_the_record_then_refused_with_guidance_and_counted(
    tmp_path: Path,
) -> None:
    settings = Settings(
        environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path / 'unmigrated.db'}"
    )
    engine = storage.make_engine(settings.database_url)
    deps = WorkflowDeps(settings, storage.make_sessionmaker(engine), Metrics())
    try:
        with (
            structlog.testing.capture_logs() as logs,
            pytest.raises(WorkflowUnavailable) as refused,
        ):
            await SafetyComplianceWorkflow(deps).run(
                _decision(severity=Severity.URGENT), _context("req-down")
            )
    finally:
        await engine.dispose()

    step = refused.value.details
    assert (step["record_id"], step["record_status"]) == (None, "failed")
    assert "911" in step["guidance"]
    assert step["queue"] == "pharmacist"
    errors = deps.metrics.registry.get_sample_value(
        "integration_errors_total", {"adapter": "compliance_records"}
    )
    assert errors == 1
    assert [(e["event"], e["request_id"]) for e in logs] == [
        ("compliance_record_failed", "req-down")
    ]


async def test_when_many_messages_then_one_valid_chain(
    workflow: SafetyComplianceWorkflow, deps: WorkflowDeps, pipeline: Pipeline
) -> None:
    for message in (EMERGENCY, HIVES_AND_REFUND, "I was given the wrong strength of my pills"):
        await workflow.run(await pipeline.decide(message), _context())
    async with deps.sessions() as session:
        report = await chain.verify(session)
        count = await session.scalar(select(func.count()).select_from(ComplianceRecord))
    assert report.ok and count == 3
