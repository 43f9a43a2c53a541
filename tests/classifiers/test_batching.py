"""Micro-batching: concurrent messages share a forward pass and get the answers they would alone."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from orchestrator.bench.messages import load_examples, sample
from orchestrator.classifiers.base import Prediction
from orchestrator.classifiers.batching import MicroBatcher
from orchestrator.classifiers.local import LocalClassifier

ROOT = Path(__file__).resolve().parents[2]
TOLERANCE = 1e-5  # fp32 rounding between padded batch shapes and single messages


class Recorder:
    """A batch function that remembers what each call was given (thread-safe)."""

    def __init__(self, fail_on: int | None = None, short_by: int = 0) -> None:
        self.calls: list[list[int]] = []
        self.fail_on = fail_on
        self.short_by = short_by
        self._lock = threading.Lock()

    def __call__(self, values: list[int]) -> list[int]:
        with self._lock:
            self.calls.append(list(values))
        if self.fail_on is not None and self.fail_on in values:
            raise ValueError(f"cannot take {self.fail_on}")
        return [v * 10 for v in values][: len(values) - self.short_by]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Team-written messages of every length and channel (never the dev set)."""
    return [m.text for m in sample(load_examples(ROOT / "data" / "train"), 40, seed=11)]


def assert_same(batched: Prediction, alone: Prediction) -> None:
    assert batched.scores.keys() == alone.scores.keys()
    for category, score in alone.scores.items():
        assert batched.scores[category] == pytest.approx(score, abs=TOLERANCE)
    assert batched.intent == alone.intent
    assert batched.severity == alone.severity
    for key, value in alone.extras.items():
        assert batched.extras[key] == pytest.approx(value, abs=TOLERANCE)
    assert batched.embedding is not None and alone.embedding is not None
    np.testing.assert_allclose(batched.embedding, alone.embedding, atol=TOLERANCE)


def test_when_predicted_in_one_batch_then_each_equals_one_by_one(
    local_classifier: LocalClassifier, texts: Sequence[str]
) -> None:
    batched = local_classifier.predict_batch(texts)
    assert len(batched) == len(texts)
    for text, prediction in zip(texts, batched, strict=True):
        assert_same(prediction, local_classifier.predict_vector(text, local_classifier.embed(text)))
    assert local_classifier.predict_batch([]) == []


async def test_when_classified_concurrently_then_batched_and_equal_to_one_by_one(
    local_classifier: LocalClassifier, texts: Sequence[str]
) -> None:
    classifier = LocalClassifier(
        local_classifier.embedder, local_classifier.model, batch_max_size=8, batch_window_s=0.05
    )
    predictions = await asyncio.gather(*(classifier.classify(t) for t in texts))
    stats = classifier.batcher.stats
    assert stats.items == len(texts)
    assert stats.batches < len(texts), "concurrent calls should share forward passes"
    assert stats.largest == 8
    for text, prediction in zip(texts, predictions, strict=True):
        assert prediction.tier == "local"
        assert_same(prediction, local_classifier.predict_vector(text, local_classifier.embed(text)))
    await classifier.aclose()


async def test_when_one_message_arrives_alone_then_it_does_not_wait_out_the_window() -> None:
    run = Recorder()
    batcher: MicroBatcher[int, int] = MicroBatcher(run, max_size=32, window_s=600.0)
    # A hang guard, not a timing claim: the window is ten minutes, the guard a fraction of it.
    assert await asyncio.wait_for(batcher.submit(7), timeout=30) == 70
    assert run.calls == [[7]]
    assert batcher.stats.waited == 0


async def test_when_messages_come_further_apart_than_the_window_then_none_waits() -> None:
    run = Recorder()
    batcher: MicroBatcher[int, int] = MicroBatcher(run, max_size=32, window_s=0.1)
    for value in (1, 2, 3):
        assert await batcher.submit(value) == value * 10
        await asyncio.sleep(0.2)  # light traffic: each message is alone
    assert run.calls == [[1], [2], [3]]
    assert batcher.stats.waited == 0


