"""Rate limiting over HTTP: 429 with Retry-After and RateLimit headers, per key and tier, per
address (X-Forwarded-For only from trusted proxies), never on health, readiness or metrics."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from orchestrator.api.clients import client_address
from orchestrator.auth import service as key_service
from orchestrator.auth.models import Scope
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.config import Settings
from orchestrator.main import create_app
from support.apps import serving

MESSAGE = {"message": "do you sell reading glasses?"}


@pytest.fixture
def make_app(tmp_path: Path, local_classifier: LocalClassifier) -> Any:
    def make(**overrides: Any) -> FastAPI:
        settings = Settings(
            environment="test",
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'limits.db'}",
            **overrides,
        )
        return create_app(settings, classifier=local_classifier)

    return make


async def new_key(app: FastAPI, tier: str | None = None) -> str:
    async with app.state.runtime.sessions() as session:
        _, plaintext = await key_service.create_key(
            session, name="t", scopes=[Scope.CLASSIFY], tier=tier
        )
    return plaintext


async def statuses(http: httpx.AsyncClient, n: int, **kwargs: Any) -> list[int]:
    return [
        (await http.post("/api/v1/classify", json=MESSAGE, **kwargs)).status_code for _ in range(n)
    ]


async def test_when_over_the_limit_then_429_with_retry_after_and_ratelimit_headers(
    make_app: Any,
) -> None:
    async with serving(make_app(rate_limit_per_minute=3)) as http:
        admitted = [await http.post("/api/v1/classify", json=MESSAGE) for _ in range(3)]
        refused = await http.post(
            "/api/v1/classify", json=MESSAGE, headers={"X-Request-ID": "limited-1"}
        )
        metrics = (await http.get("/metrics")).text
    assert [r.status_code for r in admitted] == [200, 200, 200]
    assert [r.headers["ratelimit-remaining"] for r in admitted] == ["2", "1", "0"]
    assert all(r.headers["ratelimit-limit"] == "3" for r in admitted)
    assert admitted[0].headers["ratelimit-policy"] == "3;w=60"
    assert admitted[0].headers["ratelimit-reset"] == "20"
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "20"
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["x-request-id"] == "limited-1"
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.json()["error"]["details"] == {"limit_per_minute": 3, "retry_after_seconds": 20}
    assert 'rate_limited_total{tier="default"} 1.0' in metrics
    assert (
        'classification_requests_total{category="none",channel="none",status="rate_limited"} 1.0'
        in metrics
    )


@pytest.mark.parametrize(
    "path", ["/health", "/ready", "/api/v1/health", "/api/v1/ready", "/metrics"]
)
async def test_when_limited_then_health_ready_and_metrics_still_answer(
    make_app: Any, path: str
) -> None:
    async with serving(make_app(rate_limit_per_minute=1)) as http:
        assert await statuses(http, 2) == [200, 429]
        for _ in range(3):
            response = await http.get(path)
            assert response.status_code == 200
            assert "ratelimit-limit" not in response.headers


async def test_when_keys_sent_then_each_key_has_its_own_bucket_and_tier(make_app: Any) -> None:
    app = make_app(rate_limit_per_minute=2, rate_limit_tiers={"partner": 5})
    async with serving(app) as http:
        default_key, partner_key = await new_key(app), await new_key(app, tier="partner")
        assert await statuses(http, 3) == [200, 200, 429]  # the address's bucket
        assert await statuses(http, 3, headers={"X-API-Key": default_key}) == [200, 200, 429]
        bearer = {"Authorization": f"Bearer {partner_key}"}
        assert await statuses(http, 6, headers=bearer) == [200] * 5 + [429]
        refused = await http.post("/api/v1/classify", json=MESSAGE, headers=bearer)
        metrics = (await http.get("/metrics")).text
    assert refused.headers["ratelimit-limit"] == "5"
    assert 'rate_limited_total{tier="partner"} 2.0' in metrics
    assert 'rate_limited_total{tier="default"} 2.0' in metrics


async def test_when_key_is_forged_then_it_cannot_spend_the_real_keys_bucket(
    make_app: Any,
) -> None:
    app = make_app(rate_limit_per_minute=2)
    async with serving(app, peer=("192.0.2.10", 1000)) as attacker:
        real = await new_key(app)
        forged = "_".join([*real.split("_")[:2], "not-the-secret"])
        assert await statuses(attacker, 3, headers={"X-API-Key": forged}) == [200, 200, 429]
        async with serving(app, peer=("192.0.2.20", 1000)) as owner:
            assert await statuses(owner, 2, headers={"X-API-Key": real}) == [200, 200]


async def test_when_key_lookup_fails_then_limited_by_address_and_route_reports_it(
    make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app(rate_limit_per_minute=2)
    async with serving(app) as http:
        key = await new_key(app)
        async with app.state.runtime.engine.begin() as connection:
            await connection.execute(text("DROP TABLE api_keys"))  # the key store is gone
        capsys.readouterr()
        sent = await statuses(http, 3, headers={"X-API-Key": key})
        tickets = await http.get("/api/v1/tickets", headers={"X-API-Key": key})
    assert sent == [200, 200, 429]  # classify needs no key here; the address's bucket applies
    assert tickets.status_code == 429
    assert "rate_limit_key_lookup_failed" in capsys.readouterr().err


async def test_when_behind_trusted_proxy_then_forwarded_client_gets_the_bucket(
    make_app: Any,
) -> None:
    app = make_app(rate_limit_per_minute=1, trusted_proxies=["10.0.0.0/8"])
    async with serving(app, peer=("10.1.2.3", 443)) as proxy:
        first = {"X-Forwarded-For": "203.0.113.7"}
        second = {"X-Forwarded-For": "203.0.113.8"}
        spoofed = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}  # client-written left part
        assert await statuses(proxy, 2, headers=first) == [200, 429]
        assert await statuses(proxy, 1, headers=second) == [200]
        assert await statuses(proxy, 1, headers=spoofed) == [429]


async def test_when_peer_not_trusted_then_forwarded_for_is_ignored(make_app: Any) -> None:
    app = make_app(rate_limit_per_minute=1, trusted_proxies=["10.0.0.0/8"])
    async with serving(app, peer=("192.0.2.55", 443)) as direct:
        assert await statuses(direct, 1, headers={"X-Forwarded-For": "203.0.113.7"}) == [200]
        assert await statuses(direct, 1, headers={"X-Forwarded-For": "203.0.113.9"}) == [429]


TRUSTED = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")]


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "client"),
    [
        ("192.0.2.1", None, TRUSTED, "192.0.2.1"),  # no proxy
        ("192.0.2.1", "203.0.113.7", TRUSTED, "192.0.2.1"),  # untrusted peer: header ignored
        ("10.0.0.5", "203.0.113.7", [], "10.0.0.5"),  # no trusted proxies configured
        ("10.0.0.5", "203.0.113.7", TRUSTED, "203.0.113.7"),
        ("10.0.0.5", "203.0.113.7, 10.0.0.9", TRUSTED, "203.0.113.7"),  # two of our hops
        ("10.0.0.5", "1.1.1.1, 203.0.113.7", TRUSTED, "203.0.113.7"),  # spoofed left part
        ("10.0.0.5", "10.0.0.7, 10.0.0.8", TRUSTED, "10.0.0.7"),  # all ours: leftmost
        ("10.0.0.5", "garbage, 10.0.0.8", TRUSTED, "10.0.0.8"),  # garbage: last trusted hop
        ("10.0.0.5", "203.0.113.7:5123", TRUSTED, "203.0.113.7"),  # a port is dropped
        ("::1", "[2001:db8::1]:443", TRUSTED, "2001:db8::1"),
        ("10.0.0.5", "", TRUSTED, "10.0.0.5"),
        ("testclient", "203.0.113.7", TRUSTED, "testclient"),  # not an IP: as given
    ],
)
def test_when_forwarded_for_then_rightmost_untrusted_is_client(
    peer: str, forwarded: str | None, trusted: list[Any], client: str
) -> None:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    scope = {"type": "http", "client": (peer, 1), "headers": headers}
    assert client_address(scope, trusted) == client


def test_when_no_peer_then_unknown() -> None:
    assert client_address({"type": "http", "headers": []}, TRUSTED) == "unknown"
