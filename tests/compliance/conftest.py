"""Real databases for compliance tests: SQLite (a temp file) and PostgreSQL (a fresh database).

`database_url` is parametrized over both; PostgreSQL tests carry the `postgres` mark. Without a
PostgreSQL on 127.0.0.1:5432 they skip, except under CI (env `CI` set), where they fail: CI must
run them. Each backend is migrated once per session; `engine` empties the compliance tables
before every test.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from orchestrator.compliance import service
from orchestrator.domain import Severity
from orchestrator.storage import engine as storage
from orchestrator.storage.tables import ComplianceRecord
from support.postgres import fresh_database

COMPLIANCE_TABLES = ("compliance_events", "compliance_records", "chain_heads")


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped at the end."""
    async with fresh_database("orch_test") as url:
        yield url


@pytest.fixture(scope="session")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("compliance") / "orchestrator.db"
    url = f"sqlite+aiosqlite:///{path}"
    await storage.upgrade(url)
    return url


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres, id="postgresql")],
)
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test that uses it runs on SQLite and on PostgreSQL."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = storage.make_engine(database_url)
    async with engine.begin() as connection:
        for table in COMPLIANCE_TABLES:
            await connection.execute(text(f"DELETE FROM {table}"))
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return storage.make_sessionmaker(engine)


def build_record(
    request_id: str | None = None,
    *,
    severity: Severity = Severity.HIGH,
    queue: str = "pharmacist",
    created_at: datetime | None = None,
    due_in: timedelta = timedelta(hours=2),
    text: str = "I got a rash after the new pills",
    **overrides: Any,
) -> service.NewRecord:
    """A record as the workflow would build it (text already redacted)."""
    created = created_at or datetime.now(UTC)
    fields: dict[str, Any] = {
        "request_id": request_id or secrets.token_hex(8),
        "created_at": created,
        "severity": severity,
        "queue": queue,
        "due_at": created + due_in,
        "rule": "adverse_reaction",
        "channel": "chat",
        "redacted_text": text,
        "pii_types": [],
        "secondary_request": None,
        "details": {"decision_path": "safety_screen:adverse_reaction", "confidence": 0.9512},
    }
    fields.update(overrides)
    return service.NewRecord(**fields)


async def _append_records(
    sessions: async_sessionmaker[AsyncSession], count: int, **kwargs: Any
) -> list[ComplianceRecord]:
    records = []
    for i in range(count):
        async with sessions() as session:
            record, _ = await service.create_record(
                session, build_record(text=f"reaction report {i}", **kwargs)
            )
            records.append(record)
    return records


@pytest.fixture
def new_record() -> Callable[..., service.NewRecord]:
    """`new_record(request_id=None, *, severity, queue, created_at, due_in, text, **fields)`."""
    return build_record


@pytest.fixture
def append_records() -> Callable[..., Awaitable[list[ComplianceRecord]]]:
    """`await append_records(sessions, count, **new_record_kwargs)`: one commit per record."""
    return _append_records
