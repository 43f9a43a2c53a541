"""Declarative PII recognizers: named patterns with a score, context words and a validator.

Shaped after Microsoft Presidio's ``PatternRecognizer``: each recognizer finds one PII type.
A candidate match is kept when its validator accepts it and, for recognizers whose patterns are
ambiguous alone (a bare 10-digit run), when a context word appears in the window just before
it; a context word raises the score of any candidate, and a negative context word that is
nearer than every positive one ("order 5551234567") turns the candidate away.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from orchestrator.privacy import lexicon, patterns, validators


class PiiType(StrEnum):
    """The kinds of personal data the redactor removes; the value is the redaction tag."""

    PERSON = "PERSON"
    PHONE = "PHONE"
    EMAIL = "EMAIL"
    DATE_OF_BIRTH = "DATE_OF_BIRTH"
    ADDRESS = "ADDRESS"
    CARD_NUMBER = "CARD_NUMBER"
    SSN = "SSN"
    RX_NUMBER = "RX_NUMBER"
    INSURANCE_ID = "INSURANCE_ID"


@dataclass(frozen=True, slots=True)
class PiiEntity:
    """One detected span; offsets index the original text, ``end`` exclusive."""

    type: PiiType
    start: int
    end: int
    score: float


def _word_pattern(words: Sequence[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    return re.compile(rf"(?<!\w)(?:{patterns.alternation(words)})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PatternRecognizer:
    """Finds one PII type with regular expressions; see the module docstring for the rules."""

    type: PiiType
    name: str
    pattern: re.Pattern[str] | Sequence[re.Pattern[str]]
    score: float
    context: Sequence[str] = ()
    context_required: bool = False
    context_window: int = 40
    context_boost: float = 0.15
    negative_context: Sequence[str] = ()
    validator: Callable[[str], bool] | None = None
    _patterns: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)
    _context: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _negative: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled = (self.pattern,) if isinstance(self.pattern, re.Pattern) else tuple(self.pattern)
        if not compiled:
            raise ValueError(f"recognizer {self.name!r} has no pattern")
        if self.context_required and not self.context:
            raise ValueError(f"recognizer {self.name!r} requires context but names none")
        object.__setattr__(self, "_patterns", compiled)
        object.__setattr__(self, "_context", _word_pattern(self.context))
        object.__setattr__(self, "_negative", _word_pattern(self.negative_context))

    @property
    def compiled(self) -> tuple[re.Pattern[str], ...]:
        return self._patterns

    def analyze(self, text: str) -> list[PiiEntity]:
        """Every candidate this recognizer accepts in ``text``; overlaps are left to the caller."""
        found: list[PiiEntity] = []
        for pattern in self._patterns:
            for match in pattern.finditer(text):
                for start, end in _entity_spans(match):
                    score = self._score(text, start, end)
                    if score is not None:
                        found.append(PiiEntity(self.type, start, end, score))
        return found

    def _score(self, text: str, start: int, end: int) -> float | None:
        if self.validator is not None and not _accepts(self.validator, text[start:end]):
            return None
        if self._context is None and self._negative is None:
            return self.score
        window = text[max(0, start - self.context_window) : start]
        positive = _last_start(self._context, window)
        negative = _last_start(self._negative, window)
        if negative is not None and (positive is None or negative > positive):
            return None
        if positive is None:
            return None if self.context_required else self.score
        return min(1.0, self.score + self.context_boost)


def _entity_spans(match: re.Match[str]) -> Iterator[tuple[int, int]]:
    """The ``pii*`` groups of a match when the pattern has them, else the whole match."""
    names = [name for name in match.re.groupindex if name.startswith("pii")]
    if not names:
        if match.end() > match.start():
            yield match.span()
        return
    for name in names:
        start, end = match.span(name)
        if end > start >= 0:
            yield start, end


def _last_start(words: re.Pattern[str] | None, window: str) -> int | None:
    if words is None:
        return None
    last = None
    for hit in words.finditer(window):
        last = hit.start()
    return last


def _accepts(validator: Callable[[str], bool], value: str) -> bool:
    """A validator that raises rejects the candidate: redaction must never fail on input."""
    try:
        return bool(validator(value))
    except Exception:
        return False


# --- The default set -------------------------------------------------------------------------

# Negative context: words that say a bare number belongs to something else.
_OTHER_NUMBERS = lexicon.ACCOUNT_WORDS + ("member", "policy", "group", "zip", "card")
_NOT_A_PHONE = (
    lexicon.ACCOUNT_WORDS + lexicon.RX_CONTEXT + lexicon.INSURANCE_CONTEXT + lexicon.SSN_CONTEXT
)
_NOT_AN_SSN = _OTHER_NUMBERS + lexicon.RX_CONTEXT + ("phone", "call")
_NOT_AN_RX = (
    _OTHER_NUMBERS + lexicon.INSURANCE_CONTEXT + lexicon.SSN_CONTEXT + lexicon.PHONE_CONTEXT
)
_NOT_A_CARD = lexicon.ACCOUNT_WORDS + ("rx", "prescription", "member", "policy")

DEFAULT_RECOGNIZERS: tuple[PatternRecognizer, ...] = (
    # PERSON: no NER model here, so names are found by what introduces them.
    PatternRecognizer(PiiType.PERSON, "person_labelled", patterns.PERSON_LABELLED, 0.85),
    PatternRecognizer(
        PiiType.PERSON, "person_cued", patterns.PERSON_CUED, 0.75, validator=validators.person
    ),
    PatternRecognizer(
        PiiType.PERSON,
        "person_introduced",
        patterns.PERSON_INTRODUCED,
        0.6,
        validator=validators.person,
    ),
    PatternRecognizer(PiiType.PERSON, "person_spoken", patterns.PERSON_SPOKEN, 0.6),
    PatternRecognizer(
        PiiType.PERSON, "person_known", patterns.PERSON_KNOWN, 0.5, validator=validators.person
    ),
    PatternRecognizer(
        PiiType.PERSON,
        "person_spelled",
        patterns.PERSON_SPELLED,
        0.5,
        context=("name", "name's", "spell", "spelled", "spelling", "spelt", "last", "first"),
        context_required=True,
        context_window=48,
    ),
    PatternRecognizer(
        PiiType.PERSON,
        "person_relative",
        patterns.PERSON_RELATIVE,
        0.65,
        validator=validators.person,
    ),
    PatternRecognizer(
        PiiType.PERSON, "person_titled", patterns.PERSON_TITLED, 0.7, validator=validators.person
    ),
    PatternRecognizer(
        PiiType.PERSON, "person_signed", patterns.PERSON_SIGNED, 0.7, validator=validators.person
    ),
    # PHONE
    PatternRecognizer(
        PiiType.PHONE,
        "phone_formatted",
        patterns.PHONE_FORMATTED,
        0.7,
        context=lexicon.PHONE_CONTEXT,
        validator=validators.phone,
    ),
    PatternRecognizer(
        PiiType.PHONE,
        "phone_international",
        patterns.PHONE_INTERNATIONAL,
        0.7,
        context=lexicon.PHONE_CONTEXT,
        validator=validators.phone,
    ),
    PatternRecognizer(
        PiiType.PHONE,
        "phone_digits",
        patterns.PHONE_DIGITS,
        0.55,
        context=lexicon.PHONE_CONTEXT,
        context_required=True,
        negative_context=_NOT_A_PHONE,
        validator=validators.phone,
    ),
    PatternRecognizer(
        PiiType.PHONE, "phone_spoken", patterns.PHONE_SPOKEN, 0.6, context=lexicon.PHONE_CONTEXT
    ),
    # EMAIL
    PatternRecognizer(PiiType.EMAIL, "email_address", patterns.EMAIL, 0.9),
    PatternRecognizer(PiiType.EMAIL, "email_spoken", patterns.EMAIL_SPOKEN, 0.7),
    # DATE_OF_BIRTH: a date is only personal next to a birth cue.
    PatternRecognizer(
        PiiType.DATE_OF_BIRTH,
        "date_of_birth",
        patterns.DATE,
        0.85,
        context=lexicon.DOB_CONTEXT,
        context_required=True,
        context_window=32,
        validator=validators.date_of_birth,
    ),
    # ADDRESS
    PatternRecognizer(PiiType.ADDRESS, "street_address", patterns.ADDRESS_STREET, 0.75),
    PatternRecognizer(PiiType.ADDRESS, "po_box", patterns.ADDRESS_PO_BOX, 0.8),
    PatternRecognizer(PiiType.ADDRESS, "city_state_zip", patterns.ADDRESS_LOCALITY, 0.65),
    # CARD_NUMBER
    PatternRecognizer(
        PiiType.CARD_NUMBER,
        "card_number",
        patterns.CARD,
        0.75,
        context=lexicon.CARD_CONTEXT,
        context_boost=0.2,
        negative_context=_NOT_A_CARD,
        validator=validators.luhn,
    ),
    # SSN
    PatternRecognizer(
        PiiType.SSN,
        "ssn_formatted",
        patterns.SSN_FORMATTED,
        0.75,
        context=lexicon.SSN_CONTEXT,
        negative_context=lexicon.ACCOUNT_WORDS + lexicon.RX_CONTEXT,
        validator=validators.ssn,
    ),
    PatternRecognizer(
        PiiType.SSN,
        "ssn_unformatted",
        patterns.SSN_UNFORMATTED,
        0.6,
        context=lexicon.SSN_CONTEXT,
        context_required=True,
        negative_context=_NOT_AN_SSN,
        validator=validators.ssn,
    ),
    PatternRecognizer(PiiType.SSN, "ssn_last_four", patterns.SSN_LAST_FOUR, 0.8),
    # RX_NUMBER: order numbers are not personal; prescription numbers are.
    PatternRecognizer(
        PiiType.RX_NUMBER, "rx_cued", patterns.RX_CUED, 0.9, validator=validators.identifier
    ),
    PatternRecognizer(
        PiiType.RX_NUMBER,
        "rx_nearby",
        patterns.RX_NEARBY,
        0.5,
        context=lexicon.RX_CONTEXT,
        context_required=True,
        negative_context=_NOT_AN_RX,
        validator=validators.identifier,
    ),
    # INSURANCE_ID
    PatternRecognizer(
        PiiType.INSURANCE_ID,
        "insurance_cued",
        patterns.INSURANCE_CUED,
        0.9,
        validator=validators.identifier,
    ),
    PatternRecognizer(
        PiiType.INSURANCE_ID,
        "insurance_nearby",
        patterns.INSURANCE_NEARBY,
        0.5,
        context=lexicon.INSURANCE_CONTEXT,
        context_required=True,
        context_window=60,
        negative_context=lexicon.ACCOUNT_WORDS + lexicon.RX_CONTEXT,
    ),
)
