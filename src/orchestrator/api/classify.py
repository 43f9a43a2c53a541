"""POST /api/v1/classify."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from orchestrator import flows
from orchestrator.api.deps import ready_pipeline, require_json
from orchestrator.api.middleware import request_fields
from orchestrator.api.schemas import ClassifyRequest, ClassifyResponse
from orchestrator.auth.deps import classify_access
from orchestrator.pipeline.decide import Pipeline
from orchestrator.runtime import Runtime

router = APIRouter(tags=["classify"])

ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"description": "Invalid input (error envelope)"},
    401: {"description": "No valid API key, where keys are required (error envelope)"},
    403: {"description": "The key lacks the classify scope (error envelope)"},
    503: {"description": "Not ready or overloaded (error envelope, Retry-After)"},
}


@dataclass(frozen=True, slots=True)
class ClassifyCall:
    runtime: Runtime
    pipeline: Pipeline
    request_id: str


async def classify_call(request: Request) -> ClassifyCall:
    """Access, then media type, then readiness: one dependency, not one per check.

    FastAPI's resolution costs about as much per dependency as these checks themselves, and
    this is the hottest route.
    """
    await classify_access(request)
    require_json(request)
    runtime: Runtime = request.app.state.runtime
    return ClassifyCall(runtime, ready_pipeline(runtime), request.scope["state"]["request_id"])


@router.post("/classify", response_model=ClassifyResponse, responses=ERROR_RESPONSES)
async def classify(
    body: ClassifyRequest,
    request: Request,
    call: Annotated[ClassifyCall, Depends(classify_call)],
) -> ClassifyResponse:
    """Classify one customer message and run its category's workflow."""
    response = await flows.classify_message(
        call.runtime, call.pipeline, body, request_id=call.request_id
    )
    request_fields(request.scope).update(
        category=response.category.value,
        confidence=response.confidence,
        tier=response.classifier,
        channel=body.channel.value,
    )
    return response
