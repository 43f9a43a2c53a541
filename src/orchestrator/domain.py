"""The vocabulary every layer shares: categories, intents, severities, channels."""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    INFORMATIONAL = "informational"
    SERVICE_ACTION = "service_action"
    SAFETY_COMPLIANCE = "safety_compliance"


class Intent(StrEnum):
    OPEN_TICKET = "open_ticket"
    TRACK_ORDER = "track_order"
    REFUND = "refund"
    CANCEL_ORDER = "cancel_order"
    UPDATE_ACCOUNT = "update_account"
    REFILL_PRESCRIPTION = "refill_prescription"
    OTHER = "other"


class Severity(StrEnum):
    URGENT = "urgent"  # emergency: 15 min SLA, pharmacist queue
    HIGH = "high"  # adverse reaction, medication error: 2 h, pharmacist queue
    STANDARD = "standard"  # general concern, privacy: 24 h, compliance queue


class Channel(StrEnum):
    CHAT = "chat"
    VOICE = "voice"
    MAIL = "mail"


CATEGORIES: tuple[Category, ...] = tuple(Category)
