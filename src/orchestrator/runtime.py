"""Everything a running service holds, built once in the lifespan (or by the CLI)."""

from __future__ import annotations

import asyncio
import gc
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


def freeze_loaded_objects() -> None:
    """Take everything loaded so far out of the garbage collector's sight (`gc.freeze`).

    The libraries, the model's Python side and the app are millions of long-lived objects, and
    a full collection walks them all: 250-300 ms per worker, every request of that worker
    stalled meanwhile, about once a minute under load (gc callbacks during the bench).
    Frozen, a full collection walks only what requests allocate. Once, after load.
    """
    gc.collect()
    gc.freeze()


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

    async def attach(self, classifier: Classifier, *, freeze: bool = False) -> None:
        """Build the pipeline and workflows around a loaded classifier; then we are ready.

        `freeze`: the service's own load (not a test's shared model) ends with
        `freeze_loaded_objects`, before the first request can see the collection it runs.
        """
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
        if freeze:
            freeze_loaded_objects()
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
