"""The audit chain on SQLite and PostgreSQL: appends under concurrency, and every kind of tamper."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from orchestrator.compliance import chain, service
from orchestrator.compliance.chain import GENESIS, Problem
from orchestrator.storage.tables import ChainHead, ComplianceEvent, ComplianceRecord

Sessions = async_sessionmaker[AsyncSession]


async def _verify(sessions: Sessions, which: chain.Chain = chain.RECORDS) -> chain.ChainReport:
    async with sessions() as session:
        return await chain.verify_chain(session, which)


async def _sql(engine: AsyncEngine, *statements: str, **params: object) -> None:
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement), params)


async def test_when_chain_is_empty_then_it_verifies(sessions: Sessions) -> None:
    async with sessions() as session:
        report = await chain.verify(session)
    assert report.ok
    assert [(c.chain, c.rows, c.head_seq) for c in report.chains] == [
        ("compliance_records", 0, 0),
        ("compliance_events", 0, 0),
    ]


async def test_when_fifty_untouched_records_then_chain_verifies(
    sessions: Sessions, append_records
) -> None:
    records = await append_records(sessions, 50)
    assert [r.seq for r in records] == list(range(1, 51))
    assert records[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(records, records[1:], strict=False))

    report = await _verify(sessions)
    assert report == chain.ChainReport("compliance_records", True, 50, 50)
    async with sessions() as session:
        head = await session.get(ChainHead, "compliance_records")
    assert head is not None
    assert (head.seq, head.hash) == (50, records[-1].hash)


async def test_when_stored_hash_recomputed_then_it_follows_the_rule(
    sessions: Sessions, append_records
) -> None:
    (record,) = await append_records(sessions, 1)
    async with sessions() as session:
        stored = await session.scalar(select(ComplianceRecord))
    assert stored is not None
    assert chain.row_hash(chain.RECORDS, stored, GENESIS) == record.hash
    fields = json.loads(chain.canonical(chain.RECORDS, stored))
    assert "hash" not in fields and "prev_hash" not in fields
    assert fields["seq"] == 1
    assert fields["created_at"].endswith("+00:00")


async def test_when_record_text_edited_then_detected_as_edited(
    sessions: Sessions, engine: AsyncEngine, append_records
) -> None:
    await append_records(sessions, 10)
    await _sql(
        engine, "UPDATE compliance_records SET redacted_text = 'nothing happened' WHERE seq = 4"
    )

    report = await _verify(sessions)
    assert (report.ok, report.problem, report.seq) == (False, Problem.EDITED, 4)


@pytest.mark.parametrize(
    ("seq", "column", "value"),
    [
        (3, "severity", "standard"),  # the next row's link exposes it
        (6, "severity", "standard"),  # the last row: the head's hash exposes it
        (1, "prev_hash", "f" * 64),  # the first row no longer starts at genesis
    ],
)
async def test_when_record_edited_and_rehashed_then_detected_at_that_record(
    sessions: Sessions, engine: AsyncEngine, append_records, seq: int, column: str, value: str
) -> None:
    await append_records(sessions, 6)
    async with sessions() as session:
        row = await session.scalar(select(ComplianceRecord).where(ComplianceRecord.seq == seq))
        assert row is not None
        setattr(row, column, value)
        forged = chain.row_hash(chain.RECORDS, row, row.prev_hash)
    await _sql(
        engine,
        f"UPDATE compliance_records SET {column} = :v, hash = :h WHERE seq = :s",
        v=value,
        h=forged,
        s=seq,
    )

    report = await _verify(sessions)
    assert (report.problem, report.seq) == (Problem.EDITED, seq)


async def test_when_chain_longer_than_a_batch_then_walked_across_batches(
    sessions: Sessions, engine: AsyncEngine, append_records
) -> None:
    await append_records(sessions, 20)
    async with sessions() as session:
        intact = await chain.verify_chain(session, chain.RECORDS, batch=7)
    await _sql(engine, "DELETE FROM compliance_records WHERE seq = 16")
    async with sessions() as session:
        tampered = await chain.verify_chain(session, chain.RECORDS, batch=7)

    assert intact == chain.ChainReport("compliance_records", True, 20, 20)
    assert (tampered.problem, tampered.seq, tampered.rows) == (Problem.DELETED, 16, 15)


async def test_when_middle_record_deleted_then_detected_as_deleted(
    sessions: Sessions, engine: AsyncEngine, append_records
) -> None:
    await append_records(sessions, 10)
    await _sql(engine, "DELETE FROM compliance_records WHERE seq = 5")

    report = await _verify(sessions)
    assert (report.ok, report.problem, report.seq) == (False, Problem.DELETED, 5)


async def test_when_first_record_deleted_then_detected_as_deleted(
    sessions: Sessions, engine: AsyncEngine, append_records
) -> None:
    await append_records(sessions, 3)
    await _sql(engine, "DELETE FROM compliance_records WHERE seq = 1")

    report = await _verify(sessions)
    assert (report.problem, report.seq) == (Problem.DELETED, 1)


async def test_when_two_records_swap_seq_then_detected_as_reordered(
    sessions: Sessions, engine: AsyncEngine, append_records
) -> None:
    await append_records(sessions, 8)
    await _sql(
        engine,
        "UPDATE compliance_records SET seq = -1 WHERE seq = 3",
        "UPDATE compliance_records SET seq = 3 WHERE seq = 6",
        "UPDATE compliance_records SET seq = 6 WHERE seq = -1",
    )

    report = await _verify(sessions)
    assert (report.ok, report.problem, report.seq) == (False, Problem.REORDERED, 3)


async def test_when_last_record_deleted_then_detected_as_truncated(
    sessions: Sessions, engine: AsyncEngine, append_records
) -> None:
    await append_records(sessions, 5)
    await _sql(engine, "DELETE FROM compliance_records WHERE seq = 5")

    report = await _verify(sessions)
    assert (report.ok, report.problem, report.seq, report.head_seq) == (
        False,
        Problem.TRUNCATED,
        5,
        5,
    )


async def test_when_head_row_deleted_then_detected(
    sessions: Sessions, engine: AsyncEngine, append_records
) -> None:
    await append_records(sessions, 2)
    await _sql(engine, "DELETE FROM chain_heads")

    report = await _verify(sessions)
    assert (report.problem, report.seq) == (Problem.HEAD_MISSING, 1)


async def test_when_row_written_without_the_lock_then_detected_as_inserted(
    sessions: Sessions, append_records, new_record
) -> None:
    records = await append_records(sessions, 3)
    template = new_record()
    forged = ComplianceRecord(
        seq=4,
        id="cr_forged",
        request_id="forged",
        created_at=template.created_at,
        severity="high",
        queue="pharmacist",
        due_at=template.due_at,
        rule="adverse_reaction",
        channel="chat",
        redacted_text="written around the lock",
        pii_types=[],
        secondary_request=None,
        details={},
        prev_hash=records[-1].hash,
    )
    forged.hash = chain.row_hash(chain.RECORDS, forged, forged.prev_hash)
    async with sessions() as session:
        session.add(forged)
        await session.commit()

    report = await _verify(sessions)
    assert (report.problem, report.seq) == (Problem.INSERTED, 4)


async def test_when_thirty_appends_race_then_chain_has_no_gaps(
    sessions: Sessions, new_record
) -> None:
    async def one(i: int) -> ComplianceRecord:
        async with sessions() as session:
            record, created = await service.create_record(session, new_record(f"race-{i}"))
            assert created
            return record

    records = await asyncio.gather(*(one(i) for i in range(30)))

    assert sorted(r.seq for r in records) == list(range(1, 31))
    report = await _verify(sessions)
    assert report == chain.ChainReport("compliance_records", True, 30, 30)


async def test_when_first_appends_race_on_a_missing_head_then_one_head_is_made(
    sessions: Sessions, new_record
) -> None:
    async def one(i: int) -> int:
        async with sessions() as session:
            record, _ = await service.create_record(session, new_record(f"first-{i}"))
            return record.seq

    assert sorted(await asyncio.gather(*(one(i) for i in range(5)))) == [1, 2, 3, 4, 5]
    async with sessions() as session:
        heads = (await session.scalars(select(ChainHead))).all()
    assert [(h.name, h.seq) for h in heads] == [("compliance_records", 5)]


async def test_when_event_note_edited_then_events_chain_detects_it(
    sessions: Sessions, engine: AsyncEngine, append_records
) -> None:
    (record,) = await append_records(sessions, 1)
    async with sessions() as session:
        await service.add_event(
            session,
            record_id=record.id,
            kind=service.EventType.ACKNOWLEDGED,
            actor="k1",
            note="on it",
        )
    async with sessions() as session:
        await service.add_event(
            session, record_id=record.id, kind=service.EventType.RESOLVED, actor="k1", note=None
        )
    assert (await _verify(sessions, chain.EVENTS)).ok

    await _sql(engine, "UPDATE compliance_events SET actor = 'someone-else' WHERE seq = 1")

    async with sessions() as session:
        report = await chain.verify(session)
    assert not report.ok
    problem = report.first_problem
    assert problem is not None
    assert (problem.chain, problem.problem, problem.seq) == ("compliance_events", "edited", 1)
    assert report.chains[0].ok  # the records chain is untouched


async def test_when_events_appended_then_they_chain_in_order(
    sessions: Sessions, append_records
) -> None:
    records = await append_records(sessions, 3)
    for record in records:
        async with sessions() as session:
            await service.add_event(
                session,
                record_id=record.id,
                kind=service.EventType.RESOLVED,
                actor="k",
                note=None,
            )
    async with sessions() as session:
        events = (
            await session.scalars(select(ComplianceEvent).order_by(ComplianceEvent.seq))
        ).all()
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS
    assert events[2].prev_hash == events[1].hash
    assert (await _verify(sessions, chain.EVENTS)).ok


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 1, 12, 30, 0, 5, tzinfo=UTC),
        datetime(2026, 3, 1, 12, 30, 0, 5),  # SQLite hands these back naive: they are UTC
        datetime(2026, 3, 1, 7, 30, 0, 5, tzinfo=timezone(timedelta(hours=-5))),
    ],
)
def test_when_datetime_in_any_form_then_canonical_is_iso_utc(moment: datetime) -> None:
    event = ComplianceEvent(
        seq=1, record_id="cr_1", type="resolved", actor="k", note=None, created_at=moment
    )
    fields = json.loads(chain.canonical(chain.EVENTS, event))
    assert fields["created_at"] == "2026-03-01T12:30:00.000005+00:00"


def test_when_canonical_then_sorted_keys_and_no_whitespace() -> None:
    event = ComplianceEvent(
        seq=2,
        record_id="cr_1",
        type="acknowledged",
        actor="k1",
        note="héllo",
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    assert chain.canonical(chain.EVENTS, event) == (
        '{"actor":"k1","created_at":"2026-01-02T03:04:05.000000+00:00","note":"héllo",'
        '"record_id":"cr_1","seq":2,"type":"acknowledged"}'
    )
