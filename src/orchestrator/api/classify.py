"""POST /api/v1/classify."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from orchestrator import flows
from orchestrator.api.deps import PipelineDep, RequestIdDep, RuntimeDep, require_json
from orchestrator.api.middleware import request_fields
from orchestrator.api.schemas import ClassifyRequest, ClassifyResponse
from orchestrator.auth.deps import classify_access

router = APIRouter(tags=["classify"])

ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"description": "Invalid input (error envelope)"},
    401: {"description": "No valid API key, where keys are required (error envelope)"},
    403: {"description": "The key lacks the classify scope (error envelope)"},
    503: {"description": "Not ready or overloaded (error envelope, Retry-After)"},
}


@router.post(
    "/classify",
    response_model=ClassifyResponse,
    responses=ERROR_RESPONSES,
    dependencies=[Depends(classify_access), Depends(require_json)],
)
async def classify(
    body: ClassifyRequest,
    request: Request,
    runtime: RuntimeDep,
    pipeline: PipelineDep,
    request_id: RequestIdDep,
) -> ClassifyResponse:
    """Classify one customer message and run its category's workflow."""
    response = await flows.classify_message(runtime, pipeline, body, request_id=request_id)
    request_fields(request.scope).update(
        category=response.category.value,
        confidence=response.confidence,
        tier=response.classifier,
        channel=body.channel.value,
    )
    return response
