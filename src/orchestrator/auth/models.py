"""Scopes an API key may carry."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    TICKETS_READ = "tickets:read"  # list and read service tickets
    COMPLIANCE_READ = "compliance:read"  # list and read compliance records and their history
    COMPLIANCE_WRITE = "compliance:write"  # acknowledge / resolve / annotate records
    ADMIN = "admin"  # every scope


KEY_PREFIX = "orch"
