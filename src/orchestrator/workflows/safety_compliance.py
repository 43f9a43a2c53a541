"""Safety compliance: a record on the audit chain before we answer, then who acts and by when.

Order matters: PII is redacted before anything is stored, the record is committed before the
response is built, and urgent messages always carry the emergency guidance, even when the
database cannot take the record (that failure is logged and counted, never hidden).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from orchestrator.compliance import secondary
from orchestrator.compliance import service as compliance
from orchestrator.compliance.chain import utc
from orchestrator.domain import Category, Severity
from orchestrator.extraction.entities import extract_entities
from orchestrator.observability.logging import get_logger
from orchestrator.pipeline.decide import Decision
from orchestrator.privacy.redactor import Redactor
from orchestrator.storage.tables import ComplianceRecord
from orchestrator.workflows.base import (
    HUMAN_REVIEW,
    MessageContext,
    Outcome,
    Workflow,
    WorkflowDeps,
    WorkflowUnavailable,
)
from orchestrator.workflows.sla import EMERGENCY_GUIDANCE, SLA_TABLE, sla_for

log = get_logger(__name__)
RULE_CHARS = 120  # the column's width


def rule_of(decision: Decision) -> str:
    """The screen rule that fired, else how the classifier got here."""
    rule = decision.screen_hit.rule if decision.screen_hit else decision.decision_path
    return rule[:RULE_CHARS]


class SafetyComplianceWorkflow(Workflow):
    category = Category.SAFETY_COMPLIANCE

    def __init__(self, deps: WorkflowDeps, *, redactor: Redactor | None = None) -> None:
        super().__init__(deps)
        self.redactor = redactor or Redactor()

    def _new_record(self, decision: Decision, context: MessageContext) -> compliance.NewRecord:
        received = datetime.now(UTC)
        severity, sla = sla_for(decision.severity)
        redaction = self.redactor.redact(decision.text)
        found = secondary.detect(redaction.redacted)
        hit = decision.screen_hit
        details: dict[str, Any] = {
            "decision_path": decision.decision_path,
            "tier": decision.tier,
            "confidence": decision.confidence,
            "needs_human": decision.needs_human,
            "screen": {"rule": hit.rule, "kind": hit.kind.value, "severity": hit.severity.value}
            if hit
            else None,
            "conversation_id": self.redactor.redact(context.conversation_id).redacted
            if context.conversation_id
            else None,
        }
        return compliance.NewRecord(
            request_id=context.request_id,
            created_at=received,
            severity=severity,
            queue=sla.queue,
            due_at=sla.due_at(received),
            rule=rule_of(decision),
            channel=context.channel.value,
            redacted_text=redaction.redacted,
            pii_types=sorted({entity.type.value for entity in redaction.entities}),
            secondary_request=found.as_dict() if found else None,
            details=details,
        )

    async def run(self, decision: Decision, context: MessageContext) -> Outcome:
        entities = [e.as_dict() for e in extract_entities(decision.text)]
        new = self._new_record(decision, context)
        try:
            async with self.deps.sessions() as session:
                record, created = await compliance.create_record(session, new)
        except (SQLAlchemyError, OSError) as exc:
            self.deps.metrics.integration_errors.labels(adapter="compliance_records").inc()
            log.error(
                "compliance_record_failed",
                request_id=context.request_id,
                severity=new.severity.value,
                queue=new.queue,
                error_type=type(exc).__name__,
            )
            raise WorkflowUnavailable(
                "The compliance record could not be stored; retry the request.",
                details=_degraded_step(new, decision),
            ) from exc

        if created:
            self.deps.metrics.compliance_records.labels(severity=record.severity).inc()
        log.info(
            "compliance_record",
            request_id=context.request_id,
            record_id=record.id,
            seq=record.seq,
            severity=record.severity,
            queue=record.queue,
            rule=record.rule,
            pii_types=record.pii_types,
            secondary_intent=(record.secondary_request or {}).get("intent"),
            replayed=not created,
        )
        return Outcome(_step(record, decision), entities)


def _step(record: ComplianceRecord, decision: Decision) -> dict[str, Any]:
    """The next step from what was stored (a retried request answers from the first record)."""
    severity = Severity(record.severity)
    sla = SLA_TABLE[severity]
    step: dict[str, Any] = {
        "action": sla.action,
        "record_id": record.id,
        "severity": severity.value,
        "queue": record.queue,
        "sla_minutes": sla.minutes,
        "due_at": _utc_iso(record.due_at),
        "rule": record.rule,
    }
    return _finish(step, severity, decision, record.secondary_request)


def _degraded_step(new: compliance.NewRecord, decision: Decision) -> dict[str, Any]:
    sla = SLA_TABLE[new.severity]
    step: dict[str, Any] = {
        "action": sla.action,
        "record_id": None,
        "record_status": "failed",
        "severity": new.severity.value,
        "queue": new.queue,
        "sla_minutes": sla.minutes,
        "due_at": _utc_iso(new.due_at),
        "rule": new.rule,
    }
    return _finish(step, new.severity, decision, new.secondary_request)


def _finish(
    step: dict[str, Any],
    severity: Severity,
    decision: Decision,
    secondary_request: dict[str, Any] | None,
) -> dict[str, Any]:
    if decision.needs_human:
        step[HUMAN_REVIEW] = True
    if severity is Severity.URGENT:
        step["guidance"] = EMERGENCY_GUIDANCE
    if secondary_request is not None:
        step["secondary_request"] = secondary_request
    return step


def _utc_iso(moment: datetime) -> str:
    return utc(moment).isoformat()
