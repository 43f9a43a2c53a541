"""Token-bucket rate limiting per client, in process or shared through Redis.

The bucket rule (both backends compute exactly this):
- a client's bucket holds at most `limit` tokens and starts full;
- it refills continuously at `limit` tokens per 60 seconds;
- a request takes one token, or is refused when less than one is left; a refused request takes
  nothing, so a client that keeps retrying too early does not push its own recovery back.

So a client may send `limit` requests at once, then one every 60/limit seconds. Buckets are keyed
by the caller (`key:<id>` for an API key, `addr:<ip>` otherwise); the limit comes with each call,
so a key moved to another tier gets its new limit on its next request.
"""

from __future__ import annotations

import abc
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from orchestrator.config import Settings
from orchestrator.observability.metrics import Metrics

WINDOW_SECONDS = 60.0
MAX_MEMORY_BUCKETS = 100_000  # past this, the least recently used buckets are forgotten
EPSILON = 1e-9  # refills summed in many small steps fall a hair short of a whole token


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the limiter decided, and what the RateLimit headers tell the client."""

    allowed: bool
    limit: int
    remaining: int  # whole tokens left after this request
    retry_after: float  # seconds until one token is back (0 when allowed)
    reset_after: float  # seconds until the bucket is full again
    degraded: bool = False  # the backend failed and the request was let through unmetered

    @classmethod
    def unmetered(cls, limit: int) -> Verdict:
        return cls(True, limit, limit, 0.0, 0.0, degraded=True)


def take(tokens: float, elapsed: float, limit: int) -> tuple[float, bool]:
    """One step of the bucket rule: the tokens left and whether the request fits."""
    rate = limit / WINDOW_SECONDS
    tokens = min(float(limit), tokens + max(elapsed, 0.0) * rate)
    if tokens >= 1.0 - EPSILON:
        return max(tokens - 1.0, 0.0), True
    return tokens, False


def verdict_for(allowed: bool, tokens: float, limit: int) -> Verdict:
    """The verdict from the tokens left after the step (the Redis script returns those)."""
    rate = limit / WINDOW_SECONDS
    return Verdict(
        allowed=allowed,
        limit=limit,
        remaining=max(math.floor(tokens), 0),
        retry_after=0.0 if allowed else (1.0 - tokens) / rate,
        reset_after=max(limit - tokens, 0.0) / rate,
    )


class RateLimiter(abc.ABC):
    """Decides, per client key, whether one more request fits in its limit."""

    name: str

    @abc.abstractmethod
    async def acquire(self, key: str, limit: int) -> Verdict: ...

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections; the in-process limiter holds none."""


class MemoryRateLimiter(RateLimiter):
    """Buckets in this process: exact for one worker; N workers or replicas allow N times."""

    name = "memory"

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int = MAX_MEMORY_BUCKETS,
    ) -> None:
        self._clock = clock
        self._max_buckets = max_buckets
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at

    async def acquire(self, key: str, limit: int) -> Verdict:
        now = self._clock()
        tokens, at = self._buckets.pop(key, (float(limit), now))
        tokens, allowed = take(tokens, now - at, limit)
        self._buckets[key] = (tokens, now)  # most recently used last
        while len(self._buckets) > self._max_buckets:
            self._buckets.popitem(last=False)  # forgetting a bucket refills it: lenient, bounded
        return verdict_for(allowed, tokens, limit)

    def __len__(self) -> int:
        return len(self._buckets)


def build_rate_limiter(settings: Settings, metrics: Metrics) -> RateLimiter:
    """Redis when ORCH_REDIS_URL is set (one limit across replicas), else in-process."""
    if settings.redis_url:
        from orchestrator.resilience.redis_ratelimit import RedisRateLimiter

        return RedisRateLimiter.from_url(
            settings.redis_url,
            prefix=settings.rate_limit_redis_prefix,
            timeout=settings.redis_timeout_seconds,
            metrics=metrics,
        )
    return MemoryRateLimiter()
