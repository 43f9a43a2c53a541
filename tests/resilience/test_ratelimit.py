"""The token-bucket rule, on the in-process limiter with a clock the test turns."""

from __future__ import annotations

import pytest

from orchestrator.resilience.ratelimit import MemoryRateLimiter, Verdict, take, verdict_for


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limiter(clock: Clock) -> MemoryRateLimiter:
    return MemoryRateLimiter(clock=clock)


@pytest.mark.parametrize(
    ("tokens", "elapsed", "limit", "left", "allowed"),
    [
        (5.0, 0.0, 5, 4.0, True),  # a full bucket gives one
        (0.0, 0.0, 5, 0.0, False),  # an empty one refuses, taking nothing
        (0.0, 12.0, 5, 0.0, True),  # 60/5 = 12 s makes one token
        (0.0, 6.0, 5, 0.5, False),  # half a token is not enough
        (4.0, 3600.0, 5, 4.0, True),  # refill stops at the limit
        (60.0, 0.0, 5, 4.0, True),  # a lowered limit (tier change) caps what was saved
        (1.0, -5.0, 5, 0.0, True),  # a clock going backwards adds nothing
    ],
)
def test_when_bucket_stepped_then_rule_holds(
    tokens: float, elapsed: float, limit: int, left: float, allowed: bool
) -> None:
    assert take(tokens, elapsed, limit) == (pytest.approx(left), allowed)


async def test_when_burst_then_limit_admitted_then_refused(limiter: MemoryRateLimiter) -> None:
    verdicts = [await limiter.acquire("addr:10.0.0.1", 5) for _ in range(6)]
    assert [v.allowed for v in verdicts] == [True] * 5 + [False]
    assert [v.remaining for v in verdicts] == [4, 3, 2, 1, 0, 0]
    assert verdicts[0].reset_after == pytest.approx(12.0)
    assert verdicts[4].reset_after == pytest.approx(60.0)
    assert verdicts[5].retry_after == pytest.approx(12.0)
    assert all(v.retry_after == 0 for v in verdicts[:5])


async def test_when_refused_repeatedly_then_recovery_not_pushed_back(
    limiter: MemoryRateLimiter, clock: Clock
) -> None:
    for _ in range(5):
        await limiter.acquire("k", 5)
    for _ in range(20):
        clock.advance(0.5)
        assert not (await limiter.acquire("k", 5)).allowed
    clock.advance(2.0)  # 12 s since the bucket emptied
    assert (await limiter.acquire("k", 5)).allowed


async def test_when_time_passes_then_tokens_come_back_at_the_rate(
    limiter: MemoryRateLimiter, clock: Clock
) -> None:
    for _ in range(60):
        assert (await limiter.acquire("k", 60)).allowed
    refused = await limiter.acquire("k", 60)
    assert not refused.allowed
    assert refused.retry_after == pytest.approx(1.0)
    clock.advance(0.5)
    assert (await limiter.acquire("k", 60)).retry_after == pytest.approx(0.5)
    clock.advance(0.5)
    assert (await limiter.acquire("k", 60)).allowed
    clock.advance(30)
    assert (await limiter.acquire("k", 60)).remaining == 29


async def test_when_clients_differ_then_buckets_are_separate(limiter: MemoryRateLimiter) -> None:
    for _ in range(3):
        await limiter.acquire("key:a", 3)
    assert not (await limiter.acquire("key:a", 3)).allowed
    assert (await limiter.acquire("key:b", 3)).allowed
    assert (await limiter.acquire("addr:10.0.0.1", 3)).allowed


async def test_when_many_clients_then_memory_stays_bounded(clock: Clock) -> None:
    limiter = MemoryRateLimiter(clock=clock, max_buckets=100)
    for n in range(1_000):
        await limiter.acquire(f"addr:{n}", 5)
    assert len(limiter) == 100
    assert (await limiter.acquire("addr:999", 5)).remaining == 3  # recent ones are kept


def test_when_backend_failed_then_verdict_is_unmetered() -> None:
    verdict = Verdict.unmetered(60)
    assert verdict.allowed and verdict.degraded
    assert verdict_for(False, 0.25, 60).retry_after == pytest.approx(0.75)
    assert verdict_for(True, -0.0, 60).remaining == 0
