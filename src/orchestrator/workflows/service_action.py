"""Service action: intent and entities, the action prepared for the ticketing/order system."""

from __future__ import annotations

from orchestrator.domain import Category
from orchestrator.extraction.entities import extract_entities
from orchestrator.pipeline.decide import Decision
from orchestrator.workflows.base import HUMAN_REVIEW, MessageContext, Outcome, Workflow


class ServiceActionWorkflow(Workflow):
    category = Category.SERVICE_ACTION

    async def run(self, decision: Decision, context: MessageContext) -> Outcome:
        entities = [e.as_dict() for e in extract_entities(decision.text)]
        if decision.needs_human:
            return Outcome({"action": HUMAN_REVIEW, "queue": "customer_care"}, entities)
        return Outcome({"action": f"prepare_{decision.intent}"}, entities)
