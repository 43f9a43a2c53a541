"""Knowledge-base fixtures: the shared embedder, migrated SQLite databases, the shipped KB."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from orchestrator.classifiers.embedder import Embedder
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.config import Settings
from orchestrator.knowledge import service as kb_service
from orchestrator.knowledge.search import SearchIndex
from orchestrator.storage import engine as storage

REPO_ROOT = Path(__file__).resolve().parents[2]
KB_DIR = REPO_ROOT / "data" / "kb"

WriteArticle = Callable[..., Path]


def _write_article(directory: Path, article_id: str, title: str, body: str, **extra: str) -> Path:
    lines = [f"id: {article_id}", f"title: {title}", *(f"{k}: {v}" for k, v in extra.items())]
    path = directory / f"{article_id}.md"
    path.write_text("---\n" + "\n".join(lines) + f"\n---\n{body}\n", encoding="utf-8")
    return path


@pytest.fixture
def write_article() -> WriteArticle:
    """write_article(directory, id, title, body, **front_matter) -> the file's path."""
    return _write_article


@pytest.fixture(scope="session")
def kb_dir() -> Path:
    return KB_DIR


@pytest.fixture(scope="session")
def embedder(local_classifier: LocalClassifier) -> Embedder:
    return local_classifier.embedder


async def _migrated(url: str) -> AsyncEngine:
    await storage.upgrade(url)
    return storage.make_engine(url)


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A fresh, migrated SQLite database."""
    engine = await _migrated(f"sqlite+aiosqlite:///{tmp_path / 'kb.db'}")
    yield storage.make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
async def shipped_index(
    embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[SearchIndex]:
    """The shipped KB loaded into SQLite and indexed with the default weights and threshold."""
    engine = await _migrated(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('kb') / 'kb.db'}")
    async with storage.make_sessionmaker(engine)() as session:
        await kb_service.load_directory(session, KB_DIR, embedder)
        rows = await kb_service.list_articles(session)
    await engine.dispose()
    settings = Settings(environment="test")
    yield SearchIndex.from_rows(
        rows,
        semantic_weight=settings.kb_semantic_weight,
        keyword_weight=settings.kb_keyword_weight,
        min_score=settings.kb_min_score,
    )
