"""Checks a recognizer runs on a candidate's text: they turn look-alikes away, never raise."""

from __future__ import annotations

import re
from datetime import date

from orchestrator.privacy import lexicon

_DIGITS = re.compile(r"\d")
_NUMERIC_DATE = re.compile(r"(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SPOKEN_WORD = re.compile(r"[a-z]+")
_SPOKEN = {word: str(digit) for digit, word in enumerate(lexicon.DIGIT_WORDS)} | {"oh": "0"}


def digits(value: str) -> str:
    """The digits of a value, separators dropped; read out ("five five") when it has none."""
    written = "".join(_DIGITS.findall(value))
    if written:
        return written
    return "".join(_SPOKEN.get(word, "") for word in _SPOKEN_WORD.findall(value.lower()))


def luhn(value: str) -> bool:
    """Card numbers carry a Luhn check digit; random digit runs fail it nine times in ten."""
    number = digits(value)
    if not 13 <= len(number) <= 19 or len(set(number)) == 1:
        return False
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def ssn(value: str) -> bool:
    """SSA never issues area 000, 666 or 9xx, group 00, or serial 0000."""
    number = digits(value)
    if len(number) != 9 or len(set(number)) == 1:
        return False
    area, group, serial = number[:3], number[3:5], number[5:]
    return area not in {"000", "666"} and area[0] != "9" and group != "00" and serial != "0000"


def phone(value: str) -> bool:
    """A phone number has 7 to 15 digits (E.164), and not all of them the same."""
    number = digits(value)
    return 7 <= len(number) <= 15 and len(set(number)) > 1


def date_of_birth(value: str) -> bool:
    """A birth date names a real day in a year someone alive could be born in."""
    latest = date.today().year
    numeric = _NUMERIC_DATE.search(value)
    if numeric is None:
        year = _YEAR.search(value)
        return year is None or 1900 <= int(year.group(1)) <= latest
    first, second, third = (int(part) for part in numeric.groups())
    if len(numeric.group(1)) == 4:  # ISO order: year, month, day
        return 1900 <= first <= latest and 1 <= second <= 12 and 1 <= third <= 31
    if len(numeric.group(3)) not in (2, 4) or len(numeric.group(1)) > 2:
        return False
    if len(numeric.group(3)) == 4 and not 1900 <= third <= latest:
        return False
    month_first = 1 <= first <= 12 and 1 <= second <= 31
    day_first = 1 <= second <= 12 and 1 <= first <= 31
    return month_first or day_first


def identifier(value: str) -> bool:
    """Member, policy and Rx numbers carry several digits; a word alone is not one."""
    return len(digits(value)) >= 4


def person(value: str) -> bool:
    """After a weak cue ("This is ...") a name starts with an uncommon word and names no firm."""
    words = [word.lower() for word in _WORD.findall(value)]
    return (
        bool(words)
        and words[0] not in lexicon.COMMON_CAPITALISED
        and lexicon.ORGANISATION_WORDS.isdisjoint(words)
    )
