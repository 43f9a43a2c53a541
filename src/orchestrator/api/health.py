"""Liveness, readiness and metrics."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST

from orchestrator import __version__
from orchestrator.api.deps import RETRY_AFTER_NOT_READY, RuntimeDep
from orchestrator.api.errors import envelope
from orchestrator.storage import engine as storage

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok", "version": __version__}


@router.get("/ready")
async def ready(runtime: RuntimeDep) -> JSONResponse:
    """Readiness: 503 until the model is loaded and the dependencies answer."""
    checks = {
        "model": runtime.pipeline is not None,
        "database": await storage.ping(runtime.engine),
    }
    # The classifier tier's own state (an LLM circuit, say) is shown, not judged: with it open
    # the service still answers (local fallback) or says 503 per request, and taking every
    # replica out of the load balancer for a provider outage would help no one.
    classifier = {"mode": runtime.settings.classifier}
    if runtime.pipeline is not None:
        classifier |= runtime.pipeline.classifier.status()
    if all(checks.values()):
        return JSONResponse({"status": "ready", "checks": checks, "classifier": classifier})
    body = envelope(
        "not_ready", "The service is not ready yet.", {"checks": checks, "classifier": classifier}
    )
    if runtime.load_error:
        body["error"]["details"]["load_error"] = runtime.load_error
    return JSONResponse(body, status_code=503, headers={"Retry-After": RETRY_AFTER_NOT_READY})


metrics_router = APIRouter(tags=["health"])


@metrics_router.get("/metrics", include_in_schema=False)
async def metrics(runtime: RuntimeDep) -> Response:
    return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)
