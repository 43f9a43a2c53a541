"""Retrieval quality on a question set (`question,article_id`; an empty id means no article).

Definitions (answerable rows have an article id, unanswerable rows do not):
- `hit_at_1`, `hit_at_3`, `mrr`: where the right article ranks among all articles, answerable rows.
- `answered_rate`: answerable rows whose best article clears `min_score` (the service answers).
- `answer_accuracy`: answerable rows answered with the right article.
- `no_match_accuracy`: unanswerable rows where nothing clears `min_score` (contact options).
- `latency_ms`: per question, embedding the text and searching, as the workflow does when the
  classifier has not embedded the message already; `search_latency_ms`: the search alone.
"""

from __future__ import annotations

import csv
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from orchestrator.classifiers.embedder import Vectors
from orchestrator.knowledge.search import Scores, SearchIndex

Encode = Callable[[Sequence[str]], Vectors]
COLUMNS = ["question", "article_id"]
WEIGHT_GRID = tuple(round(0.05 * i, 2) for i in range(21))
THRESHOLD_GRID = tuple(round(0.005 * i, 3) for i in range(10, 81))


class QuestionsError(ValueError):
    """The question file is missing, malformed, or names no question."""


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    article_id: str | None  # None: no article should match


def load_questions(path: Path) -> list[Question]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or not set(COLUMNS) <= set(reader.fieldnames):
                raise QuestionsError(f"{path}: expected columns {','.join(COLUMNS)}")
            rows = [
                Question(row["question"].strip(), (row["article_id"] or "").strip() or None)
                for row in reader
                if (row["question"] or "").strip()
            ]
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionsError(f"{path}: cannot read: {exc}") from exc
    if not rows:
        raise QuestionsError(f"{path}: no questions")
    return rows


def split(questions: Sequence[Question]) -> tuple[list[Question], list[Question]]:
    """(tune, holdout): alternate rows within each article id (and within no-match), in order."""
    seen: defaultdict[str | None, int] = defaultdict(int)
    tune: list[Question] = []
    holdout: list[Question] = []
    for question in questions:
        (tune if seen[question.article_id] % 2 == 0 else holdout).append(question)
        seen[question.article_id] += 1
    return tune, holdout


@dataclass(frozen=True, slots=True)
class _Scored:
    question: Question
    semantic: Scores
    keyword: Scores
    seconds: float  # embedding and search
    search_seconds: float  # search alone, as when the classifier has embedded the message


def _score_all(index: SearchIndex, questions: Sequence[Question], encode: Encode) -> list[_Scored]:
    if not len(index):
        raise ValueError("the search index is empty")
    scored = []
    for question in questions:
        started = time.perf_counter()
        vector = encode([question.text])[0]
        embedded = time.perf_counter()
        semantic, keyword = index.components(question.text, vector)
        index.combine(semantic, keyword).argmax()  # the ranking itself, for the timing
        done = time.perf_counter()
        scored.append(_Scored(question, semantic, keyword, done - started, done - embedded))
    return scored


def _summarise(
    scored: Sequence[_Scored], ids: Sequence[str], *, w_sem: float, w_kw: float, min_score: float
) -> dict[str, Any]:
    position = {article_id: i for i, article_id in enumerate(ids)}
    ranks: list[int] = []
    answered = correct = 0
    no_match_right = unanswerable = 0
    for item in scored:
        scores = w_sem * item.semantic + w_kw * item.keyword
        best = float(scores.max()) if len(scores) else float("-inf")
        gold = item.question.article_id
        if gold is None:
            unanswerable += 1
            no_match_right += best < min_score
            continue
        target = scores[position[gold]] if gold in position else float("-inf")
        ranks.append(1 + int((scores > target).sum()) if gold in position else len(ids) + 1)
        if best >= min_score:
            answered += 1
            correct += ranks[-1] == 1
    n = len(ranks)

    def share(count: int, total: int) -> float | None:
        return round(count / total, 4) if total else None

    return {
        "n": len(scored),
        "answerable": n,
        "unanswerable": unanswerable,
        "hit_at_1": share(sum(r == 1 for r in ranks), n),
        "hit_at_3": share(sum(r <= 3 for r in ranks), n),
        "mrr": round(sum(1 / r for r in ranks) / n, 4) if n else None,
        "answered_rate": share(answered, n),
        "answer_accuracy": share(correct, n),
        "no_match_accuracy": share(no_match_right, unanswerable),
    }


def evaluate(index: SearchIndex, questions: Sequence[Question], encode: Encode) -> dict[str, Any]:
    """The figures in this module's docstring, with the index's own weights and threshold."""
    scored = _score_all(index, questions, encode)
    summary = _summarise(
        scored,
        [a.id for a in index.articles],
        w_sem=index.semantic_weight,
        w_kw=index.keyword_weight,
        min_score=index.min_score,
    )
    for key, seconds in (
        ("latency_ms", [item.seconds for item in scored]),
        ("search_latency_ms", [item.search_seconds for item in scored]),
    ):
        milliseconds = np.array(seconds) * 1000
        summary[key] = {
            "p50": round(float(np.percentile(milliseconds, 50)), 3),
            "p95": round(float(np.percentile(milliseconds, 95)), 3),
        }
    summary["semantic_weight"] = index.semantic_weight
    summary["keyword_weight"] = index.keyword_weight
    summary["min_score"] = index.min_score
    return summary


def tune(index: SearchIndex, questions: Sequence[Question], encode: Encode) -> dict[str, Any]:
    """Choose weights (summing to 1) by MRR, then hit@1, on the tune half; then `min_score` by
    the mean of answered rate and no-match accuracy (middle of the best plateau).

    Returns the choice and the figures it gives on the tune half, the holdout half and all rows.
    """
    tune_rows, holdout_rows = split(questions)
    ids = [a.id for a in index.articles]
    scored = _score_all(index, tune_rows, encode)

    def quality(w_sem: float) -> tuple[float, float]:
        figures = _summarise(scored, ids, w_sem=w_sem, w_kw=1 - w_sem, min_score=0.0)
        return figures["mrr"] or 0.0, figures["hit_at_1"] or 0.0

    w_sem = max(WEIGHT_GRID, key=quality)
    w_kw = round(1 - w_sem, 2)

    def balance(threshold: float) -> float:
        figures = _summarise(scored, ids, w_sem=w_sem, w_kw=w_kw, min_score=threshold)
        return ((figures["answered_rate"] or 0.0) + (figures["no_match_accuracy"] or 0.0)) / 2

    balances = [balance(t) for t in THRESHOLD_GRID]
    best = max(balances)
    plateau = [t for t, b in zip(THRESHOLD_GRID, balances, strict=True) if b == best]
    min_score = plateau[len(plateau) // 2]

    held_out = _score_all(index, holdout_rows, encode)  # scored only after the choice is made

    def figures(items: Sequence[_Scored]) -> dict[str, Any]:
        return _summarise(items, ids, w_sem=w_sem, w_kw=w_kw, min_score=min_score)

    return {
        "semantic_weight": w_sem,
        "keyword_weight": w_kw,
        "min_score": min_score,
        "tune": figures(scored),
        "holdout": figures(held_out),
        "all": figures([*scored, *held_out]),
    }
