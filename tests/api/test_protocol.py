"""The HTTP protocol `serve` runs: a response's head and body leave in one write, and nothing else
changes. A real uvicorn on loopback, real sockets; each connection's writes are recorded by a
transport that passes them on (a subclass of asyncio.Transport)."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from orchestrator.api.protocol import UVICORN_OPTIONS, CoalescingHttpToolsProtocol
from support.server import free_port

PAYLOAD = b'{"answer": 42}'


class RecordingTransport(asyncio.Transport):
    """The connection's transport, every write noted on its way through."""

    def __init__(self, inner: asyncio.Transport) -> None:
        super().__init__()
        self.inner = inner
        self.writes: list[bytes] = []

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))
        self.inner.write(data)

    def close(self) -> None:
        self.inner.close()

    def abort(self) -> None:
        self.inner.abort()

    def is_closing(self) -> bool:
        return self.inner.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.inner.get_extra_info(name, default)

    def pause_reading(self) -> None:
        self.inner.pause_reading()

    def resume_reading(self) -> None:
        self.inner.resume_reading()

    def is_reading(self) -> bool:
        return self.inner.is_reading()

    def get_write_buffer_size(self) -> int:
        return self.inner.get_write_buffer_size()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self.inner.set_write_buffer_limits(high, low)


CONNECTIONS: list[RecordingTransport] = []


class RecordingProtocol(CoalescingHttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        recording = RecordingTransport(transport)
        CONNECTIONS.append(recording)
        super().connection_made(recording)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (message := await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    path = scope["path"]
    if path == "/stream":  # no content-length: chunked, three parts
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"one", b"two"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    if path == "/fail":
        raise RuntimeError("before the response started")
    answer = body or PAYLOAD
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(answer))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": answer})


class _ThreadServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:
        pass


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    port = free_port()
    options = {**UVICORN_OPTIONS, "http": RecordingProtocol}
    server = _ThreadServer(uvicorn.Config(app, host="127.0.0.1", port=port, **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(30)


@contextlib.contextmanager
def connection(port: int) -> Iterator[tuple[http.client.HTTPConnection, RecordingTransport]]:
    before = len(CONNECTIONS)
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    client.connect()
    deadline = time.monotonic() + 10
    while len(CONNECTIONS) == before:  # the server has accepted it
        assert time.monotonic() < deadline
        time.sleep(0.01)
    try:
        yield client, CONNECTIONS[-1]
    finally:
        client.close()


def settled(recorded: RecordingTransport, count: int) -> list[bytes]:
    """The connection's writes once `count` have happened (a response is read before the
    server's last bookkeeping may have run)."""
    deadline = time.monotonic() + 5
    while len(recorded.writes) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return recorded.writes


def test_head_and_body_leave_in_one_write(port: int) -> None:
    with connection(port) as (client, recorded):
        client.request("POST", "/echo", body=b'{"message": "hi"}')
        response = client.getresponse()
        assert (response.status, response.read()) == (200, b'{"message": "hi"}')
        assert response.getheader("content-type") == "application/json"
        [write] = settled(recorded, 1)
        assert write.startswith(b"HTTP/1.1 200 OK\r\n")
        assert write.endswith(b'\r\n\r\n{"message": "hi"}')


def test_each_response_on_a_kept_alive_connection_is_one_write(port: int) -> None:
    with connection(port) as (client, recorded):
        for n in range(3):
            client.request("POST", "/echo", body=b"%d" % n)
            response = client.getresponse()
            assert response.read() == b"%d" % n
        writes = settled(recorded, 3)
        assert len(writes) == 3
        assert all(w.startswith(b"HTTP/1.1 200 OK\r\n") for w in writes)
        assert [w.rsplit(b"\r\n\r\n", 1)[1] for w in writes] == [b"0", b"1", b"2"]


def test_a_streamed_body_sends_its_head_with_the_first_chunk_then_each_chunk(port: int) -> None:
    with connection(port) as (client, recorded):
        client.request("GET", "/stream")
        response = client.getresponse()
        assert response.getheader("transfer-encoding") == "chunked"
        assert response.read() == b"onetwo"
        writes = settled(recorded, 3)
        assert writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
        assert writes[0].endswith(b"\r\n\r\n3\r\none\r\n")
        assert writes[1:] == [b"3\r\ntwo\r\n", b"0\r\n\r\n"]


def test_a_head_request_gets_its_head_and_the_connection_goes_on(port: int) -> None:
    with connection(port) as (client, recorded):
        client.request("HEAD", "/echo")
        response = client.getresponse()
        assert response.status == 200
        assert response.getheader("content-length") == str(len(PAYLOAD))
        assert response.read() == b""
        client.request("GET", "/echo")
        assert client.getresponse().read() == PAYLOAD
        writes = settled(recorded, 2)
        assert writes[0].startswith(b"HTTP/1.1 200 OK\r\n") and writes[0].endswith(b"\r\n\r\n")
        assert writes[1].endswith(PAYLOAD)


def test_100_continue_is_not_held_back(port: int) -> None:
    body = b'{"message": "large"}'
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)
        )
        assert sock.recv(1024) == b"HTTP/1.1 100 Continue\r\n\r\n"  # before the body is sent
        sock.sendall(body)
        answer = b""
        while not answer.endswith(body):
            chunk = sock.recv(4096)
            assert chunk, f"connection closed after {answer!r}"
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n")


def test_pipelined_requests_are_answered_in_order(port: int) -> None:
    request = b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n%s"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request % b"a" + request % b"b")
        answer = b""
        while answer.count(b"HTTP/1.1 200 OK") < 2 or not answer.endswith(b"b"):
            chunk = sock.recv(4096)
            assert chunk, f"connection closed after {answer!r}"
            answer += chunk
    first, second = answer.split(b"HTTP/1.1 200 OK")[1:]
    assert first.endswith(b"\r\n\r\na") and second.endswith(b"\r\n\r\nb")


def test_an_app_that_fails_before_answering_gets_uvicorns_500_in_one_write(port: int) -> None:
    with connection(port) as (client, recorded):
        client.request("GET", "/fail")
        response = client.getresponse()
        assert (response.status, response.read()) == (500, b"Internal Server Error")
        [write] = settled(recorded, 1)
        assert write.startswith(b"HTTP/1.1 500 Internal Server Error\r\n")
        assert write.endswith(b"\r\n\r\nInternal Server Error")
