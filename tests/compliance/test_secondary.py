"""Secondary requests beside a safety event: a table of messages and what each one asks for."""

from __future__ import annotations

import pytest

from orchestrator.compliance.secondary import PATTERNS, detect
from orchestrator.domain import Intent


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("I got hives from the pills you sent and I want a refund for order 1234", Intent.REFUND),
        ("these tablets made me throw up, I want my money back", Intent.REFUND),
        ("the cream burned my skin, can I be reimbursed?", Intent.REFUND),
        ("I had a reaction to the new batch so cancel my order 55123", Intent.CANCEL_ORDER),
        ("wrong pills in the bottle! please stop my next shipment", Intent.CANCEL_ORDER),
        ("I'm dizzy on this dose and want a cancellation of the autoship", Intent.CANCEL_ORDER),
        ("the rash is back, I need a refill of the cream", Intent.REFILL_PRESCRIPTION),
        (
            "swelling again after the pills; please refill my hydrocortisone",
            Intent.REFILL_PRESCRIPTION,
        ),
        ("the seal was broken on my bottle, where is my replacement order?", Intent.TRACK_ORDER),
        ("pills looked tampered with and my package never arrived", Intent.TRACK_ORDER),
        ("I broke out in hives; also update my address please", Intent.UPDATE_ACCOUNT),
        ("you gave me the wrong medication and I want to file a complaint", Intent.OPEN_TICKET),
        ("my son took the wrong dose, I want to speak to a manager", Intent.OPEN_TICKET),
    ],
)
def test_when_request_beside_reaction_then_detected(text: str, intent: Intent) -> None:
    found = detect(text)
    assert found is not None
    assert found.intent is intent


@pytest.mark.parametrize(
    "text",
    [
        "I got hives from the pills you sent",
        "my son swallowed a bunch of my pills",
        "I don't want a refund, I just want someone to know about the rash",
        "no need to cancel my order, but the pills made me dizzy",
        "I'm tracking my symptoms since the new dose",
        "I took the refill and my throat is swelling",
    ],
)
def test_when_no_request_beside_reaction_then_none(text: str) -> None:
    assert detect(text) is None


def test_when_request_names_an_order_then_its_entities_come_along() -> None:
    found = detect("I got hives from the pills you sent and I want a refund for order 1234")
    assert found is not None
    assert found.as_dict() == {
        "intent": "refund",
        "rule": "refund",
        "entities": [{"type": "order_number", "value": "1234", "start": 66, "end": 70}],
    }


def test_when_two_requests_then_the_first_one_is_reported() -> None:
    found = detect("the pills made me sick: cancel my order and refund me")
    assert found is not None
    assert found.intent is Intent.CANCEL_ORDER


def test_when_patterns_listed_then_names_are_unique_and_intents_known() -> None:
    assert len({p.name for p in PATTERNS}) == len(PATTERNS)
    assert {p.intent for p in PATTERNS} <= set(Intent) - {Intent.OTHER}
