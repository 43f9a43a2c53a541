"""Declarative tables for entity extraction: cue words, spoken numbers, months, currencies.

Everything here is data: word tables and the compiled patterns built from them. The recognizers in
``entities.py`` pair each pattern with a normaliser, so widening coverage (a new cue word, a new
currency alias) is an edit here plus a row in the tests. All patterns ignore case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

_I: Final = re.IGNORECASE


def _alternation(words: Iterable[str]) -> str:
    """Longest first, so "sept" is tried before "sep"; a space in a word matches any spacing."""
    ordered = sorted(set(words), key=len, reverse=True)
    return "|".join(re.escape(word).replace(r"\ ", r"[\s-]+") for word in ordered)


# --- spoken numbers (voice transcripts) ---------------------------------------------------------

DIGIT_WORDS: Final[dict[str, int]] = {
    "zero": 0, "oh": 0, "o": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
}  # fmt: skip
TEEN_WORDS: Final[dict[str, int]] = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
TENS_WORDS: Final[dict[str, int]] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
REPEAT_WORDS: Final[dict[str, int]] = {"double": 2, "triple": 3}
SCALE_WORDS: Final[dict[str, int]] = {"hundred": 100, "thousand": 1000}

# Words that may read out one digit group of an identifier: "four four seven", "double five".
SPOKEN_DIGIT_VOCABULARY: Final[frozenset[str]] = frozenset(
    DIGIT_WORDS.keys() | TEEN_WORDS.keys() | TENS_WORDS.keys() | REPEAT_WORDS.keys()
)
# One spoken or written digit group, after optional separators; the identifier reader loops on it.
SPOKEN_TOKEN: Final = re.compile(r"[\s,-]*([A-Za-z]+|\d+)(?!\w)")

_CARDINALS: Final = _alternation(
    [w for w in DIGIT_WORDS if w not in {"oh", "o", "nought"}]
    + list(TEEN_WORDS)
    + list(TENS_WORDS)
    + list(SCALE_WORDS)
)

# --- identifiers led by a cue word ----------------------------------------------------------------

# Between the cue and the id: "number", "no.", "#", "id:", "is", voice fillers ("uh").
_ID_CONNECTOR: Final = (
    r"(?:[\s,]*(?:(?:numbers?|num|nbr|nr|no|ids?|ref(?:erence)?|code|is|uh|um)(?![A-Za-z])\.?"
    r"|[#:=-]|n[°º]))*[\s,]*"
)
# A connector containing one of these says outright that an identifier follows.
ID_MARKER: Final = re.compile(r"number|num|nbr|nr|no|id|ref|code|[#:°º]", _I)

ORDER_CUE: Final = re.compile(rf"\b(?:orders?|purchase)(?![A-Za-z])(?P<conn>{_ID_CONNECTOR})", _I)
RX_CUE: Final = re.compile(
    rf"\b(?:rx|prescriptions?|scripts?)(?![A-Za-z])(?P<conn>{_ID_CONNECTOR})", _I
)
# A written id: optional letter prefix, digit groups joined by hyphens ("A-99812", "889-221").
COMPACT_ID: Final = re.compile(r"(?:[A-Za-z]{1,4}-?)?\d+(?:-\d+)*(?![\w-]|[.,/:]\d)")
# Order ids that carry their own cue.
ORDER_CODE: Final = re.compile(r"\bORD-?\d{3,}(?:-\d+)*(?![\w-]|[.,/:]\d)", _I)

# A quantity, dose or time right after a number means it is not an identifier or a day.
UNIT_AFTER: Final = re.compile(
    r"\s*-?\s*(?:mg|mcg|µg|ug|g|kg|ml|l|iu|units?|tablets?|tabs?|pills?|capsules?|caps?|doses?"
    r"|count|ct|days?|weeks?|months?|years?|hours?|hrs?|minutes?|mins?|lbs?|oz|times|x|%)"
    r"(?![A-Za-z])",
    _I,
)

# --- email and phone ------------------------------------------------------------------------------

EMAIL: Final = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w@])"
)
# North American: (555) 123-4567, 555-123-4567, 555.123.4567, +1 555 123 4567, 1-800-555-1234.
PHONE_NANP: Final = re.compile(
    r"(?<![\w+.-])(?:\+?1[ .-]?)?(?:\(\d{3}\) ?|\d{3}[ .-])\d{3}[ .-]\d{4}(?![\w-]|[.,]\d)"
)
# International with a leading +: +44 20 7946 0958, +91 98765 43210, +44 (0)20 7946 0958.
PHONE_INTERNATIONAL: Final = re.compile(
    r"(?<![\w+])\+\d++(?:[ .-]?(?:\(\d{1,4}\)|\d++)){0,6}(?![\w-]|[.,]\d)"
)
# National format with a trunk 0: 020 7946 0958.
PHONE_TRUNK: Final = re.compile(r"(?<![\w+.-])0\d{2,4}[ -]\d{3,4}[ -]\d{3,4}(?![\w-]|[.,]\d)")
PHONE_CUE: Final = re.compile(
    r"(?:(?:\b(?:tele)?phone|\bcell(?:phone)?|\bmobile|\btel\b\.?|\bcall ?back|\bcontact)"
    r"(?:\s+(?:number|no\b\.?|#))?"
    r"|\bcall(?:\s+me)?|\btext(?:\s+me)?|\breach\s+me|\b(?:my|your)\s+number)"
    r"(?:[\s,]*(?:(?:is|at|on|me|back|uh|um)\b|[#:=-]))*[\s,]*",
    _I,
)
# After a phone cue a bare digit run, or a 7-digit local number, is a phone.
PHONE_AFTER_CUE: Final = re.compile(r"\+?\d{7,15}(?![\w-]|[.,]\d)|\d{3}[-. ]\d{4}(?![\w-]|[.,]\d)")

# --- amounts ----------------------------------------------------------------------------------

CURRENCIES: Final[dict[str, str]] = {
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD",
    "rs": "INR", "inr": "INR", "₹": "INR", "rupee": "INR", "rupees": "INR",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP",
}  # fmt: skip
# 1,299 / 2,49,999 (Indian grouping) / 42.10 / 499
_NUMBER: Final = r"(?:\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})+,\d{3}|\d+)(?:\.\d{1,2})?"
_NUMBER_END: Final = r"(?!\d|[.,]\d)"

AMOUNT_PREFIXED: Final = re.compile(
    rf"(?<![\w$])(?P<cur>US\$|\$|₹|€|£|(?:Rs\.?|INR|USD|EUR|GBP)(?![A-Za-z]))\s?"
    rf"(?P<num>{_NUMBER}){_NUMBER_END}",
    _I,
)
AMOUNT_SUFFIXED: Final = re.compile(
    rf"(?<![\w.,$])(?P<num>{_NUMBER}){_NUMBER_END}\s?"
    r"(?P<cur>dollars?|bucks|rupees?|euros?|usd|inr|eur|gbp|rs|₹|€)(?![A-Za-z])",
    _I,
)
AMOUNT_SPOKEN: Final = re.compile(
    rf"\b(?P<words>(?:an?[\s-]+)?(?:{_CARDINALS})(?:(?:[\s-]+and)?[\s-]+(?:{_CARDINALS})){{0,11}})"
    r"\s+(?P<cur>dollars?|bucks|rupees?|euros?)\b",
    _I,
)

# --- dates ------------------------------------------------------------------------------------

MONTHS: Final[dict[str, int]] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
WEEKDAYS: Final[dict[str, int]] = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3,
    "thurs": 3, "fri": 4, "sat": 5, "sun": 6,
}  # fmt: skip
_ORDINAL_UNITS: Final[dict[str, int]] = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9,
}  # fmt: skip
# Day-of-month ordinals as spoken: "third", "twenty first"; keys use one space between words.
ORDINAL_DAYS: Final[dict[str, int]] = {
    **_ORDINAL_UNITS,
    "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30, "thirty first": 31,
    **{f"twenty {word}": 20 + day for word, day in _ORDINAL_UNITS.items()},
}  # fmt: skip
RELATIVE_DAYS: Final[dict[str, int]] = {
    "day before yesterday": -2, "yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1,
    "day after tomorrow": 2,
}  # fmt: skip
COUNT_WORDS: Final[dict[str, int]] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "a couple": 2, "a couple of": 2, "couple of": 2,
}  # fmt: skip

_MONTH: Final = rf"(?P<month>{_alternation(MONTHS)})(?![A-Za-z])\.?"
_DAY: Final = rf"(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?|(?P<dayword>{_alternation(ORDINAL_DAYS)}))"
_YEAR: Final = r"(?:,?\s+(?P<year>(?:19|20)\d{2})(?![\w:]))?"
_DATE_END: Final = r"(?![\w/-]|[.:]\d)"

DATE_ISO: Final = re.compile(
    rf"(?<![\w/.-])(?P<year>(?:19|20)\d{{2}})(?P<sep>[-/.])(?P<month>\d{{1,2}})(?P=sep)"
    rf"(?P<day>\d{{1,2}}){_DATE_END}"
)
# 03/14/2025, 3-14-25, 14.03.2025 (day first only when the first number cannot be a month).
DATE_NUMERIC: Final = re.compile(
    rf"(?<![\w/.-])(?P<a>\d{{1,2}})(?P<sep>[/.-])(?P<b>\d{{1,2}})(?P=sep)(?P<year>\d{{4}}|\d{{2}})"
    rf"{_DATE_END}"
)
# 3/14 without a year only after a word that introduces a date ("1/2 tablet" is a dose).
DATE_NUMERIC_NO_YEAR: Final = re.compile(
    rf"\b(?:on|since|until|till|dated)\s+(?P<date>(?P<a>\d{{1,2}})/(?P<b>\d{{1,2}})){_DATE_END}",
    _I,
)
DATE_MONTH_DAY: Final = re.compile(rf"\b{_MONTH}\s+(?:the\s+)?{_DAY}(?![\w:]|[.,]\d){_YEAR}", _I)
DATE_DAY_MONTH: Final = re.compile(
    rf"\b(?:the\s+)?{_DAY}(?![A-Za-z])\s+(?:of\s+)?{_MONTH}{_YEAR}", _I
)
# "on the 5th": the month is the current one, or the last one that has passed that day.
DATE_ORDINAL_DAY: Final = re.compile(
    r"\b(?:on|since|from|by|until|till|before|after)\s+(?P<date>the\s+(?P<day>\d{1,2})"
    r"(?:st|nd|rd|th))\b(?!\s+(?:of|floor|day|dose|time|week|month|year|try|attempt|page|item"
    r"|bottle|refill|one|box|pack)s?\b)",
    _I,
)
DATE_RELATIVE: Final = re.compile(rf"\b(?P<word>{_alternation(RELATIVE_DAYS)})\b", _I)
DATE_WEEKDAY: Final = re.compile(
    rf"\b(?P<which>last|past|this\s+past|next)\s+(?P<weekday>{_alternation(WEEKDAYS)})\b", _I
)
DATE_AGO: Final = re.compile(
    rf"\b(?P<count>\d{{1,3}}|{_alternation(COUNT_WORDS)})\s+(?P<unit>days?|weeks?)\s+ago\b", _I
)
