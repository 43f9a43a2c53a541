"""One table per entity type: chat, voice-transcript and mail phrasings with the normalised value.

Each row is ``(text, value, surface)``; ``surface`` is ``text[start:end]`` of the entity found.
"""

from __future__ import annotations

from datetime import date

import pytest

from orchestrator.extraction import EntityType, extract_entities

TODAY = date(2025, 3, 20)  # a Thursday

Row = tuple[str, str, str]


def found(text: str, kind: EntityType) -> list[tuple[str, str]]:
    return [
        (entity.value, text[entity.start : entity.end])
        for entity in extract_entities(text, today=TODAY)
        if entity.type is kind
    ]


ORDER_NUMBERS: list[Row] = [
    ("Where is my order 3707955617?", "3707955617", "3707955617"),
    ("Status of order #A-99812 please", "A-99812", "A-99812"),
    ("order no. 12345 hasn't shipped yet", "12345", "12345"),
    ("Re: ORD-2024-5531 arrived damaged", "ORD-2024-5531", "ORD-2024-5531"),
    ("Hello, my order number is 00004587345.", "00004587345", "00004587345"),
    ("I want to return purchase 55421", "55421", "55421"),
    ("my order id: 889-221", "889-221", "889-221"),
    ("Order Ref: 55-9981\nItems: 2", "55-9981", "55-9981"),
    ("cancel order a-99812 now", "A-99812", "a-99812"),
    ("purchase order 123456 was charged twice", "123456", "123456"),
    ("order # 123", "123", "123"),
    ("yes my order number is four four seven one two", "44712", "four four seven one two"),
    ("order number oh three double five nine", "03559", "oh three double five nine"),
    ("the order number is uh four four seven, one two", "44712", "four four seven, one two"),
    ("order number 4 4 7 1 2 thank you", "44712", "4 4 7 1 2"),
    ("order number forty five twelve nine", "45129", "forty five twelve nine"),
]

RX_NUMBERS: list[Row] = [
    ("Rx 6012345 refill please", "6012345", "6012345"),
    ("RX#8834521", "8834521", "8834521"),
    ("rx no 55-1234 is due", "55-1234", "55-1234"),
    ("prescription number 1234567", "1234567", "1234567"),
    ("can you refill script #998877", "998877", "998877"),
    ("Rx6012345 pls", "6012345", "6012345"),
    ("Prescription #: 4455667\nPatient: J. Doe", "4455667", "4455667"),
    ("my rx number is 0098123", "0098123", "0098123"),
    ("RX-556677 transferred?", "556677", "556677"),
    ("is prescription 1234567 ready?", "1234567", "1234567"),
    (
        "prescription number six zero one two three four five",
        "6012345",
        "six zero one two three four five",
    ),
    (
        "my script number is triple seven one two three four",
        "7771234",
        "triple seven one two three four",
    ),
]

EMAILS: list[Row] = [
    ("email me at John.Smith@Example.com.", "john.smith@example.com", "John.Smith@Example.com"),
    ("my email is jane_doe+rx@mail.co.uk", "jane_doe+rx@mail.co.uk", "jane_doe+rx@mail.co.uk"),
    ("Contact: a.b-c@sub.domain.org", "a.b-c@sub.domain.org", "a.b-c@sub.domain.org"),
    ("From: Mary <mary99@gmail.com>", "mary99@gmail.com", "mary99@gmail.com"),
    (
        "Please update to new.address@outlook.com, thanks",
        "new.address@outlook.com",
        "new.address@outlook.com",
    ),
    ("send it to BOB@YAHOO.COM", "bob@yahoo.com", "BOB@YAHOO.COM"),
    ("email:test.user1@company.io", "test.user1@company.io", "test.user1@company.io"),
    (
        "reply to (support.team@clinic.health)",
        "support.team@clinic.health",
        "support.team@clinic.health",
    ),
    ("user%tag@domain.travel is mine", "user%tag@domain.travel", "user%tag@domain.travel"),
    (
        "Reply-To: pharmacy.user@hospital-network.net\nSubject: refill",
        "pharmacy.user@hospital-network.net",
        "pharmacy.user@hospital-network.net",
    ),
]

