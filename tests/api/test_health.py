"""Liveness, readiness (503 until the model is loaded), metrics, OpenAPI."""

from __future__ import annotations

import asyncio
import gc
import threading

import httpx
import pytest

from orchestrator.classifiers.base import Classifier
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.config import Settings
from orchestrator.main import create_app
from support.apps import serving


@pytest.mark.parametrize("path", ["/api/v1/health", "/health"])
async def test_when_alive_then_health_ok(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@pytest.mark.parametrize("path", ["/api/v1/ready", "/ready"])
async def test_when_model_loaded_then_ready(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.json()["checks"]["model"] is True


async def test_when_model_still_loading_then_503_until_loaded(
    settings: Settings, local_classifier: LocalClassifier
) -> None:
    gate = threading.Event()

    def slow_loader(_: Settings) -> Classifier:
        gate.wait(timeout=30)
        return local_classifier

    app = create_app(settings, loader=slow_loader)
    async with serving(app) as http:
        ready = await http.get("/api/v1/ready")
        assert ready.status_code == 503
        assert ready.headers["retry-after"]
        assert ready.json()["error"]["code"] == "not_ready"
        refused = await http.post("/api/v1/classify", json={"message": "hours?"})
        assert refused.status_code == 503
        assert refused.headers["retry-after"]
        assert (await http.get("/api/v1/health")).status_code == 200

        gate.set()
        await asyncio.wait_for(app.state.runtime.ready.wait(), timeout=30)
        assert (await http.get("/api/v1/ready")).status_code == 200
        assert (await http.post("/api/v1/classify", json={"message": "hours?"})).status_code == 200


async def test_when_the_service_loads_its_model_then_what_it_loaded_is_frozen_for_the_gc(
    settings: Settings, local_classifier: LocalClassifier
) -> None:
    app = create_app(settings, loader=lambda _: local_classifier)
    try:
        async with serving(app) as http:
            await asyncio.wait_for(app.state.runtime.ready.wait(), timeout=30)
            assert gc.get_freeze_count() > 0  # full collections skip the long-lived heap
            assert (await http.get("/api/v1/ready")).status_code == 200
    finally:
        gc.unfreeze()  # the rest of the suite runs with its usual collector


async def test_when_model_fails_to_load_then_not_ready_with_reason(settings: Settings) -> None:
    def broken_loader(_: Settings) -> Classifier:
        raise FileNotFoundError("heads.npz")

    app = create_app(settings, loader=broken_loader)
    async with serving(app) as http:
        for _ in range(50):
            response = await http.get("/ready")
            if "load_error" in response.json()["error"]["details"]:
                break
            await asyncio.sleep(0.02)
        assert response.status_code == 503
        assert "heads.npz" in response.json()["error"]["details"]["load_error"]


async def test_when_classified_then_metrics_count_it(client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/classify", json={"message": "do you sell thermometers"})
    text = (await client.get("/metrics")).text
    assert "classification_requests_total" in text
    assert 'classification_by_category_total{category="informational",tier="local"}' in text
    assert "classification_latency_seconds_bucket" in text


async def test_when_docs_requested_then_openapi_served(client: httpx.AsyncClient) -> None:
    assert (await client.get("/docs")).status_code == 200
    schema = (await client.get("/openapi.json")).json()
    assert "/api/v1/classify" in schema["paths"]


async def test_when_docs_requested_then_classify_is_documented_once_with_its_body(
    client: httpx.AsyncClient,
) -> None:
    """The route that answers is a plain Starlette route; FastAPI's twin documents it."""
    schema = (await client.get("/openapi.json")).json()
    operation = schema["paths"]["/api/v1/classify"]
    assert list(operation) == ["post"]
    post = operation["post"]
    assert post["requestBody"] == {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ClassifyRequest"}}
        },
    }
    request_schema = schema["components"]["schemas"]["ClassifyRequest"]
    assert request_schema["required"] == ["message"]
    assert request_schema["properties"]["channel"]["$ref"] == "#/components/schemas/Channel"
    assert "Channel" in schema["components"]["schemas"]
    ok = post["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/ClassifyResponse"}
    assert {"400", "401", "403", "429", "503"} <= set(post["responses"])
    assert "422" not in post["responses"]
    operation_ids = [op["operationId"] for path in schema["paths"].values() for op in path.values()]
    assert len(operation_ids) == len(set(operation_ids))
