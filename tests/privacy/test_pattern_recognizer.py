"""The rules a PatternRecognizer applies: entity groups, validator, context, negative context."""

from __future__ import annotations

import re

import pytest

from orchestrator.privacy import DEFAULT_RECOGNIZERS, PatternRecognizer, PiiEntity, PiiType

DIGITS = re.compile(r"\b\d{7}\b")


def spans(recognizer: PatternRecognizer, text: str) -> list[tuple[str, float]]:
    return [(text[e.start : e.end], e.score) for e in recognizer.analyze(text)]


def test_when_pattern_has_pii_groups_then_only_they_are_the_entity() -> None:
    cued = re.compile(r"rx\s+(?P<pii>\d+)(?:\s+and\s+(?P<pii2>\d+))?")
    recognizer = PatternRecognizer(PiiType.RX_NUMBER, "rx", cued, 0.9)

    assert spans(recognizer, "rx 123 and 456") == [("123", 0.9), ("456", 0.9)]
    assert spans(recognizer, "rx 123") == [("123", 0.9)]


def test_when_pattern_is_a_list_then_every_pattern_is_run() -> None:
    recognizer = PatternRecognizer(
        PiiType.EMAIL, "two", [re.compile(r"a@b\.io"), re.compile(r"c@d\.io")], 0.5
    )

    assert recognizer.compiled == (re.compile(r"a@b\.io"), re.compile(r"c@d\.io"))
    assert spans(recognizer, "c@d.io a@b.io") == [("a@b.io", 0.5), ("c@d.io", 0.5)]


def test_when_validator_rejects_then_candidate_is_dropped() -> None:
    recognizer = PatternRecognizer(
        PiiType.RX_NUMBER, "even", DIGITS, 0.5, validator=lambda value: value.endswith("2")
    )

    assert spans(recognizer, "1234561 1234562") == [("1234562", 0.5)]


def test_when_validator_raises_then_candidate_is_dropped_not_the_call() -> None:
    def broken(value: str) -> bool:
        raise RuntimeError(value)

    recognizer = PatternRecognizer(PiiType.RX_NUMBER, "broken", DIGITS, 0.5, validator=broken)

    assert recognizer.analyze("1234567") == []


def test_when_context_word_precedes_then_score_is_boosted() -> None:
    recognizer = PatternRecognizer(
        PiiType.RX_NUMBER, "rx", DIGITS, 0.5, context=("prescription",), context_boost=0.3
    )

    assert spans(recognizer, "prescription 1234567") == [("1234567", 0.8)]
    assert spans(recognizer, "something 1234567") == [("1234567", 0.5)]


def test_when_required_context_is_missing_or_too_far_then_nothing_found() -> None:
    recognizer = PatternRecognizer(
        PiiType.RX_NUMBER,
        "rx",
        DIGITS,
        0.5,
        context=("rx",),
        context_required=True,
        context_window=10,
    )

    assert spans(recognizer, "rx: 1234567") == [("1234567", 0.65)]
    assert recognizer.analyze("1234567") == []
    assert recognizer.analyze("rx, and later on 1234567") == []


def test_when_negative_context_is_nearer_than_context_then_nothing_found() -> None:
    recognizer = PatternRecognizer(
        PiiType.RX_NUMBER,
        "rx",
        DIGITS,
        0.5,
        context=("refill",),
        context_required=True,
        negative_context=("order",),
    )

    assert recognizer.analyze("refill for order 1234567") == []
    assert spans(recognizer, "order placed, refill 1234567") == [("1234567", 0.65)]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"pattern": []}, "no pattern"),
        ({"pattern": DIGITS, "context_required": True}, "requires context"),
    ],
)
def test_when_recognizer_is_misconfigured_then_it_fails_at_construction(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        PatternRecognizer(PiiType.RX_NUMBER, "bad", score=0.5, **kwargs)  # type: ignore[arg-type]


def test_default_recognizers_cover_every_type_with_unique_names() -> None:
    assert {recognizer.type for recognizer in DEFAULT_RECOGNIZERS} == set(PiiType)
    names = [recognizer.name for recognizer in DEFAULT_RECOGNIZERS]
    assert len(names) == len(set(names))
    assert all(0 < recognizer.score <= 1 for recognizer in DEFAULT_RECOGNIZERS)


def test_pii_type_values_are_the_redaction_tags() -> None:
    assert PiiType.PHONE == "PHONE"
    assert PiiEntity(PiiType.SSN, 0, 11, 0.8).type.value == "SSN"
