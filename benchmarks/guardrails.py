"""What the guardrails cost per request: prints figures, asserts nothing.

    .venv/bin/python benchmarks/guardrails.py            # Redis at 127.0.0.1:6379 if running

- the in-process limiter's decision, and the Redis limiter's (one script round trip);
- the PII redaction of one access-log line (values seen before are cached) and of a line with
  new free text;
- the edge middleware (request id, shedding, rate limit, metrics, access line) around a trivial
  route, against the route alone, and the access line by itself;
- a burst of concurrent classify requests against max_concurrent_requests: admitted and shed.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import httpx  # noqa: E402
from prometheus_client import CollectorRegistry  # noqa: E402

from orchestrator.config import DEFAULT_MODEL_DIR, Settings  # noqa: E402
from orchestrator.observability.logging import RedactPII  # noqa: E402
from orchestrator.observability.metrics import Metrics  # noqa: E402
from orchestrator.resilience.ratelimit import MemoryRateLimiter  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/0"


def per_call_us(seconds: float, calls: int) -> float:
    return seconds / calls * 1e6


async def limiters() -> None:
    memory = MemoryRateLimiter()
    calls = 100_000
    started = time.perf_counter()
    for n in range(calls):
        await memory.acquire(f"addr:10.0.{n % 250}.{n % 7}", 60)
    print(
        f"memory limiter: {per_call_us(time.perf_counter() - started, calls):.1f} µs per decision"
    )

    from redis.exceptions import RedisError

    from orchestrator.resilience.redis_ratelimit import RedisRateLimiter

    redis_limiter = RedisRateLimiter.from_url(
        REDIS_URL,
        prefix=f"orch-bench:{uuid.uuid4().hex}:",
        timeout=1.0,
        metrics=Metrics(CollectorRegistry()),
    )
    try:
        await redis_limiter.acquire("warm-up", 60)
        times = []
        for n in range(2_000):
            started = time.perf_counter()
            verdict = await redis_limiter.acquire(f"addr:10.1.{n % 250}.1", 60)
            times.append((time.perf_counter() - started) * 1000)
            if verdict.degraded:
                raise RedisError("Redis unreachable")
        quantiles = statistics.quantiles(times, n=100)
        print(
            f"redis limiter: p50 {statistics.median(times):.3f} ms, p99 {quantiles[98]:.3f} ms "
            "per decision (local Redis, one EVALSHA)"
        )
    except (RedisError, OSError) as exc:
        print(f"redis limiter: skipped ({exc})")
    finally:
        await redis_limiter.aclose()


def redaction() -> None:
    redact = RedactPII()
    line = {
        "method": "POST",
        "path": "/api/v1/classify",
        "status": 200,
        "latency_ms": 9.3,
        "category": "service_action",
        "confidence": 0.93,
        "tier": "local",
        "channel": "chat",
        "event": "request",
        "request_id": uuid.uuid4().hex,
    }
    calls = 20_000
    started = time.perf_counter()
    for _ in range(calls):
        redact(None, "info", dict(line))
    cached = per_call_us(time.perf_counter() - started, calls)
    texts = [
        f"order {n} failed: customer wrote to desk {n} about a late parcel" for n in range(500)
    ]
    started = time.perf_counter()
    for text in texts:
        redact(None, "warning", {"event": "order_lookup_failed", "error": text})
    fresh = per_call_us(time.perf_counter() - started, len(texts))
    print(f"PII redaction: {cached:.1f} µs per access-log line, {fresh:.0f} µs per new free text")


async def edge() -> None:
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route
    from starlette.types import Message, Scope

    from orchestrator.api.edge import EdgeMiddleware
    from orchestrator.api.middleware import access_line
    from orchestrator.observability.logging import configure_logging
    from orchestrator.resilience.shedding import ConcurrencyLimit

    async def endpoint(_: object) -> Response:
        return Response(b'{"ok":true}', media_type="application/json")

    app = Starlette(routes=[Route("/api/v1/classify", endpoint, methods=["POST"])])
    router = app.router
    settings = Settings(environment="test", rate_limit_per_minute=100_000_000)
    metrics = Metrics(CollectorRegistry())
    edged = EdgeMiddleware(
        router,
        settings=settings,
        metrics=metrics,
        limiter=MemoryRateLimiter(),
        limit=ConcurrencyLimit(1_000, gauge=metrics.in_flight),
    )

    async def receive() -> Message:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def send(_: Message) -> None:
        pass

    def scope() -> Scope:
        return {
            "type": "http",
            "method": "POST",
            "path": "/api/v1/classify",
            "headers": [(b"host", b"bench"), (b"content-type", b"application/json")],
            "client": ("127.0.0.1", 50000),
            "app": app,
            "query_string": b"",
            "root_path": "",
        }

    async def per_request_us(app: object) -> float:
        best = float("inf")
        for _ in range(5):
            calls = 5_000
            started = time.perf_counter()
            for _ in range(calls):
                await app(scope(), receive, send)  # type: ignore[operator]
            best = min(best, per_call_us(time.perf_counter() - started, calls))
        return best

    real_stderr = sys.stderr
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - the access lines go nowhere
    try:
        configure_logging("INFO", json=True)
        bare, wrapped = await per_request_us(router), await per_request_us(edged)
        calls = 20_000
        started = time.perf_counter()
        for _ in range(calls):
            access_line(scope(), 200, started, {"category": "informational", "tier": "local"})
        line = per_call_us(time.perf_counter() - started, calls)
    finally:
        sys.stderr.close()
        sys.stderr = real_stderr
    print(
        f"edge middleware: a trivial route {bare:.1f} µs alone, {wrapped:.1f} µs behind it "
        f"(+{wrapped - bare:.1f} µs a request); the access line alone {line:.1f} µs"
    )


async def burst() -> None:
    from orchestrator.classifiers.local import LocalClassifier
    from orchestrator.main import create_app

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            environment="test",
            database_url=f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
            max_concurrent_requests=8,
            rate_limit_per_minute=100_000,
            kb_dir=None,
        )
        app = create_app(settings, classifier=LocalClassifier.from_paths(DEFAULT_MODEL_DIR))
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://bench") as http,
        ):
            body = {"message": "when does the pharmacy open on sunday"}
            await http.post("/api/v1/classify", json=body)
            started = time.perf_counter()
            responses = await asyncio.gather(
                *(http.post("/api/v1/classify", json=body) for _ in range(200))
            )
            elapsed = time.perf_counter() - started
    statuses = [r.status_code for r in responses]
    print(
        f"burst of 200 concurrent classify requests, max_concurrent_requests=8: "
        f"{statuses.count(200)} served, {statuses.count(503)} shed (503) in {elapsed:.2f} s"
    )


def main() -> None:
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    asyncio.run(limiters())
    redaction()
    asyncio.run(edge())
    asyncio.run(burst())


if __name__ == "__main__":
    main()
