"""A circuit breaker: stop calling a provider that keeps failing, try again after a cool-down.

    CLOSED ──(failure_threshold consecutive failed calls)──▶ OPEN
    OPEN ──(reset_timeout elapsed; the next call is a trial)──▶ HALF_OPEN
    HALF_OPEN ──(a trial call succeeds)──▶ CLOSED
    HALF_OPEN ──(a trial call fails)──▶ OPEN (a fresh cool-down)

Invariants:
- Only a call admitted in the current state period (same ``generation``) may move the state: a
  slow call admitted while CLOSED that ends after the circuit opened changes nothing.
- In HALF_OPEN at most ``half_open_max_calls`` trial calls are in flight; the rest are refused
  as if OPEN, so a recovering provider is not hit by the whole backlog at once.
- ``state`` reads HALF_OPEN as soon as the cool-down has passed, before any call arrives, so the
  metric and the readiness body say what the next call will meet.

In-process and single event loop (no lock: no transition awaits). Each replica keeps its own
circuit; a provider outage opens all of them within ``failure_threshold`` calls each.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

Listener = Callable[["CircuitState", "CircuitState"], None]


class CircuitState(StrEnum):
    CLOSED = "closed"  # calls flow; consecutive failures are counted
    OPEN = "open"  # calls are refused at once until the cool-down has passed
    HALF_OPEN = "half_open"  # cool-down over: a few trial calls decide closed or open again


# The gauge's encoding of the states (circuit_breaker_state).
STATE_VALUE = {CircuitState.CLOSED: 0, CircuitState.HALF_OPEN: 1, CircuitState.OPEN: 2}


class CircuitOpenError(Exception):
    """The call was refused without being attempted."""

    def __init__(self, name: str, retry_after: float) -> None:
        super().__init__(f"circuit {name!r} is open; retry in {retry_after:.1f}s")
        self.name = name
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Permit:
    """An admitted call: the state period it belongs to and whether it is a trial."""

    generation: int
    trial: bool


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        *,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        half_open_max_calls: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if failure_threshold < 1 or half_open_max_calls < 1 or reset_timeout < 0:
            raise ValueError("failure_threshold and half_open_max_calls >= 1, reset_timeout >= 0")
        self.name = name
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout
        self.half_open_max_calls = half_open_max_calls
        self._clock = clock
        self._state = CircuitState.CLOSED
        self._generation = 0
        self._failures = 0  # consecutive, while CLOSED
        self._opened_at = 0.0
        self._trials = 0  # in flight, while HALF_OPEN
        self._listeners: list[Listener] = []

    def add_listener(self, listener: Listener) -> None:
        """Called with (old, new) on every stored transition."""
        self._listeners.append(listener)

    @property
    def state(self) -> CircuitState:
        if self._state is CircuitState.OPEN and self._cooled_down():
            return CircuitState.HALF_OPEN
        return self._state

    @property
    def failures(self) -> int:
        return self._failures

    def retry_after(self) -> float:
        """Seconds until a call could be admitted (0 when one would be now)."""
        if self._state is CircuitState.OPEN:
            return max(0.0, self._opened_at + self.reset_timeout - self._clock())
        if self._state is CircuitState.HALF_OPEN and self._trials >= self.half_open_max_calls:
            return self.reset_timeout  # the trial decides; it is bounded by the call's timeout
        return 0.0

    def retry_after_header(self) -> str:
        """``retry_after`` as whole seconds for a Retry-After header, at least 1."""
        return str(max(1, math.ceil(self.retry_after())))

    def admit(self) -> Permit:
        """Admit one call or raise CircuitOpenError; pair it with ``succeeded``/``failed``/
        ``abandoned`` (``guard`` does)."""
        if self._state is CircuitState.OPEN:
            if not self._cooled_down():
                raise CircuitOpenError(self.name, self.retry_after())
            self._move(CircuitState.HALF_OPEN)
        if self._state is CircuitState.HALF_OPEN:
            if self._trials >= self.half_open_max_calls:
                raise CircuitOpenError(self.name, self.retry_after())
            self._trials += 1
            return Permit(self._generation, trial=True)
        return Permit(self._generation, trial=False)

    def succeeded(self, permit: Permit) -> None:
        if not self._current(permit):
            return
        if permit.trial:
            self._move(CircuitState.CLOSED)
        else:
            self._failures = 0

    def failed(self, permit: Permit) -> None:
        if not self._current(permit):
            return
        if permit.trial:
            self._move(CircuitState.OPEN)
            return
        self._failures += 1
        if self._failures >= self.failure_threshold:
            self._move(CircuitState.OPEN)

    def abandoned(self, permit: Permit) -> None:
        """The call was cancelled before it ended: it says nothing about the provider."""
        if self._current(permit) and permit.trial:
            self._trials -= 1

    @contextmanager
    def guard(self) -> Iterator[Permit]:
        """``with breaker.guard():`` around one call; an exception out of it is a failure."""
        permit = self.admit()
        try:
            yield permit
        except Exception:
            self.failed(permit)
            raise
        except BaseException:  # cancelled: neither success nor failure
            self.abandoned(permit)
            raise
        self.succeeded(permit)

    def _current(self, permit: Permit) -> bool:
        return permit.generation == self._generation

    def _cooled_down(self) -> bool:
        return self._clock() - self._opened_at >= self.reset_timeout

    def _move(self, new: CircuitState) -> None:
        old = self._state
        self._state = new
        self._generation += 1
        self._failures = 0
        self._trials = 0
        if new is CircuitState.OPEN:
            self._opened_at = self._clock()
        for listener in self._listeners:
            listener(old, new)
