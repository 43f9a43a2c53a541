"""Routes a Decision to its category's workflow."""

from __future__ import annotations

from orchestrator.domain import Category
from orchestrator.pipeline.decide import Decision
from orchestrator.workflows.base import MessageContext, Outcome, Workflow, WorkflowDeps


class WorkflowRouter:
    def __init__(self, workflows: list[Workflow]) -> None:
        self._by_category = {w.category: w for w in workflows}
        missing = set(Category) - set(self._by_category)
        if missing:
            raise ValueError(f"no workflow for {sorted(missing)}")

    @classmethod
    def default(cls, deps: WorkflowDeps) -> WorkflowRouter:
        from orchestrator.workflows.informational import InformationalWorkflow
        from orchestrator.workflows.safety_compliance import SafetyComplianceWorkflow
        from orchestrator.workflows.service_action import ServiceActionWorkflow

        return cls(
            [
                InformationalWorkflow(deps),
                ServiceActionWorkflow(deps),
                SafetyComplianceWorkflow(deps),
            ]
        )

    async def start(self) -> None:
        for workflow in self._by_category.values():
            await workflow.start()

    async def aclose(self) -> None:
        for workflow in self._by_category.values():
            await workflow.aclose()

    async def run(self, decision: Decision, context: MessageContext) -> Outcome:
        return await self._by_category[decision.category].run(decision, context)
