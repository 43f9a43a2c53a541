"""Hybrid knowledge-base search over an in-memory index built from the stored articles.

score = semantic_weight * cosine(message embedding, article embedding)
      + keyword_weight  * cosine(tf-idf(message), tf-idf(article))

Both parts are cosines, so the sum stays on one bounded scale whatever the query length, and one
`min_score` means the same thing for every message. TF-IDF rather than BM25 for that reason: BM25
scores grow with the query and need a per-query normalisation before a fixed threshold works.
Below `min_score` nothing matches. The index is immutable; reloading builds a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from orchestrator.classifiers.embedder import Embedder, Vectors
from orchestrator.knowledge import service as kb_service
from orchestrator.knowledge.keywords import KeywordIndex
from orchestrator.storage import tables

Scores = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Hit:
    article_id: str
    title: str
    body: str
    score: float
    semantic: float
    keyword: float


@dataclass(frozen=True, slots=True)
class IndexedArticle:
    id: str
    title: str
    keywords: tuple[str, ...]
    body: str
    embedding: Vectors

    @classmethod
    def from_row(cls, row: tables.Article) -> IndexedArticle:
        return cls(
            id=row.id,
            title=row.title,
            keywords=tuple(str(k) for k in row.keywords),
            body=row.body,
            embedding=kb_service.decode_vector(row.embedding),
        )

    @property
    def keyword_text(self) -> str:
        return "\n".join((self.title, " ".join(self.keywords), self.body))


class SearchIndex:
    """Semantic and keyword views of the same articles, scored together."""

    def __init__(
        self,
        articles: Sequence[IndexedArticle],
        *,
        semantic_weight: float,
        keyword_weight: float,
        min_score: float,
    ) -> None:
        self.articles = tuple(articles)
        self.semantic_weight = semantic_weight
        self.keyword_weight = keyword_weight
        self.min_score = min_score
        dimension = Embedder.dimension
        self._embeddings: Vectors = (
            np.stack([a.embedding for a in self.articles]).astype(np.float32)
            if self.articles
            else np.zeros((0, dimension), dtype=np.float32)
        )
        self._keywords: KeywordIndex | None = None
        if self.articles:
            try:
                self._keywords = KeywordIndex([a.keyword_text for a in self.articles])
            except ValueError:  # nothing but stop words: semantic search still works
                self._keywords = None

    @classmethod
    def from_rows(
        cls,
        rows: Sequence[tables.Article],
        *,
        semantic_weight: float,
        keyword_weight: float,
        min_score: float,
    ) -> SearchIndex:
        return cls(
            [IndexedArticle.from_row(row) for row in rows],
            semantic_weight=semantic_weight,
            keyword_weight=keyword_weight,
            min_score=min_score,
        )

    def __len__(self) -> int:
        return len(self.articles)

    def components(self, text: str, vector: Vectors | None) -> tuple[Scores, Scores]:
        """(semantic, keyword) cosines of the message against every article, in index order.

        Without a message vector the semantic part is zero, so only strong keyword matches
        clear `min_score`.
        """
        n = len(self.articles)
        semantic: Scores = np.zeros(n, dtype=np.float64)
        if vector is not None and n:
            query = np.asarray(vector, dtype=np.float32).reshape(-1)
            semantic = (self._embeddings @ query).astype(np.float64)
        keyword: Scores = np.zeros(n, dtype=np.float64)
        if self._keywords is not None and text.strip():
            keyword = self._keywords.scores(text)
        return semantic, keyword

    def combine(self, semantic: Scores, keyword: Scores) -> Scores:
        return self.semantic_weight * semantic + self.keyword_weight * keyword

    def rank(self, text: str, vector: Vectors | None, k: int) -> list[Hit]:
        """The best `k` articles, best first, whatever their score."""
        semantic, keyword = self.components(text, vector)
        scores = self.combine(semantic, keyword)
        order = np.argsort(-scores, kind="stable")[: max(k, 0)]
        return [
            Hit(
                article_id=self.articles[i].id,
                title=self.articles[i].title,
                body=self.articles[i].body,
                score=float(scores[i]),
                semantic=float(semantic[i]),
                keyword=float(keyword[i]),
            )
            for i in order
        ]

    def search(self, text: str, vector: Vectors | None, k: int = 3) -> list[Hit]:
        """The best `k` articles scoring at least `min_score`; empty when nothing matches."""
        return [hit for hit in self.rank(text, vector, k) if hit.score >= self.min_score]
