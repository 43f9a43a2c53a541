"""Load shedding: a fixed number of requests in flight per worker; the rest refused at once.

Refusing beats queueing: a queued request holds its connection and memory and usually times out
anyway, while a 503 with Retry-After lets the caller (or the load balancer) try elsewhere now.
One event loop per worker, so the count needs no lock: nothing awaits between test and update.
"""

from __future__ import annotations

from prometheus_client import Gauge


class ConcurrencyLimit:
    """At most `capacity` admitted at a time; `try_acquire` never waits."""

    def __init__(self, capacity: int, *, gauge: Gauge | None = None) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.in_flight = 0
        self._gauge = gauge

    def try_acquire(self) -> bool:
        if self.in_flight >= self.capacity:
            return False
        self.in_flight += 1
        if self._gauge is not None:
            self._gauge.inc()
        return True

    def release(self) -> None:
        if self.in_flight <= 0:
            raise RuntimeError("release without a matching acquire")
        self.in_flight -= 1
        if self._gauge is not None:
            self._gauge.dec()
