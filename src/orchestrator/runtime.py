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

    if settings.classifier == "local":
        return LocalClassifier.from_settings(settings)  # threads, precision, batching
    # llm and cascade keep the local tier too: the fallback, and the embedder the KB needs.
    from orchestrator.classifiers.cascade import CascadeClassifier, LLMFirstClassifier
    from orchestrator.classifiers.llm import LLMClassifier

    LLMClassifier.check(settings)  # a missing key fails before the model loads
    local = LocalClassifier.from_settings(settings)
    llm = LLMClassifier.from_settings(settings)
    if settings.classifier == "llm":
        return LLMFirstClassifier(local, llm, fallback=settings.llm_fallback_to_local)
    return CascadeClassifier(
        local,
        llm,
        threshold=settings.cascade_threshold,
        safety_threshold=settings.safety_threshold,
    )


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

        embedder = None
        if isinstance(classifier, LocalClassifier):
            embedder = classifier.embedder
        else:  # imported only here: the local mode never loads the OpenAI SDK
            from orchestrator.classifiers.cascade import CascadeClassifier, LLMFirstClassifier

            if isinstance(classifier, CascadeClassifier | LLMFirstClassifier):
                embedder = classifier.local.embedder
        classifier.instrument(self.metrics)
        deps = WorkflowDeps(self.settings, self.sessions, self.metrics, embedder)
        workflows = WorkflowRouter.default(deps)
        await workflows.start()
        self.workflows = workflows
        self.pipeline = build_pipeline(self.settings, classifier)
        self.ready.set()


@asynccontextmanager
async def open_runtime(
    settings: Settings, *, migrate: bool = True, metrics: Metrics | None = None
) -> AsyncIterator[Runtime]:
    """The engine (migrated to head) and metrics; the classifier is attached later."""
    if migrate:
        await storage.upgrade(settings.database_url)
    engine = storage.make_engine(settings.database_url)
    runtime = Runtime(
        settings=settings,
        metrics=metrics or Metrics(),
        engine=engine,
        sessions=storage.make_sessionmaker(engine),
    )
    try:
        yield runtime
    finally:
        if runtime.workflows is not None:
            await runtime.workflows.aclose()
        await engine.dispose()
