"""Adapters by name, as settings choose them (`ORCH_TICKETING_ADAPTER`, `ORCH_ORDER_SYSTEM`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.config import Settings
from orchestrator.integrations.base import Delivery, OrderSystem, TicketingAdapter
from orchestrator.integrations.database import DatabaseOrders, DatabaseTicketing
from orchestrator.observability.metrics import Metrics


def ticketing_adapter(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], metrics: Metrics
) -> TicketingAdapter:
    """The ticketing adapter named in settings; refuses a webhook without URL and secret."""
    if settings.ticketing_adapter == "database":
        return DatabaseTicketing(sessions)
    if settings.ticketing_adapter == "webhook":
        from orchestrator.integrations.webhook import WebhookTicketing

        if not settings.webhook_url or settings.webhook_secret is None:
            raise ValueError(
                "ORCH_TICKETING_ADAPTER=webhook needs ORCH_WEBHOOK_URL and ORCH_WEBHOOK_SECRET"
            )
        return WebhookTicketing(
            url=settings.webhook_url,
            secret=settings.webhook_secret,
            local=DatabaseTicketing(sessions, delivery=Delivery.PENDING),
            metrics=metrics,
            timeout_seconds=settings.webhook_timeout_seconds,
            max_retries=settings.webhook_max_retries,
            backoff_seconds=settings.webhook_backoff_seconds,
            backoff_max_seconds=settings.webhook_backoff_max_seconds,
            retry_after_max_seconds=settings.webhook_retry_after_max_seconds,
        )
    raise ValueError(f"unknown ticketing adapter {settings.ticketing_adapter!r}")


def order_system(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> OrderSystem:
    if settings.order_system == "database":
        return DatabaseOrders(sessions)
    raise ValueError(f"unknown order system {settings.order_system!r}")
