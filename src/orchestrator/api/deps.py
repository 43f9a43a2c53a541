"""Typed dependency aliases the routers build on, and the checks the classify route runs.

`get_runtime` is `async def` though it never awaits: FastAPI runs a plain `def` dependency on
the thread pool, a hop per request that costs more than the work itself.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from orchestrator.api.errors import ApiError
from orchestrator.pipeline.decide import Pipeline
from orchestrator.runtime import Runtime

RETRY_AFTER_NOT_READY = "5"
Model = TypeVar("Model", bound=BaseModel)


async def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def ready_pipeline(runtime: Runtime) -> Pipeline:
    """The pipeline, or 503 + Retry-After while the classifier is still loading."""
    if runtime.pipeline is None or runtime.workflows is None:
        raise ApiError(
            503,
            "not_ready",
            "The classifier is still loading.",
            headers={"Retry-After": RETRY_AFTER_NOT_READY},
        )
    return runtime.pipeline


def require_json(request: Request) -> None:
    """Refuse a body that does not say it is JSON, before anything tries to parse it."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise ApiError(
            400,
            "unsupported_media_type",
            "Send the body as JSON with Content-Type: application/json.",
            details={"content_type": media_type or None},
        )


def parse_body(raw: bytes, model: type[Model]) -> Model:
    """A JSON body as `model`, for a route that reads its own body (after its checks).

    Failures raise what FastAPI raises for a declared body, so the same 400 envelope answers:
    no body is `missing` at ("body",), anything else is pydantic's errors under "body". Parsing
    is pydantic's own JSON parser: one pass, where FastAPI's is `json.loads` then validation.
    """
    if not raw:
        missing: dict[str, Any] = {"type": "missing", "loc": ("body",), "msg": "Field required"}
        raise RequestValidationError([missing])
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None
