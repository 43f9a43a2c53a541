"""A migrated SQLite database per test for the order system."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.config import Settings
from orchestrator.storage import engine as storage


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await storage.upgrade(settings.database_url)
    engine = storage.make_engine(settings.database_url)
    try:
        yield storage.make_sessionmaker(engine)
    finally:
        await engine.dispose()
