"""When to try a failed call again, and how long to wait first."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_retry_after(headers: Mapping[str, str], *, now: datetime | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``Retry-After`` (delta-seconds or HTTP date).

    ``headers`` must look names up case-insensitively (httpx headers do)."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with equal jitter; a server's Retry-After is a floor, not a hint.

    ``max_retries`` counts retries after the first attempt. A Retry-After longer than
    ``retry_after_max`` ends the attempts: better a fallback now than a caller kept waiting.
    """

    max_retries: int = 3
    backoff: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 30.0

    def delay(self, retry: int, retry_after: float | None = None) -> float | None:
        """Seconds before retry number ``retry`` (0-based); None: do not retry."""
        if retry >= self.max_retries:
            return None
        if retry_after is not None and retry_after > self.retry_after_max:
            return None
        step = min(self.backoff_max, self.backoff * 2.0**retry)
        wait = step / 2 + random.uniform(0, step / 2)
        return max(wait, retry_after or 0.0)
