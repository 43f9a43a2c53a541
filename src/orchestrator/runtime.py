"""Everything a running service holds, built once in the lifespan (or by the CLI)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from orchestrator.classifiers.base import Classifier
from orchestrator.config import Settings
from orchestrator.observability.metrics import Metrics
from orchestrator.pipeline.decide import Pipeline
from orchestrator.safety.screen import SafetyScreen
from orchestrator.storage import engine as storage
from orchestrator.workflows.base import WorkflowDeps
from orchestrator.workflows.registry import WorkflowRouter

ClassifierLoader = Callable[[Settings], Classifier]


def load_classifier(settings: Settings) -> Classifier:
    """The tier named by ORCH_CLASSIFIER (blocking: call it from a thread)."""
    from orchestrator.classifiers.local import LocalClassifier

    local = LocalClassifier.from_paths(settings.model_dir, settings.embedding_model_path)
    if settings.classifier == "local":
        return local
    raise ValueError(f"classifier {settings.classifier!r} is not available in this build")


def build_pipeline(settings: Settings, classifier: Classifier) -> Pipeline:
    return Pipeline(
        classifier,
        SafetyScreen(),
        confidence_threshold=settings.confidence_threshold,
        safety_threshold=settings.safety_threshold,
    )


@dataclass
class Runtime:
    settings: Settings
    metrics: Metrics
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    pipeline: Pipeline | None = None
    workflows: WorkflowRouter | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    load_error: str | None = None

    async def attach(self, classifier: Classifier) -> None:
        """Build the pipeline and workflows around a loaded classifier; then we are ready."""
        from orchestrator.classifiers.local import LocalClassifier

        embedder = classifier.embedder if isinstance(classifier, LocalClassifier) else None
        deps = WorkflowDeps(self.settings, self.sessions, self.metrics, embedder)
        workflows = WorkflowRouter.default(deps)
        await workflows.start()
        self.workflows = workflows
        self.pipeline = build_pipeline(self.settings, classifier)
        self.ready.set()


@asynccontextmanager
async def open_runtime(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Runtime]:
    """The engine (migrated to head) and metrics; the classifier is attached later."""
    if migrate:
        await storage.upgrade(settings.database_url)
    engine = storage.make_engine(settings.database_url)
    runtime = Runtime(
        settings=settings,
        metrics=Metrics(),
        engine=engine,
        sessions=storage.make_sessionmaker(engine),
    )
    try:
        yield runtime
    finally:
        if runtime.workflows is not None:
            await runtime.workflows.aclose()
        await engine.dispose()
