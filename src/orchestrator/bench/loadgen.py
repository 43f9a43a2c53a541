"""The load generator: keep-alive HTTP/1.1 over asyncio streams, closed and open loop.

Written by hand rather than on httpx: the client shares the 2 cores with the service it measures,
and a request here costs a fraction of what a full client's does, so more of the machine is left
to the service. It speaks only what the bench needs: POST with a JSON body, a `Content-Length`
answer, one request at a time per connection.

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
import contextlib
import itertools
import time
from collections.abc import Iterator, Sequence
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


class Connection:
    """One keep-alive connection; one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.used_at = time.monotonic()

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def post(self, head: bytes, body: bytes) -> int:
        self.writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
        status_line = await self.reader.readline()
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise HttpError(f"bad status line {status_line[:40]!r}")
        length = None
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise HttpError("answer without Content-Length")
        await self.reader.readexactly(length)
        self.used_at = time.monotonic()
        return int(parts[1])

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):  # already reset by the server
            await self.writer.wait_closed()


class Client:
    """POSTs JSON bodies to one URL, cycling through them."""

    def __init__(self, url: str, bodies: Sequence[bytes]) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"the bench speaks plain http only: {url}")
        self.host = parts.hostname
        self.port = parts.port or 80
        path = parts.path or "/"
        self.head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Content-Type: application/json\r\nContent-Length: "
        ).encode()
        if not bodies:
            raise ValueError("no bodies to send")
        self._bodies: Iterator[bytes] = itertools.cycle(bodies)

    async def _send(self, connection: Connection, result: LoadResult, started: float) -> bool:
        """One request; False when the connection is no longer usable."""
        try:
            status = await connection.post(self.head, next(self._bodies))
        except (OSError, asyncio.IncompleteReadError, HttpError) as exc:
            key = type(exc).__name__
            result.errors[key] = result.errors.get(key, 0) + 1
            return False
        if status == 200:
            now = time.perf_counter()
            result.latencies_ms.append((now - started) * 1000)
            result.finished_at.append(now)
        else:
            result.errors[str(status)] = result.errors.get(str(status), 0) + 1
        return True

    async def closed_loop(self, concurrency: int, seconds: float) -> LoadResult:
        result = LoadResult("concurrency", concurrency, seconds)
        connections = [await Connection.open(self.host, self.port) for _ in range(concurrency)]

        async def worker(connection: Connection) -> None:
            while (started := time.perf_counter()) < deadline:
                if not await self._send(connection, result, started):
                    await connection.close()
                    connection = await Connection.open(self.host, self.port)
            await connection.close()

        begun = time.perf_counter()
        deadline = begun + seconds
        result.window = (begun + min(SETTLE_SECONDS, seconds / 4), deadline)
        await asyncio.gather(*(worker(c) for c in connections))
        result.seconds = time.perf_counter() - begun  # the last answers land after the deadline
        return result

    async def open_loop(self, rate: float, seconds: float) -> LoadResult:
        result = LoadResult("rate", rate, seconds)
        idle: list[Connection] = []
        opened = 0
        in_flight: set[asyncio.Task[None]] = set()

        async def fire(scheduled: float) -> None:
            nonlocal opened
            while idle and time.monotonic() - idle[0].used_at > IDLE_CLOSE_SECONDS:
                opened -= 1  # the server may close it any moment now: do not race it
                await idle.pop(0).close()
            if idle:
                connection = idle.pop()  # the most recently used: the pool stays small
            else:
                opened += 1
                connection = await Connection.open(self.host, self.port)
            if await self._send(connection, result, scheduled):
                idle.append(connection)
            else:
                opened -= 1
                await connection.close()

        begun = time.perf_counter()
        interval = 1.0 / rate
        for n in range(int(rate * seconds)):
            scheduled = begun + n * interval
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if opened - len(idle) >= MAX_OPEN_LOOP_CONNECTIONS:
                result.errors["client_saturated"] = result.errors.get("client_saturated", 0) + 1
                continue
            task = asyncio.create_task(fire(scheduled))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        if in_flight:
            await asyncio.gather(*in_flight)
        result.seconds = time.perf_counter() - begun  # an overloaded service finishes late
        for connection in idle:
            await connection.close()
        return result
