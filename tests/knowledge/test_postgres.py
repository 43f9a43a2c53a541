"""The KB loader against PostgreSQL: a fresh database per session, migrated, dropped at the end.

Skipped when PostgreSQL on 127.0.0.1:5432 is unreachable, except under CI (`CI` set): there a
missing database is a failure, not a skip.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.classifiers.embedder import Embedder, Vectors
from orchestrator.knowledge import service as kb_service
from orchestrator.storage import engine as storage
from support.postgres import fresh_database

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="session")
async def pg_url() -> AsyncIterator[str]:
    async with fresh_database("orch_kb") as url:
        yield url


@pytest.fixture
async def pg_sessions(pg_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = storage.make_engine(pg_url)
    maker = storage.make_sessionmaker(engine)
    async with maker() as session:  # each test starts from an empty knowledge base
        await kb_service.sync_articles(session, [], _NeverEmbed())
    yield maker
    await engine.dispose()


class _NeverEmbed(Embedder):
    """For syncs that must embed nothing."""

    def __init__(self) -> None:
        pass

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> Vectors:
        raise AssertionError("nothing should be embedded")


async def test_shipped_kb_loads_idempotently_into_postgres(
    pg_sessions: async_sessionmaker[AsyncSession], embedder: Embedder, kb_dir: Path
) -> None:
    async with pg_sessions() as session:
        first = await kb_service.load_directory(session, kb_dir, embedder)
    assert len(first.added) == first.total >= 40
    async with pg_sessions() as session:
        second = await kb_service.load_directory(session, kb_dir, _NeverEmbed())
        rows = await kb_service.list_articles(session)
    assert second.unchanged == first.added
    assert [row.id for row in rows] == first.added
    vector = kb_service.decode_vector(rows[0].embedding)
    assert vector.shape == (Embedder.dimension,)
    assert rows[0].updated_at.tzinfo is not None


async def test_changed_and_deleted_articles_in_postgres(
    pg_sessions: async_sessionmaker[AsyncSession],
    embedder: Embedder,
    tmp_path: Path,
    write_article: Callable[..., Path],
) -> None:
    write_article(tmp_path, "a", "Alpha", "First body.", keywords="[alpha, first]")
    write_article(tmp_path, "b", "Beta", "Second body.")
    async with pg_sessions() as session:
        await kb_service.load_directory(session, tmp_path, embedder)
    write_article(tmp_path, "a", "Alpha", "First body, edited.", keywords="[alpha, first]")
    (tmp_path / "b.md").unlink()
    async with pg_sessions() as session:
        report = await kb_service.load_directory(session, tmp_path, embedder)
        rows = await kb_service.list_articles(session)
    assert (report.updated, report.removed) == (["a"], ["b"])
    assert [(row.id, row.body, row.keywords) for row in rows] == [
        ("a", "First body, edited.", ["alpha", "first"])
    ]
