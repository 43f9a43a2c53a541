"""Informational: answer from the knowledge base, else contact options, else a human."""

from __future__ import annotations

from orchestrator.domain import Category
from orchestrator.pipeline.decide import Decision
from orchestrator.workflows.base import HUMAN_REVIEW, MessageContext, Outcome, Workflow

CONTACT_OPTIONS = {
    "phone": "1-800-555-0199",
    "chat": "https://pharmacy.example/chat",
    "hours": "Mon-Sun 7am-10pm",
}


class InformationalWorkflow(Workflow):
    category = Category.INFORMATIONAL

    async def run(self, decision: Decision, context: MessageContext) -> Outcome:
        if decision.needs_human:
            return Outcome({"action": HUMAN_REVIEW, "queue": "customer_care"})
        return Outcome({"action": "contact_options", "contact": CONTACT_OPTIONS})
