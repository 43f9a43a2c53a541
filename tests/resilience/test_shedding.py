"""Load shedding: a burst beyond ORCH_MAX_CONCURRENT_REQUESTS is refused at once with 503 and
Retry-After (nothing queues), while health, readiness and metrics keep answering."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry, Gauge

from orchestrator.classifiers.base import Prediction
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.config import Settings
from orchestrator.main import create_app
from orchestrator.resilience.shedding import ConcurrencyLimit
from support.apps import serving

CAPACITY = 3
BURST = 12
SAFETY_TIMEOUT = 120  # only so a broken shedder fails instead of hanging the suite


class GatedClassifier(LocalClassifier):
    """The real classifier, holding every request at a gate the test opens."""

    def __init__(self, inner: LocalClassifier, *, expected: int) -> None:
        super().__init__(inner.embedder, inner.model)
        self.gate = asyncio.Event()
        self.waiting = 0
        self.expected = expected
        self.all_waiting = asyncio.Event()

    async def classify(self, text: str) -> Prediction:
        self.waiting += 1
        if self.waiting >= self.expected:
            self.all_waiting.set()
        await self.gate.wait()
        return await super().classify(text)


def test_when_capacity_reached_then_acquire_refuses_without_waiting() -> None:
    registry = CollectorRegistry()
    limit = ConcurrencyLimit(2, gauge=Gauge("in_flight", "test", registry=registry))
    assert limit.try_acquire() and limit.try_acquire()
    assert not limit.try_acquire()
    assert registry.get_sample_value("in_flight") == 2
    limit.release()
    assert limit.try_acquire()
    limit.release()
    limit.release()
    assert limit.in_flight == 0
    with pytest.raises(RuntimeError):
        limit.release()
    with pytest.raises(ValueError):
        ConcurrencyLimit(0)


async def test_when_burst_exceeds_capacity_then_extra_requests_shed_at_once(
    tmp_path: Path, local_classifier: LocalClassifier
) -> None:
    classifier = GatedClassifier(local_classifier, expected=CAPACITY)
    settings = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'burst.db'}",
        max_concurrent_requests=CAPACITY,
        rate_limit_per_minute=10_000,
    )
    async with serving(create_app(settings, classifier=classifier)) as http:
        burst = [
            asyncio.create_task(
                http.post("/api/v1/classify", json={"message": f"refill number {n} please"})
            )
            for n in range(BURST)
        ]
        # With the gate shut, only refusals can finish: all of them must, while CAPACITY wait.
        refused: list[httpx.Response] = []
        async with asyncio.timeout(SAFETY_TIMEOUT):
            for finished in asyncio.as_completed(burst):
                refused.append(await finished)
                if len(refused) == BURST - CAPACITY:
                    break
            await classifier.all_waiting.wait()
        assert classifier.waiting == CAPACITY
        assert [r.status_code for r in refused] == [503] * (BURST - CAPACITY)
        assert all(r.headers["retry-after"] == "1" for r in refused)
        assert all(r.json()["error"]["code"] == "overloaded" for r in refused)
        assert all(r.headers["x-request-id"] for r in refused)

        for path in ("/health", "/ready", "/api/v1/health", "/api/v1/ready", "/metrics"):
            assert (await http.get(path)).status_code == 200, path
        during = (await http.get("/metrics")).text
        assert f"requests_in_flight {float(CAPACITY)}" in during
        assert f"shed_total {float(BURST - CAPACITY)}" in during

        classifier.gate.set()
        async with asyncio.timeout(SAFETY_TIMEOUT):
            served = await asyncio.gather(*(t for t in burst if not t.done()))
        assert [r.status_code for r in served] == [200] * CAPACITY
        after = (await http.get("/metrics")).text
        retry = await http.post("/api/v1/classify", json={"message": "and now?"})

    assert "requests_in_flight 0.0" in after
    shed = 'classification_requests_total{category="none",channel="none",status="shed"}'
    assert f"{shed} {float(BURST - CAPACITY)}" in after
    assert retry.status_code == 200
