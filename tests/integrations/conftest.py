"""Real databases for the adapters: SQLite (a temp file) and PostgreSQL (a fresh database).

`database_url` is parametrized over both; PostgreSQL tests carry the `postgres` mark. Without a
PostgreSQL on 127.0.0.1:5432 they skip, except under CI (env `CI` set), where they fail: CI must
run them. Each backend is migrated once per session; `engine` empties the tables the adapters
write before every test.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from orchestrator.integrations.base import TicketDraft
from orchestrator.observability.metrics import Metrics
from orchestrator.storage import engine as storage
from support.postgres import fresh_database

ADAPTER_TABLES = ("tickets", "orders")


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped at the end."""
    async with fresh_database("orch_svc") as url:
        yield url


@pytest.fixture(scope="session")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("integrations") / "orchestrator.db"
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
        for table in ADAPTER_TABLES:
            await connection.execute(text(f"DELETE FROM {table}"))
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return storage.make_sessionmaker(engine)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics(CollectorRegistry())


def make_draft(request_id: str | None = None, **overrides: object) -> TicketDraft:
    fields: dict[str, object] = {
        "request_id": request_id or secrets.token_hex(8),
        "intent": "cancel_order",
        "queue": "orders",
        "channel": "chat",
        "summary": "Please cancel order ORD-10001, reach me at <EMAIL>",
        "customer_id": "cust-1001",
        "order_number": "ORD-10001",
        "entities": [{"type": "order_number", "value": "ORD-10001", "start": 20, "end": 29}],
        "details": {"order_lookup": "found"},
    }
    fields.update(overrides)
    return TicketDraft(**fields)  # type: ignore[arg-type]


@pytest.fixture
def new_draft() -> Callable[..., TicketDraft]:
    """`new_draft(request_id=None, **fields)`: a cancel-order ticket draft, summary redacted."""
    return make_draft
