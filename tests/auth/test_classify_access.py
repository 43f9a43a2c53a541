"""Who may classify: open in development, a key with the classify scope where required (always
in production, which refuses to start otherwise); keys carry a rate-limit tier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from orchestrator.auth import service as key_service
from orchestrator.auth.models import Scope
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.cli import app as cli
from orchestrator.config import Settings
from orchestrator.main import create_app
from support.apps import serving

runner = CliRunner()
MESSAGE = {"message": "can I refill my prescription online?"}


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'access.db'}"
    monkeypatch.setenv("ORCH_DATABASE_URL", url)
    return url


async def test_when_keys_required_then_classify_needs_the_classify_scope(
    database: str, local_classifier: LocalClassifier
) -> None:
    settings = Settings(environment="test", database_url=database, classify_requires_key=True)
    app = create_app(settings, classifier=local_classifier)
    async with serving(app) as http:
        async with app.state.runtime.sessions() as session:
            keys = {
                scope: (await key_service.create_key(session, name=scope, scopes=[Scope(scope)]))[1]
                for scope in ("classify", "tickets:read", "admin")
            }
        anonymous = await http.post("/api/v1/classify", json=MESSAGE)
        wrong_scope = await http.post(
            "/api/v1/classify", json=MESSAGE, headers={"X-API-Key": keys["tickets:read"]}
        )
        allowed = [
            await http.post("/api/v1/classify", json=MESSAGE, headers={"X-API-Key": keys[s]})
            for s in ("classify", "admin")
        ]
        bearer = await http.post(
            "/api/v1/classify",
            json=MESSAGE,
            headers={"Authorization": f"Bearer {keys['classify']}"},
        )
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert anonymous.json()["error"]["code"] == "unauthorized"
    assert wrong_scope.status_code == 403
    assert [r.status_code for r in allowed] == [200, 200]
    assert bearer.status_code == 200


async def test_when_keys_required_then_a_refused_request_is_refused_before_its_body_is_read(
    database: str, local_classifier: LocalClassifier
) -> None:
    settings = Settings(environment="test", database_url=database, classify_requires_key=True)
    app = create_app(settings, classifier=local_classifier)
    headers = {"content-type": "application/json"}
    async with serving(app) as http:
        garbage = await http.post("/api/v1/classify", content=b"{not json", headers=headers)
        empty = await http.post("/api/v1/classify", headers=headers)
        wrong_type = await http.post("/api/v1/classify", content=b"x", headers={})
    # The route checks access first: a caller without a key learns nothing about the body.
    assert [r.status_code for r in (garbage, empty, wrong_type)] == [401, 401, 401]
    assert {r.json()["error"]["code"] for r in (garbage, empty, wrong_type)} == {"unauthorized"}


async def test_when_development_then_classify_is_open(
    database: str, local_classifier: LocalClassifier
) -> None:
    settings = Settings(database_url=database)
    assert settings.environment == "development"
    async with serving(create_app(settings, classifier=local_classifier)) as http:
        assert (await http.post("/api/v1/classify", json=MESSAGE)).status_code == 200


@pytest.mark.parametrize("variable", ["ORCH_ENV", "ORCH_ENVIRONMENT"])
def test_when_production_then_keys_are_required(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "production")
    settings = Settings()
    assert settings.environment == "production"
    assert settings.classify_key_required
    monkeypatch.setenv("ORCH_CLASSIFY_REQUIRES_KEY", "true")
    assert Settings().classify_key_required


def test_when_production_with_open_classify_then_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, database: str
) -> None:
    monkeypatch.setenv("ORCH_ENV", "production")
    monkeypatch.setenv("ORCH_CLASSIFY_REQUIRES_KEY", "false")
    with pytest.raises(ValidationError, match="production needs API keys"):
        Settings()
    result = runner.invoke(cli, ["serve", "--port", "1"])
    assert result.exit_code == 2
    assert "production needs API keys" in result.output


def test_when_development_keys_can_be_required_explicitly() -> None:
    assert not Settings(environment="development").classify_key_required
    assert Settings(environment="development", classify_requires_key=True).classify_key_required


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("partner=600, ivr=3000", {"partner": 600, "ivr": 3000}),
        ('{"partner": 600}', {"partner": 600}),
        ("", {}),
    ],
)
def test_when_tiers_configured_then_parsed(
    monkeypatch: pytest.MonkeyPatch, raw: str, parsed: dict[str, int]
) -> None:
    monkeypatch.setenv("ORCH_RATE_LIMIT_TIERS", raw)
    settings = Settings()
    assert settings.rate_limit_tiers == parsed
    assert settings.tier_limit(None) == settings.tier_limit("unknown-tier") == 60
    for tier, limit in parsed.items():
        assert settings.tier_limit(tier) == limit


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("ORCH_RATE_LIMIT_TIERS", "Partner=600"),
        ("ORCH_RATE_LIMIT_TIERS", "partner=0"),
        ("ORCH_RATE_LIMIT_TIERS", "partner=lots"),
        ("ORCH_TRUSTED_PROXIES", "10.0.0.0/8, not-an-ip"),
        ("ORCH_RATE_LIMIT_PER_MINUTE", "0"),
        ("ORCH_MAX_CONCURRENT_REQUESTS", "0"),
    ],
)
def test_when_guardrail_setting_invalid_then_refused(
    monkeypatch: pytest.MonkeyPatch, variable: str, raw: str
) -> None:
    monkeypatch.setenv(variable, raw)
    with pytest.raises(ValidationError):
        Settings()


@pytest.mark.parametrize("raw", ["10.0.0.0/8, 192.168.1.1", '["10.0.0.0/8", "192.168.1.1"]'])
def test_when_trusted_proxies_configured_then_parsed(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("ORCH_TRUSTED_PROXIES", raw)
    assert [str(n) for n in Settings().trusted_proxies] == ["10.0.0.0/8", "192.168.1.1/32"]


def test_when_keys_cli_sets_tiers_then_listed_and_checked(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORCH_RATE_LIMIT_TIERS", "partner=600")
    created = runner.invoke(
        cli, ["keys", "create", "--scope", "classify", "--tier", "partner", "--name", "ivr"]
    )
    assert created.exit_code == 0, created.output
    key_id = created.stdout.strip().split("_")[1]
    listed = runner.invoke(cli, ["keys", "list"])
    assert key_id in listed.stdout and "partner" in listed.stdout

    unknown = runner.invoke(cli, ["keys", "set-tier", key_id, "gold"])
    assert unknown.exit_code == 0
    assert "not in ORCH_RATE_LIMIT_TIERS" in unknown.output
    back: Any = runner.invoke(cli, ["keys", "set-tier", key_id])
    assert back.exit_code == 0 and "tier default" in back.stdout
    assert runner.invoke(cli, ["keys", "set-tier", "nosuchkey", "partner"]).exit_code == 1
    assert (
        runner.invoke(cli, ["keys", "create", "--scope", "classify", "--tier", "Gold!"]).exit_code
        == 2
    )
