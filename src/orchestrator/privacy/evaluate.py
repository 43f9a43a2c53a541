"""Recall and precision of a redactor on a labelled JSONL file.

Each line is ``{"text": ..., "entities": [{"type", "start", "end"}]}``. For redaction, leaking
is what matters: a gold entity counts as found when one predicted entity of any PII type covers
at least 80% of its characters. A predicted entity that overlaps no gold entity is a false
positive of its own type.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from orchestrator.privacy.recognizers import PiiEntity, PiiType
from orchestrator.privacy.redactor import Redactor

COVERAGE = 0.8


@dataclass(frozen=True, slots=True)
class LabelledText:
    text: str
    entities: tuple[PiiEntity, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """A gold entity missed, or a prediction that matched nothing: where and what."""

    line: int
    type: PiiType
    value: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "type": self.type.value, "value": self.value}


@dataclass(slots=True)
class TypeScore:
    """Counts for one PII type; a rate with nothing to count is 1.0 (nothing leaked)."""

    support: int = 0  # gold entities of this type
    found: int = 0  # ... covered by a prediction of any type
    found_as_type: int = 0  # ... covered by a prediction of this type
    predicted: int = 0  # predictions of this type
    false_positives: int = 0  # ... overlapping no gold entity

    @property
    def recall(self) -> float:
        return self.found / self.support if self.support else 1.0

    @property
    def precision(self) -> float:
        return 1.0 - self.false_positives / self.predicted if self.predicted else 1.0

    def as_dict(self) -> dict[str, object]:
        return {
            "support": self.support,
            "recall": round(self.recall, 4),
            "typed_recall": round(self.found_as_type / self.support, 4) if self.support else 1.0,
            "predicted": self.predicted,
            "precision": round(self.precision, 4),
            "false_positives": self.false_positives,
        }


@dataclass(frozen=True, slots=True)
class PiiReport:
    texts: int
    per_type: Mapping[PiiType, TypeScore]
    missed: tuple[Finding, ...] = field(default=())
    spurious: tuple[Finding, ...] = field(default=())

    @property
    def support(self) -> int:
        return sum(score.support for score in self.per_type.values())

    @property
    def recall(self) -> float:
        found = sum(score.found for score in self.per_type.values())
        return found / self.support if self.support else 1.0

    @property
    def precision(self) -> float:
        predicted = sum(score.predicted for score in self.per_type.values())
        wrong = sum(score.false_positives for score in self.per_type.values())
        return 1.0 - wrong / predicted if predicted else 1.0

    def as_dict(self) -> dict[str, object]:
        return {
            "texts": self.texts,
            "support": self.support,
            "recall": round(self.recall, 4),
            "precision": round(self.precision, 4),
            "per_type": {kind.value: score.as_dict() for kind, score in self.per_type.items()},
            "missed": [finding.as_dict() for finding in self.missed],
            "spurious": [finding.as_dict() for finding in self.spurious],
        }


def evaluate(path: Path, redactor: Redactor | None = None) -> PiiReport:
    """Score ``redactor`` (the default one when None) on the labelled file at ``path``."""
    redactor = redactor or Redactor()
    per_type = {kind: TypeScore() for kind in PiiType}
    missed: list[Finding] = []
    spurious: list[Finding] = []
    texts = 0
    for line, sample in load(path):
        texts += 1
        predicted = redactor.analyze(sample.text)
        for gold in sample.entities:
            score = per_type[gold.type]
            score.support += 1
            covering = [p for p in predicted if _overlap(gold, p) >= COVERAGE * _length(gold)]
            if covering:
                score.found += 1
                score.found_as_type += int(any(p.type is gold.type for p in covering))
            else:
                missed.append(Finding(line, gold.type, sample.text[gold.start : gold.end]))
        for guess in predicted:
            score = per_type[guess.type]
            score.predicted += 1
            if not any(_overlap(gold, guess) > 0 for gold in sample.entities):
                score.false_positives += 1
                spurious.append(Finding(line, guess.type, sample.text[guess.start : guess.end]))
    return PiiReport(texts, per_type, tuple(missed), tuple(spurious))


def load(path: Path) -> Iterator[tuple[int, LabelledText]]:
    """The labelled texts of a JSONL file with their line numbers; a bad line is a ValueError."""
    with path.open(encoding="utf-8") as lines:
        for number, raw in enumerate(lines, start=1):
            if raw.strip():
                yield number, _parse(raw, f"{path}:{number}")


def _parse(raw: str, where: str) -> LabelledText:
    try:
        record = json.loads(raw)
        text = record["text"]
        entities = tuple(
            PiiEntity(PiiType(item["type"]), int(item["start"]), int(item["end"]), 1.0)
            for item in record.get("entities", [])
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"{where}: not a labelled text: {error}") from error
    if not isinstance(text, str):
        raise ValueError(f"{where}: text is not a string")
    for entity in entities:
        if not 0 <= entity.start < entity.end <= len(text):
            raise ValueError(f"{where}: span {entity.start}..{entity.end} is outside the text")
    return LabelledText(text, entities)


def _length(entity: PiiEntity) -> int:
    return entity.end - entity.start


def _overlap(first: PiiEntity, second: PiiEntity) -> int:
    return max(0, min(first.end, second.end) - max(first.start, second.start))