PHONES: list[Row] = [
    ("call me at (555) 123-4567", "5551234567", "(555) 123-4567"),
    ("555-123-4567 is my cell", "5551234567", "555-123-4567"),
    ("UK office +44 20 7946 0958", "+442079460958", "+44 20 7946 0958"),
    ("+1 (555) 123-4567", "+15551234567", "+1 (555) 123-4567"),
    ("reach me on 555.123.4567", "5551234567", "555.123.4567"),
    ("Toll free 1-800-555-1234", "18005551234", "1-800-555-1234"),
    ("whatsapp +15551234567", "+15551234567", "+15551234567"),
    ("+91 98765 43210 is my number", "+919876543210", "+91 98765 43210"),
    ("Tel: +44 (0)20 7946 0958", "+442079460958", "+44 (0)20 7946 0958"),
    ("call me at 5551234567", "5551234567", "5551234567"),
    ("my cell is 555 123 4567", "5551234567", "555 123 4567"),
    ("Tel: 020 7946 0958", "02079460958", "020 7946 0958"),
    ("contact me at 555-1234", "5551234", "555-1234"),
    (
        "my phone number is five five five one two three four five six seven",
        "5551234567",
        "five five five one two three four five six seven",
    ),
    (
        "call me back at five five five, one two three, four five six seven",
        "5551234567",
        "five five five, one two three, four five six seven",
    ),
]

AMOUNTS: list[Row] = [
    ("I was charged $42.10 twice", "42.10 USD", "$42.10"),
    ("please refund 42 dollars", "42 USD", "42 dollars"),
    ("paid Rs 499 for delivery", "499 INR", "Rs 499"),
    ("₹1,299 debited from my card", "1299 INR", "₹1,299"),
    ("the fee was €15", "15 EUR", "€15"),
    ("USD 20 extra", "20 USD", "USD 20"),
    ("they took twelve dollars", "12 USD", "twelve dollars"),
    ("it was a hundred and fifty dollars", "150 USD", "a hundred and fifty dollars"),
    ("like twenty-five bucks", "25 USD", "twenty-five bucks"),
    ("£7.5 shipping", "7.50 GBP", "£7.5"),
    ("GBP 30 refund", "30 GBP", "GBP 30"),
    ("Amount: 1,250.00 INR", "1250.00 INR", "1,250.00 INR"),
    ("Total Rs. 2,49,999", "249999 INR", "Rs. 2,49,999"),
    ("$ 1,000 was taken", "1000 USD", "$ 1,000"),
    ("I paid 499 rs.", "499 INR", "499 rs"),
    ("15 euros for the cream", "15 EUR", "15 euros"),
    ("two thousand five hundred rupees", "2500 INR", "two thousand five hundred rupees"),
]

DATES: list[Row] = [
    ("delivered 03/14/2025", "2025-03-14", "03/14/2025"),
    ("Date: 2025-03-14", "2025-03-14", "2025-03-14"),
    ("it came March 3rd", "2025-03-03", "March 3rd"),
    ("ordered 3 March 2025", "2025-03-03", "3 March 2025"),
    ("I called yesterday", "2025-03-19", "yesterday"),
    ("placed it last tuesday", "2025-03-18", "last tuesday"),
    ("charged twice today", "2025-03-20", "today"),
    ("arriving tomorrow?", "2025-03-21", "tomorrow"),
    ("shipped December 24", "2024-12-24", "December 24"),
    ("it was billed on the 5th", "2025-03-05", "the 5th"),
    ("on the 25th", "2025-02-25", "the 25th"),
    ("since the 31st", "2025-01-31", "the 31st"),
    ("14/03/2025", "2025-03-14", "14/03/2025"),
    ("Sent: Mar. 3, 2025 10:14 AM", "2025-03-03", "Mar. 3, 2025"),
    ("uh the third of march", "2025-03-03", "the third of march"),
    ("twenty first of march", "2024-03-21", "twenty first of march"),
    ("about 3 days ago", "2025-03-17", "3 days ago"),
    ("a couple of days ago", "2025-03-18", "a couple of days ago"),
    ("two weeks ago", "2025-03-06", "two weeks ago"),
    ("last thursday", "2025-03-13", "last thursday"),
    ("this past Monday", "2025-03-17", "this past Monday"),
    ("next monday", "2025-03-24", "next monday"),
    ("delivered on 3/14", "2025-03-14", "3/14"),
    ("3/14/25", "2025-03-14", "3/14/25"),
    ("Feb 29", "2024-02-29", "Feb 29"),
    ("the day before yesterday", "2025-03-18", "day before yesterday"),
    ("May 5", "2024-05-05", "May 5"),
]


