"""Compliance records and their events: written on the audit chain, read for the queue.

A record's status is never stored: it is derived from its events (resolved > acknowledged >
open), so the only writes are appends. A record is breached when its due time has passed and it
was not resolved by then.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.compliance import chain
from orchestrator.domain import Severity
from orchestrator.privacy.redactor import Redactor
from orchestrator.storage.tables import ComplianceEvent, ComplianceRecord

MAX_PAGE = 200


class EventType(StrEnum):
    ACKNOWLEDGED = "acknowledged"  # someone on the queue has taken the record
    RESOLVED = "resolved"  # the record is closed; nothing may follow


class RecordStatus(StrEnum):
    OPEN = "open"  # no event yet
    ACKNOWLEDGED = "acknowledged"  # acknowledged, not resolved
    RESOLVED = "resolved"


class ComplianceError(Exception):
    """A request the record's state refuses."""


class RecordNotFound(ComplianceError):
    pass


class TransitionRefused(ComplianceError):
    pass


@dataclass(frozen=True, slots=True)
class NewRecord:
    """Everything a record holds, PII already redacted."""

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
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RecordView:
    """A record as the queue sees it: with the state its events give it."""

    record: ComplianceRecord
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    now: datetime

    @property
    def status(self) -> RecordStatus:
        if self.resolved_at is not None:
            return RecordStatus.RESOLVED
        if self.acknowledged_at is not None:
            return RecordStatus.ACKNOWLEDGED
        return RecordStatus.OPEN

    @property
    def breached(self) -> bool:
        due = chain.utc(self.record.due_at)
        if self.resolved_at is not None:
            return chain.utc(self.resolved_at) > due
        return self.now > due


def _new_id() -> str:
    return f"cr_{uuid.uuid4().hex}"


async def _by_request(session: AsyncSession, request_id: str) -> ComplianceRecord | None:
    found: ComplianceRecord | None = await session.scalar(
        select(ComplianceRecord).where(ComplianceRecord.request_id == request_id)
    )
    return found


async def create_record(session: AsyncSession, new: NewRecord) -> tuple[ComplianceRecord, bool]:
    """Append and commit one record per request; a retried request gets the first one back.

    Under the chain's lock the record is inserted straight away: the unique request id turns
    a retry (rare) into an IntegrityError, and then the whole attempt, seq included, is rolled
    back and the first record read. One statement fewer than looking first, on every record.
    """
    slot = await chain.lock(session, chain.RECORDS)
    record = ComplianceRecord(
        id=_new_id(),
        request_id=new.request_id,
        created_at=chain.utc(new.created_at),  # SQLite drops offsets: store UTC only
        severity=new.severity.value,
        queue=new.queue,
        due_at=chain.utc(new.due_at),
        rule=new.rule,
        channel=new.channel,
        redacted_text=new.redacted_text,
        pii_types=new.pii_types,
        secondary_request=new.secondary_request,
        details=new.details,
    )
    try:
        await chain.append(session, chain.RECORDS, record, slot)
    except IntegrityError:
        await session.rollback()
        existing = await _by_request(session, new.request_id)
        if existing is None:  # not this request's duplicate: a real failure
            raise
        return existing, False
    await session.commit()
    return record, True


def _event_time(kind: EventType) -> Any:
    return (
        select(func.min(ComplianceEvent.created_at))
        .where(ComplianceEvent.record_id == ComplianceRecord.id, ComplianceEvent.type == kind)
        .correlate(ComplianceRecord)
        .scalar_subquery()
    )


async def list_records(
    session: AsyncSession,
    *,
    queue: str | None = None,
    severity: Severity | None = None,
    status: RecordStatus | None = None,
    breached: bool | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> tuple[list[RecordView], int]:
    """A page of records, soonest due first, and how many match in all."""
    now = chain.utc(now) if now else datetime.now(UTC)
    acknowledged_at = _event_time(EventType.ACKNOWLEDGED)
    resolved_at = _event_time(EventType.RESOLVED)
    state = case(
        (resolved_at.is_not(None), RecordStatus.RESOLVED.value),
        (acknowledged_at.is_not(None), RecordStatus.ACKNOWLEDGED.value),
        else_=RecordStatus.OPEN.value,
    )
    due = ComplianceRecord.due_at
    is_breached = and_(due < now, or_(resolved_at.is_(None), resolved_at > due))

    filters: list[ColumnElement[bool]] = []
    if queue is not None:
        filters.append(ComplianceRecord.queue == queue)
    if severity is not None:
        filters.append(ComplianceRecord.severity == severity.value)
    if status is not None:
        filters.append(state == status.value)
    if breached is not None:
        filters.append(is_breached if breached else not_(is_breached))

    total = await session.scalar(select(func.count()).select_from(ComplianceRecord).where(*filters))
    rows = await session.execute(
        select(ComplianceRecord, acknowledged_at, resolved_at)
        .where(*filters)
        .order_by(due, ComplianceRecord.seq)
        .limit(min(limit, MAX_PAGE))
        .offset(offset)
    )
    views = [RecordView(record, ack, res, now) for record, ack, res in rows.all()]
    return views, int(total or 0)


async def get_record(
    session: AsyncSession, *, record_id: str, now: datetime | None = None
) -> tuple[RecordView, list[ComplianceEvent]]:
    """One record with its history, oldest event first."""
    record = await session.scalar(select(ComplianceRecord).where(ComplianceRecord.id == record_id))
    if record is None:
        raise RecordNotFound(record_id)
    events = list(
        (
            await session.scalars(
                select(ComplianceEvent)
                .where(ComplianceEvent.record_id == record_id)
                .order_by(ComplianceEvent.seq)
            )
        ).all()
    )
    return _view(record, events, chain.utc(now) if now else datetime.now(UTC)), events


def _view(record: ComplianceRecord, events: Sequence[ComplianceEvent], now: datetime) -> RecordView:
    def first(kind: EventType) -> datetime | None:
        return next((e.created_at for e in events if e.type == kind), None)

    return RecordView(record, first(EventType.ACKNOWLEDGED), first(EventType.RESOLVED), now)


def _refusal(kind: EventType, seen: set[str]) -> str | None:
    if EventType.RESOLVED in seen:
        return "The record is already resolved."
    if kind is EventType.ACKNOWLEDGED and EventType.ACKNOWLEDGED in seen:
        return "The record is already acknowledged."
    return None


async def add_event(
    session: AsyncSession,
    *,
    record_id: str,
    kind: EventType,
    actor: str,
    note: str | None,
    redactor: Redactor | None = None,
) -> ComplianceEvent:
    """Append an event to the record's history; the state check runs under the chain lock.

    The note is redacted too: the chain can never be edited, so PII must not reach it.
    """
    exists = await session.scalar(
        select(ComplianceRecord.seq).where(ComplianceRecord.id == record_id)
    )
    if exists is None:
        raise RecordNotFound(record_id)
    slot = await chain.lock(session, chain.EVENTS)
    seen = set(
        (
            await session.scalars(
                select(ComplianceEvent.type).where(ComplianceEvent.record_id == record_id)
            )
        ).all()
    )
    refusal = _refusal(kind, seen)
    if refusal is not None:
        await session.rollback()
        raise TransitionRefused(refusal)
    event = ComplianceEvent(
        record_id=record_id,
        type=kind.value,
        actor=actor,
        note=(redactor or Redactor()).redact(note).redacted if note else None,
        created_at=datetime.now(UTC),
    )
    await chain.append(session, chain.EVENTS, event, slot)
    await session.commit()
    return event
