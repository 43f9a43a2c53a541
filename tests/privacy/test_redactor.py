"""Redactor: overlaps settled, tags in place, offsets into the original text, any input safe."""

from __future__ import annotations

import random
import re
import string

import pytest

from orchestrator.privacy import PatternRecognizer, PiiEntity, PiiType, Redaction, Redactor

REDACTOR = Redactor()


def recognizer(kind: PiiType, pattern: str, score: float) -> PatternRecognizer:
    return PatternRecognizer(kind, f"{kind.value.lower()}_{score}", re.compile(pattern), score)


def test_when_spans_overlap_then_higher_score_wins() -> None:
    redactor = Redactor(
        [
            recognizer(PiiType.PHONE, r"\d{3}-\d{2}-\d{4}", 0.4),
            recognizer(PiiType.SSN, r"\d{3}-\d{2}", 0.9),
        ]
    )

    assert redactor.analyze("x 123-45-6789") == [PiiEntity(PiiType.SSN, 2, 8, 0.9)]


def test_when_overlapping_scores_tie_then_longer_span_wins() -> None:
    redactor = Redactor(
        [
            recognizer(PiiType.RX_NUMBER, r"\d{4}", 0.5),
            recognizer(PiiType.INSURANCE_ID, r"[A-Z]\d{6}", 0.5),
        ]
    )

    assert redactor.analyze("id A123456") == [PiiEntity(PiiType.INSURANCE_ID, 3, 10, 0.5)]


def test_when_score_and_length_tie_then_earlier_span_wins() -> None:
    redactor = Redactor(
        [recognizer(PiiType.RX_NUMBER, r"ab", 0.5), recognizer(PiiType.PERSON, r"ba", 0.5)]
    )

    assert redactor.analyze("aba") == [PiiEntity(PiiType.RX_NUMBER, 0, 2, 0.5)]


def test_when_a_winner_straddles_others_then_every_overlapping_loser_goes() -> None:
    redactor = Redactor(
        [
            recognizer(PiiType.RX_NUMBER, r"\d{4}", 0.9),
            recognizer(PiiType.PHONE, r"\d{3}", 0.5),
            recognizer(PiiType.SSN, r"34567", 0.95),
        ]
    )

    assert redactor.analyze("12345678 90") == [PiiEntity(PiiType.SSN, 2, 7, 0.95)]


def test_when_spans_do_not_overlap_then_all_are_kept_in_text_order() -> None:
    redactor = Redactor(
        [recognizer(PiiType.EMAIL, r"\w+@x\.io", 0.9), recognizer(PiiType.PHONE, r"\d{7}", 0.5)]
    )

    entities = redactor.analyze("1234567 a@x.io 7654321")

    assert [(e.type, e.start, e.end) for e in entities] == [
        (PiiType.PHONE, 0, 7),
        (PiiType.EMAIL, 8, 14),
        (PiiType.PHONE, 15, 22),
    ]


def test_when_redacted_then_each_entity_is_replaced_by_its_tag() -> None:
    text = "I'm Maria Lopez, DOB 03/14/1985, call (555) 123-4567 about Rx 6012345."

    redaction = REDACTOR.redact(text)

    assert redaction.redacted == (
        "I'm <PERSON>, DOB <DATE_OF_BIRTH>, call <PHONE> about Rx <RX_NUMBER>."
    )
    assert [text[e.start : e.end] for e in redaction.entities] == [
        "Maria Lopez",
        "03/14/1985",
        "(555) 123-4567",
        "6012345",
    ]


def test_as_dict_has_the_cli_shape_with_offsets_into_the_original_text() -> None:
    text = "email jane@x.org\nThanks,\nJane"

    payload = REDACTOR.redact(text).as_dict()

    assert payload == {
        "text": text,
        "redacted": "email <EMAIL>\nThanks,\n<PERSON>",
        "entities": [
            {"type": "EMAIL", "start": 6, "end": 16},
            {"type": "PERSON", "start": 25, "end": 29},
        ],
    }
    assert text[6:16] == "jane@x.org" and text[25:29] == "Jane"


def test_when_text_has_no_pii_then_it_comes_back_unchanged() -> None:
    text = "Where is order 12345? I paid $45.99; take 20 mg twice a day at 5:30."

    assert REDACTOR.redact(text) == Redaction(text=text, redacted=text, entities=())


def test_when_no_recognizers_then_nothing_is_redacted() -> None:
    assert Redactor([]).redact("SSN 123-45-6789").redacted == "SSN 123-45-6789"


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\x00\x01\n\t",
        "\ud800 lone surrogate 555-123-4567",
        "é" * 1000,
        "5-" * 2500,
        "1 " * 2500,
        "my name is " + "John " * 900,
        "john dot " * 500 + "at gmail dot com",
        "Thanks,\n" * 600,
        "👍 my email is 😀@x.io",
        "Rx " + "9" * 5000,
    ],
)
def test_when_input_is_odd_then_redact_never_raises(text: str) -> None:
    redaction = REDACTOR.redact(text)

    assert redaction.text == text
    assert all(0 <= e.start < e.end <= len(text) for e in redaction.entities)


def test_when_input_is_random_then_entities_are_ordered_and_disjoint() -> None:
    rng = random.Random(20240501)
    alphabet = string.printable + "éñ’—0123456789@.-#"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 160)))
        entities = REDACTOR.redact(text).entities
        assert all(a.end <= b.start for a, b in zip(entities, entities[1:], strict=False))
