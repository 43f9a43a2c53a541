"""Scopes an API key may carry."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    TICKETS_READ = "tickets:read"  # list and read service tickets
    COMPLIANCE_READ = "compliance:read"  # list and read compliance records and their history
    COMPLIANCE_WRITE = "compliance:write"  # acknowledge / resolve / annotate records
    CLASSIFY = "classify"  # POST /api/v1/classify, where keys are required there
    ADMIN = "admin"  # every scope


KEY_PREFIX = "orch"
