"""Loading article files into kb_articles: idempotent, re-embeds what changed, removes what went."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.classifiers.embedder import Embedder, Vectors
from orchestrator.config import Settings
from orchestrator.knowledge import service as kb_service
from orchestrator.knowledge.articles import ArticleError, load_articles
from orchestrator.storage import tables

Sessions = async_sessionmaker[AsyncSession]
WriteArticle = Callable[..., Path]


class CountingEmbedder(Embedder):
    """The real model, recording every text it is asked to embed."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> Vectors:
        self.texts.extend(texts)
        return self.inner.encode(texts, batch_size=batch_size)


@pytest.fixture
def counting(embedder: Embedder) -> CountingEmbedder:
    return CountingEmbedder(embedder)


@pytest.fixture
def small_kb(tmp_path: Path, write_article: WriteArticle) -> Path:
    directory = tmp_path / "kb"
    directory.mkdir()
    write_article(directory, "hours", "Opening hours", "We open at 8 a.m.", keywords="[open]")
    write_article(directory, "returns", "Returns", "Bring it back within 30 days.")
    write_article(directory, "shipping", "Shipping", "Standard shipping is free over $35.")
    return directory


async def _rows(sessions: Sessions) -> dict[str, tables.Article]:
    async with sessions() as session:
        return {row.id: row for row in await kb_service.list_articles(session)}


async def test_load_stores_articles_with_normalised_embeddings(
    sessions: Sessions, small_kb: Path, counting: CountingEmbedder
) -> None:
    async with sessions() as session:
        report = await kb_service.load_directory(session, small_kb, counting)
    assert report.added == ["hours", "returns", "shipping"]
    assert report.summary() == "3 articles: 3 added, 0 updated, 0 unchanged, 0 removed"
    async with sessions() as session:
        rows = await kb_service.list_articles(session)
        assert await kb_service.count_articles(session) == 3
    hours = rows[0]
    assert (hours.id, hours.title, hours.topic, hours.keywords) == (
        "hours",
        "Opening hours",
        "general",
        ["open"],
    )
    assert hours.body == "We open at 8 a.m."
    vector = kb_service.decode_vector(hours.embedding)
    assert vector.shape == (Embedder.dimension,)
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-4)
    article = load_articles(small_kb)[0]
    assert hours.content_sha256 == kb_service.content_sha256(article)
    np.testing.assert_allclose(vector, counting.inner.encode([article.search_text])[0], atol=1e-5)


async def test_second_load_changes_nothing_and_embeds_nothing(
    sessions: Sessions, small_kb: Path, counting: CountingEmbedder, embedder: Embedder
) -> None:
    async with sessions() as session:
        await kb_service.load_directory(session, small_kb, embedder)
    before = await _rows(sessions)
    async with sessions() as session:
        report = await kb_service.load_directory(session, small_kb, counting)
    assert report.unchanged == ["hours", "returns", "shipping"]
    assert (report.added, report.updated, report.removed) == ([], [], [])
    assert counting.texts == []
    after = await _rows(sessions)
    for article_id, row in before.items():
        assert after[article_id].updated_at == row.updated_at


async def test_changed_article_is_re_embedded_and_deleted_one_removed(
    sessions: Sessions, small_kb: Path, counting: CountingEmbedder, write_article: WriteArticle
) -> None:
    async with sessions() as session:
        await kb_service.load_directory(session, small_kb, counting)
    before = await _rows(sessions)
    counting.texts.clear()

    write_article(small_kb, "hours", "Opening hours", "We now open at 7 a.m. every day.")
    (small_kb / "shipping.md").unlink()
    write_article(small_kb, "pickup", "Pickup", "Collect at the counter with photo ID.")
    async with sessions() as session:
        report = await kb_service.load_directory(session, small_kb, counting)

    assert report.added == ["pickup"]
    assert report.updated == ["hours"]
    assert report.unchanged == ["returns"]
    assert report.removed == ["shipping"]
    assert len(counting.texts) == 2 and "We now open at 7 a.m. every day." in counting.texts[0]
    after = await _rows(sessions)
    assert sorted(after) == ["hours", "pickup", "returns"]
    old, new = before["hours"], after["hours"]
    assert new.body == "We now open at 7 a.m. every day."
    assert new.embedding != old.embedding
    assert new.content_sha256 != old.content_sha256
    assert after["returns"].updated_at == before["returns"].updated_at


async def test_keyword_change_alone_re_embeds(
    sessions: Sessions, small_kb: Path, embedder: Embedder, write_article: WriteArticle
) -> None:
    async with sessions() as session:
        await kb_service.load_directory(session, small_kb, embedder)
    write_article(small_kb, "returns", "Returns", "Bring it back within 30 days.", keywords="[x]")
    async with sessions() as session:
        report = await kb_service.load_directory(session, small_kb, embedder)
    assert report.updated == ["returns"]


async def test_bad_file_changes_nothing(
    sessions: Sessions, small_kb: Path, embedder: Embedder
) -> None:
    async with sessions() as session:
        await kb_service.load_directory(session, small_kb, embedder)
    (small_kb / "broken.md").write_text("no front matter", encoding="utf-8")
    async with sessions() as session:
        with pytest.raises(ArticleError, match="broken.md"):
            await kb_service.load_directory(session, small_kb, embedder)
    assert sorted(await _rows(sessions)) == ["hours", "returns", "shipping"]


async def test_progress_reports_every_embedded_article(
    sessions: Sessions, small_kb: Path, counting: CountingEmbedder
) -> None:
    planned: list[int] = []
    advanced: list[int] = []
    async with sessions() as session:
        await kb_service.load_directory(
            session, small_kb, counting, progress=advanced.append, on_plan=planned.append
        )
    assert planned == [3]
    assert sum(advanced) == 3


async def test_embed_texts_of_nothing_is_empty(embedder: Embedder) -> None:
    vectors = await kb_service.embed_texts(embedder, [])
    assert vectors.shape == (0, Embedder.dimension)


@pytest.mark.parametrize(
    ("kb_dir", "expected"),
    [
        (None, None),
        (Path("/srv/kb"), Path("/srv/kb")),
        (Path("data/kb"), Path.cwd() / "data" / "kb"),
    ],
    ids=["unset", "absolute", "relative-to-cwd"],
)
def test_resolve_kb_dir(kb_dir: Path | None, expected: Path | None) -> None:
    assert kb_service.resolve_kb_dir(Settings(environment="test", kb_dir=kb_dir)) == expected


def test_default_kb_dir_is_the_repo_data_kb_relative_to_the_working_directory() -> None:
    assert Settings(environment="test").kb_dir == Path("data/kb")
