"""Adapters by name from settings."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.config import Settings
from orchestrator.integrations import registry
from orchestrator.integrations.database import DatabaseOrders, DatabaseTicketing
from orchestrator.integrations.webhook import WebhookTicketing
from orchestrator.observability.metrics import Metrics

Sessions = async_sessionmaker[AsyncSession]


def _settings(**fields: object) -> Settings:
    return Settings(environment="test", **fields)  # type: ignore[arg-type]


def test_when_database_named_then_database_adapters(sessions: Sessions, metrics: Metrics) -> None:
    settings = _settings(ticketing_adapter="database")
    assert isinstance(registry.ticketing_adapter(settings, sessions, metrics), DatabaseTicketing)
    assert isinstance(registry.order_system(settings, sessions), DatabaseOrders)


async def test_when_webhook_named_then_webhook_over_pending_local(
    sessions: Sessions, metrics: Metrics
) -> None:
    settings = _settings(
        ticketing_adapter="webhook",
        webhook_url="http://127.0.0.1:9/tickets",
        webhook_secret=SecretStr("a-real-secret"),
        webhook_timeout_seconds=1.5,
        webhook_max_retries=5,
    )
    adapter = registry.ticketing_adapter(settings, sessions, metrics)
    try:
        assert isinstance(adapter, WebhookTicketing)
        assert (adapter.timeout_seconds, adapter.max_retries) == (1.5, 5)
    finally:
        await adapter.aclose()


@pytest.mark.parametrize(
    "fields",
    [
        {"webhook_url": None, "webhook_secret": SecretStr("s")},
        {"webhook_url": "http://127.0.0.1:9/t", "webhook_secret": None},
    ],
    ids=["no-url", "no-secret"],
)
def test_when_webhook_incomplete_then_refused(
    sessions: Sessions, metrics: Metrics, fields: dict[str, object]
) -> None:
    with pytest.raises(ValueError, match="ORCH_WEBHOOK_URL and ORCH_WEBHOOK_SECRET"):
        registry.ticketing_adapter(
            _settings(ticketing_adapter="webhook", **fields), sessions, metrics
        )


def test_when_webhook_url_not_http_then_refused(sessions: Sessions, metrics: Metrics) -> None:
    settings = _settings(
        ticketing_adapter="webhook", webhook_url="ftp://x", webhook_secret=SecretStr("s")
    )
    with pytest.raises(ValueError, match="http"):
        registry.ticketing_adapter(settings, sessions, metrics)