def _ids(rows: list[Row]) -> list[str]:
    return [text for text, _, _ in rows]


@pytest.mark.parametrize(("text", "value", "surface"), ORDER_NUMBERS, ids=_ids(ORDER_NUMBERS))
def test_when_order_number_is_cued_then_it_is_extracted(
    text: str, value: str, surface: str
) -> None:
    assert found(text, EntityType.ORDER_NUMBER) == [(value, surface)]


@pytest.mark.parametrize(("text", "value", "surface"), RX_NUMBERS, ids=_ids(RX_NUMBERS))
def test_when_rx_number_is_cued_then_it_is_extracted(text: str, value: str, surface: str) -> None:
    assert found(text, EntityType.RX_NUMBER) == [(value, surface)]


@pytest.mark.parametrize(("text", "value", "surface"), EMAILS, ids=_ids(EMAILS))
def test_when_email_address_then_it_is_lowercased(text: str, value: str, surface: str) -> None:
    assert found(text, EntityType.EMAIL) == [(value, surface)]


@pytest.mark.parametrize(("text", "value", "surface"), PHONES, ids=_ids(PHONES))
def test_when_phone_number_then_digits_are_kept(text: str, value: str, surface: str) -> None:
    assert found(text, EntityType.PHONE) == [(value, surface)]


@pytest.mark.parametrize(("text", "value", "surface"), AMOUNTS, ids=_ids(AMOUNTS))
def test_when_amount_then_currency_is_normalised(text: str, value: str, surface: str) -> None:
    assert found(text, EntityType.AMOUNT) == [(value, surface)]


@pytest.mark.parametrize(("text", "value", "surface"), DATES, ids=_ids(DATES))
def test_when_date_then_it_is_iso_against_today(text: str, value: str, surface: str) -> None:
    assert found(text, EntityType.DATE) == [(value, surface)]


NEGATIVES: list[str] = [
    "I take 20 mg twice a day",
    "Pick up at 5:30 please",
    "can I order 30 tablets of ibuprofen",
    "order 1000 mg capsules",
    "order 123",
    "Rx: Lisinopril 20 mg",
    "Rx 500 mg",
    "my zip code is 90210",
    "Springfield, IL 62704",
    "I have 3 refills left",
    "take 3 times a day for 10 days",
    "Take 1/2 tablet at bedtime",
    "is the pharmacy open 24/7",
    "in order to save money I bought 2 boxes",
    "10 may be too much",
    "I lost ten pounds since starting it",
    "room 404, suite 12",
    "temperature 101.5",
    "BP 120/80",
    "I take 1000 IU of vitamin D",
    "the pharmacy on the 2nd floor",
    "call me between 9 and 5",
    "version 2.0.1 of the app",
    "I've been waiting 3 weeks",
    "it started in march 2025",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_when_dose_time_count_or_zip_then_nothing_is_extracted(text: str) -> None:
    assert extract_entities(text, today=TODAY) == []


@pytest.mark.parametrize("text", ["3707955617", "ref 00004587345 please", "12345678"])
def test_when_long_digits_have_no_cue_then_they_are_not_an_order(text: str) -> None:
    kinds = {entity.type for entity in extract_entities(text, today=TODAY)}
    assert EntityType.ORDER_NUMBER not in kinds
