"""The load generator: keep-alive HTTP/1.1 on asyncio protocols, closed and open loop.

Written by hand rather than on httpx: the client shares the 2 cores with the service it measures,
and a request here costs a fraction of what a full client's does, so more of the machine is left
to the service. It speaks only what the bench needs: POST with a JSON body, a `Content-Length`
answer, one request at a time per connection. Answers are parsed in the callback that receives
their bytes, and the next step (record it, send the next request, give the connection back) runs
there too: no task or coroutine a request.

- `closed_loop(c)`: c connections, each sends its next request as soon as it has an answer;
  throughput at that concurrency, from the answers of the steady window only (from a settling
  time after the start to the deadline: not the burst that fills the service, nor the drain after
  the deadline when fewer and fewer requests are in flight), as the slope of answers over time
  (`steady_rate`: batches answer in bursts). Latency from send to answer.
- `open_loop(rate)`: requests start on a fixed schedule whatever the answers do, so a slow
  service cannot slow the clock; latency counts from the scheduled start (no coordinated
  omission). A request that finds every connection busy opens another one.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import numpy as np

MAX_OPEN_LOOP_CONNECTIONS = 512
# uvicorn closes a keep-alive connection idle for 5 s; the client retires its own sooner.
IDLE_CLOSE_SECONDS = 3.0
SETTLE_SECONDS = 0.3  # closed loop: answers in this first stretch fill the pipeline, not counted


class HttpError(RuntimeError):
    """The server answered something the bench cannot read."""


@dataclass
class LoadResult:
    mode: str  # "concurrency" or "rate"
    level: float  # the concurrency, or the offered rate (requests/s)
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)  # successful requests only
    errors: dict[str, int] = field(default_factory=dict)  # status or exception -> count
    finished_at: list[float] = field(default_factory=list)  # perf_counter of each success
    window: tuple[float, float] | None = None  # where throughput is counted (closed loop)

    @property
    def completed(self) -> int:
        return len(self.latencies_ms)

    @property
    def throughput(self) -> float:
        if self.window is not None:
            start, end = self.window
            return steady_rate([t for t in self.finished_at if start <= t <= end], end - start)
        return self.completed / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")

    def p95_by_window(self, seconds: float) -> list[float]:
        """p95 of the answers that finished in each `seconds` of the run, in order (windows with
        no answer left out): how steady the tail was, where one figure covers the whole run."""
        if not self.finished_at or seconds <= 0:
            return []
        finished = np.asarray(self.finished_at)
        latencies = np.asarray(self.latencies_ms)
        window = ((finished - finished.min()) // seconds).astype(int)
        return [
            round(float(np.percentile(latencies[window == w], 95)), 2)
            for w in range(int(window.max()) + 1)
            if (window == w).any()
        ]

    def row(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "level": self.level,
            "msgs_per_s": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "completed": self.completed,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
        }


def steady_rate(finished: Sequence[float], span: float) -> float:
    """Answers a second, from the finish times of those counted in a window `span` long: the
    slope of a least-squares line through (finish time, how many had finished by then).

    A micro-batching service answers in bursts (a batch's messages finish together), so the
    answers a short window happens to hold move by a whole batch with where its edges fall: 32
    messages in the 0.7 s of a 1 s phase is ±46 msgs/s a worker. The slope of the steps does not
    depend on where the edges fall. Fewer than three distinct times: the count over the span."""
    times = np.sort(np.asarray(finished, dtype=np.float64))
    if len(np.unique(times)) < 3:
        return len(times) / span if span > 0 else 0.0
    slope, _ = np.polyfit(times - times[0], np.arange(1, len(times) + 1), 1)
    return float(slope)


class _Answers(asyncio.Protocol):
    """The reading side of one connection: each answer parsed from the bytes as they arrive and
    handed to the request that waits for it (one at a time)."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.waiting: Callable[[int | BaseException], None] | None = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.waiting is None:
            return  # nothing asked: the bytes wait for the next request (or the close)
        try:
            status = self._answer()
        except HttpError as exc:
            self._finish(exc)
        else:
            if status is not None:
                self._finish(status)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiting is not None:
            self._finish(exc or asyncio.IncompleteReadError(bytes(self.buffer), None))

    def _finish(self, outcome: int | BaseException) -> None:
        waiting, self.waiting = self.waiting, None
        if waiting is not None:
            waiting(outcome)

    def _answer(self) -> int | None:
        """The status of the answer the buffer holds whole (and drops it), or None for more."""
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        status_line, *headers = bytes(self.buffer[:end]).split(b"\r\n")
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
            raise HttpError(f"bad status line {status_line[:40]!r}")
        length = None
        for line in headers:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise HttpError("answer without Content-Length")
        if len(self.buffer) < end + 4 + length:
            return None
        del self.buffer[: end + 4 + length]
        return int(parts[1])


class Connection:
    """One keep-alive connection; one request at a time.

    A protocol rather than asyncio's streams: an answer is parsed from the bytes in the callback
    that receives them, and `send` reports it to a callback, with no coroutine or task a request
    (the client shares the cores with the service it measures).
    """

    def __init__(self, transport: asyncio.Transport, answers: _Answers) -> None:
        self.transport = transport
        self.answers = answers
        self.used_at = time.monotonic()

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        transport, answers = await asyncio.get_running_loop().create_connection(
            _Answers, host, port
        )
        return cls(transport, answers)

    def send(self, request: bytes, done: Callable[[int | BaseException], None]) -> None:
        """Write one request; `done` gets the answer's status, or the error that ended it."""
        if self.transport.is_closing():
            done(ConnectionResetError("connection closed"))
            return

        def answered(outcome: int | BaseException) -> None:
            self.used_at = time.monotonic()
            done(outcome)

        self.answers.waiting = answered
        self.transport.write(request)


class Client:
    """POSTs JSON bodies to one URL, cycling through them."""

    def __init__(self, url: str, bodies: Sequence[bytes]) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"the bench speaks plain http only: {url}")
        self.host = parts.hostname
        self.port = parts.port or 80
        path = parts.path or "/"
        if not bodies:
            raise ValueError("no bodies to send")
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Content-Type: application/json\r\nContent-Length: "
        ).encode()
        # Each request's bytes, built once.
        self._requests: Iterator[bytes] = itertools.cycle(
            [head + str(len(body)).encode() + b"\r\n\r\n" + body for body in bodies]
        )

    @staticmethod
    def _record(result: LoadResult, outcome: int | BaseException, started: float) -> bool:
        """Count one exchange; False when its connection is no longer usable."""
        if isinstance(outcome, BaseException):
            key = type(outcome).__name__
            result.errors[key] = result.errors.get(key, 0) + 1
            return False
        if outcome == 200:
            now = time.perf_counter()
            result.latencies_ms.append((now - started) * 1000)
            result.finished_at.append(now)
        else:
            result.errors[str(outcome)] = result.errors.get(str(outcome), 0) + 1
        return True

    async def closed_loop(self, concurrency: int, seconds: float) -> LoadResult:
        """Each connection sends its next request from the callback that reads the answer."""
        result = LoadResult("concurrency", concurrency, seconds)
        connections = [await Connection.open(self.host, self.port) for _ in range(concurrency)]
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[None] = loop.create_future()
        running = len(connections)
        reopening: set[asyncio.Task[None]] = set()

        def retire(connection: Connection | None) -> None:
            nonlocal running
            if connection is not None:
                connection.transport.close()
            running -= 1
            if running == 0 and not finished.done():
                finished.set_result(None)

        def go(connection: Connection) -> None:
            started = time.perf_counter()
            if started >= deadline:
                retire(connection)
                return

            def done(outcome: int | BaseException) -> None:
                if self._record(result, outcome, started):
                    go(connection)
                    return
                connection.transport.close()
                task = loop.create_task(reconnect())
                reopening.add(task)
                task.add_done_callback(reopening.discard)

            connection.send(next(self._requests), done)

        async def reconnect() -> None:
            try:
                connection = await Connection.open(self.host, self.port)
            except OSError as exc:
                self._record(result, exc, 0.0)
                retire(None)
            else:
                go(connection)

        begun = time.perf_counter()
        deadline = begun + seconds
        result.window = (begun + min(SETTLE_SECONDS, seconds / 4), deadline)
        for connection in connections:
            go(connection)
        await finished
        result.seconds = time.perf_counter() - begun  # the last answers land after the deadline
        return result

    async def open_loop(self, rate: float, seconds: float) -> LoadResult:
        """Requests leave on the schedule; answers are counted from the callback that reads
        them, and their connection goes back to the idle ones."""
        result = LoadResult("rate", rate, seconds)
        loop = asyncio.get_running_loop()
        idle: list[Connection] = []
        opened = 0
        pending = 0
        scheduling = True
        drained: asyncio.Future[None] = loop.create_future()
        opening: set[asyncio.Task[None]] = set()

        def settle() -> None:
            nonlocal pending
            pending -= 1
            if not scheduling and pending == 0 and not drained.done():
                drained.set_result(None)

        def fire(connection: Connection, scheduled: float) -> None:
            def done(outcome: int | BaseException) -> None:
                nonlocal opened
                if self._record(result, outcome, scheduled):
                    idle.append(connection)
                else:
                    opened -= 1
                    connection.transport.close()
                settle()

            connection.send(next(self._requests), done)

        async def open_and_fire(scheduled: float) -> None:
            nonlocal opened
            try:
                connection = await Connection.open(self.host, self.port)
            except OSError as exc:
                opened -= 1
                self._record(result, exc, scheduled)
                settle()
            else:
                fire(connection, scheduled)

        begun = time.perf_counter()
        interval = 1.0 / rate
        for n in range(int(rate * seconds)):
            scheduled = begun + n * interval
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            while idle and time.monotonic() - idle[0].used_at > IDLE_CLOSE_SECONDS:
                opened -= 1  # the server may close it any moment now: do not race it
                idle.pop(0).transport.close()
            if opened - len(idle) >= MAX_OPEN_LOOP_CONNECTIONS:
                result.errors["client_saturated"] = result.errors.get("client_saturated", 0) + 1
                continue
            pending += 1
            if idle:
                fire(idle.pop(), scheduled)  # the most recently used: the pool stays small
            else:
                opened += 1
                task = loop.create_task(open_and_fire(scheduled))
                opening.add(task)
                task.add_done_callback(opening.discard)
        scheduling = False
        if pending:
            await drained
        result.seconds = time.perf_counter() - begun  # an overloaded service finishes late
        for connection in idle:
            connection.transport.close()
        await asyncio.sleep(0)  # let the transports finish closing
        return result
