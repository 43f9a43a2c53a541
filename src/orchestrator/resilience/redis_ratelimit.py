"""The Redis rate limiter: every replica and worker shares one bucket per client.

One Lua script reads, refills, takes and writes the bucket atomically on the Redis server, with
the server's clock, so replicas with drifting clocks or racing requests still admit exactly the
limit. If Redis fails or is slow, requests are let through unmetered (counted in
`rate_limit_backend_errors_total`) and Redis is left alone for a second: a rate-limit outage must
never turn away a safety message.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import redis.asyncio as redis
from redis.exceptions import RedisError

from orchestrator.observability.logging import get_logger
from orchestrator.observability.metrics import Metrics
from orchestrator.resilience.ratelimit import RateLimiter, Verdict, verdict_for

log = get_logger(__name__)
HOLD_OFF_SECONDS = 1.0  # after a failure, fail open without asking Redis for this long

# KEYS[1] the bucket; ARGV[1] the limit per minute. Returns {allowed (0/1), tokens left}.
# The rule is the one in ratelimit.py: full at first, refills limit/60s per second, a request
# takes one token or is refused taking nothing. The key expires once it would be full anyway.
TOKEN_BUCKET = """
local limit = tonumber(ARGV[1])
local rate = limit / 60000.0
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = limit
  at = now
end
tokens = math.min(limit, tokens + math.max(now - at, 0) * rate)
local allowed = 0
if tokens >= 1 - 1e-9 then
  tokens = math.max(tokens - 1, 0)
  allowed = 1
end
local left = string.format('%.6f', tokens)
redis.call('HSET', KEYS[1], 'tokens', left, 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((limit - tokens) / rate) + 1000)
return {allowed, left}
"""


class RedisRateLimiter(RateLimiter):
    name = "redis"

    def __init__(
        self,
        client: redis.Redis,
        *,
        prefix: str,
        metrics: Metrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._script = client.register_script(TOKEN_BUCKET)
        self._prefix = prefix
        self._errors = metrics.rate_limit_backend_errors.labels(backend=self.name)
        self._clock = clock
        self._failed_at: float | None = None

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str, timeout: float, metrics: Metrics
    ) -> RedisRateLimiter:
        client = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
        )
        return cls(client, prefix=prefix, metrics=metrics)

    async def acquire(self, key: str, limit: int) -> Verdict:
        if self._failed_at is not None and self._clock() - self._failed_at < HOLD_OFF_SECONDS:
            return Verdict.unmetered(limit)
        try:
            allowed, left = await self._script(keys=[self._prefix + key], args=[limit])
        except (RedisError, OSError) as exc:
            self._errors.inc()
            if self._failed_at is None:
                log.warning("rate_limit_backend_down", backend=self.name, error=type(exc).__name__)
            self._failed_at = self._clock()
            return Verdict.unmetered(limit)
        if self._failed_at is not None:
            log.info("rate_limit_backend_recovered", backend=self.name)
            self._failed_at = None
        return verdict_for(bool(allowed), float(left), limit)

    async def aclose(self) -> None:
        await self._client.aclose()
