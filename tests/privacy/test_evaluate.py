"""Evaluation on labelled JSONL: the coverage rule, false positives, and the shipped test set."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from orchestrator.privacy import PiiType, evaluate
from orchestrator.privacy.evaluate import load

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "eval" / "pii_test.jsonl"


def write(tmp_path: Path, *records: dict[str, object]) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def entity(text: str, value: str, kind: str) -> dict[str, object]:
    start = text.index(value)
    return {"type": kind, "start": start, "end": start + len(value)}


def test_when_prediction_covers_most_of_gold_then_found_whatever_its_type(tmp_path: Path) -> None:
    text = "Thanks,\nSarah Connor"
    # Gold includes a trailing char the recognizer will not take: 12 of 13 covered.
    gold = {"type": "PHONE", "start": text.index("Sarah"), "end": len(text) + 1}
    path = write(tmp_path, {"text": text + ".", "entities": [gold]})

    report = evaluate(path)

    assert report.per_type[PiiType.PHONE].recall == 1.0
    assert report.as_dict()["per_type"]["PHONE"]["typed_recall"] == 0.0  # type: ignore[index]
    assert report.precision == 1.0


def test_when_prediction_covers_too_little_then_missed(tmp_path: Path) -> None:
    text = "my name is Jane and I live nowhere"
    gold = entity(text, "Jane and I live", "PERSON")
    path = write(tmp_path, {"text": text, "entities": [gold]})

    report = evaluate(path)

    assert report.recall == 0.0
    assert [(m.type, m.value) for m in report.missed] == [(PiiType.PERSON, "Jane and I live")]


def test_when_prediction_overlaps_no_gold_then_false_positive(tmp_path: Path) -> None:
    text = "SSN 123-45-6789, phone 555-123-4567"
    path = write(
        tmp_path,
        {"text": text, "entities": [entity(text, "123-45-6789", "SSN")]},
        {"text": "no pii here", "entities": []},
    )

    report = evaluate(path)

    assert report.texts == 2 and report.support == 1
    assert report.recall == 1.0
    assert report.precision == 0.5
    assert report.per_type[PiiType.PHONE].false_positives == 1
    assert [(s.line, s.value) for s in report.spurious] == [(1, "555-123-4567")]


@pytest.mark.parametrize(
    "line",
    [
        "not json",
        '{"entities": []}',
        '{"text": "abc", "entities": [{"type": "NOPE", "start": 0, "end": 1}]}',
        '{"text": "abc", "entities": [{"type": "SSN", "start": 2, "end": 9}]}',
        '{"text": 5}',
    ],
)
def test_when_line_is_malformed_then_error_names_the_line(tmp_path: Path, line: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine", "entities": []}\n' + line + "\n", encoding="utf-8")

    with pytest.raises(ValueError, match=r"bad\.jsonl:2"):
        evaluate(path)


def test_shipped_set_is_well_formed_and_covers_every_type() -> None:
    samples = [sample for _, sample in load(SHIPPED)]
    kinds = Counter(e.type for sample in samples for e in sample.entities)

    assert len(samples) >= 200
    assert all(kinds[kind] >= 15 for kind in PiiType), kinds
    assert sum(1 for sample in samples if not sample.entities) >= 30
    for sample in samples:
        ordered = sorted(sample.entities, key=lambda e: e.start)
        assert all(a.end <= b.start for a, b in zip(ordered, ordered[1:], strict=False))
        for e in ordered:
            surface = sample.text[e.start : e.end]
            assert surface == surface.strip() and surface, sample.text


def test_default_redactor_on_shipped_set_meets_the_bar() -> None:
    report = evaluate(SHIPPED)

    assert report.recall >= 0.95, report.missed
    assert report.precision >= 0.85, report.spurious
    assert all(score.recall >= 0.85 for score in report.per_type.values()), report.as_dict()
