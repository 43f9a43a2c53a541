"""Records and events on SQLite and PostgreSQL: idempotency, the queue's filters, transitions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.compliance import chain, service
from orchestrator.compliance.service import EventType, RecordStatus
from orchestrator.domain import Severity
from orchestrator.storage.tables import ComplianceEvent, ComplianceRecord

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime.now(UTC)


async def _count(sessions: Sessions, model: type[ComplianceRecord] | type[ComplianceEvent]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _event(sessions: Sessions, record_id: str, kind: EventType, **kwargs: object) -> None:
    async with sessions() as session:
        await service.add_event(
            session,
            record_id=record_id,
            kind=kind,
            actor=str(kwargs.get("actor", "k1")),
            note=kwargs.get("note"),  # type: ignore[arg-type]
        )


async def test_when_request_retried_then_first_record_returned(
    sessions: Sessions, new_record
) -> None:
    async with sessions() as session:
        first, created = await service.create_record(session, new_record("req-1"))
    async with sessions() as session:
        again, created_again = await service.create_record(
            session, new_record("req-1", text="a different body")
        )
    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert again.redacted_text == first.redacted_text
    assert await _count(sessions, ComplianceRecord) == 1


async def test_when_same_request_races_then_one_record(sessions: Sessions, new_record) -> None:
    async def one() -> tuple[str, bool]:
        async with sessions() as session:
            record, created = await service.create_record(session, new_record("req-race"))
            return record.id, created

    results = await asyncio.gather(*(one() for _ in range(8)))
    assert len({record_id for record_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert await _count(sessions, ComplianceRecord) == 1
    async with sessions() as session:
        assert (await chain.verify(session)).ok


async def _queue(sessions: Sessions, new_record) -> dict[str, str]:
    """Five records: due in the past and future, on both queues, in every state."""
    specs = {
        "overdue_open": dict(created_at=NOW - timedelta(hours=3), due_in=timedelta(hours=2)),
        "overdue_acked": dict(created_at=NOW - timedelta(hours=3), due_in=timedelta(hours=1)),
        "resolved_late": dict(created_at=NOW - timedelta(hours=5), due_in=timedelta(hours=2)),
        "future_urgent": dict(severity=Severity.URGENT, due_in=timedelta(minutes=15)),
        "compliance": dict(
            severity=Severity.STANDARD, queue="compliance", due_in=timedelta(hours=24)
        ),
    }
    ids = {}
    for name, spec in specs.items():
        async with sessions() as session:
            record, _ = await service.create_record(session, new_record(name, **spec))
            ids[name] = record.id
    await _event(sessions, ids["overdue_acked"], EventType.ACKNOWLEDGED)
    await _event(sessions, ids["resolved_late"], EventType.RESOLVED)  # resolved now: after due
    return ids


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["resolved_late", "overdue_acked", "overdue_open", "future_urgent", "compliance"]),
        ({"queue": "compliance"}, ["compliance"]),
        ({"severity": Severity.URGENT}, ["future_urgent"]),
        ({"status": RecordStatus.OPEN}, ["overdue_open", "future_urgent", "compliance"]),
        ({"status": RecordStatus.ACKNOWLEDGED}, ["overdue_acked"]),
        ({"status": RecordStatus.RESOLVED}, ["resolved_late"]),
        ({"breached": True}, ["resolved_late", "overdue_acked", "overdue_open"]),
        ({"breached": False}, ["future_urgent", "compliance"]),
        ({"queue": "pharmacist", "breached": True, "status": RecordStatus.OPEN}, ["overdue_open"]),
        ({"limit": 2}, ["resolved_late", "overdue_acked"]),
        ({"limit": 2, "offset": 3}, ["future_urgent", "compliance"]),
    ],
)
async def test_when_queue_filtered_then_matching_records_soonest_due_first(
    sessions: Sessions, new_record, filters: dict[str, object], expected: list[str]
) -> None:
    await _queue(sessions, new_record)
    async with sessions() as session:
        views, total = await service.list_records(session, **filters)  # type: ignore[arg-type]
    assert [v.record.request_id for v in views] == expected
    if "limit" not in filters:
        assert total == len(expected)
    else:
        assert total == 5


async def test_when_resolved_before_due_then_not_breached(sessions: Sessions, new_record) -> None:
    async with sessions() as session:
        record, _ = await service.create_record(session, new_record("on-time"))
    await _event(sessions, record.id, EventType.RESOLVED)
    later = NOW + timedelta(days=1)
    async with sessions() as session:
        views, _ = await service.list_records(session, breached=True, now=later)
        view, events = await service.get_record(session, record_id=record.id, now=later)
    assert views == []
    assert (view.status, view.breached) == (RecordStatus.RESOLVED, False)
    assert [e.type for e in events] == ["resolved"]


async def test_when_acknowledged_then_resolved_then_history_in_order(
    sessions: Sessions, new_record
) -> None:
    async with sessions() as session:
        record, _ = await service.create_record(session, new_record())
    await _event(sessions, record.id, EventType.ACKNOWLEDGED, actor="alice", note="calling")
    await _event(sessions, record.id, EventType.RESOLVED, actor="bob")
    async with sessions() as session:
        view, events = await service.get_record(session, record_id=record.id)
    assert view.status is RecordStatus.RESOLVED
    assert [(e.type, e.actor, e.note) for e in events] == [
        ("acknowledged", "alice", "calling"),
        ("resolved", "bob", None),
    ]


@pytest.mark.parametrize(
    ("history", "attempt", "reason"),
    [
        ([EventType.RESOLVED], EventType.RESOLVED, "already resolved"),
        ([EventType.RESOLVED], EventType.ACKNOWLEDGED, "already resolved"),
        ([EventType.ACKNOWLEDGED], EventType.ACKNOWLEDGED, "already acknowledged"),
    ],
)
async def test_when_state_refuses_event_then_refused_and_nothing_appended(
    sessions: Sessions,
    new_record,
    history: list[EventType],
    attempt: EventType,
    reason: str,
) -> None:
    async with sessions() as session:
        record, _ = await service.create_record(session, new_record())
    for kind in history:
        await _event(sessions, record.id, kind)
    with pytest.raises(service.TransitionRefused, match=reason):
        await _event(sessions, record.id, attempt)
    assert await _count(sessions, ComplianceEvent) == len(history)
    async with sessions() as session:
        assert (await chain.verify(session)).ok


async def test_when_unknown_record_then_not_found(sessions: Sessions) -> None:
    with pytest.raises(service.RecordNotFound):
        await _event(sessions, "cr_missing", EventType.ACKNOWLEDGED)
    async with sessions() as session:
        with pytest.raises(service.RecordNotFound):
            await service.get_record(session, record_id="cr_missing")


async def test_when_resolves_race_then_exactly_one_wins(sessions: Sessions, new_record) -> None:
    async with sessions() as session:
        record, _ = await service.create_record(session, new_record())

    async def one(actor: str) -> bool:
        try:
            await _event(sessions, record.id, EventType.RESOLVED, actor=actor)
        except service.TransitionRefused:
            return False
        return True

    outcomes = await asyncio.gather(*(one(f"k{i}") for i in range(6)))
    assert sum(outcomes) == 1
    assert await _count(sessions, ComplianceEvent) == 1


async def test_when_note_holds_pii_then_it_is_redacted_before_storage(
    sessions: Sessions, new_record
) -> None:
    async with sessions() as session:
        record, _ = await service.create_record(session, new_record())
    await _event(
        sessions,
        record.id,
        EventType.ACKNOWLEDGED,
        note="called her back on 415-555-0132, email jane.doe@example.com",
    )
    async with sessions() as session:
        _, (event,) = await service.get_record(session, record_id=record.id)
    assert event.note is not None
    assert "415-555-0132" not in event.note
    assert "jane.doe@example.com" not in event.note
    assert event.note.startswith("called her back on <")
