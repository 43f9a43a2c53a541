"""Hybrid search: the right article for paraphrases, nothing for questions the KB cannot answer."""

from __future__ import annotations

import numpy as np
import pytest

from orchestrator.classifiers.embedder import Embedder
from orchestrator.knowledge.search import IndexedArticle, SearchIndex

# Phrasings written for this test, not taken from data/eval/kb_questions.csv.
PARAPHRASES = [
    ("until what time is the shop open on a weekday evening", "hours-store"),
    ("is the pharmacist available during the lunch hour", "hours-pharmacy"),
    ("which of your branches stay open through the night", "locations-24-hour"),
    ("how can I get my refund faster, it has been ten days", "refunds-policy"),
    ("is there a charge for shipping my order", "shipping-options-costs"),
    ("can you send medicine to an address in france", "shipping-international"),
    ("what is the safest way to get rid of medicines I no longer need", "disposal-take-back"),
    ("does my cigna plan work at your pharmacy", "insurance-accepted"),
    ("I skipped yesterday's tablet, should I double up today", "missed-dose-guidance"),
    ("how many reward points do I need before I can redeem them", "loyalty-program"),
    ("can I use my health savings account card for vitamins", "payment-hsa-fsa"),
    ("what do I need to bring to collect my husband's prescription", "pickup-by-someone-else"),
]

NO_MATCH = [
    "what is the best pizza topping",
    "who painted the mona lisa",
    "recommend me a podcast about history",
]


def _embed(embedder: Embedder, text: str) -> np.ndarray:
    return embedder.encode([text])[0]


@pytest.mark.parametrize(("question", "article_id"), PARAPHRASES, ids=[a for _, a in PARAPHRASES])
def test_paraphrase_finds_its_article(
    shipped_index: SearchIndex, embedder: Embedder, question: str, article_id: str
) -> None:
    hits = shipped_index.search(question, _embed(embedder, question), k=3)
    assert hits, f"nothing matched {question!r}"
    assert hits[0].article_id == article_id, [(h.article_id, round(h.score, 3)) for h in hits]


@pytest.mark.parametrize("question", NO_MATCH)
def test_unrelated_question_matches_nothing(
    shipped_index: SearchIndex, embedder: Embedder, question: str
) -> None:
    assert shipped_index.search(question, _embed(embedder, question)) == []


def test_hits_are_ordered_and_carry_their_parts(
    shipped_index: SearchIndex, embedder: Embedder
) -> None:
    question = "do you accept apple pay or google pay"
    hits = shipped_index.search(question, _embed(embedder, question), k=3)
    assert hits[0].article_id == "payment-methods"
    assert hits[0].title == "Payment methods accepted"
    assert "PayPal" in hits[0].body
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    index = shipped_index
    for hit in hits:
        expected = index.semantic_weight * hit.semantic + index.keyword_weight * hit.keyword
        assert hit.score == pytest.approx(expected)
        assert hit.score >= index.min_score
    assert 0 < hits[0].keyword <= 1 and 0 < hits[0].semantic <= 1


def test_rank_ignores_the_threshold_and_search_applies_it(
    shipped_index: SearchIndex, embedder: Embedder
) -> None:
    question = NO_MATCH[0]
    ranked = shipped_index.rank(question, _embed(embedder, question), k=5)
    assert len(ranked) == 5
    assert all(hit.score < shipped_index.min_score for hit in ranked)


def test_keyword_only_without_a_vector(shipped_index: SearchIndex) -> None:
    hits = shipped_index.search("sharps container for used needles and syringes", None)
    assert hits and hits[0].article_id == "disposal-sharps"
    assert hits[0].semantic == 0.0


def _article(article_id: str, body: str, vector: list[float]) -> IndexedArticle:
    embedding = np.zeros(Embedder.dimension, dtype=np.float32)
    embedding[: len(vector)] = vector
    return IndexedArticle(article_id, article_id.title(), (), body, embedding)


def test_empty_index_matches_nothing() -> None:
    index = SearchIndex([], semantic_weight=0.5, keyword_weight=0.5, min_score=0.1)
    assert len(index) == 0
    assert index.search("anything", np.ones(Embedder.dimension, dtype=np.float32)) == []


def test_weights_and_threshold_shape_the_result() -> None:
    articles = [
        _article("alpha", "parcel tracking number", [1.0, 0.0]),
        _article("beta", "refund money back", [0.0, 1.0]),
    ]
    query = np.zeros(Embedder.dimension, dtype=np.float32)
    query[1] = 1.0  # semantically beta, by words alpha
    semantic = SearchIndex(articles, semantic_weight=1.0, keyword_weight=0.0, min_score=0.5)
    keyword = SearchIndex(articles, semantic_weight=0.0, keyword_weight=1.0, min_score=0.5)
    assert [h.article_id for h in semantic.search("tracking number", query)] == ["beta"]
    assert [h.article_id for h in keyword.search("tracking number", query)] == ["alpha"]
    strict = SearchIndex(articles, semantic_weight=1.0, keyword_weight=0.0, min_score=1.01)
    assert strict.search("tracking number", query) == []


def test_stop_words_only_articles_still_search_semantically() -> None:
    articles = [_article("a", "the and of", [1.0]), _article("b", "it is", [0.0, 1.0])]
    index = SearchIndex(articles, semantic_weight=1.0, keyword_weight=1.0, min_score=0.5)
    query = np.zeros(Embedder.dimension, dtype=np.float32)
    query[0] = 1.0
    assert [h.article_id for h in index.search("the", query)] == ["a"]
