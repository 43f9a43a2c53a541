"""The keyword scorer gives scikit-learn's TF-IDF cosines without calling `transform`."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from orchestrator.knowledge import articles as kb_articles
from orchestrator.knowledge.keywords import KeywordIndex, vectorizer
from orchestrator.knowledge.search import IndexedArticle

REPO_ROOT = Path(__file__).resolve().parents[2]

# Written for this test: typos, repeats (term frequency), case, punctuation, stop words only,
# words the articles never use, and an empty string.
ODD_QUESTIONS = [
    "",
    "the and of to",
    "REFUND refund Refund refunds!!! refund?",
    "wat tiem do u clsoe",
    "zzyzx qwertyuiop",
    "shipping shipping shipping to canada, shipping cost",
    "how do i transfer a prescription from another pharmacy to yours",
    "flu shot flu-shot flu. shot",
]


def _keyword_texts() -> list[str]:
    parsed = kb_articles.load_articles(REPO_ROOT / "data" / "kb")
    return [
        IndexedArticle(a.id, a.title, tuple(a.keywords), a.body, np.zeros(1)).keyword_text
        for a in parsed
    ]


def _questions() -> list[str]:
    with (REPO_ROOT / "data" / "eval" / "kb_questions.csv").open(encoding="utf-8") as f:
        return [row["question"] for row in csv.DictReader(f)] + ODD_QUESTIONS


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return _keyword_texts()


def test_when_scored_then_equal_to_sklearn_transform(texts: list[str]) -> None:
    reference = vectorizer()
    matrix = reference.fit_transform(texts)
    index = KeywordIndex(texts)
    questions = _questions()
    expected = (matrix @ reference.transform(questions).T).toarray().T
    got = np.stack([index.scores(q) for q in questions])
    assert got.shape == (len(questions), len(texts))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    assert np.count_nonzero(got.max(axis=1)) > len(questions) * 0.9  # not trivially zero


@pytest.mark.parametrize("question", ["", "the and of to", "zzyzx qwertyuiop"])
def test_when_no_known_term_then_all_zero(texts: list[str], question: str) -> None:
    scores = KeywordIndex(texts).scores(question)
    assert scores.shape == (len(texts),) and not scores.any()


def test_when_query_then_weights_are_unit_length(texts: list[str]) -> None:
    ids, weights = KeywordIndex(texts).query("refund refund for my shipping order")
    assert len(ids) == len(set(ids)) == len(weights) >= 3
    assert np.isclose(np.linalg.norm(weights), 1.0)


def test_when_only_stop_words_then_it_cannot_be_built() -> None:
    with pytest.raises(ValueError):
        KeywordIndex(["the and", "of to"])
