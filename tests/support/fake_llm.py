"""A chat-completions server on loopback: scripted answers, faults on demand.

It speaks the part of the OpenAI protocol the LLM tier uses (``POST …/chat/completions``), so the
real SDK sends, parses and fails against it. Each request takes the next scripted ``Reply``; when
the script is empty, ``default`` answers (a well-formed answer, or a fault to repeat forever).

    server = FakeLLM()
    server.script(Reply.fault(500), Reply.rate_limited(retry_after="7"), Reply.answer("refund"…))
    … the tier calls server.base_url …
    server.requests      # what arrived: headers and the parsed JSON body, in order
    server.close()

Connection refused needs no server: ``refused_url()`` names a port nothing listens on.
Run it by hand (``python tests/support/fake_llm.py --port 8099``) to point the service at it.
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

try:
    from support.loopback import LoopbackServer
except ModuleNotFoundError:  # run as a script: python tests/support/fake_llm.py --port N
    from loopback import LoopbackServer  # type: ignore[no-redef]

MODEL = "fake-pharmacy-triage"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def refused_url() -> str:
    """A base URL on a loopback port with no listener: every connect is refused."""
    return f"http://127.0.0.1:{free_port()}/v1"


def completion(content: str, *, prompt_tokens: int = 120, completion_tokens: int = 30) -> bytes:
    """A chat.completion body whose one choice carries ``content``."""
    body = {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }
    return json.dumps(body).encode()


def answer_content(
    category: str,
    confidence: float = 0.9,
    *,
    intent: str | None = None,
    severity: str | None = None,
    reasoning: str = "scripted answer",
) -> str:
    return json.dumps(
        {
            "reasoning": reasoning,
            "category": category,
            "confidence": confidence,
            "intent": intent,
            "severity": severity,
        }
    )


@dataclass(frozen=True)
class Reply:
    """One scripted response: a status, headers, a raw body, after an optional delay."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    name: str = "answer"

    @classmethod
    def answer(
        cls,
        category: str,
        confidence: float = 0.9,
        *,
        intent: str | None = None,
        severity: str | None = None,
        prompt_tokens: int = 120,
        completion_tokens: int = 30,
        delay: float = 0.0,
    ) -> Reply:
        content = answer_content(category, confidence, intent=intent, severity=severity)
        body = completion(content, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        return cls(body=body, delay=delay)

    @classmethod
    def content(cls, content: str, name: str = "content") -> Reply:
        """A well-formed completion whose message content is ``content`` verbatim."""
        return cls(body=completion(content), name=name)

    @classmethod
    def malformed_json(cls) -> Reply:
        return cls.content('{"category": "informational", "confidence": 0.9', "malformed_json")

    @classmethod
    def wrong_schema(cls) -> Reply:
        return cls.content(json.dumps({"label": "refund", "score": "high"}), "wrong_schema")

    @classmethod
    def fault(cls, status: int, headers: dict[str, str] | None = None) -> Reply:
        error = {"error": {"message": "injected fault", "type": "server_error", "code": None}}
        return cls(status, json.dumps(error).encode(), dict(headers or {}), name=f"http_{status}")

    @classmethod
    def rate_limited(cls, retry_after: str = "1") -> Reply:
        return cls.fault(429, {"Retry-After": retry_after})

    @classmethod
    def slow(cls, delay: float) -> Reply:
        return cls.answer("informational", delay=delay)


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float  # monotonic

    @property
    def user_message(self) -> str:
        return str(self.body["messages"][-1]["content"])


class FakeLLM(LoopbackServer):
    """A loopback HTTP server speaking chat completions."""

    protocol_version = "HTTP/1.1"

    def __init__(self, default: Reply | None = None, port: int = 0) -> None:
        self.default = default or Reply.answer("informational", 0.9)
        self._script: list[Reply] = []
        self.requests: list[Received] = []
        self.lock = threading.Lock()
        super().__init__(port)

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    def script(self, *replies: Reply) -> None:
        with self.lock:
            self._script.extend(replies)

    @property
    def calls(self) -> int:
        with self.lock:
            return len(self.requests)

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        headers = {k.lower(): v for k, v in request.headers.items()}
        raw = request.rfile.read(int(headers.get("content-length", "0")))
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = {}
        with self.lock:
            self.requests.append(Received(request.path, headers, body, time.monotonic()))
            reply = self._script.pop(0) if self._script else self.default
        if not request.path.endswith("/chat/completions"):
            reply = Reply.fault(404)
        if reply.delay:
            time.sleep(reply.delay)
        request.send_response(reply.status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(reply.body)))
        request.send_header("x-request-id", f"req_fake_{len(self.requests)}")
        for name, value in reply.headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(reply.body)


class RecordedSleeps(list[float]):
    """The tier's sleep, injected: records each wait and yields without waiting it out."""

    async def __call__(self, seconds: float) -> None:
        import asyncio

        self.append(seconds)
        await asyncio.sleep(0)


class ManualClock:
    """A monotonic clock the test moves by hand (for breaker cool-downs)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def llm_settings(base_url: str, tmp_path: Path | None = None, **overrides: Any) -> Any:
    """Settings for a tier pointed at ``base_url``: short timeout and backoff, test database."""
    from orchestrator.config import Settings

    values: dict[str, Any] = {
        "environment": "test",
        "llm_base_url": base_url,
        "llm_model": MODEL,
        "llm_timeout_seconds": 0.5,
        "llm_backoff_seconds": 0.01,
        "llm_backoff_max_seconds": 0.05,
        "log_json": True,
        "rate_limit_per_minute": 100_000,  # these tests hammer one app from one client
    }
    if tmp_path is not None:
        values["database_url"] = f"sqlite+aiosqlite:///{tmp_path / 'orchestrator.db'}"
    values.update(overrides)
    return Settings(**values)


def main() -> None:  # pragma: no cover - a manual tool
    parser = argparse.ArgumentParser(description="A loopback chat-completions server")
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--category", default="informational")
    parser.add_argument("--confidence", type=float, default=0.9)
    args = parser.parse_args()
    fake = FakeLLM(Reply.answer(args.category, args.confidence), port=args.port)
    print(f"serving chat completions on {fake.base_url}", flush=True)
    try:
        fake.thread.join()
    except KeyboardInterrupt:
        fake.close()


if __name__ == "__main__":  # pragma: no cover
    main()