async def test_when_many_arrive_at_once_then_batches_respect_the_cap_and_order() -> None:
    run = Recorder()
    batcher: MicroBatcher[int, int] = MicroBatcher(run, max_size=4, window_s=0.0)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(10)))
    assert results == [i * 10 for i in range(10)]
    assert run.calls == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batcher.stats.sizes == {4: 2, 2: 1}
    assert batcher.stats.mean_size == pytest.approx(10 / 3)


async def test_when_messages_arrive_faster_than_the_window_then_it_waits_to_fill() -> None:
    run = Recorder()
    batcher: MicroBatcher[int, int] = MicroBatcher(run, max_size=4, window_s=5.0)
    calls = []
    for i in range(9):
        calls.append(asyncio.create_task(batcher.submit(i)))
        await asyncio.sleep(0.01)  # one by one, far apart for the loop, close for the window
    assert await asyncio.gather(*calls) == [i * 10 for i in range(9)]
    # The first goes alone (nothing suggests company yet); then each batch fills to the cap.
    assert run.calls == [[0], [1, 2, 3, 4], [5, 6, 7, 8]]
    assert batcher.stats.waited == 2


async def test_when_a_batch_fails_then_only_its_callers_see_the_error() -> None:
    run = Recorder(fail_on=5)
    batcher: MicroBatcher[int, int] = MicroBatcher(run, max_size=4, window_s=0.0)
    results = await asyncio.gather(*(batcher.submit(i) for i in range(8)), return_exceptions=True)
    assert results[:4] == [0, 10, 20, 30]
    assert all(isinstance(r, ValueError) for r in results[4:])
    assert await batcher.submit(9) == 90  # the batcher carries on


async def test_when_run_returns_too_few_results_then_callers_get_an_error() -> None:
    batcher: MicroBatcher[int, int] = MicroBatcher(Recorder(short_by=1), max_size=4, window_s=0)
    with pytest.raises(RuntimeError, match="batch of 1 gave 0 results"):
        await batcher.submit(1)


async def test_when_a_caller_gives_up_then_its_message_is_not_computed() -> None:
    run = Recorder()
    batcher: MicroBatcher[int, int] = MicroBatcher(run, max_size=8, window_s=0.0)
    kept = asyncio.create_task(batcher.submit(1))
    dropped = asyncio.create_task(batcher.submit(2))
    await asyncio.sleep(0)  # both are queued, the drain task has not run yet
    dropped.cancel()
    assert await kept == 10
    assert run.calls == [[1]]


async def test_when_closed_then_queued_batches_finish_first() -> None:
    run = Recorder()
    batcher: MicroBatcher[int, int] = MicroBatcher(run, max_size=2, window_s=0.0)
    calls = [asyncio.create_task(batcher.submit(i)) for i in range(5)]
    await asyncio.sleep(0)
    await batcher.aclose()
    assert all(c.done() for c in calls)
    assert [c.result() for c in calls] == [0, 10, 20, 30, 40]
    await batcher.aclose()  # nothing left: returns at once


def test_when_used_from_a_new_event_loop_then_it_starts_afresh() -> None:
    """The CLI runs one asyncio.run per command; a batcher may outlive a loop."""
    run = Recorder()
    batcher: MicroBatcher[int, int] = MicroBatcher(run, max_size=4, window_s=0.0)
    assert asyncio.run(batcher.submit(1)) == 10
    assert asyncio.run(batcher.submit(2)) == 20
    assert run.calls == [[1], [2]]


@pytest.mark.parametrize(
    ("max_size", "window_s", "message"),
    [(0, 0.0, "max_size"), (4, -0.001, "window_s")],
)
def test_when_limits_are_invalid_then_refused(max_size: int, window_s: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MicroBatcher(Recorder(), max_size=max_size, window_s=window_s)
