"""The SLA and queue table. Severity decides both; nothing else may."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from orchestrator.domain import Severity


@dataclass(frozen=True, slots=True)
class Sla:
    due_in: timedelta
    queue: str


SLA_TABLE: dict[Severity, Sla] = {
    Severity.URGENT: Sla(timedelta(minutes=15), "pharmacist"),  # emergency
    Severity.HIGH: Sla(timedelta(hours=2), "pharmacist"),  # adverse reaction, medication error
    Severity.STANDARD: Sla(timedelta(hours=24), "compliance"),  # general concern, privacy
}

EMERGENCY_GUIDANCE = (
    "If this is an emergency, call 911 (or your local emergency number) now. "
    "For a possible poisoning or overdose, call Poison Control at 1-800-222-1222. "
    "A pharmacist has been alerted."
)
