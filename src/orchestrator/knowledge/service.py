"""Knowledge-base storage: article files synced into `kb_articles` with their embeddings.

Sync rule: a row is re-embedded only when its content hash changes; rows whose files are gone
are deleted. The hash covers everything the embedding and the answer depend on, plus
``EMBEDDING_VERSION``, so changing the model or the indexed text re-embeds everything.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.classifiers.embedder import Embedder, Vectors
from orchestrator.config import Settings
from orchestrator.knowledge.articles import Article, load_articles
from orchestrator.storage import tables

EMBEDDING_VERSION = "all-MiniLM-L6-v2/search_text/v1"
EMBED_BATCH = 8  # small batches so the progress bar moves; throughput barely changes
_DTYPE = np.dtype("<f4")

# The same text always embeds to the same vector: tests and the CLI build many apps (and
# fresh databases) on one embedder, and should not pay ~4 s to re-embed the shipped KB each time.
_memo: weakref.WeakKeyDictionary[Embedder, dict[str, Vectors]] = weakref.WeakKeyDictionary()

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class SyncReport:
    """What a sync changed, by article id."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)

    def summary(self) -> str:
        return (
            f"{self.total} articles: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed"
        )


def content_sha256(article: Article) -> str:
    """Hash of what the stored row and its embedding are made of."""
    canonical = json.dumps(
        {
            "version": EMBEDDING_VERSION,
            "id": article.id,
            "title": article.title,
            "topic": article.topic,
            "keywords": list(article.keywords),
            "body": article.body,
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def encode_vector(vector: Vectors) -> bytes:
    return np.asarray(vector, dtype=_DTYPE).reshape(-1).tobytes()


def decode_vector(blob: bytes) -> Vectors:
    return np.frombuffer(blob, dtype=_DTYPE).copy()


def resolve_kb_dir(settings: Settings) -> Path | None:
    """`settings.kb_dir` against the working directory; None when unset (see its description)."""
    if settings.kb_dir is None:
        return None
    return settings.kb_dir if settings.kb_dir.is_absolute() else Path.cwd() / settings.kb_dir


async def count_articles(session: AsyncSession) -> int:
    """How many articles are stored."""
    return int(await session.scalar(select(func.count()).select_from(tables.Article)) or 0)


async def list_articles(session: AsyncSession) -> Sequence[tables.Article]:
    """Every stored article, by id."""
    result = await session.scalars(select(tables.Article).order_by(tables.Article.id))
    return result.all()


async def embed_texts(
    embedder: Embedder, texts: Sequence[str], *, progress: Progress | None = None
) -> Vectors:
    """Embed in small batches in a worker thread, reporting progress per batch."""
    memo = _memo.setdefault(embedder, {})
    vectors: list[Vectors] = []
    for start in range(0, len(texts), EMBED_BATCH):
        batch = list(texts[start : start + EMBED_BATCH])
        missing = [text for text in batch if text not in memo]
        if missing:
            computed = await asyncio.to_thread(embedder.encode, missing)
            memo.update(zip(missing, computed, strict=True))
        vectors.extend(memo[text] for text in batch)
        if progress is not None:
            progress(len(batch))
    if not vectors:
        return np.zeros((0, Embedder.dimension), dtype=np.float32)
    return np.stack(vectors).astype(np.float32)


async def sync_articles(
    session: AsyncSession,
    articles: Sequence[Article],
    embedder: Embedder,
    *,
    progress: Progress | None = None,
    on_plan: Callable[[int], None] | None = None,
) -> SyncReport:
    """Make `kb_articles` hold exactly `articles`; commits once at the end.

    `on_plan` is told how many articles need embedding before any is embedded.
    """
    stored = {
        row.id: row.content_sha256
        for row in (await session.execute(select(tables.Article.id, tables.Article.content_sha256)))
    }
    report = SyncReport()
    changed: list[tuple[Article, str]] = []
    for article in articles:
        digest = content_sha256(article)
        if stored.get(article.id) == digest:
            report.unchanged.append(article.id)
            continue
        (report.updated if article.id in stored else report.added).append(article.id)
        changed.append((article, digest))
    wanted = {article.id for article in articles}
    report.removed.extend(sorted(set(stored) - wanted))

    if on_plan is not None:
        on_plan(len(changed))
    vectors = await embed_texts(
        embedder, [article.search_text for article, _ in changed], progress=progress
    )
    now = datetime.now(UTC)
    for (article, digest), vector in zip(changed, vectors, strict=True):
        await session.merge(
            tables.Article(
                id=article.id,
                title=article.title,
                topic=article.topic,
                keywords=list(article.keywords),
                body=article.body,
                embedding=encode_vector(vector),
                content_sha256=digest,
                updated_at=now,
            )
        )
    if report.removed:
        await session.execute(delete(tables.Article).where(tables.Article.id.in_(report.removed)))
    await session.commit()
    return report


async def load_directory(
    session: AsyncSession,
    directory: Path,
    embedder: Embedder,
    *,
    progress: Progress | None = None,
    on_plan: Callable[[int], None] | None = None,
) -> SyncReport:
    """Parse `directory`'s articles (ArticleError on a bad file) and sync them."""
    articles = await asyncio.to_thread(load_articles, directory)
    return await sync_articles(session, articles, embedder, progress=progress, on_plan=on_plan)
