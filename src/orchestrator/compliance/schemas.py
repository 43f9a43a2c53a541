"""Bodies of the queue and audit endpoints. Records carry redacted text, never the raw one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from orchestrator.compliance.chain import Problem, VerifyReport, utc
from orchestrator.compliance.service import RecordStatus, RecordView
from orchestrator.domain import Severity
from orchestrator.storage.tables import ComplianceEvent

MAX_NOTE_CHARS = 2000


class EventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: StrictStr | None = Field(None, max_length=MAX_NOTE_CHARS)


class EventRead(BaseModel):
    seq: int
    type: str
    actor: str
    note: str | None
    created_at: datetime
    hash: str

    @classmethod
    def of(cls, event: ComplianceEvent) -> EventRead:
        return cls(
            seq=event.seq,
            type=event.type,
            actor=event.actor,
            note=event.note,
            created_at=utc(event.created_at),
            hash=event.hash,
        )


class RecordRead(BaseModel):
    id: str
    seq: int
    request_id: str
    created_at: datetime
    severity: Severity
    queue: str
    due_at: datetime
    rule: str
    channel: str
    redacted_text: str
    pii_types: list[str]
    secondary_request: dict[str, Any] | None
    status: RecordStatus
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    breached: bool
    hash: str

    @classmethod
    def fields_of(cls, view: RecordView) -> dict[str, Any]:
        record = view.record
        return {
            "id": record.id,
            "seq": record.seq,
            "request_id": record.request_id,
            "created_at": utc(record.created_at),
            "severity": record.severity,
            "queue": record.queue,
            "due_at": utc(record.due_at),
            "rule": record.rule,
            "channel": record.channel,
            "redacted_text": record.redacted_text,
            "pii_types": record.pii_types,
            "secondary_request": record.secondary_request,
            "status": view.status,
            "acknowledged_at": view.acknowledged_at and utc(view.acknowledged_at),
            "resolved_at": view.resolved_at and utc(view.resolved_at),
            "breached": view.breached,
            "hash": record.hash,
        }

    @classmethod
    def of(cls, view: RecordView) -> RecordRead:
        return cls.model_validate(cls.fields_of(view))


class RecordDetail(RecordRead):
    details: dict[str, Any]
    events: list[EventRead]

    @classmethod
    def with_events(cls, view: RecordView, events: list[ComplianceEvent]) -> RecordDetail:
        return cls.model_validate(
            {
                **cls.fields_of(view),
                "details": view.record.details,
                "events": [EventRead.of(e) for e in events],
            }
        )


class RecordPage(BaseModel):
    items: list[RecordRead]
    total: int
    limit: int
    offset: int


class ChainReportRead(BaseModel):
    chain: str
    ok: bool
    rows: int
    head_seq: int
    problem: Problem | None
    seq: int | None
    detail: str | None


class VerifyReportRead(BaseModel):
    ok: bool
    chains: list[ChainReportRead]

    @classmethod
    def of(cls, report: VerifyReport) -> VerifyReportRead:
        return cls.model_validate(report.as_dict())
