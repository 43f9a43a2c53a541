"""create_app(settings): the FastAPI service. Nothing heavy happens at import time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI

from orchestrator import __version__
from orchestrator.api import classify, health
from orchestrator.api.errors import install_error_handlers
from orchestrator.api.openapi import install_openapi
from orchestrator.api.stack import FASTAPI_TELEMETRY, install_middleware, open_guardrails
from orchestrator.classifiers.base import Classifier
from orchestrator.compliance import router as compliance_router
from orchestrator.config import Settings
from orchestrator.observability.logging import configure_logging, get_logger
from orchestrator.observability.metrics import Metrics
from orchestrator.observability.tracing import instrument_engine
from orchestrator.resilience.ratelimit import build_rate_limiter
from orchestrator.runtime import ClassifierLoader, Runtime, load_classifier, open_runtime
from orchestrator.tickets import router as tickets_router

log = get_logger(__name__)


async def _load(runtime: Runtime, loader: ClassifierLoader) -> None:
    try:
        classifier = await asyncio.to_thread(loader, runtime.settings)
        await runtime.attach(classifier, freeze=True)
    except Exception as exc:  # readiness reports it; the process stays up for diagnosis
        runtime.load_error = f"{type(exc).__name__}: {exc}"
        log.error("classifier_load_failed", error=runtime.load_error)
        return
    log.info("classifier_loaded", classifier=runtime.settings.classifier)


def create_app(
    settings: Settings | None = None,
    *,
    classifier: Classifier | None = None,
    loader: ClassifierLoader = load_classifier,
) -> FastAPI:
    """Build the service. Pass `classifier` to share one loaded model across apps (tests)."""
    settings = settings or Settings()
    metrics = Metrics(multiproc_dir=settings.prometheus_multiproc_dir)
    limiter = build_rate_limiter(settings, metrics)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, json=settings.log_json)
        async with (
            open_guardrails(settings, metrics, limiter),
            open_runtime(settings, metrics=metrics) as runtime,
        ):
            instrument_engine(runtime.engine)
            app.state.runtime = runtime
            loading: asyncio.Task[None] | None = None
            if classifier is not None:
                await runtime.attach(classifier)
            else:
                loading = asyncio.create_task(_load(runtime, loader))
            try:
                yield
            finally:
                if loading is not None:
                    loading.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await loading
                if runtime.pipeline is not None and classifier is None:
                    await runtime.pipeline.classifier.aclose()

    app = FastAPI(
        title="Contact-Center Orchestrator",
        version=__version__,
        description="Classifies pharmacy contact-center messages and routes them to workflows.",
        lifespan=lifespan,
        telemetry=FASTAPI_TELEMETRY,
    )
    install_error_handlers(app)
    install_middleware(app, settings, metrics, limiter)

    classify.install(app)  # first: routes match in order, and this is the hot one
    api = APIRouter(prefix="/api/v1")
    api.include_router(health.router)
    api.include_router(tickets_router.router)
    api.include_router(compliance_router.router)
    app.include_router(api)
    app.include_router(health.router, include_in_schema=False)  # /health, /ready aliases
    app.include_router(health.metrics_router)
    install_openapi(app)
    return app


def app_from_environment() -> FastAPI:
    """uvicorn factory for `orchestrator serve`: settings from ORCH_* and .env."""
    settings = Settings()
    configure_logging(settings.log_level, json=settings.log_json)  # before uvicorn says anything
    return create_app(settings)
