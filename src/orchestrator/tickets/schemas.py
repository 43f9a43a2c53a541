"""The tickets API's bodies: one ticket, and a page of them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class TicketRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    request_id: str
    intent: str
    status: str
    queue: str
    customer_id: str | None
    order_number: str | None
    channel: str
    summary: str  # PII-redacted
    entities: list[dict[str, Any]]
    details: dict[str, Any]
    created_at: datetime
    delivery: str
    external_ref: str | None
    delivery_attempts: int
    delivery_error: str | None
    delivered_at: datetime | None

    @field_validator("created_at", "delivered_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """SQLite returns naive timestamps; they were written as UTC."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class TicketPage(BaseModel):
    items: list[TicketRead]
    total: int
    limit: int
    offset: int
