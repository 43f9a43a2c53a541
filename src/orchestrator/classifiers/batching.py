"""Micro-batching: the messages of concurrent requests, gathered into one forward pass.

How a batch forms (one drain task per event loop, started by the first call that finds none):

1. When the previous message arrived less than a window before the newest one, more are likely:
   the drain task waits for company, until the batch is full or the window has passed since the
   batch's oldest message arrived. Otherwise (a lone message, light traffic) it goes at once.
2. The batch runs on the batcher's own thread, so the event loop keeps parsing and answering
   requests; calls arriving meanwhile queue for the next batch. Under load batches grow by
   themselves to what the model gets through while the previous one ran.
3. Each caller gets its own result; an exception fails only the callers of that batch. A caller
   that gives up (a client gone) is dropped before its batch runs, or its result is discarded.

No message waits longer than the window for others, and a lone message does not wait at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class BatchStats:
    """What the batcher has done so far: how many batches, how big."""

    batches: int = 0
    items: int = 0
    waited: int = 0  # batches that waited for company (never a lone message's)
    largest: int = 0
    sizes: dict[int, int] = field(default_factory=dict)  # batch size -> how many batches

    def record(self, size: int) -> None:
        self.batches += 1
        self.items += size
        self.largest = max(self.largest, size)
        self.sizes[size] = self.sizes.get(size, 0) + 1

    @property
    def mean_size(self) -> float:
        return self.items / self.batches if self.batches else 0.0


@dataclass(slots=True)
class _Waiting(Generic[T, R]):
    value: T
    future: asyncio.Future[R]
    arrived: float


class MicroBatcher(Generic[T, R]):
    """Turns many `await submit(x)` into few `run([x, ...])` calls on one dedicated thread.

    `run` takes a list and returns one result per element, in order; it must be thread-safe
    with respect to anything else that calls it (the embedder holds its own lock). One thread,
    always the same: batches never overlap, and the model's memory stays in one malloc arena
    instead of spreading over a pool's threads.
    """

    def __init__(
        self,
        run: Callable[[list[T]], Sequence[R]],
        *,
        max_size: int,
        window_s: float,
    ) -> None:
        if max_size < 1:
            raise ValueError("max_size must be at least 1")
        if window_s < 0:
            raise ValueError("window_s must not be negative")
        self._run = run
        self.max_size = max_size
        self.window_s = window_s
        self.stats = BatchStats()
        self._pending: deque[_Waiting[T, R]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._drain_task: asyncio.Task[None] | None = None
        self._filled: asyncio.Future[None] | None = None
        self._last_arrival = float("-inf")
        self._last_gap = float("inf")
        self._executor: ThreadPoolExecutor | None = None
        self.observe: Callable[[int], None] | None = None  # told each batch's size (metrics)

    async def submit(self, value: T) -> R:
        """The result of `run` for this value, computed in a batch with its neighbours."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (a CLI's asyncio.run): start afresh
            self._loop, self._pending, self._drain_task = loop, deque(), None
        now = time.monotonic()
        self._last_gap, self._last_arrival = now - self._last_arrival, now
        waiting: _Waiting[T, R] = _Waiting(value, loop.create_future(), now)
        self._pending.append(waiting)
        if len(self._pending) >= self.max_size and self._filled and not self._filled.done():
            self._filled.set_result(None)
        if self._drain_task is None or self._drain_task.done():
            self._drain_task = loop.create_task(self._drain())
        return await waiting.future

    async def aclose(self) -> None:
        """Let the batches already queued finish; then the drain task ends by itself."""
        task = self._drain_task
        if task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop():
            await asyncio.shield(task)

    def _company_expected(self) -> bool:
        """Messages are coming closer together than the window: worth waiting for more."""
        return self._last_gap < self.window_s and len(self._pending) < self.max_size

    async def _wait_to_fill(self) -> None:
        remaining = self._pending[0].arrived + self.window_s - time.monotonic()
        if remaining <= 0:
            return
        self.stats.waited += 1
        self._filled = asyncio.get_running_loop().create_future()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._filled, remaining)
        finally:
            self._filled = None

    def _take(self) -> list[_Waiting[T, R]]:
        batch: list[_Waiting[T, R]] = []
        while self._pending and len(batch) < self.max_size:
            waiting = self._pending.popleft()
            if not waiting.future.done():  # its caller gave up: nothing to compute
                batch.append(waiting)
        return batch

    async def _drain(self) -> None:
        while self._pending:
            if self._company_expected():
                await self._wait_to_fill()
            else:
                await asyncio.sleep(0)  # calls already on their way get to join
            batch = self._take()
            if batch:
                await self._run_batch(batch)

    async def _run_batch(self, batch: list[_Waiting[T, R]]) -> None:
        self.stats.record(len(batch))
        if self.observe is not None:
            self.observe(len(batch))
        try:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="micro-batch")
            results = await asyncio.get_running_loop().run_in_executor(
                self._executor, self._run, [w.value for w in batch]
            )
            if len(results) != len(batch):
                raise RuntimeError(f"batch of {len(batch)} gave {len(results)} results")
        except asyncio.CancelledError:  # the loop is going away: nobody will collect these
            for waiting in (*batch, *self._pending):
                waiting.future.cancel()
            self._pending.clear()
            raise
        except Exception as exc:
            for waiting in batch:
                if not waiting.future.done():
                    waiting.future.set_exception(exc)
            return
        for waiting, result in zip(batch, results, strict=True):
            if not waiting.future.done():
                waiting.future.set_result(result)
