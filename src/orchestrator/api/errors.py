"""One error envelope for every failure: `{"error": {"code", "message", "details"}}`.

ApiError (ours, raised by handlers and dependencies)
├── 400 invalid_request / invalid_json / missing_body / unsupported_media_type
├── 401 unauthorized, 403 forbidden, 404 not_found
├── 429 rate_limited, 503 not_ready / overloaded  (both with Retry-After)
WorkflowUnavailable → 503 storage_unavailable + Retry-After (nothing acknowledged unstored)
ClassifierError → 503 classifier_unavailable + Retry-After (LLM down or its circuit open, no
fallback configured)
FastAPI's RequestValidationError → 400; Starlette HTTPException → its status; anything else →
500 internal_error with no detail (and a log line carrying the request id, not the trace).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from orchestrator.classifiers.base import ClassifierError
from orchestrator.observability.logging import get_logger
from orchestrator.workflows.base import WorkflowUnavailable

log = get_logger(__name__)
RETRY_AFTER_STORAGE = "2"


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = dict(headers or {})


def envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def _clean(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Validation errors without the offending input echoed back (it may hold PII)."""
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type")}
        for e in errors
    ]


def _validation_code(errors: Sequence[Any]) -> tuple[str, str]:
    types = {e.get("type") for e in errors}
    if "json_invalid" in types:
        return "invalid_json", "The request body is not valid JSON."
    if any(e.get("type") == "missing" and tuple(e.get("loc", ())) == ("body",) for e in errors):
        return "missing_body", "The request needs a JSON body."
    return "invalid_request", "The request failed validation."


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse(
        envelope(exc.code, exc.message, exc.details), status_code=exc.status, headers=exc.headers
    )


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    code, message = _validation_code(errors)
    return JSONResponse(envelope(code, message, _clean(errors)), status_code=400)


_HTTP_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    headers = dict(exc.headers or {})
    return JSONResponse(
        envelope(code, str(exc.detail)), status_code=exc.status_code, headers=headers
    )


async def _workflow_unavailable(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WorkflowUnavailable)
    return JSONResponse(
        envelope("storage_unavailable", str(exc), exc.details),
        status_code=503,
        headers={"Retry-After": RETRY_AFTER_STORAGE},
    )


async def _classifier_unavailable(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ClassifierError)
    return JSONResponse(
        envelope(
            "classifier_unavailable",
            "The classifier cannot answer right now; try again later.",
            {"reason": exc.kind},
        ),
        status_code=503,
        headers={"Retry-After": str(exc.retry_after)},
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled_error", error_type=type(exc).__name__, path=request.url.path)
    return JSONResponse(envelope("internal_error", "Something went wrong."), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(WorkflowUnavailable, _workflow_unavailable)
    app.add_exception_handler(ClassifierError, _classifier_unavailable)
    app.add_exception_handler(Exception, _unhandled)
