"""The audit chain: append under the head row's lock, and verify by walking it.

The rule, for each chain (records, events):
    hash = sha256(prev_hash || canonical JSON of the row's other fields)
where `prev_hash` is the stored hash of the row at `seq - 1` ("0" * 64 for seq 1), seqs run
1, 2, 3 … with no gap, and the `chain_heads` row holds the last seq and hash. Canonical JSON has
sorted keys, no whitespace, and datetimes as ISO-8601 UTC strings.

Writers serialise on the head row: `UPDATE chain_heads SET seq = seq + 1 … RETURNING` takes a row
lock on PostgreSQL and the write lock on SQLite, and is held until the transaction that inserts
the row commits, so any number of writers and replicas append without gaps or forks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import AsyncGenerator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.storage.tables import ChainHead, ComplianceEvent, ComplianceRecord

GENESIS = "0" * 64
VERIFY_BATCH = 1000
_UNHASHED = frozenset({"hash", "prev_hash"})

ChainRow = ComplianceRecord | ComplianceEvent


@dataclass(frozen=True, slots=True)
class Chain:
    """A table whose rows are chained, and the name of its head row."""

    name: str
    model: type[ComplianceRecord] | type[ComplianceEvent]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.model.__table__.columns if c.key not in _UNHASHED)


RECORDS = Chain("compliance_records", ComplianceRecord)
EVENTS = Chain("compliance_events", ComplianceEvent)
CHAINS = (RECORDS, EVENTS)


def utc(moment: datetime) -> datetime:
    """Aware UTC (SQLite hands timestamps back naive; they were written as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc(value).isoformat(timespec="microseconds")
    return value


def canonical(chain: Chain, row: ChainRow) -> str:
    """The row's hashed fields as canonical JSON."""
    fields = {name: _plain(getattr(row, name)) for name in chain.fields}
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(chain: Chain, row: ChainRow, prev_hash: str) -> str:
    return hashlib.sha256((prev_hash + canonical(chain, row)).encode()).hexdigest()


# --- append -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Slot:
    """The next position on a chain, held (locked) until the transaction ends."""

    seq: int
    prev_hash: str


async def lock(session: AsyncSession, chain: Chain) -> Slot:
    """Take the chain's head lock and reserve the next seq; check preconditions after this."""
    bump = (
        update(ChainHead)
        .where(ChainHead.name == chain.name)
        .values(seq=ChainHead.seq + 1)
        .returning(ChainHead.seq, ChainHead.hash)
    )
    reserved = (await session.execute(bump)).one_or_none()
    if reserved is None:
        # First append ever: create the head; a concurrent creator makes ours a no-op.
        await session.execute(_insert_head_if_missing(session, chain))
        reserved = (await session.execute(bump)).one()
    seq, prev_hash = reserved
    return Slot(seq=seq, prev_hash=prev_hash)


def _insert_head_if_missing(session: AsyncSession, chain: Chain) -> Any:
    values = {"name": chain.name, "seq": 0, "hash": GENESIS}
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(ChainHead).values(values).on_conflict_do_nothing()
    return sqlite.insert(ChainHead).values(values).on_conflict_do_nothing()


async def append(session: AsyncSession, chain: Chain, row: ChainRow, slot: Slot) -> ChainRow:
    """Seal `row` at `slot`, insert it and move the head; the caller commits."""
    row.seq = slot.seq
    row.prev_hash = slot.prev_hash
    row.hash = row_hash(chain, row, slot.prev_hash)
    session.add(row)
    await session.flush()
    await session.execute(
        update(ChainHead).where(ChainHead.name == chain.name).values(hash=row.hash)
    )
    return row


# --- verify -------------------------------------------------------------------------------


class Problem(StrEnum):
    EDITED = "edited"  # a row's fields no longer hash to its stored hash, or it was re-hashed
    DELETED = "deleted"  # a seq is missing before the head
    REORDERED = "reordered"  # a row links to a row that is not its predecessor
    TRUNCATED = "truncated"  # the head is ahead of the last row: rows were removed at the end
    INSERTED = "inserted"  # rows beyond the head: written without taking the chain's lock
    HEAD_MISSING = "head_missing"  # rows exist but the head row is gone


@dataclass(frozen=True, slots=True)
class ChainReport:
    chain: str
    ok: bool
    rows: int
    head_seq: int
    problem: Problem | None = None
    seq: int | None = None  # the first bad seq
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class VerifyReport:
    ok: bool
    chains: tuple[ChainReport, ...]

    @property
    def first_problem(self) -> ChainReport | None:
        return next((c for c in self.chains if not c.ok), None)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "chains": [asdict(c) for c in self.chains]}


