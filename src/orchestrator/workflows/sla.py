"""The SLA and queue table. Severity decides both; nothing else may.

| severity   | due in  | queue       | for                                   |
|------------|---------|-------------|---------------------------------------|
| urgent     | 15 min  | pharmacist  | emergencies, overdoses                |
| high       | 2 h     | pharmacist  | adverse reactions, medication errors  |
| standard   | 24 h    | compliance  | general concerns, privacy             |
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from orchestrator.domain import Severity

PHARMACIST_QUEUE = "pharmacist"
COMPLIANCE_QUEUE = "compliance"


@dataclass(frozen=True, slots=True)
class Sla:
    due_in: timedelta
    queue: str

    @property
    def minutes(self) -> int:
        return int(self.due_in.total_seconds() // 60)

    @property
    def action(self) -> str:
        """What the customer is told happens next: a pharmacist, or a compliance review."""
        return "escalate_to_pharmacist" if self.queue == PHARMACIST_QUEUE else "compliance_review"

    def due_at(self, received: datetime) -> datetime:
        return received + self.due_in


SLA_TABLE: dict[Severity, Sla] = {
    Severity.URGENT: Sla(timedelta(minutes=15), PHARMACIST_QUEUE),  # emergency
    Severity.HIGH: Sla(timedelta(hours=2), PHARMACIST_QUEUE),  # adverse reaction, med error
    Severity.STANDARD: Sla(timedelta(hours=24), COMPLIANCE_QUEUE),  # general concern, privacy
}

DEFAULT_SEVERITY = Severity.HIGH  # a safety message the rules could not grade is not "standard"

EMERGENCY_GUIDANCE = (
    "If this is an emergency, call 911 (or your local emergency number) now. "
    "For a possible poisoning or overdose, call Poison Control at 1-800-222-1222. "
    "A pharmacist has been alerted."
)


def sla_for(severity: Severity | None) -> tuple[Severity, Sla]:
    """The severity that applies (ungraded counts as high) and its SLA."""
    effective = severity or DEFAULT_SEVERITY
    return effective, SLA_TABLE[effective]
