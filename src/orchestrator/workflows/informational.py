"""Informational: answer from the knowledge base, else contact options, else a human.

Outcomes, in order of precedence:
1. Low confidence (`decision.needs_human`) → `human_review` in the customer-care queue, with the
   best matching article, if any, as a suggestion for the agent.
2. An article scores at least `kb_min_score` → `answer` with it and up to 2 related articles.
3. Nothing matches → `contact_options`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError

from orchestrator.classifiers.embedder import Vectors
from orchestrator.domain import Category
from orchestrator.knowledge import service as kb_service
from orchestrator.knowledge.articles import ArticleError
from orchestrator.knowledge.search import Hit, SearchIndex
from orchestrator.observability.logging import get_logger
from orchestrator.pipeline.decide import Decision
from orchestrator.storage import tables
from orchestrator.workflows.base import (
    HUMAN_REVIEW,
    MessageContext,
    Outcome,
    Workflow,
    WorkflowDeps,
)

log = get_logger(__name__)

# From data/kb/contact-customer-service.md (a test keeps the two in step).
CONTACT_OPTIONS = {
    "phone": "1-800-555-0142",
    "chat": "Live chat on our website and in the app, every day 7:00 a.m. to midnight ET",
    "hours": "Phone: Mon-Fri 7:00 a.m.-11:00 p.m., Sat-Sun 8:00 a.m.-8:00 p.m. ET",
    "email": "The Contact us form on our website; we answer within one business day",
}
RELATED = 2


def _article(hit: Hit) -> dict[str, Any]:
    return {
        "id": hit.article_id,
        "title": hit.title,
        "text": hit.body,
        "score": round(hit.score, 4),
    }


def _related(hit: Hit) -> dict[str, Any]:
    return {"id": hit.article_id, "title": hit.title, "score": round(hit.score, 4)}


class InformationalWorkflow(Workflow):
    category = Category.INFORMATIONAL

    def __init__(self, deps: WorkflowDeps) -> None:
        super().__init__(deps)
        self.index = self._build_index([])

    def _build_index(self, rows: Sequence[tables.Article]) -> SearchIndex:
        settings = self.deps.settings
        return SearchIndex.from_rows(
            rows,
            semantic_weight=settings.kb_semantic_weight,
            keyword_weight=settings.kb_keyword_weight,
            min_score=settings.kb_min_score,
        )

    async def start(self) -> None:
        await self._load_if_empty()
        await self.reload()

    async def reload(self) -> int:
        """Rebuild the search index from the stored articles; returns how many it holds."""
        async with self.deps.sessions() as session:
            rows = await kb_service.list_articles(session)
        self.index = self._build_index(rows)
        log.info("kb_index_built", articles=len(self.index))
        return len(self.index)

    async def _load_if_empty(self) -> None:
        """Load `kb_dir` into an empty knowledge base; failures leave it empty, not the service."""
        directory = kb_service.resolve_kb_dir(self.deps.settings)
        if directory is None:
            return
        async with self.deps.sessions() as session:
            if await kb_service.count_articles(session):
                return
            if not directory.is_dir():
                explicit = "kb_dir" in self.deps.settings.model_fields_set
                (log.warning if explicit else log.info)("kb_dir_missing", path=str(directory))
                return
            if self.deps.embedder is None:
                log.warning("kb_load_skipped", reason="no embedder in this classifier tier")
                return
            try:
                report = await kb_service.load_directory(session, directory, self.deps.embedder)
            except ArticleError as exc:
                log.error("kb_load_failed", error=str(exc))
                return
            except IntegrityError:  # another replica loaded it at the same moment
                log.info("kb_load_raced", path=str(directory))
                return
            except Exception:  # degraded, not down: questions get contact options meanwhile
                log.exception("kb_load_failed", path=str(directory))
                return
        log.info("kb_loaded", path=str(directory), added=len(report.added))

    async def search(self, text: str, vector: Vectors | None, k: int = 1 + RELATED) -> list[Hit]:
        """Hits above the minimum score; embeds the text (in a thread) when no vector is given."""
        if not len(self.index):
            return []
        if vector is None and self.deps.embedder is not None:
            vector = (await asyncio.to_thread(self.deps.embedder.encode, [text]))[0]
        return self.index.search(text, vector, k)

    async def run(self, decision: Decision, context: MessageContext) -> Outcome:
        hits = await self.search(decision.text, decision.prediction.embedding)
        if decision.needs_human:
            return Outcome(
                {
                    "action": HUMAN_REVIEW,
                    "queue": "customer_care",
                    "reason": "low_confidence",
                    "suggested_article": _article(hits[0]) if hits else None,
                }
            )
        if hits:
            return Outcome(
                {
                    "action": "answer",
                    "article": _article(hits[0]),
                    "related": [_related(hit) for hit in hits[1:]],
                }
            )
        return Outcome(
            {
                "action": "contact_options",
                "reason": "no_matching_article",
                "contact": CONTACT_OPTIONS,
            }
        )
