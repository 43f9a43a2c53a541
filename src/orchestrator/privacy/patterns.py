"""Compiled patterns the default recognizers use, built from the word lists in `lexicon`.

A group named ``pii`` (or ``pii2``, ``pii3`` for lists) marks the part of a match that is the
entity; the cue words around it ("my name is", "Rx #") are matched but never redacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from orchestrator.privacy import lexicon


def alternation(words: Iterable[str]) -> str:
    """Longest first, so "thanks again" is tried before "thanks"; a space matches blanks or a
    hyphen ("mother-in-law")."""
    ordered = sorted(set(words), key=lambda word: (-len(word), word))
    return "|".join(re.escape(word).replace(r"\ ", r"[ \t\-]+") for word in ordered)


def compile_all(*sources: str, flags: int = 0) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(source, flags) for source in sources)


# --- Building blocks -------------------------------------------------------------------------

UP = "A-ZÀ-ÖØ-Þ"
LO = "a-zß-öø-ÿ"
APOS = "'’"
_ = r"[ \t]"  # a blank inside one line
NOT_STOP = rf"(?!(?i:{alternation(lexicon.STOPWORDS)})(?!\w))"
NOT_STOP_IN_STREET = (
    rf"(?!(?i:{alternation(lexicon.STOPWORDS - lexicon.STREET_WORDS_ALLOWED)})(?!\w))"
)

CAP_TOKEN = rf"[{UP}](?:[{APOS}][{UP}])?[{LO}]+(?:[{UP}][{LO}]+)?(?:-[{UP}][{LO}]+)?(?!\w)"
CAPS_TOKEN = rf"[{UP}]{{2,}}(?:[{APOS}-][{UP}]+)?(?!\w)"
LOW_TOKEN = rf"[{LO}]{{2,}}(?:[{APOS}-][{LO}]+)?(?!\w)"
INITIAL = rf"[{UP}]\."
PARTICLE = rf"(?:{alternation(lexicon.NAME_PARTICLES)})"
TITLE = rf"(?:(?:{alternation(lexicon.TITLES)})\.?{_}+)"

_NEXT_CAP_TOKEN = rf"{_}+(?:{INITIAL}{_}+)?(?:{PARTICLE}{_}+)?(?=[{UP}]){NOT_STOP}{CAP_TOKEN}"
CAP_NAME = rf"(?:{INITIAL}{_}?)?(?=[{UP}]){NOT_STOP}{CAP_TOKEN}(?:{_NEXT_CAP_TOKEN}){{0,2}}"
FULL_CAP_NAME = rf"(?:{INITIAL}{_}?)?(?=[{UP}]){NOT_STOP}{CAP_TOKEN}(?:{_NEXT_CAP_TOKEN}){{1,2}}"
KNOWN_CAP_FIRST_NAME = (
    rf"(?:{alternation(name.capitalize() for name in lexicon.FIRST_NAMES)})(?!\w)"
)
CAPS_NAME = (
    rf"(?=[{UP}]{{2}}){NOT_STOP}{CAPS_TOKEN}"
    rf"(?:{_}+(?=[{UP}]{{2}}){NOT_STOP}{CAPS_TOKEN}){{0,2}}"
)
LOW_NAME = rf"(?=[{LO}]){NOT_STOP}{LOW_TOKEN}(?:{_}+(?=[{LO}]){NOT_STOP}{LOW_TOKEN}){{0,2}}"
KNOWN_FIRST_NAME = (
    rf"(?:{alternation(lexicon.FIRST_NAMES)})(?!\w)(?:{_}+(?=[{LO}]){NOT_STOP}{LOW_TOKEN})?"
)

DIGIT_WORD = rf"(?:{alternation((*lexicon.DIGIT_WORDS, 'oh'))})"
SPOKEN_SEP = r"[ \t,.\-]+"


def spoken_digits(least: int, most: int) -> str:
    """A run of digits read out one by one ("five five five ..."), as voice transcripts have."""
    return rf"(?<!\w){DIGIT_WORD}(?:{SPOKEN_SEP}{DIGIT_WORD}){{{least - 1},{most - 1}}}(?!\w)"


# --- PERSON ----------------------------------------------------------------------------------

_LABEL = (
    rf"(?:full|first|last|legal|patient['’]?s?|customer|member|cardholder|caller|account{_}+holder)"
)
PERSON_LABELLED = compile_all(
    rf"(?i:\bmy{_}+(?:full{_}+|first{_}+|legal{_}+)?name(?:{_}+is|['’]s|{_}*:))"
    rf"{_}+{TITLE}?(?P<pii>{CAP_NAME}|{CAPS_NAME}|{LOW_NAME})",
    rf"(?i:\b(?:{_LABEL}{_}+)?name{_}*:|\b(?:patient|caller|customer|cardholder|"
    rf"account{_}+holder){_}*:)"
    rf"{_}*{TITLE}?(?P<pii>{CAP_TOKEN},{_}*{CAP_NAME}|{CAP_NAME}|{CAPS_NAME}|{LOW_NAME})",
    rf"(?i:\bmy{_}+(?:{alternation(lexicon.RELATIONS)})['’]s{_}+name{_}+is)"
    rf"{_}+(?P<pii>{CAP_NAME}|{LOW_NAME})",
)
PERSON_CUED = compile_all(
    rf"(?i:\bname{_}+is|\bname['’]s|\bunder{_}+(?:the{_}+)?name(?:{_}+of)?|"
    rf"\bname{_}+on{_}+(?:(?:the|my|this){_}+)?\w+{_}+is|\baccount{_}+holder{_}+is|\bnamed|"
    rf"\b(?:first|last|sur|family|given){_}*name|\b(?:for{_}+)?patient|\bfrom{_}*:|\bto{_}*:|"
    rf"\bdear|\bsigned{_}*[,:]?|\bcare{_}+of|\bc/o|\battn\.?{_}*:?|\battention{_}*:?|"
    rf"\bcontact{_}*:|\b(?:the|a|an|my|your|our|his|her|their){_}+"
    rf"(?:{alternation(lexicon.ROLES)})(?:{_}*,)?|"
    rf"\bon{_}+behalf{_}+of|\bcaregiver{_}+for|\bpick(?:ing|ed)?{_}+up{_}+for)"
    rf"{_}+{TITLE}?(?P<pii>{CAP_NAME}|{CAPS_NAME})",
)
# "I'm X" / "This is X" introduce drug names and adjectives too ("It's Humira", "I am Hispanic"):
# a single word is taken only when it is a known first name or the caller goes on to introduce
# themselves ("I'm Dwayne and I ...", "This is Olu from ...").
_INTRODUCTION = (
    rf"(?i:\b(?:this|it){_}+is|\bit['’]?s|\bi['’]?m|\bi{_}+am|\bspeaking{_}+(?:with|to)|"
    rf"\bspoke{_}+(?:with|to)|\btalk(?:ed|ing)?{_}+(?:with|to)|\bask(?:ed)?{_}+for)"
)
_INTRODUCTION_GOES_ON = (
    rf"(?={_}*,?{_}+(?i:from|calling|here|speaking|again|and{_}+i|and{_}+my|with{_}+the)(?!\w))"
)
PERSON_INTRODUCED = compile_all(
    rf"{_INTRODUCTION}{_}+{TITLE}?(?P<pii>{FULL_CAP_NAME}|{KNOWN_CAP_FIRST_NAME})",
    rf"{_INTRODUCTION}{_}+{TITLE}?(?P<pii>(?=[{UP}]){NOT_STOP}{CAP_TOKEN}){_INTRODUCTION_GOES_ON}",
    rf"(?m:^){_}*(?i:hi|hello|hey|dear|good{_}+(?:morning|afternoon|evening))"
    rf"{_}+{TITLE}?(?P<pii>{CAP_NAME})(?={_}*[,!:\n])",
    rf"(?:^|(?<=[.!?,:;\n])){_}*{TITLE}?(?P<pii>{CAP_NAME}){_}+here(?!\w)",
)
PERSON_KNOWN = compile_all(
    rf"(?<![\w'’])(?P<pii>{KNOWN_CAP_FIRST_NAME}(?:{_}+{INITIAL})?{_}+(?=[{UP}]){NOT_STOP}{CAP_TOKEN}"
    rf"(?:{_}+(?=[{UP}]){NOT_STOP}{CAP_TOKEN})?)",
)
PERSON_SPOKEN = compile_all(
    rf"(?i:\b(?:this|it){_}+is|\bit['’]?s|\bi['’]?m|\bi{_}+am|\bmy{_}+name{_}+is)"
    rf"{_}+(?P<pii>{KNOWN_FIRST_NAME})",
)
PERSON_SPELLED = compile_all(r"(?<!\w)(?:[A-Za-z][ \t\-]){3,15}[A-Za-z](?!\w)")
PERSON_RELATIVE = compile_all(
    rf"(?i:\bmy{_}+(?:{alternation(lexicon.RELATIONS)}))(?i:{_}+named|{_}+is)?{_}*,?{_}+"
    rf"{TITLE}?(?P<pii>{CAP_NAME}|{KNOWN_FIRST_NAME})",
)
PERSON_TITLED = compile_all(
    rf"\b(?:{alternation(lexicon.TITLES)})\.?{_}+(?P<pii>{CAP_NAME}|{CAPS_NAME})",
    rf"\b(?i:doctor){_}+(?P<pii>{CAP_NAME})",
)
PERSON_SIGNED = compile_all(
    rf"(?:^|(?<=[.!?]))[ \t]*(?i:{alternation(lexicon.SIGN_OFFS)})"
    rf"(?:{_}*[,.!:\-–—]+{_}*(?:\r?\n{_}*)*|{_}*(?:\r?\n{_}*)+)"
    rf"{TITLE}?(?P<pii>{CAP_NAME})(?={_}*(?:$|\r?\n|,|\.|\(|\|))",
    rf"(?:^|(?<=[.!?])){_}*[-–—~]{{1,2}}{_}*(?P<pii>{CAP_NAME}){_}*$",
    flags=re.MULTILINE,
)

# --- PHONE -----------------------------------------------------------------------------------

_EXTENSION = rf"(?:{_}*,?{_}*(?i:ext\.?|extension|x){_}*\d{{1,5}}(?!\d))?"
PHONE_FORMATTED = compile_all(
    rf"(?<![\w+])(?:\+?1[ \t.\-]?)?(?:\(\d{{3}}\)[ \t.\-]?|\d{{3}}[ \t.\-])\d{{3}}[ \t.\-]\d{{4}}"
    rf"(?!\d){_EXTENSION}",
)
PHONE_INTERNATIONAL = compile_all(
    r"(?<![\w+])\+[2-9]\d{0,2}(?:[ \t.\-]?(?:\(\d{1,4}\)|\d{1,5})){2,6}(?!\d)",
)
PHONE_DIGITS = compile_all(
    r"(?<![\w+\-])(?:\+?1)?\d{10}(?!\d)",
    r"(?<![\w+\-.])\d{3}[\-.]\d{4}(?![\d\-])",
    r"(?<![\w+\-])\d(?:[ \t]\d){9}(?![ \t]?\d)",
)
PHONE_SPOKEN = compile_all(spoken_digits(10, 11), flags=re.IGNORECASE)

# --- EMAIL -----------------------------------------------------------------------------------

EMAIL = compile_all(
    r"(?<![\w.+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w\-])",
)
_SPOKEN_DOT = rf"(?:{_}+dot{_}+|\.)"
EMAIL_SPOKEN = compile_all(
    rf"(?<![\w.'’\-])(?<!dot{_})(?<!underscore{_})(?<!dash{_})(?<!hyphen{_})"
    rf"[a-z0-9][a-z0-9._\-]*+(?:{_}+(?:dot|underscore|dash|hyphen){_}+[a-z0-9]+)*+"
    rf"{_}+at{_}+[a-z0-9\-]+(?:{_SPOKEN_DOT}[a-z0-9\-]+)*{_SPOKEN_DOT}"
    r"(?:com|net|org|edu|gov|us|co|uk|ca|io|info|biz|me)(?!\w)",
    flags=re.IGNORECASE,
)

# --- DATE_OF_BIRTH ---------------------------------------------------------------------------

MONTH = (
    r"(?i:(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?!\w)\.?)"
)
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?i:st|nd|rd|th)?(?!\d)"
_YEAR = r"(?:19|20)\d{2}(?!\d)"
_ORDINAL = rf"(?:(?:twenty|thirty)[ \t\-]+)?(?:{alternation(lexicon.ORDINAL_WORDS)})"
_NUMBER = rf"(?:{alternation(lexicon.NUMBER_WORDS)})"
_SPOKEN_YEAR = (
    rf"(?:(?:nineteen|twenty)(?:[ \t\-]+{_NUMBER}){{1,2}}|two{_}+thousand(?:{_}+and)?"
    rf"(?:{_}+{_NUMBER}){{0,2}})(?!\w)"
)
DATE = compile_all(
    r"(?<![\d/.\-])\d{1,2}(?P<sep>[/.\-])\d{1,2}(?P=sep)(?:\d{4}|\d{2})(?![\d/]|\.\d)",
    r"(?<![\d/.\-])(?:19|20)\d{2}(?P<sep>[/.\-])\d{1,2}(?P=sep)\d{1,2}(?![\d/]|\.\d)",
    rf"\b{MONTH}{_}+{_DAY},?{_}+{_YEAR}",
    rf"\b{_DAY}{_}+(?i:of{_}+)?{MONTH},?{_}+{_YEAR}",
    rf"(?i:\b{MONTH}{_}+(?:the{_}+)?(?:{_ORDINAL}|{_DAY})[ \t,]+(?:{_SPOKEN_YEAR}|{_YEAR}))",
    rf"(?i:\b(?:the{_}+)?{_ORDINAL}{_}+of{_}+{MONTH}[ \t,]+(?:{_SPOKEN_YEAR}|{_YEAR}))",
)

# --- ADDRESS ---------------------------------------------------------------------------------

_NUMBER_ON_STREET = r"(?<![\w$#.,/:\-])\d{1,6}[A-Za-z]?(?!\w)"
_DIRECTION = (
    r"(?:[NSEW]\.?|NE|NW|SE|SW|(?i:north|south|east|west|northeast|northwest|southeast|"
    r"southwest))(?!\w)"
)
_STREET_WORD = (
    rf"(?=[{UP}{LO}\d]){NOT_STOP_IN_STREET}(?:[{UP}{LO}][{UP}{LO}'’]*|\d{{1,3}}(?i:st|nd|rd|th))"
    r"(?!\w)"
)
_SUFFIX = rf"(?i:{alternation(lexicon.STREET_SUFFIXES)})(?!\w)"
_UNIT = (
    rf"(?:(?i:{alternation(lexicon.UNIT_WORDS)})\.?{_}*#?|#){_}*"
    rf"(?=[A-Za-z\-]*\d|[A-Za-z](?!\w))[A-Za-z0-9\-]{{1,6}}(?!\w)"
)
_CITY = (
    rf"(?:(?:St|Ft|Mt)\.?{_}+)?(?=[{UP}][{LO}]){NOT_STOP}[{UP}][{LO}]+"
    rf"(?:{_}+(?=[{UP}][{LO}]){NOT_STOP}[{UP}][{LO}]+){{0,2}}"
)
_ANY_CITY = (
    rf"(?=[{UP}{LO}][{LO}]){NOT_STOP}[{UP}{LO}][{LO}]+"
    rf"(?:{_}+(?=[{UP}{LO}][{LO}]){NOT_STOP}[{UP}{LO}][{LO}]+){{0,2}}"
)
_STATE = (
    rf"(?:(?:{alternation(lexicon.STATE_CODES)})|(?i:{alternation(lexicon.STATE_NAMES)}))"
    r"(?!\w)"
)
_ZIP = r"\d{5}(?:-\d{4})?(?!\d)"
_BREAK = rf"(?:{_}*,{_}*(?:\r?\n{_}*)?|{_}*\r?\n{_}*|{_}+)"
_LOCALITY = (
    rf"(?:\.?{_BREAK}{_ANY_CITY}{_BREAK}{_STATE}(?:,?{_}+{_ZIP})?"
    rf"|\.?{_BREAK}{_STATE},?{_}+{_ZIP}"
    rf"|\.?{_}*,{_}*{_CITY}(?!{_}*\d)"
    rf"|\.?,?{_}+{_ZIP})"
)
_STREET = (
    rf"{_NUMBER_ON_STREET}{_}+(?:{_DIRECTION}{_}+)?(?:{_STREET_WORD}{_}+){{1,4}}{_SUFFIX}"
    rf"(?:{_}+(?:NE|NW|SE|SW|N|S|E|W)\.?(?!\w))?"
)
ADDRESS_STREET = compile_all(
    rf"(?:{_UNIT},?{_}+)?{_STREET}(?:\.?{_}*,?{_}*{_UNIT})?{_LOCALITY}?",
    rf"{_NUMBER_ON_STREET}{_}+(?i:(?:US{_}+|state{_}+)?(?:route|rte|highway|hwy)){_}+\d{{1,4}}"
    rf"(?!\w){_LOCALITY}?",
)
ADDRESS_PO_BOX = compile_all(
    rf"(?i:\bp\.?{_}?o\.?{_}*box|\bpost{_}+office{_}+box){_}*#?{_}*\d{{1,6}}(?!\d){_LOCALITY}?",
)
ADDRESS_LOCALITY = compile_all(
    rf"\b{_CITY},?{_}+{_STATE}{_}+{_ZIP}",
    rf"(?i:\bzip(?:{_}*code)?|\bpostal{_}+code){_}*(?:is|:|#)?{_}*(?P<pii>{_ZIP})",
)

# --- CARD_NUMBER, SSN ------------------------------------------------------------------------

CARD = compile_all(
    r"(?<![\d\-])\d{4}(?P<sep>[ \-])\d{4}(?P=sep)\d{4}(?P=sep)\d{4}(?:(?P=sep)\d{1,3})?(?![\d\-])",
    r"(?<![\d\-])3\d{3}(?P<sep>[ \-])\d{6}(?P=sep)\d{4,5}(?![\d\-])",
    r"(?<![\d\-])\d{13,19}(?![\d\-])",
)
SSN_FORMATTED = compile_all(r"(?<![\d\-])\d{3}-\d{2}-\d{4}(?![\d\-])")
SSN_UNFORMATTED = compile_all(
    r"(?<![\d\-])\d{3}[ .]\d{2}[ .]\d{4}(?![\d\-])",
    r"(?<![\d\-])\d{9}(?![\d\-])",
    spoken_digits(9, 9),
)
_SSN_NAME = rf"(?:ssn|ss#|social(?:{_}+security(?:{_}+(?:number|#|no\.?))?)?)"
SSN_LAST_FOUR = compile_all(
    rf"(?i:\blast{_}+(?:four|4)(?:{_}+digits)?{_}+of{_}+(?:(?:my|the|his|her|their){_}+)?"
    rf"{_SSN_NAME}){_}*(?i:is|are|:|=)?{_}*(?P<pii>\d{{4}})(?!\d)",
)

# --- RX_NUMBER, INSURANCE_ID -----------------------------------------------------------------

_KEY = rf"(?:{_}*(?:number|num|no\.?|nbr|#|id)s?)?"
_SAYS = rf"(?:{_}*(?:is|was|are|reads|:|#|=|-)){{0,2}}{_}*#?{_}*"
_RX_CUE = rf"(?i:(?<!\w)(?:rx|r{_}?\.?x\.?|prescription|script|refill)s?{_KEY}{_SAYS})"
_RX_ID = r"(?:[A-Za-z]{1,3}-?)?\d[\d\-]{3,14}\d(?![\w\-])"
_RX_MORE = rf"{_}*(?:,|and|&|\+|/){_}*(?:(?i:rx){_}*)?#?{_}*"
RX_CUED = compile_all(
    rf"{_RX_CUE}(?P<pii>{_RX_ID})"
    rf"(?:{_RX_MORE}(?P<pii2>{_RX_ID})(?:{_RX_MORE}(?P<pii3>{_RX_ID}))?)?",
    rf"{_RX_CUE}(?P<pii>{spoken_digits(5, 12)})",
)
RX_NEARBY = compile_all(r"(?<![\w$#.\-])\d{6,10}(?:-\d{1,5})?(?![\w\-])")

_INS_CUE = (
    rf"(?i:(?<!\w)(?:(?:insurance|ins\.?|health{_}+plan|plan|medical|member|subscriber|"
    rf"beneficiary|policy(?:{_}*holder)?|group|grp|medicare|medicaid|tricare|cardholder|"
    rf"id{_}+card)(?:{_}+(?:member|subscriber|policy|card))?{_}*"
    rf"(?:id|i\.d\.|identification|number|num|no\.?|nbr|#)(?:{_}*(?:number|#|no\.?))?"
    rf"|policy|group|grp|mbi)(?!\w){_SAYS})"
)
_INS_ID = (
    r"(?=[A-Za-z0-9\-]*\d)[A-Za-z0-9][A-Za-z0-9\-]{3,19}(?![\w\-])(?:[ \t]\d{3,}(?![\w\-])){0,3}"
)
INSURANCE_CUED = compile_all(
    rf"{_INS_CUE}(?P<pii>{_INS_ID})",
    rf"{_INS_CUE}(?P<pii>(?i:(?:[a-z]{SPOKEN_SEP}){{0,4}}){spoken_digits(5, 15)})",
)
INSURANCE_NEARBY = compile_all(
    r"(?<![\w\-])(?=[A-Z0-9]*[A-Z])(?=[A-Z0-9]*\d{4})[A-Z0-9]{8,15}(?![\w\-])",
)
