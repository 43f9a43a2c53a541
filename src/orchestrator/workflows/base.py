"""The workflow interface: a Decision in, the next step (and what was done) out."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.config import Settings
from orchestrator.domain import Category, Channel
from orchestrator.observability.metrics import Metrics
from orchestrator.pipeline.decide import Decision

if TYPE_CHECKING:
    from orchestrator.classifiers.embedder import Embedder


@dataclass(frozen=True, slots=True)
class MessageContext:
    """What the channel told us beside the text."""

    request_id: str
    channel: Channel = Channel.CHAT
    metadata: dict[str, Any] = field(default_factory=dict)
    conversation_id: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    next_step: dict[str, Any]
    entities: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class WorkflowDeps:
    """What every workflow may build its adapters from; built once in the lifespan."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    metrics: Metrics
    embedder: Embedder | None = None


class Workflow(abc.ABC):
    category: Category

    def __init__(self, deps: WorkflowDeps) -> None:
        self.deps = deps

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Load what the workflow needs before the service is ready (indexes, adapters)."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release clients the workflow opened."""

    @abc.abstractmethod
    async def run(self, decision: Decision, context: MessageContext) -> Outcome: ...


HUMAN_REVIEW = "human_review"


class WorkflowUnavailable(RuntimeError):
    """A workflow could not store what it must store before answering: the request is refused
    (503, retry) rather than acknowledged and lost. `details` still reaches the caller, so an
    urgent message keeps its emergency guidance."""

    def __init__(self, message: str, *, details: dict[str, Any]) -> None:
        super().__init__(message)
        self.details = details
