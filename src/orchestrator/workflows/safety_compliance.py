"""Safety compliance: severity, SLA and queue, emergency guidance for urgent messages."""

from __future__ import annotations

from orchestrator.domain import Category, Severity
from orchestrator.pipeline.decide import Decision
from orchestrator.workflows.base import MessageContext, Outcome, Workflow
from orchestrator.workflows.sla import EMERGENCY_GUIDANCE, SLA_TABLE


class SafetyComplianceWorkflow(Workflow):
    category = Category.SAFETY_COMPLIANCE

    async def run(self, decision: Decision, context: MessageContext) -> Outcome:
        severity = decision.severity or Severity.HIGH
        sla = SLA_TABLE[severity]
        step: dict[str, object] = {
            "action": "escalate_to_pharmacist"
            if sla.queue == "pharmacist"
            else "compliance_review",
            "queue": sla.queue,
            "severity": severity.value,
            "sla_minutes": int(sla.due_in.total_seconds() // 60),
        }
        if severity is Severity.URGENT:
            step["guidance"] = EMERGENCY_GUIDANCE
        return Outcome(step)
