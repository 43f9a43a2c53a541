"""Runs the recognizers over a text, settles overlaps, and replaces each entity by its tag."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from orchestrator.privacy.recognizers import (
    DEFAULT_RECOGNIZERS,
    PatternRecognizer,
    PiiEntity,
    PiiType,
)

__all__ = ["PiiEntity", "PiiType", "Redaction", "Redactor"]


@dataclass(frozen=True, slots=True)
class Redaction:
    """A text, its redacted form, and the entities removed (offsets into ``text``)."""

    text: str
    redacted: str
    entities: tuple[PiiEntity, ...]

    def as_dict(self) -> dict[str, object]:
        """The shape ``orchestrator redact`` prints, one object per line."""
        return {
            "text": self.text,
            "redacted": self.redacted,
            "entities": [
                {"type": entity.type.value, "start": entity.start, "end": entity.end}
                for entity in self.entities
            ],
        }


class Redactor:
    """Finds PII with a set of recognizers; the defaults need no model and no network."""

    def __init__(self, recognizers: Sequence[PatternRecognizer] = DEFAULT_RECOGNIZERS) -> None:
        self._recognizers = tuple(recognizers)

    @property
    def recognizers(self) -> tuple[PatternRecognizer, ...]:
        return self._recognizers

    def analyze(self, text: str) -> list[PiiEntity]:
        """Non-overlapping entities in text order; of two overlapping, the higher score wins,
        then the longer span, then the earlier one."""
        if not text:
            return []
        candidates = [entity for rec in self._recognizers for entity in rec.analyze(text)]
        candidates.sort(key=lambda e: (-e.score, -(e.end - e.start), e.start))
        kept: list[PiiEntity] = []  # disjoint, ordered by start
        starts: list[int] = []
        for candidate in candidates:
            at = bisect.bisect_right(starts, candidate.start)
            if at and kept[at - 1].end > candidate.start:
                continue
            if at < len(kept) and kept[at].start < candidate.end:
                continue
            kept.insert(at, candidate)
            starts.insert(at, candidate.start)
        return kept

    def redact(self, text: str) -> Redaction:
        """``text`` with every entity replaced by ``<TYPE>``, e.g. ``<PHONE>``."""
        entities = tuple(self.analyze(text))
        parts: list[str] = []
        cursor = 0
        for entity in entities:
            parts.append(text[cursor : entity.start])
            parts.append(f"<{entity.type.value}>")
            cursor = entity.end
        parts.append(text[cursor:])
        return Redaction(text=text, redacted="".join(parts), entities=entities)
