"""The circuit breaker's state machine, on a clock the test moves by hand."""

from __future__ import annotations

import asyncio

import pytest

from orchestrator.resilience.breaker import CircuitBreaker, CircuitOpenError, CircuitState


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Boom(RuntimeError):
    pass


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def make(clock: ManualClock, threshold: int = 3, reset: float = 10.0, trials: int = 1) -> Breaker:
    return Breaker(
        "test",
        failure_threshold=threshold,
        reset_timeout=reset,
        half_open_max_calls=trials,
        clock=clock,
    )


class Breaker(CircuitBreaker):
    """The real breaker, recording its transitions through the public listener hook."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.transitions: list[tuple[CircuitState, CircuitState]] = []
        self.add_listener(lambda old, new: self.transitions.append((old, new)))


def fail(breaker: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        with pytest.raises(Boom), breaker.guard():
            raise Boom


def succeed(breaker: CircuitBreaker) -> None:
    with breaker.guard():
        pass


def test_when_failures_stay_below_threshold_then_closed(clock: ManualClock) -> None:
    breaker = make(clock, threshold=3)
    fail(breaker, 2)
    assert breaker.state is CircuitState.CLOSED
    assert breaker.failures == 2


def test_when_success_between_failures_then_count_restarts(clock: ManualClock) -> None:
    breaker = make(clock, threshold=3)
    fail(breaker, 2)
    succeed(breaker)
    fail(breaker, 2)
    assert breaker.state is CircuitState.CLOSED


def test_when_threshold_consecutive_failures_then_open_and_calls_refused(
    clock: ManualClock,
) -> None:
    breaker = make(clock, threshold=3, reset=10.0)
    fail(breaker, 3)
    assert breaker.state is CircuitState.OPEN
    assert breaker.transitions == [(CircuitState.CLOSED, CircuitState.OPEN)]
    clock.advance(4.0)
    with pytest.raises(CircuitOpenError) as refused:
        breaker.admit()
    assert refused.value.retry_after == pytest.approx(6.0)
    assert breaker.retry_after_header() == "6"


def test_when_cool_down_passes_then_half_open_before_any_call(clock: ManualClock) -> None:
    breaker = make(clock, threshold=1, reset=10.0)
    fail(breaker)
    clock.advance(9.9)
    assert breaker.state is CircuitState.OPEN
    clock.advance(0.1)
    assert breaker.state is CircuitState.HALF_OPEN
    assert breaker.retry_after() == 0.0


def test_when_trial_succeeds_then_closed(clock: ManualClock) -> None:
    breaker = make(clock, threshold=1, reset=10.0)
    fail(breaker)
    clock.advance(10.0)
    succeed(breaker)
    assert breaker.state is CircuitState.CLOSED
    assert breaker.transitions[-2:] == [
        (CircuitState.OPEN, CircuitState.HALF_OPEN),
        (CircuitState.HALF_OPEN, CircuitState.CLOSED),
    ]


def test_when_trial_fails_then_open_with_a_fresh_cool_down(clock: ManualClock) -> None:
    breaker = make(clock, threshold=1, reset=10.0)
    fail(breaker)
    clock.advance(10.0)
    fail(breaker)
    assert breaker.state is CircuitState.OPEN
    assert breaker.retry_after() == pytest.approx(10.0)


def test_when_half_open_then_only_max_trials_in_flight(clock: ManualClock) -> None:
    breaker = make(clock, threshold=1, reset=10.0, trials=2)
    fail(breaker)
    clock.advance(10.0)
    first, second = breaker.admit(), breaker.admit()
    assert first.trial and second.trial
    with pytest.raises(CircuitOpenError):
        breaker.admit()
    breaker.succeeded(first)
    assert breaker.state is CircuitState.CLOSED
    breaker.failed(second)  # from the half-open period that has ended: changes nothing
    assert breaker.state is CircuitState.CLOSED
    assert breaker.failures == 0


def test_when_call_admitted_before_opening_ends_late_then_state_unchanged(
    clock: ManualClock,
) -> None:
    breaker = make(clock, threshold=2, reset=10.0)
    slow = breaker.admit()
    fail(breaker, 2)
    breaker.succeeded(slow)  # a success from before the outage does not close the circuit
    assert breaker.state is CircuitState.OPEN


async def test_when_trial_cancelled_then_slot_freed(clock: ManualClock) -> None:
    breaker = make(clock, threshold=1, reset=10.0)
    fail(breaker)
    clock.advance(10.0)
    started = asyncio.Event()

    async def trial() -> None:
        with breaker.guard():
            started.set()
            await asyncio.sleep(3600)

    task = asyncio.create_task(trial())
    await started.wait()
    with pytest.raises(CircuitOpenError):
        breaker.admit()  # the one trial slot is taken
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert breaker.state is CircuitState.HALF_OPEN
    succeed(breaker)  # the slot came back: a new trial runs and closes the circuit
    assert breaker.state is CircuitState.CLOSED


@pytest.mark.parametrize(
    "kwargs",
    [{"failure_threshold": 0}, {"half_open_max_calls": 0}, {"reset_timeout": -1.0}],
)
def test_when_limits_make_no_sense_then_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        CircuitBreaker("bad", **kwargs)  # type: ignore[arg-type]
