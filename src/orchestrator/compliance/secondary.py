"""A secondary request beside a safety event: "I got hives from these pills, refund order 1234".

The safety event decides the category; what the customer also asked for is recorded with it so
the pharmacist sees it and the service desk can act on it. Detection is a table of named patterns
per intent, each turned away by a negation just before it ("I don't want a refund").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from orchestrator.domain import Intent
from orchestrator.extraction.entities import extract_entities

_I: Final = re.IGNORECASE
_ORDER_WORDS: Final = r"(?:order|package|parcel|delivery|shipment|subscription|purchase)s?"
_MINE: Final = r"(?:my|the|this|that|our|your|an?)"
_ONE_WORD: Final = r"(?:[a-z-]+\s+)?"  # "where is my replacement order"


@dataclass(frozen=True, slots=True)
class RequestPattern:
    name: str
    intent: Intent
    pattern: re.Pattern[str]


def _p(name: str, intent: Intent, pattern: str) -> RequestPattern:
    return RequestPattern(name, intent, re.compile(pattern, _I))


PATTERNS: Final[tuple[RequestPattern, ...]] = (
    _p("refund", Intent.REFUND, r"\b(?:refund(?:ed|s)?|reimburse(?:d|ment)?|charge-?backs?)\b"),
    _p("money_back", Intent.REFUND, r"\b(?:my|our|the) money back\b"),
    _p(
        "cancel",
        Intent.CANCEL_ORDER,
        rf"\b(?:cancel(?:l?ed|l?ing)?|stop)\s+(?:{_MINE}\s+)?(?:next\s+|auto-?\s*)?"
        rf"(?:{_ORDER_WORDS}|refills?|shipping)\b",
    ),
    _p("cancellation", Intent.CANCEL_ORDER, r"\bcancell?ation\b"),
    _p(
        "refill",
        Intent.REFILL_PRESCRIPTION,
        r"\b(?:refill\s+(?:my|the|this|it)|(?:need|want|get|order|request)\s+(?:a|an|another|my)"
        r"\s+(?:new\s+)?refill|renew\s+(?:my|the)\s+(?:prescription|rx|script))\b",
    ),
    _p(
        "track",
        Intent.TRACK_ORDER,
        rf"\b(?:track(?:ing)?\s+{_MINE}\s+{_ONE_WORD}{_ORDER_WORDS}"
        rf"|tracking\s+(?:number|info\w*|link)"
        rf"|where(?:'s|\s+is)\s+{_MINE}\s+{_ONE_WORD}{_ORDER_WORDS}"
        rf"|{_ORDER_WORDS}\s+(?:status|(?:still\s+)?(?:hasn't|has\s+not|never|didn't)\s+"
        rf"(?:arrived?|come|shown\s+up)))\b",
    ),
    _p(
        "update_account",
        Intent.UPDATE_ACCOUNT,
        r"\b(?:update|change)\s+(?:my\s+)?(?:address|e-?mail|phone(?:\s+number)?|account"
        r"|payment(?:\s+method)?|card|insurance)\b",
    ),
    _p(
        "complaint",
        Intent.OPEN_TICKET,
        r"\b(?:complain(?:t|ts|ing)?|file\s+a\s+(?:report|claim)|open\s+a\s+(?:ticket|case)"
        r"|speak\s+(?:to|with)\s+(?:a|the|your)\s+(?:manager|supervisor))\b",
    ),
)

# A negation at most three words before the request turns it away.
_NEGATED: Final = re.compile(
    r"\b(?:don'?t|do\s+not|doesn'?t|not|no|never|without|no\s+need\s+(?:for|to))"
    r"(?:\W+\w+){0,3}\W*$",
    _I,
)
_NEGATION_WINDOW = 40


@dataclass(frozen=True, slots=True)
class SecondaryRequest:
    """The first request found beside the safety event, and the entities in the message."""

    intent: Intent
    rule: str
    entities: tuple[dict[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        return {"intent": self.intent.value, "rule": self.rule, "entities": list(self.entities)}


def _negated(text: str, start: int) -> bool:
    return _NEGATED.search(text[max(0, start - _NEGATION_WINDOW) : start]) is not None


def find_requests(text: str) -> list[tuple[int, RequestPattern]]:
    """Every un-negated request pattern that matches, with where it starts."""
    found: list[tuple[int, RequestPattern]] = []
    for rule in PATTERNS:
        for match in rule.pattern.finditer(text):
            if not _negated(text, match.start()):
                found.append((match.start(), rule))
                break
    return sorted(found, key=lambda f: f[0])


def detect(text: str) -> SecondaryRequest | None:
    """The earliest request in `text` (pass the redacted text: its entities are stored)."""
    found = find_requests(text)
    if not found:
        return None
    _, rule = found[0]
    entities = tuple(entity.as_dict() for entity in extract_entities(text))
    return SecondaryRequest(rule.intent, rule.name, entities)
