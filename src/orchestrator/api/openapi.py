"""The OpenAPI schema says what the service really answers, errors included.

FastAPI documents a 422 that this service never sends (validation errors are 400 here) and
leaves error bodies unspecified. After the routes are built, every operation gets: the error
envelope on each error status; 400 in place of 422; and, on the guarded routes, 429 with
Retry-After and the RateLimit headers and 503 with Retry-After. The fuzz test holds the service
to this schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field

from orchestrator.api.guardrails import EXEMPT_PATHS


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. invalid_request")
    message: str
    details: Any = None


class ErrorEnvelope(BaseModel):
    """Every non-2xx answer."""

    error: ErrorBody


ENVELOPE_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}
_SECONDS = {"schema": {"type": "integer", "minimum": 0}}
RETRY_AFTER = {"description": "Seconds to wait before retrying", **_SECONDS}
RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": {"description": "Requests per minute for this caller", **_SECONDS},
    "RateLimit-Remaining": {"description": "Requests left now", **_SECONDS},
    "RateLimit-Reset": {"description": "Seconds until the allowance is whole", **_SECONDS},
    "RateLimit-Policy": {"description": "limit;w=window", "schema": {"type": "string"}},
}
GUARDED = {
    "429": {
        "description": "Rate limited (error envelope)",
        "headers": {"Retry-After": RETRY_AFTER, **RATE_LIMIT_HEADERS},
    },
    "503": {
        "description": "Overloaded, not ready or storage unavailable (error envelope)",
        "headers": {"Retry-After": RETRY_AFTER},
    },
}
INVALID = {"description": "Invalid request (error envelope)"}
READINESS_PATHS = frozenset({"/api/v1/ready", "/ready"})


def _with_envelope(response: dict[str, Any]) -> dict[str, Any]:
    response.setdefault("content", {})["application/json"] = {"schema": ENVELOPE_REF}
    return response


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Rewrite a FastAPI-generated schema in place (see the module docstring)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    envelope = ErrorEnvelope.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(envelope.pop("$defs", {}))
    components["ErrorEnvelope"] = envelope
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses: dict[str, Any] = operation.setdefault("responses", {})
            if responses.pop("422", None) is not None or "400" in responses:
                responses.setdefault("400", dict(INVALID))
            guarded = GUARDED if path not in EXEMPT_PATHS else {}
            if path in READINESS_PATHS:
                guarded = {"503": GUARDED["503"]}
            for status, response in guarded.items():
                documented = responses.setdefault(status, {"description": response["description"]})
                documented.setdefault("headers", {}).update(response["headers"])
            for status, response in responses.items():
                if status[:1] in ("4", "5"):
                    _with_envelope(response)
    return schema


def install_openapi(app: FastAPI) -> None:
    """Serve the rewritten schema at /openapi.json (built once, on first request)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