async def verify(session: AsyncSession, *, batch: int = VERIFY_BATCH) -> VerifyReport:
    """Walk every chain in seq order and report the first problem in each."""
    reports = tuple([await verify_chain(session, chain, batch=batch) for chain in CHAINS])
    return VerifyReport(ok=all(r.ok for r in reports), chains=reports)


async def _head(session: AsyncSession, chain: Chain) -> tuple[int, str] | None:
    row = (
        await session.execute(
            select(ChainHead.seq, ChainHead.hash).where(ChainHead.name == chain.name)
        )
    ).one_or_none()
    return None if row is None else (row.seq, row.hash)


async def _walk(
    session: AsyncSession, chain: Chain, upto: int, batch_size: int
) -> AsyncGenerator[ChainRow, None]:
    """Rows with seq <= upto in seq order, a batch at a time, so memory stays flat."""
    model, after = chain.model, 0
    while True:
        found = (
            await session.scalars(
                select(model)
                .where(model.seq > after, model.seq <= upto)
                .order_by(model.seq)
                .limit(batch_size)
                .execution_options(populate_existing=True)
            )
        ).all()
        batch = cast(Sequence[ChainRow], found)
        for row in batch:
            session.expunge(row)
            yield row
        if len(batch) < batch_size:
            return
        after = batch[-1].seq


async def verify_chain(
    session: AsyncSession, chain: Chain, *, batch: int = VERIFY_BATCH
) -> ChainReport:
    # The head is read first: every row at or below it committed before it, so must be seen;
    # rows above it are either appended since (the head has moved on) or forged.
    head = await _head(session, chain)
    head_seq, head_hash = head if head is not None else (0, GENESIS)
    rows, last_seq, last_hash = 0, 0, GENESIS

    def bad(problem: Problem, seq: int, detail: str) -> ChainReport:
        return ChainReport(chain.name, False, rows, head_seq, problem, seq, detail)

    async with contextlib.aclosing(_walk(session, chain, head_seq, batch)) as walk:
        async for row in walk:
            if row.seq != last_seq + 1:
                return bad(Problem.DELETED, last_seq + 1, f"seq {last_seq + 1} is missing")
            problem = await _check_row(session, chain, row, last_seq, last_hash)
            if problem is not None:
                return bad(*problem)
            rows, last_seq, last_hash = rows + 1, row.seq, row.hash

    if last_seq < head_seq:
        return bad(Problem.TRUNCATED, last_seq + 1, f"the head is at {head_seq}, rows end before")
    if head_hash != last_hash:
        return bad(Problem.EDITED, head_seq, "the last row's hash differs from the head's")
    beyond = await session.scalar(
        select(func.min(chain.model.seq)).where(chain.model.seq > head_seq)
    )
    if beyond is not None:
        now = await _head(session, chain)
        if now is None:
            return bad(Problem.HEAD_MISSING, beyond, "rows exist but the chain head is gone")
        if now[0] < beyond:
            return bad(Problem.INSERTED, beyond, f"row {beyond} is beyond the head")
    return ChainReport(chain.name, True, rows, head_seq)


async def _check_row(
    session: AsyncSession, chain: Chain, row: ChainRow, prev_seq: int, prev_hash: str
) -> tuple[Problem, int, str] | None:
    if row.prev_hash != prev_hash:
        model = chain.model
        linked = await session.scalar(select(model.seq).where(model.hash == row.prev_hash))
        if linked is not None:
            return Problem.REORDERED, row.seq, f"row {row.seq} links to row {linked}"
        if prev_seq == 0 or row_hash(chain, row, row.prev_hash) != row.hash:
            return Problem.EDITED, row.seq, f"row {row.seq} does not match its hash"
        return Problem.EDITED, prev_seq, f"row {prev_seq} was rewritten and re-hashed"
    if row_hash(chain, row, prev_hash) != row.hash:
        return Problem.EDITED, row.seq, f"row {row.seq} does not match its hash"
    return None
