"""Retrieval evaluation: the question file, the split, and a regression guard on the shipped set."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.classifiers.embedder import Embedder
from orchestrator.knowledge import evaluate as kb_eval
from orchestrator.knowledge.search import SearchIndex

QUESTIONS_CSV = Path(__file__).resolve().parents[2] / "data" / "eval" / "kb_questions.csv"


@pytest.fixture(scope="module")
def questions() -> list[kb_eval.Question]:
    return kb_eval.load_questions(QUESTIONS_CSV)


def test_load_questions_reads_no_match_rows_as_none(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('question,article_id\nwhen do you open,hours\n" hi ",\n,x\n', encoding="utf-8")
    assert kb_eval.load_questions(path) == [
        kb_eval.Question("when do you open", "hours"),
        kb_eval.Question("hi", None),
    ]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("text,category\nhi,informational\n", "expected columns question,article_id"),
        ("question,article_id\n", "no questions"),
        ("", "expected columns"),
    ],
    ids=["wrong-columns", "no-rows", "empty-file"],
)
def test_load_questions_errors(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "q.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(kb_eval.QuestionsError, match=problem):
        kb_eval.load_questions(path)


def test_load_questions_missing_file(tmp_path: Path) -> None:
    with pytest.raises(kb_eval.QuestionsError, match="cannot read"):
        kb_eval.load_questions(tmp_path / "absent.csv")


def test_split_alternates_within_each_article(questions: list[kb_eval.Question]) -> None:
    tune, holdout = kb_eval.split(questions)
    assert len(tune) + len(holdout) == len(questions)
    assert set(tune).isdisjoint(holdout)
    assert kb_eval.split(questions) == (tune, holdout)
    for article_id in {q.article_id for q in questions}:
        in_tune = sum(q.article_id == article_id for q in tune)
        in_holdout = sum(q.article_id == article_id for q in holdout)
        assert in_tune - in_holdout in (0, 1)


def test_shipped_set_retrieval_does_not_regress(
    shipped_index: SearchIndex, embedder: Embedder, questions: list[kb_eval.Question]
) -> None:
    summary = kb_eval.evaluate(shipped_index, questions, embedder.encode)
    assert summary["n"] == len(questions)
    assert summary["answerable"] >= 180 and summary["unanswerable"] >= 20
    assert summary["hit_at_1"] >= 0.8, summary
    assert summary["hit_at_3"] >= 0.9, summary
    assert summary["mrr"] >= 0.85, summary
    assert summary["no_match_accuracy"] >= 0.75, summary
    assert summary["answered_rate"] >= 0.9, summary
    assert summary["latency_ms"]["p50"] > 0
    assert summary["min_score"] == shipped_index.min_score


def test_tune_reports_each_split(
    shipped_index: SearchIndex, embedder: Embedder, questions: list[kb_eval.Question]
) -> None:
    result = kb_eval.tune(shipped_index, questions[::4], embedder.encode)
    assert result["semantic_weight"] + result["keyword_weight"] == pytest.approx(1.0)
    assert result["semantic_weight"] in kb_eval.WEIGHT_GRID
    assert result["min_score"] in kb_eval.THRESHOLD_GRID
    assert result["tune"]["n"] + result["holdout"]["n"] == result["all"]["n"]
