"""PII detection and redaction: declarative pattern recognizers, no model and no network.

``Redactor().redact("Call me at (555) 123-4567").redacted == "Call me at <PHONE>"``
"""

from orchestrator.privacy.evaluate import PiiReport, TypeScore, evaluate
from orchestrator.privacy.recognizers import (
    DEFAULT_RECOGNIZERS,
    PatternRecognizer,
    PiiEntity,
    PiiType,
)
from orchestrator.privacy.redactor import Redaction, Redactor

__all__ = [
    "DEFAULT_RECOGNIZERS",
    "PatternRecognizer",
    "PiiEntity",
    "PiiReport",
    "PiiType",
    "Redaction",
    "Redactor",
    "TypeScore",
    "evaluate",
]
