"""The load generator against real sockets on loopback: a scripted HTTP server answers it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import numpy as np
import pytest

from orchestrator.bench import loadgen
from orchestrator.bench.loadgen import Client, LoadResult, steady_rate

Answer = Callable[[bytes], bytes]


def ok(body: bytes) -> bytes:
    payload = json.dumps({"echo": json.loads(body)["message"]}).encode()
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(payload), payload)


def status(code: int) -> Answer:
    return lambda body: b"HTTP/1.1 %d X\r\nContent-Length: 2\r\n\r\n{}" % code


@dataclass
class Scripted:
    """An HTTP/1.1 keep-alive server that answers each request with `answer(body)`."""

    answer: Answer
    bodies: list[bytes] = field(default_factory=list)
    connections: int = 0
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while line := await reader.readline():
                length = 0
                while (header := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = header.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                body = await reader.readexactly(length)
                assert line.startswith(b"POST /api/v1/classify HTTP/1.1")
                self.bodies.append(body)
                answer = self.answer(body)
                writer.write(answer)
                await writer.drain()
                if not answer.endswith(b"}"):  # no answer, or half of one: hang up
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def server() -> AsyncIterator[Scripted]:
    scripted = Scripted(ok)
    listener = await asyncio.start_server(scripted.handle, "127.0.0.1", 0)
    scripted.port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield scripted
        listener.close()


def client_for(server: Scripted) -> Client:
    bodies = [json.dumps({"message": f"m{i}"}).encode() for i in range(3)]
    return Client(f"http://127.0.0.1:{server.port}/api/v1/classify", bodies)


async def test_when_driven_at_fixed_concurrency_then_every_answer_is_counted(
    server: Scripted,
) -> None:
    result = await client_for(server).closed_loop(4, 0.3)
    assert result.mode == "concurrency" and result.level == 4
    assert result.completed == len(server.bodies) > 0
    assert result.errors == {}
    assert server.connections == 4  # keep-alive: one connection per concurrent client
    assert {json.loads(b)["message"] for b in server.bodies} == {"m0", "m1", "m2"}
    assert result.window is not None
    start, end = result.window
    counted = [t for t in result.finished_at if start <= t <= end]
    assert 0 < len(counted) < result.completed  # the settling stretch and the drain are left out
    assert result.throughput == pytest.approx(steady_rate(counted, end - start))
    # A steady stream of answers: the slope is what the count over the window says.
    assert result.throughput == pytest.approx(len(counted) / (end - start), rel=0.2)
    assert end - start == pytest.approx(0.3 * 0.75)  # settling: a quarter of a short phase


async def test_when_driven_at_a_fixed_rate_then_the_schedule_sets_the_count(
    server: Scripted,
) -> None:
    result = await client_for(server).open_loop(100, 0.5)
    assert result.mode == "rate" and result.level == 100
    assert result.completed == 50 == len(server.bodies)
    assert result.errors == {}
    assert result.row()["completed"] == 50


async def test_when_the_server_refuses_then_statuses_are_errors_not_latencies(
    server: Scripted,
) -> None:
    server.answer = status(503)
    result = await client_for(server).open_loop(50, 0.2)
    assert result.completed == 0
    assert result.errors == {"503": 10}
    assert result.row()["p95_ms"] != result.row()["p95_ms"]  # NaN: no latencies to rank


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (lambda body: b"garbage\r\n\r\n", "HttpError"),
        (
            lambda body: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "HttpError",
        ),
    ],
)
async def test_when_the_answer_is_unreadable_then_it_counts_and_reconnects(
    server: Scripted, answer: Answer, error: str
) -> None:
    server.answer = answer
    result = await client_for(server).closed_loop(1, 0.2)
    assert result.completed == 0
    assert set(result.errors) == {error}
    assert server.connections == result.errors[error] + 1  # a fresh connection after each


def test_when_url_is_not_plain_http_then_refused() -> None:
    with pytest.raises(ValueError, match="plain http"):
        Client("https://127.0.0.1:1/api/v1/classify", [b"{}"])
    with pytest.raises(ValueError, match="no bodies"):
        Client("http://127.0.0.1:1/api/v1/classify", [])


@pytest.mark.parametrize("phase", [0.0, 0.02, 0.05, 0.08])
def test_when_answers_come_in_batches_then_throughput_does_not_hang_on_the_window_edges(
    phase: float,
) -> None:
    # Two workers, each answering 32 messages together every 94 ms (and 80 ms), out of step.
    times = sorted(
        start + worker * 0.031 + i * 1e-5
        for worker, period in enumerate((0.094, 0.080))
        for start in np.arange(-1, 12) * period + phase
        for i in range(32)
    )
    true_rate = 32 / 0.094 + 32 / 0.080
    result = LoadResult("concurrency", 64, 1.0, finished_at=times, window=(0.0, 0.7))
    assert result.throughput == pytest.approx(true_rate, rel=0.02)


def test_when_a_window_holds_one_burst_then_throughput_is_its_count_over_the_window() -> None:
    assert steady_rate([0.1, 0.1, 0.1], 0.5) == pytest.approx(6.0)
    assert steady_rate([], 0.5) == 0.0
    assert steady_rate([0.1], 0.0) == 0.0


def test_when_percentiles_asked_then_they_come_from_the_latencies() -> None:
    result = LoadResult("rate", 10, 1.0, latencies_ms=[float(i) for i in range(1, 101)])
    assert result.percentile(50) == pytest.approx(50.5)
    assert result.row()["p99_ms"] == pytest.approx(99.01)
    assert result.throughput == 100


def test_when_windows_asked_then_each_has_the_p95_of_the_answers_that_finished_in_it() -> None:
    # 0-10 s: latencies 1..100 ms; 10-20 s: nothing; 20-30 s: 1,000 ms each.
    first = [float(i) for i in range(1, 101)]
    result = LoadResult(
        "rate",
        10,
        30.0,
        latencies_ms=[*first, 1000.0, 1000.0],
        finished_at=[100.0 + i / 10 for i in range(100)] + [121.0, 129.9],
    )
    assert result.p95_by_window(10.0) == [pytest.approx(95.05), 1000.0]
    assert result.p95_by_window(30.0) == [pytest.approx(result.percentile(95))]
    assert LoadResult("rate", 10, 1.0).p95_by_window(10.0) == []


async def test_when_a_connection_idles_past_the_limit_then_a_fresh_one_is_used(
    server: Scripted, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server would close it (uvicorn after 5 s idle): the client retires it first."""
    monkeypatch.setattr(loadgen, "IDLE_CLOSE_SECONDS", 0.05)
    result = await client_for(server).open_loop(5, 1.0)  # one request every 0.2 s
    assert result.completed == 5
    assert result.errors == {}
    assert server.connections == 5


async def test_when_the_server_hangs_up_mid_exchange_then_it_counts_and_reconnects(
    server: Scripted,
) -> None:
    answers = iter([b"", b'HTTP/1.1 200 OK\r\nContent-Length: 40\r\n\r\n{"echo'])
    server.answer = lambda body: next(answers, ok(body))  # nothing; half an answer; then fine
    result = await client_for(server).closed_loop(1, 0.3)
    assert result.errors == {"IncompleteReadError": 2}
    assert result.completed == len(server.bodies) - 2 > 0
    assert server.connections == 3


async def test_when_nothing_listens_then_each_request_is_an_error() -> None:
    listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    client = Client(f"http://127.0.0.1:{port}/api/v1/classify", [b"{}"])
    result = await client.open_loop(20, 0.25)
    assert result.completed == 0
    assert result.errors == {"ConnectionRefusedError": 5}
