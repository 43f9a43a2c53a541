"""The Redis limiter on the real Redis: the same rule, atomic across instances, and two app
instances sharing it admit the limit between them, not twice it."""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path
from typing import Protocol

import pytest
import redis.asyncio as redis
from prometheus_client import CollectorRegistry

from orchestrator.classifiers.local import LocalClassifier
from orchestrator.config import Settings
from orchestrator.main import create_app
from orchestrator.observability.metrics import Metrics
from orchestrator.resilience.ratelimit import build_rate_limiter
from orchestrator.resilience.redis_ratelimit import HOLD_OFF_SECONDS, RedisRateLimiter
from support.apps import serving
from support.server import free_port

pytestmark = pytest.mark.redis


class Target(Protocol):  # the conftest's RedisTarget
    url: str
    prefix: str


def limiter_for(target: Target) -> RedisRateLimiter:
    return RedisRateLimiter.from_url(
        target.url, prefix=target.prefix, timeout=2.0, metrics=Metrics(CollectorRegistry())
    )


async def test_when_burst_then_limit_admitted_then_refused(shared_redis: Target) -> None:
    limiter = limiter_for(shared_redis)
    try:
        verdicts = [await limiter.acquire("addr:10.0.0.1", 3) for _ in range(4)]
    finally:
        await limiter.aclose()
    assert [v.allowed for v in verdicts] == [True, True, True, False]
    assert [v.remaining for v in verdicts] == [2, 1, 0, 0]
    assert 0 < verdicts[3].retry_after <= 20.0  # one token per 60/3 s
    assert verdicts[2].reset_after == pytest.approx(60.0, abs=1.0)
    assert not any(v.degraded for v in verdicts)


async def test_when_instances_race_then_exactly_the_limit_is_admitted(
    shared_redis: Target,
) -> None:
    first, second = limiter_for(shared_redis), limiter_for(shared_redis)
    try:
        verdicts = await asyncio.gather(
            *(limiter.acquire("key:shared", 10) for _ in range(25) for limiter in (first, second))
        )
    finally:
        await first.aclose()
        await second.aclose()
    assert sum(v.allowed for v in verdicts) == 10


async def test_when_bucket_idle_then_its_key_expires(shared_redis: Target) -> None:
    limiter = limiter_for(shared_redis)
    client = redis.Redis.from_url(shared_redis.url)
    try:
        await limiter.acquire("addr:10.0.0.2", 60)
        ttl_ms = await client.pttl(f"{shared_redis.prefix}addr:10.0.0.2")
    finally:
        await limiter.aclose()
        await client.aclose()
    assert 0 < ttl_ms <= 2_000  # one token missing of 60/min: full again in 1 s (+1 s margin)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_when_redis_unreachable_then_requests_pass_unmetered_and_are_counted() -> None:
    metrics, clock = Metrics(CollectorRegistry()), Clock()
    dead = redis.Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    limiter = RedisRateLimiter(dead, prefix="orch-test:", metrics=metrics, clock=clock)

    def errors() -> float | None:
        return metrics.registry.get_sample_value(
            "rate_limit_backend_errors_total", {"backend": "redis"}
        )

    try:
        verdict = await limiter.acquire("addr:10.0.0.3", 1)
        assert verdict.allowed and verdict.degraded
        assert errors() == 1
        clock.now += HOLD_OFF_SECONDS / 2  # held off: Redis is not asked again yet
        assert (await limiter.acquire("addr:10.0.0.3", 1)).allowed
        assert errors() == 1
        clock.now += HOLD_OFF_SECONDS
        assert (await limiter.acquire("addr:10.0.0.3", 1)).degraded
        assert errors() == 2
    finally:
        await limiter.aclose()


async def test_when_redis_fails_then_recovers_after_the_hold_off(
    shared_redis: Target,
) -> None:
    clock = Clock()
    metrics = Metrics(CollectorRegistry())
    client = redis.Redis.from_url(shared_redis.url)
    limiter = RedisRateLimiter(client, prefix=shared_redis.prefix, metrics=metrics, clock=clock)
    bucket = f"{shared_redis.prefix}key:broken"
    try:
        await client.set(bucket, "not a bucket")  # the script fails on it: WRONGTYPE
        assert (await limiter.acquire("key:broken", 5)).degraded
        await client.delete(bucket)
        assert (await limiter.acquire("key:broken", 5)).degraded  # held off
        clock.now += HOLD_OFF_SECONDS
        verdict = await limiter.acquire("key:broken", 5)
        assert not verdict.degraded and verdict.remaining == 4
    finally:
        await limiter.aclose()
    assert (
        metrics.registry.get_sample_value("rate_limit_backend_errors_total", {"backend": "redis"})
        == 1
    )


async def test_when_redis_url_set_then_redis_backend_chosen(shared_redis: Target) -> None:
    metrics = Metrics(CollectorRegistry())
    assert build_rate_limiter(Settings(), metrics).name == "memory"
    limiter = build_rate_limiter(Settings(redis_url=shared_redis.url), metrics)
    assert limiter.name == "redis"
    await limiter.aclose()


LIMIT = 4  # per minute: one token back every 15 s


@pytest.mark.parametrize(("backend", "instances_admit"), [("redis", 1), ("memory", 2)])
async def test_when_two_instances_serve_one_client_then_redis_enforces_one_limit(
    tmp_path: Path,
    local_classifier: LocalClassifier,
    shared_redis: Target,
    backend: str,
    instances_admit: int,
) -> None:
    """Two replicas behind a load balancer: requests alternate between them. With the shared
    bucket they admit LIMIT between them; with per-process buckets each admits LIMIT."""
    apps = [
        create_app(
            Settings(
                environment="test",
                database_url=f"sqlite+aiosqlite:///{tmp_path / f'replica-{n}.db'}",
                redis_url=shared_redis.url if backend == "redis" else None,
                rate_limit_redis_prefix=shared_redis.prefix,
                rate_limit_per_minute=LIMIT,
            ),
            classifier=local_classifier,
        )
        for n in range(2)
    ]
    async with serving(apps[0]) as first, serving(apps[1]) as second:
        started = time.monotonic()
        statuses = [
            (await replica.post("/api/v1/classify", json={"message": "when do you open?"}))
            for _ in range(3 * LIMIT)
            for replica in (first, second)
        ]
        elapsed = time.monotonic() - started
    admitted = sum(r.status_code == 200 for r in statuses)
    refused = [r for r in statuses if r.status_code == 429]
    assert admitted + len(refused) == len(statuses)
    refilled = math.floor(elapsed * LIMIT / 60) * instances_admit  # tokens back while we sent
    assert instances_admit * LIMIT <= admitted <= instances_admit * LIMIT + refilled
    assert all(int(r.headers["retry-after"]) >= 1 for r in refused)
    assert all(r.headers["ratelimit-limit"] == str(LIMIT) for r in refused)
