"""/metrics: the classify outcome counter by category, channel and status; HTTP metrics by
route template; and, with several uvicorn workers, every scrape counts every worker's requests."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from orchestrator.api.telemetry import classify_status
from support.server import ServerProcess


def samples(scrape: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(scrape)
        for sample in family.samples
        if sample.name == name
    }


async def test_when_classified_then_outcomes_counted_by_category_channel_status(
    client: httpx.AsyncClient,
) -> None:
    await client.post(
        "/api/v1/classify", json={"message": "what are your hours today", "channel": "voice"}
    )
    await client.post("/api/v1/classify", json={"message": "   "})
    await client.post("/api/v1/classify", content=b"{not json", headers={"content-type": "a/b"})
    counted = samples((await client.get("/metrics")).text, "classification_requests_total")
    assert counted == {
        (("category", "informational"), ("channel", "voice"), ("status", "ok")): 1.0,
        (("category", "none"), ("channel", "none"), ("status", "invalid")): 2.0,
    }


async def test_when_requests_served_then_http_metrics_use_route_templates(
    client: httpx.AsyncClient,
) -> None:
    await client.get("/api/v1/tickets/TKT-123")
    await client.get("/api/v1/tickets/TKT-456")
    await client.get("/no/such/path/42")
    await client.request("BREW", "/api/v1/health")
    scrape = (await client.get("/metrics")).text
    counted = samples(scrape, "http_requests_total")
    assert (
        counted[(("method", "GET"), ("route", "/api/v1/tickets/{ticket_id}"), ("status", "401"))]
        == 2
    )
    assert counted[(("method", "GET"), ("route", "<unmatched>"), ("status", "404"))] == 1
    assert counted[(("method", "OTHER"), ("route", "/api/v1/health"), ("status", "405"))] == 1
    durations = samples(scrape, "http_request_duration_seconds_count")
    assert durations[(("method", "GET"), ("route", "/api/v1/tickets/{ticket_id}"))] == 2
    assert samples(scrape, "requests_in_flight") == {(): 0.0}


@pytest.mark.parametrize(
    ("status", "refused", "label"),
    [
        (200, None, "ok"),
        (400, None, "invalid"),
        (415, None, "invalid"),
        (401, None, "unauthorized"),
        (403, None, "unauthorized"),
        (429, "rate_limited", "rate_limited"),
        (503, "shed", "shed"),
        (503, None, "unavailable"),
        (500, None, "error"),
    ],
)
def test_when_response_status_known_then_classify_outcome_label(
    status: int, refused: str | None, label: str
) -> None:
    assert classify_status(status, refused) == label


WORKERS = 2
BATCH = 16
MAX_BATCHES = 25


def classify_once(url: str) -> int:
    """One request on its own connection, so the kernel may hand it to either worker."""
    with httpx.Client(timeout=60) as http:
        return http.post(f"{url}/api/v1/classify", json={"message": "when do you open"}).status_code


def per_worker_classify_counts(folder: Path) -> list[float]:
    """Each worker's own classify count, read from its file in the multiprocess folder."""
    counts = []
    for path in sorted(folder.glob("counter_*.db")):
        merged = MultiProcessCollector.merge([str(path)], accumulate=True)  # type: ignore[no-untyped-call]
        counts.append(
            sum(
                sample.value
                for family in merged
                for sample in family.samples
                if sample.name == "classification_requests_total"
            )
        )
    return counts


@pytest.mark.slow
def test_when_served_by_several_workers_then_every_scrape_counts_all_of_them(
    tmp_path: Path, repo_root: Path
) -> None:
    metrics_dir = tmp_path / "metrics"
    server = ServerProcess(
        env={
            **os.environ,
            "ORCH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'workers.db'}",
            "ORCH_KB_DIR": str(repo_root / "data" / "kb"),
            "ORCH_RATE_LIMIT_PER_MINUTE": "100000",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "HF_HUB_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
        },
        workdir=tmp_path,
        serve_args=("--workers", str(WORKERS)),
    )
    server.start()
    try:
        sent = 0
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(MAX_BATCHES):
                statuses = list(pool.map(classify_once, [server.url] * BATCH))
                sent += len(statuses)
                assert set(statuses) <= {200, 503}  # 503: a worker still loading its model
                counts = per_worker_classify_counts(metrics_dir)
                if len(counts) == WORKERS and all(counts):
                    break
        assert len(counts) == WORKERS and all(counts), f"one worker served everything: {counts}"
        assert sum(counts) == sent

        for _ in range(2 * WORKERS):  # whichever worker answers the scrape
            with httpx.Client(timeout=30) as http:
                scrape = http.get(f"{server.url}/metrics").text
            assert sum(samples(scrape, "classification_requests_total").values()) == sent
            routed = samples(scrape, "http_requests_total")
            assert sum(v for k, v in routed.items() if ("route", "/api/v1/classify") in k) == sent
            assert samples(scrape, "requests_in_flight") == {(): 0.0}
    finally:
        server.stop()
