"""Entities a service-action message carries: order and Rx numbers, email, phone, amount, date.

Recognizers are rows in ``_RECOGNIZERS``: a pattern from ``patterns.py``, the entity type it
yields, a normaliser that turns a match into ``(value, start, end)`` or rejects it, and a priority.
Every recognizer runs over the whole text. Overlaps are settled by priority, then by the longer
span, so a number announced as an order is never also read as a phone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from orchestrator.extraction import patterns as p


class EntityType(StrEnum):
    ORDER_NUMBER = "order_number"
    RX_NUMBER = "rx_number"
    EMAIL = "email"
    PHONE = "phone"
    AMOUNT = "amount"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Entity:
    """A normalised value and the ``text[start:end]`` surface it was read from."""

    type: EntityType
    value: str
    start: int
    end: int

    def as_dict(self) -> dict[str, str | int]:
        return {"type": self.type.value, "value": self.value, "start": self.start, "end": self.end}


_Found = tuple[str, int, int]  # value, start, end
_Normaliser = Callable[[re.Match[str], date], _Found | None]

_MIN_ID_DIGITS_MARKED = 3  # "order #123": the marker already says an id follows
_MIN_ID_DIGITS_BARE = 4  # "order 30 ..." is a quantity far more often than an id
_MAX_ID_DIGITS = 20
_MIN_PHONE_DIGITS, _MAX_PHONE_DIGITS = 7, 15
_YEARS_BACK = 8  # far enough to find the last 29 February


@dataclass(frozen=True, slots=True)
class _Recognizer:
    name: str
    type: EntityType
    pattern: re.Pattern[str]
    normalise: _Normaliser
    priority: int  # higher wins an overlap; equal priorities go to the longer span


def extract_entities(text: str, *, today: date | None = None) -> list[Entity]:
    """Entities in ``text``, sorted by start, with no two spans overlapping.

    ``today`` anchors relative and year-less dates ("yesterday", "March 3rd"); defaults to the
    local date.
    """
    reference = today if today is not None else date.today()
    candidates: list[tuple[int, Entity]] = []
    for recognizer in _RECOGNIZERS:
        for match in recognizer.pattern.finditer(text):
            found = recognizer.normalise(match, reference)
            if found is not None:
                value, start, end = found
                candidates.append((recognizer.priority, Entity(recognizer.type, value, start, end)))
    return _without_overlaps(candidates)


def _without_overlaps(candidates: list[tuple[int, Entity]]) -> list[Entity]:
    ranked = sorted(candidates, key=lambda c: (-c[0], c[1].start - c[1].end, c[1].start))
    kept: list[Entity] = []
    for _, entity in ranked:
        if all(entity.end <= other.start or entity.start >= other.end for other in kept):
            kept.append(entity)
    return sorted(kept, key=lambda entity: entity.start)


# --- identifiers ------------------------------------------------------------------------------


def _digits(surface: str) -> str:
    return "".join(ch for ch in surface if ch.isdigit())


def _spoken_digits(words: list[str]) -> str | None:
    """Read-out digit groups: "four four seven" -> 447, "double five" -> 55, "oh" -> 0."""
    out: list[str] = []
    repeat, i = 1, 0
    while i < len(words):
        word = words[i]
        if word in p.REPEAT_WORDS:
            repeat = p.REPEAT_WORDS[word]
            i += 1
            continue
        if word.isdigit():
            chunk = word
        elif word in p.DIGIT_WORDS:
            chunk = str(p.DIGIT_WORDS[word])
        elif word in p.TEEN_WORDS:
            chunk = str(p.TEEN_WORDS[word])
        else:
            tens = p.TENS_WORDS[word]
            unit = p.DIGIT_WORDS.get(words[i + 1], 0) if i + 1 < len(words) else 0
            i += 1 if unit else 0
            chunk = str(tens + unit)
        out.append(chunk * repeat)
        repeat, i = 1, i + 1
    return "".join(out) or None


def _read_spoken_id(text: str, pos: int) -> _Found | None:
    """Digit groups read out from ``pos`` on: spoken words, or numerals split by spaces."""
    tokens: list[re.Match[str]] = []
    cursor = pos
    while (token := p.SPOKEN_TOKEN.match(text, cursor)) is not None:
        word = token.group(1).lower()
        if not (word.isdigit() or word in p.SPOKEN_DIGIT_VOCABULARY):
            break
        tokens.append(token)
        cursor = token.end()
    while tokens and tokens[-1].group(1).lower() in p.REPEAT_WORDS:
        tokens.pop()
    if not tokens:
        return None
    digits = _spoken_digits([token.group(1).lower() for token in tokens])
    return (digits, tokens[0].start(1), tokens[-1].end(1)) if digits else None


def _read_id(text: str, pos: int, min_digits: int) -> _Found | None:
    """The id right at ``pos``, written ("A-99812") or read out ("four four seven one two")."""
    compact = p.COMPACT_ID.match(text, pos)
    if compact is not None and len(_digits(compact.group())) >= min_digits:
        found = (compact.group().upper(), compact.start(), compact.end())
    elif (spoken := _read_spoken_id(text, pos)) is not None and len(spoken[0]) >= min_digits:
        found = spoken
    else:
        return None
    too_long = len(_digits(found[0])) > _MAX_ID_DIGITS
    return None if too_long or p.UNIT_AFTER.match(text, found[2]) else found


def _id_after_cue(match: re.Match[str], _today: date) -> _Found | None:
    marked = p.ID_MARKER.search(match.group("conn")) is not None
    min_digits = _MIN_ID_DIGITS_MARKED if marked else _MIN_ID_DIGITS_BARE
    return _read_id(match.string, match.end(), min_digits)


def _upper(match: re.Match[str], _today: date) -> _Found | None:
    return match.group().upper(), match.start(), match.end()


def _lower(match: re.Match[str], _today: date) -> _Found | None:
    return match.group().lower(), match.start(), match.end()


# --- phone ------------------------------------------------------------------------------------


def _phone_value(surface: str) -> str | None:
    digits = _digits(surface.replace("(0)", ""))
    if not _MIN_PHONE_DIGITS <= len(digits) <= _MAX_PHONE_DIGITS:
        return None
    return f"+{digits}" if surface.startswith("+") else digits


def _phone_shaped(match: re.Match[str], _today: date) -> _Found | None:
    value = _phone_value(match.group())
    return None if value is None else (value, match.start(), match.end())


def _phone_after_cue(match: re.Match[str], _today: date) -> _Found | None:
    text, pos = match.string, match.end()
    written = p.PHONE_AFTER_CUE.match(text, pos)
    found = (
        (written.group(), written.start(), written.end())
        if written is not None
        else _read_spoken_id(text, pos)
    )
    if found is None or p.UNIT_AFTER.match(text, found[2]):
        return None
    value = _phone_value(found[0])
    return None if value is None else (value, found[1], found[2])


# --- amounts ----------------------------------------------------------------------------------


def _amount_value(number: str, currency: str) -> str:
    whole, _, cents = number.replace(",", "").partition(".")
    amount = f"{int(whole)}.{cents.ljust(2, '0')}" if cents else str(int(whole))
    return f"{amount} {p.CURRENCIES[currency.lower().rstrip('.')]}"


def _amount_written(match: re.Match[str], _today: date) -> _Found | None:
    return _amount_value(match["num"], match["cur"]), match.start(), match.end()


_CARDINAL_VALUES: dict[str, int] = {**p.DIGIT_WORDS, **p.TEEN_WORDS, **p.TENS_WORDS}


def _cardinal(words: list[str]) -> int | None:
    """Spelled-out amounts: "forty two" -> 42, "a hundred and fifty" -> 150."""
    total = current = 0
    for i, word in enumerate(words):
        if word in {"a", "an"}:
            if i + 1 >= len(words) or words[i + 1] not in p.SCALE_WORDS:
                return None
            current = 1
        elif word == "hundred":
            current = (current or 1) * 100
        elif word == "thousand":
            total, current = total + (current or 1) * 1000, 0
        elif word != "and":
            current += _CARDINAL_VALUES[word]
    return total + current


def _amount_spoken(match: re.Match[str], _today: date) -> _Found | None:
    value = _cardinal(re.split(r"[\s-]+", match["words"].lower()))
    if value is None:
        return None
    return _amount_value(str(value), match["cur"]), match.start(), match.end()


# --- dates ------------------------------------------------------------------------------------


def _words_key(words: str) -> str:
    return re.sub(r"[\s-]+", " ", words.lower())


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _most_recent(today: date, month: int, day: int) -> str | None:
    """The latest ``month``/``day`` on or before ``today``: a year-less date is in the past."""
    for year in range(today.year, today.year - _YEARS_BACK, -1):
        if (iso := _iso(year, month, day)) is not None and iso <= today.isoformat():
            return iso
    return None


def _full_year(year: str) -> int:
    """Two-digit years pivot at 70: "25" is 2025, "68" is 1968."""
    if len(year) == 4:
        return int(year)
    return 2000 + int(year) if int(year) < 70 else 1900 + int(year)


def _month_first(a: int, b: int) -> tuple[int, int]:
    """US order (month/day) unless the first number cannot be a month (14/03)."""
    return (b, a) if a > 12 >= b else (a, b)


def _date_iso(match: re.Match[str], _today: date) -> _Found | None:
    iso = _iso(int(match["year"]), int(match["month"]), int(match["day"]))
    return None if iso is None else (iso, match.start(), match.end())


def _date_numeric(match: re.Match[str], today: date) -> _Found | None:
    month, day = _month_first(int(match["a"]), int(match["b"]))
    if "year" in match.re.groupindex:
        iso, span = _iso(_full_year(match["year"]), month, day), match.span()
    else:
        iso, span = _most_recent(today, month, day), match.span("date")
    return None if iso is None else (iso, *span)


def _date_named_month(match: re.Match[str], today: date) -> _Found | None:
    month_word = match["month"]
    if month_word == "may" and re.fullmatch(r"\d+\s+may", match.group()):
        return None  # "10 may be too much": the modal verb, not the month
    month = p.MONTHS[month_word.lower()]
    day = int(match["day"]) if match["day"] else p.ORDINAL_DAYS[_words_key(match["dayword"])]
    if match["year"]:
        iso = _iso(int(match["year"]), month, day)
    elif p.UNIT_AFTER.match(match.string, match.end()):
        return None
    else:
        iso = _most_recent(today, month, day)
    return None if iso is None else (iso, match.start(), match.end())


def _date_ordinal_day(match: re.Match[str], today: date) -> _Found | None:
    year, month, day = today.year, today.month, int(match["day"])
    for _ in range(12):
        if (iso := _iso(year, month, day)) is not None and iso <= today.isoformat():
            return iso, *match.span("date")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None


def _date_relative(match: re.Match[str], today: date) -> _Found | None:
    offset = p.RELATIVE_DAYS[_words_key(match["word"])]
    return (today + timedelta(days=offset)).isoformat(), match.start(), match.end()


def _date_weekday(match: re.Match[str], today: date) -> _Found | None:
    """Last Tuesday is the latest Tuesday before today; next Tuesday the first one after it."""
    weekday = p.WEEKDAYS[match["weekday"].lower()]
    if match["which"].lower() == "next":
        day = today + timedelta(days=(weekday - today.weekday()) % 7 or 7)
    else:
        day = today - timedelta(days=(today.weekday() - weekday) % 7 or 7)
    return day.isoformat(), match.start(), match.end()


def _date_ago(match: re.Match[str], today: date) -> _Found | None:
    count = match["count"]
    n = int(count) if count.isdigit() else p.COUNT_WORDS[_words_key(count)]
    days = n * 7 if match["unit"].lower().startswith("week") else n
    return (today - timedelta(days=days)).isoformat(), match.start(), match.end()


# Overlap priorities: a cued id beats everything (an order number is not also a phone), an email
# keeps the digits inside it, and a bare phone shape is the weakest evidence.
_ID, _EMAIL, _AMOUNT, _DATE, _PHONE = 50, 40, 30, 30, 20
_RECOGNIZERS: tuple[_Recognizer, ...] = (
    _Recognizer("order_after_cue", EntityType.ORDER_NUMBER, p.ORDER_CUE, _id_after_cue, _ID),
    _Recognizer("order_code", EntityType.ORDER_NUMBER, p.ORDER_CODE, _upper, _ID),
    _Recognizer("rx_after_cue", EntityType.RX_NUMBER, p.RX_CUE, _id_after_cue, _ID),
    _Recognizer("email", EntityType.EMAIL, p.EMAIL, _lower, _EMAIL),
    _Recognizer("amount_prefixed", EntityType.AMOUNT, p.AMOUNT_PREFIXED, _amount_written, _AMOUNT),
    _Recognizer("amount_suffixed", EntityType.AMOUNT, p.AMOUNT_SUFFIXED, _amount_written, _AMOUNT),
    _Recognizer("amount_spoken", EntityType.AMOUNT, p.AMOUNT_SPOKEN, _amount_spoken, _AMOUNT),
    _Recognizer("date_iso", EntityType.DATE, p.DATE_ISO, _date_iso, _DATE),
    _Recognizer("date_numeric", EntityType.DATE, p.DATE_NUMERIC, _date_numeric, _DATE),
    _Recognizer("date_no_year", EntityType.DATE, p.DATE_NUMERIC_NO_YEAR, _date_numeric, _DATE),
    _Recognizer("date_month_day", EntityType.DATE, p.DATE_MONTH_DAY, _date_named_month, _DATE),
    _Recognizer("date_day_month", EntityType.DATE, p.DATE_DAY_MONTH, _date_named_month, _DATE),
    _Recognizer("date_ordinal", EntityType.DATE, p.DATE_ORDINAL_DAY, _date_ordinal_day, _DATE),
    _Recognizer("date_relative", EntityType.DATE, p.DATE_RELATIVE, _date_relative, _DATE),
    _Recognizer("date_weekday", EntityType.DATE, p.DATE_WEEKDAY, _date_weekday, _DATE),
    _Recognizer("date_ago", EntityType.DATE, p.DATE_AGO, _date_ago, _DATE),
    _Recognizer("phone_nanp", EntityType.PHONE, p.PHONE_NANP, _phone_shaped, _PHONE),
    _Recognizer("phone_intl", EntityType.PHONE, p.PHONE_INTERNATIONAL, _phone_shaped, _PHONE),
    _Recognizer("phone_trunk", EntityType.PHONE, p.PHONE_TRUNK, _phone_shaped, _PHONE),
    _Recognizer("phone_after_cue", EntityType.PHONE, p.PHONE_CUE, _phone_after_cue, _PHONE),
)
