"""Whole messages: several entities at once, their spans, overlaps settled, and the public shape."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from orchestrator.extraction import Entity, EntityType, extract_entities

TODAY = date(2025, 3, 20)  # a Thursday

Expected = list[tuple[EntityType, str, str]]  # type, value, surface

MESSAGES: list[tuple[str, str, Expected]] = [
    (
        "chat",
        "Hi, order #A-99812 was charged $42.10 on 03/14/2025; email me at Jo@X.com or call "
        "(555) 123-4567.",
        [
            (EntityType.ORDER_NUMBER, "A-99812", "A-99812"),
            (EntityType.AMOUNT, "42.10 USD", "$42.10"),
            (EntityType.DATE, "2025-03-14", "03/14/2025"),
            (EntityType.EMAIL, "jo@x.com", "Jo@X.com"),
            (EntityType.PHONE, "5551234567", "(555) 123-4567"),
        ],
    ),
    (
        "voice",
        "yeah hi my order number is four four seven one two and I was charged twelve dollars "
        "yesterday my phone number is five five five one two three four five six seven",
        [
            (EntityType.ORDER_NUMBER, "44712", "four four seven one two"),
            (EntityType.AMOUNT, "12 USD", "twelve dollars"),
            (EntityType.DATE, "2025-03-19", "yesterday"),
            (
                EntityType.PHONE,
                "5551234567",
                "five five five one two three four five six seven",
            ),
        ],
    ),
    (
        "mail",
        "Subject: Refund for ORD-2024-5531\n\nDear team,\nI was charged ₹1,299 last tuesday for "
        "Rx 6012345. Reach me at +44 20 7946 0958 or priya.k@example.in.\n\nThanks",
        [
            (EntityType.ORDER_NUMBER, "ORD-2024-5531", "ORD-2024-5531"),
            (EntityType.AMOUNT, "1299 INR", "₹1,299"),
            (EntityType.DATE, "2025-03-18", "last tuesday"),
            (EntityType.RX_NUMBER, "6012345", "6012345"),
            (EntityType.PHONE, "+442079460958", "+44 20 7946 0958"),
            (EntityType.EMAIL, "priya.k@example.in", "priya.k@example.in"),
        ],
    ),
    (
        "two of a kind",
        "change my email from old@x.com to new@y.com and refund $5 and Rs 40",
        [
            (EntityType.EMAIL, "old@x.com", "old@x.com"),
            (EntityType.EMAIL, "new@y.com", "new@y.com"),
            (EntityType.AMOUNT, "5 USD", "$5"),
            (EntityType.AMOUNT, "40 INR", "Rs 40"),
        ],
    ),
    (
        "dose beside ids",
        "refill rx no 55-1234 (lisinopril 20 mg) ordered March 3rd at 5:30",
        [
            (EntityType.RX_NUMBER, "55-1234", "55-1234"),
            (EntityType.DATE, "2025-03-03", "March 3rd"),
        ],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [m[1:] for m in MESSAGES], ids=[m[0] for m in MESSAGES]
)
def test_when_message_has_several_entities_then_each_has_its_span(
    text: str, expected: Expected
) -> None:
    entities = extract_entities(text, today=TODAY)
    assert [(e.type, e.value, text[e.start : e.end]) for e in entities] == expected


@pytest.mark.parametrize("text", ["order 555-123-4567 please", "order number is 5551234567"])
def test_when_number_is_an_order_then_it_is_not_also_a_phone(text: str) -> None:
    assert [e.type for e in extract_entities(text, today=TODAY)] == [EntityType.ORDER_NUMBER]


def test_when_entities_are_returned_then_sorted_and_disjoint() -> None:
    text = " ".join(message for _, message, _ in MESSAGES) + " order 5551234567 +1 555 123 4567"
    entities = extract_entities(text, today=TODAY)
    assert entities == sorted(entities, key=lambda e: e.start)
    for left, right in zip(entities, entities[1:], strict=False):
        assert left.end <= right.start


@pytest.mark.parametrize(
    ("today", "value"),
    [
        (date(2025, 3, 20), "2025-03-18"),
        (date(2025, 1, 1), "2024-12-31"),
        (date(2025, 3, 18), "2025-03-11"),
    ],
)
def test_when_date_is_relative_then_it_follows_today(today: date, value: str) -> None:
    [entity] = extract_entities("it shipped last tuesday", today=today)
    assert entity.value == value


def test_when_year_is_missing_then_the_most_recent_past_date_is_taken() -> None:
    assert extract_entities("March 3", today=date(2025, 3, 3))[0].value == "2025-03-03"
    assert extract_entities("March 3", today=date(2025, 3, 2))[0].value == "2024-03-03"


def test_when_today_is_not_given_then_the_local_date_is_used() -> None:
    before = date.today()
    [explicit, relative] = extract_entities("on 2025-03-14, i.e. today")
    after = date.today()
    assert explicit.value == "2025-03-14"
    assert relative.value in {before.isoformat(), after.isoformat()}


def test_when_entity_is_serialised_then_as_dict_has_plain_values() -> None:
    [entity] = extract_entities("RX#8834521")
    assert entity.as_dict() == {"type": "rx_number", "value": "8834521", "start": 3, "end": 10}
    assert type(entity.as_dict()["type"]) is str


def test_when_entity_is_built_then_it_is_frozen() -> None:
    entity = Entity(EntityType.EMAIL, "a@b.co", 0, 6)
    with pytest.raises(dataclasses.FrozenInstanceError):
        entity.value = "c@d.co"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["", "   ", "hello, I need help with my account"])
def test_when_text_has_no_entities_then_the_list_is_empty(text: str) -> None:
    assert extract_entities(text, today=TODAY) == []


def test_entity_types_are_the_service_action_vocabulary() -> None:
    assert [t.value for t in EntityType] == [
        "order_number",
        "rx_number",
        "email",
        "phone",
        "amount",
        "date",
    ]
