"""Redis for the shared rate limiter: 127.0.0.1:6379, each test under its own key prefix.

Without a reachable Redis these tests skip with the reason, except under CI (env `CI` set),
where they fail: CI must exercise the replicated limiter.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
import redis.asyncio as redis

REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class RedisTarget:
    url: str
    prefix: str  # this test's keys start with it


@pytest.fixture
async def shared_redis() -> AsyncIterator[RedisTarget]:
    """The real Redis and a fresh key prefix; the prefix's keys are deleted afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except (redis.RedisError, OSError) as exc:
        await client.aclose()
        reason = f"Redis at {REDIS_URL} is unreachable: {exc}"
        if os.environ.get("CI"):
            pytest.fail(f"{reason} (CI is set: Redis tests must run)")
        pytest.skip(reason)
    prefix = f"orch-test:{uuid.uuid4().hex}:"
    try:
        yield RedisTarget(REDIS_URL, prefix)
    finally:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
