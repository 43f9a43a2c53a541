"""Every table, with explicit constraint names so migrations read the same on both databases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class Article(Base):
    """A knowledge-base article, loaded from the editable files with its embedding."""

    __tablename__ = "kb_articles"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    topic: Mapped[str] = mapped_column(String(80))
    keywords: Mapped[list[Any]]
    body: Mapped[str] = mapped_column(Text)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)  # float32, normalised
    content_sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Order(Base):
    """The default order system's orders (demo data is loaded by a CLI command)."""

    __tablename__ = "orders"

    order_number: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(32))
    items: Mapped[list[Any]]
    total_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    carrier: Mapped[str | None] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    estimated_delivery: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Ticket(Base):
    """A service-action ticket. One per request: `request_id` is unique."""

    __tablename__ = "tickets"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(128), unique=True)
    intent: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    queue: Mapped[str] = mapped_column(String(40), index=True)
    customer_id: Mapped[str | None] = mapped_column(String(64), index=True)
    order_number: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)  # PII-redacted message text
    entities: Mapped[list[Any]]
    details: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # Hand-over to an external ticketing system (webhook adapter); "local" when there is none.
    delivery: Mapped[str] = mapped_column(String(16), index=True, server_default="local")
    external_ref: Mapped[str | None] = mapped_column(String(200))
    delivery_attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    delivery_error: Mapped[str | None] = mapped_column(String(120))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ComplianceRecord(Base):
    """A safety-compliance record on the audit chain. Rows are inserted, never updated.

    Chain rule: `hash = sha256(prev_hash || canonical JSON of the row's other fields)`, and
    `prev_hash` is the hash of the record with the previous `seq` ("0" * 64 for the first).
    """

    __tablename__ = "compliance_records"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    request_id: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    severity: Mapped[str] = mapped_column(String(16), index=True)
    queue: Mapped[str] = mapped_column(String(40), index=True)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    rule: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(16))
    redacted_text: Mapped[str] = mapped_column(Text)
    pii_types: Mapped[list[Any]]
    secondary_request: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    details: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ComplianceEvent(Base):
    """Acknowledged, resolved, noted: appended to a record's history, never edited.

    Events form their own chain with the same rule as records.
    """

    __tablename__ = "compliance_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    record_id: Mapped[str] = mapped_column(ForeignKey("compliance_records.id"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ChainHead(Base):
    """The last seq and hash of each chain: the row writers lock, and proof against truncation."""

    __tablename__ = "chain_heads"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class ApiKey(Base):
    """An API key: only the sha256 of its secret is kept."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[Any]]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rate_limit_tier: Mapped[str | None] = mapped_column(String(32))  # None: the default limit


Index("ix_compliance_records_queue_due", ComplianceRecord.queue, ComplianceRecord.due_at)
