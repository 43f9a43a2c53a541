"""The escalation queue and the audit check: thin routes over compliance.service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.api.deps import RuntimeDep
from orchestrator.api.errors import ApiError
from orchestrator.auth.deps import require_scope
from orchestrator.auth.models import Scope
from orchestrator.auth.service import Principal
from orchestrator.compliance import chain, service
from orchestrator.compliance.schemas import (
    EventCreate,
    RecordDetail,
    RecordPage,
    RecordRead,
    VerifyReportRead,
)
from orchestrator.compliance.service import EventType, RecordStatus
from orchestrator.domain import Severity

router = APIRouter(tags=["compliance"])

Reader = Annotated[Principal, Depends(require_scope(Scope.COMPLIANCE_READ))]
Writer = Annotated[Principal, Depends(require_scope(Scope.COMPLIANCE_WRITE))]
Admin = Annotated[Principal, Depends(require_scope(Scope.ADMIN))]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

AUTH_RESPONSES: dict[int | str, dict[str, object]] = {
    401: {"description": "No valid API key (error envelope)"},
    403: {"description": "The key lacks the scope (error envelope)"},
}
RECORD_RESPONSES: dict[int | str, dict[str, object]] = {
    **AUTH_RESPONSES,
    404: {"description": "No such record (error envelope)"},
}
EVENT_RESPONSES: dict[int | str, dict[str, object]] = {
    **RECORD_RESPONSES,
    409: {"description": "The record's state refuses the event (error envelope)"},
}


def _not_found(record_id: str) -> ApiError:
    return ApiError(
        404, "not_found", "No compliance record has that id.", details={"id": record_id}
    )


@router.get("/compliance/records", response_model=RecordPage, responses=AUTH_RESPONSES)
async def list_records(
    _: Reader,
    session: SessionDep,
    queue: str | None = None,
    severity: Severity | None = None,
    status: RecordStatus | None = None,
    breached: Annotated[bool | None, Query(description="Past due and not resolved by then")] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,  # beyond it SQL integers overflow
) -> RecordPage:
    """Records on the queue, soonest due first."""
    views, total = await service.list_records(
        session,
        queue=queue,
        severity=severity,
        status=status,
        breached=breached,
        limit=limit,
        offset=offset,
    )
    return RecordPage(
        items=[RecordRead.of(v) for v in views], total=total, limit=limit, offset=offset
    )


@router.get(
    "/compliance/records/{record_id}", response_model=RecordDetail, responses=RECORD_RESPONSES
)
async def get_record(_: Reader, session: SessionDep, record_id: str) -> RecordDetail:
    """One record and its history."""
    try:
        view, events = await service.get_record(session, record_id=record_id)
    except service.RecordNotFound:
        raise _not_found(record_id) from None
    return RecordDetail.with_events(view, events)


async def _append(
    session: AsyncSession,
    principal: Principal,
    record_id: str,
    kind: EventType,
    body: EventCreate | None,
) -> RecordDetail:
    try:
        await service.add_event(
            session,
            record_id=record_id,
            kind=kind,
            actor=principal.key_id,
            note=body.note if body else None,
        )
        view, events = await service.get_record(session, record_id=record_id)
    except service.RecordNotFound:
        raise _not_found(record_id) from None
    except service.TransitionRefused as exc:
        raise ApiError(409, "conflict", str(exc), details={"id": record_id}) from None
    return RecordDetail.with_events(view, events)


@router.post(
    "/compliance/records/{record_id}/acknowledge",
    response_model=RecordDetail,
    responses=EVENT_RESPONSES,
)
async def acknowledge(
    principal: Writer, session: SessionDep, record_id: str, body: EventCreate | None = None
) -> RecordDetail:
    """Take the record: appends an `acknowledged` event (the key's id is the actor)."""
    return await _append(session, principal, record_id, EventType.ACKNOWLEDGED, body)


@router.post(
    "/compliance/records/{record_id}/resolve",
    response_model=RecordDetail,
    responses=EVENT_RESPONSES,
)
async def resolve(
    principal: Writer, session: SessionDep, record_id: str, body: EventCreate | None = None
) -> RecordDetail:
    """Close the record: appends a `resolved` event; nothing may follow it."""
    return await _append(session, principal, record_id, EventType.RESOLVED, body)


@router.get("/audit/verify", response_model=VerifyReportRead, responses=AUTH_RESPONSES)
async def verify(_: Admin, session: SessionDep) -> VerifyReportRead:
    """Walk both chains; `ok` is false with the first bad seq and its kind when tampered."""
    return VerifyReportRead.of(await chain.verify(session))
