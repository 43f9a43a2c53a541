"""The safety screen: declarative rules compiled once, run before any classifier.

Recall first, but every hit passes two checks that keep it precise:

* negation: a negator ("no", "never", "don't", "without", ...) among the three content
  words before the matched term, within the same clause, drops the hit ("no rash",
  "I don't have chest pain"); a new clause ("but", "if", a pronoun, punctuation) ends
  the negator's reach ("I didn't realise I took too many" still fires);
* framing, for rules with ``requires_experience``: a hit inside a question, or a general
  or hedged statement ("if you ...", "may cause", "X is a serious condition"), is dropped
  unless the message carries a first-person or dependent experience cue ("I've had",
  "my son", "gave me"); cues inside an "if ..." clause do not count.

The screen also treats "history of ..." and fear of a future event ("worried about
getting a rash") as negators. Patterns run through ``prefilter.PatternSet``, which skips
the ones a message cannot match.

Offsets in hits are offsets in the caller's text: the normalisation here never changes
the length of the string.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from orchestrator.domain import Severity
from orchestrator.safety.patterns import DEFAULT_RULES, Rule, SafetyKind
from orchestrator.safety.prefilter import PatternSet

logger = logging.getLogger(__name__)

SEVERITY_RANK: dict[Severity, int] = {Severity.STANDARD: 0, Severity.HIGH: 1, Severity.URGENT: 2}


@dataclass(frozen=True, slots=True)
class ScreenHit:
    rule: str
    kind: SafetyKind
    severity: Severity
    start: int  # span of the match in the text given to the screen
    end: int


# --- normalisation ------------------------------------------------------------------------

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
# "um", "uh", "hmm", "erm", "ahh" as whole words; each branch opens on a literal so the
# engine can skip ahead, and checks the word boundary behind its first letter.
_FILLER = re.compile(
    r"(?:u(?<![\w']u)u*(?:h+m*|m+)|h(?<![\w']h)h*m+|e(?<![\w']e)e*r+m+|a(?<![\w']a)a*h+)(?![\w'])"
)


def normalise_for_screen(text: str) -> str:
    """Lower-case, straighten quotes and blank voice fillers, keeping every offset."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lower-case to two ("İ")
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return _FILLER.sub(lambda m: " " * len(m.group()), lowered.translate(_QUOTES))


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a rule pattern: " " is any whitespace, " ?" optional whitespace, words bounded."""
    out: list[str] = []
    in_class = escaped = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == " ":
            optional = pattern[i + 1 : i + 2] == "?"
            out.append(r"\s*" if optional else r"\s+")
            i += 2 if optional else 1
            continue
        out.append(c)
        i += 1
    return re.compile(r"(?<![\w'])(?:" + "".join(out) + r")(?![\w])", re.DOTALL)


# --- negation -----------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_TOKEN = re.compile(r"[\w'-]+|[.,;:!?()\n\"]")
NEGATORS = _words(
    "no not never without deny denies denied none nor neither didn't didnt don't dont "
    "doesn't doesnt haven't havent hasn't hasnt hadn't hadnt isn't isnt wasn't wasnt "
    "aren't arent weren't werent"
)
_NEGATOR_PAIRS = {"free": {"of", "from"}, "negative": {"for"}, "ruled": {"out"}}
_PSEUDO_NEXT = _words("sure certain only just doubt idea clue kidding joking matter wonder")
_SKIP = _words(
    "a an the any some um uh really even ever currently actually at all of other such more or"
)
_BREAKERS = _words(
    "but however although though yet except if whether that because so which who when while "
    "until i i'm im i've ive i'd he she he's she's they they're we we're it it's my his her "
    "their our you"
)
_HISTORY = frozenset({"history", "hx"})
# Fear of a future event is not the event: "scared of getting a rash", "to avoid having".
_SPECULATIVE = re.compile(
    r"(?<![\w'])(?:worried|scared|afraid|concerned|nervous|fear(?:ful)?|risk|avoid|prevent(?:ing)?|"
    r"chance|likely|possib(?:le|ility))\s+(?:(?:of|about|to|that\s+i(?:'ll|\s+will|\s+might))\s+)?"
    r"(?:getting|having|developing|get|have|develop|experiencing|experience|catching)"
    r"(?:\s+(?:a|an|any|some|the|bad|severe))*\s*$"
)
NEGATION_WINDOW = 3


def is_negated(norm: str, position: int, *, history: bool = False) -> bool:
    """Whether a negator governs the word starting at ``position`` of the normalised text.

    With ``history``, "history of" counts as a negator too (a past condition, not an event),
    and so does fear of a future event ("worried about getting a rash").
    """
    if history and _SPECULATIVE.search(norm, max(0, position - 80), position):
        return True
    tokens = _TOKEN.findall(norm, max(0, position - 120), position)
    counted: list[tuple[str, str | None]] = []  # (token, the token after it)
    following: str | None = None
    for token in reversed(tokens):
        if (len(token) == 1 and not token.isalnum()) or token in _BREAKERS:
            break
        if token not in _SKIP:
            counted.append((token, following))
            if len(counted) == NEGATION_WINDOW:
                break
        following = token
    for token, after in counted:
        if token in NEGATORS and after not in _PSEUDO_NEXT:
            return True
        if after is not None and after in _NEGATOR_PAIRS.get(token, ()):
            return True
        if history and token in _HISTORY:
            return True
    return False


# --- framing: general questions versus lived experience -----------------------------------

_LEAD = (  # greetings and openers before the question word
    r"(?:(?:hi|hello|hey|dear [\w ]+?|good (?:morning|afternoon|evening)|so|and|also|ok|okay|"
    r"well|quick question|question|please|pls|thanks|thank you)[\s,:!-]+)*"
)
_QUESTION_START = re.compile(
    r"\s*" + _LEAD + r"(?:what|what's|whats|which|how|how's|can|could|is|are|does|do|did|should|"
    r"would|will|why|when|where|who|whom|whose|may|might|am|any|tell me|explain|"
    r"i (?:just )?(?:want|wanna|would like|'d like|need) to (?:know|ask|find out|learn)|"
    r"i(?:'m| am| was)? (?:just )?wonder\w*|do you know|info(?:rmation)? (?:on|about))(?![\w'])"
)
_GENERAL = re.compile(
    r"(?<![\w'])(?:(?:if|when|in case|in the event) (?:you|someone|somebody|a (?:person|child|"
    r"patient|kid)|one|anyone|people|your)|what (?:happens|to do)|(?:can|may|might|could|does|do|"
    r"will|would) (?:[\w-]+ ){0,3}?cause|(?:risks?|chance|likelihood|possibility|warning signs) of|"
    r"summary ?:|(?:is|are) (?:a|an) (?:[\w-]+ ){0,3}?(?:reaction|condition|disorder|disease|"
    r"syndrome|emergency|illness|symptom|side effect)s?|"
    # hedged, general statements ("may cause", "is commonly associated with", "studies show")
    r"may|might|could|can|commonly|often|usually|rarely|frequently|sometimes|typically|"
    r"generally|known to|studies|study|trials?)"
    r"(?![\w'])"
)
_SENTENCE_END = re.compile(r"[.!?\n]")
_NOT_EXPERIENCE = re.compile(
    r"(?<![\w'])(?:i (?:just )?(?:want|wanted|wanna|would like|'d like|need|needed|was hoping|"
    r"am hoping|'m hoping|hope) to (?:know|ask|find out|learn|understand|check|see|confirm|"
    r"inquire|enquire|get (?:some )?info\w*|clarify|double check)|"
    r"i(?:'m| am| was)? (?:just )?(?:wonder\w*|curious|interested)|"
    r"i have (?:a |one |two |some |a few |few |quick |a quick |general |a general |another )?"
    r"(?:questions?|query|queries|inquiry|enquiry|doubts?)|"
    r"i'?m (?:writing|emailing|calling|reaching out|contacting you|messaging)|"
    r"i (?:read|heard|saw|learned|was told|have read|have heard|'ve read|'ve heard)|"
    r"i (?:plan|am planning|'m planning|am going to|'m going to|will|would|might|may|should|"
    r"could|can)(?![\w']))"
)
_STRONG_CUE = re.compile(
    r"(?<![\w'])(?:help me|need help|someone help|please help|help!|right now|asap|urgent\w*|911|"
    r"what (?:do|should|can) (?:i|we) do(?! (?:if|when|in case|about|for|with|to|after)))"
)
_CUE_TOKEN = re.compile(r"[\w']+|[.,;:!?\n]")
_HYPOTHETICAL_SCOPE = 4  # words after "if"/"when" that speak of a possibility, not an event
_SUBJECTS = _words("i i'm im i've ive i'd we we're we've he he's she she's they they're they've")
_POSSESSIVES = _words("my our his her their myself")
_CAUSATIVE = _words("gave given giving made making makes caused causing causes left help")
_HYPOTHETICAL = _words("if when whenever whether once suppose supposing case unless")
_AUX = _words("should can could would will do does did may might shall am is are was were have has")
_NOT_LIVED = _words(
    "name question questions order orders account email address phone number insurance card "
    "password username login refund delivery package zip pharmacy store location opinion"
)


def has_experience_cue(norm: str) -> bool:
    """Whether the message speaks of something lived: "I've had", "my son", "gave me"."""
    if _STRONG_CUE.search(norm):
        return True
    words = _CUE_TOKEN.findall(_NOT_EXPERIENCE.sub(" . ", norm))
    hypothetical = 0  # words left in an "if ..." clause
    for i, word in enumerate(words):
        prev = words[i - 1] if i else ""
        if word in _HYPOTHETICAL:
            hypothetical = _HYPOTHETICAL_SCOPE
            continue
        if not word[0].isalnum() and word[0] not in "_'":
            hypothetical = 0
            continue
        if hypothetical:
            hypothetical -= 1
            continue
        if word in _SUBJECTS:
            inverted = prev in _AUX and (i < 2 or words[i - 2] not in _SUBJECTS)
            if not inverted:
                return True
        elif word in _POSSESSIVES:
            if i + 1 >= len(words) or words[i + 1] not in _NOT_LIVED:
                return True
        elif word == "me" and prev in _CAUSATIVE:
            return True
    return False


class _Framing:
    """Per-message framing facts, computed only when a rule needs them."""

    def __init__(self, norm: str) -> None:
        self.norm = norm

    @cached_property
    def lived(self) -> bool:
        return has_experience_cue(self.norm)

    def general(self, start: int, end: int) -> bool:
        """Whether the sentence holding [start, end) asks or speaks in general terms."""
        norm = self.norm
        begin = 0
        for begin_match in _SENTENCE_END.finditer(norm, 0, start):
            begin = begin_match.end()
        stop_match = _SENTENCE_END.search(norm, end)
        stop = stop_match.start() if stop_match else len(norm)
        if stop < len(norm) and norm[stop] == "?":
            return True
        sentence = norm[begin:stop]
        return bool(_QUESTION_START.match(sentence) or _GENERAL.search(sentence))

    def informational(self, start: int, end: int) -> bool:
        return self.general(start, end) and not self.lived


# --- the screen ---------------------------------------------------------------------------


class SafetyScreen:
    """Runs the rules over a message; hits are ordered by position."""

    def __init__(self, rules: Sequence[Rule] = DEFAULT_RULES) -> None:
        self.rules = tuple(rules)
        self._owners = tuple(rule for rule in self.rules for _ in rule.patterns)
        self._patterns = PatternSet(
            [compile_pattern(pattern) for rule in self.rules for pattern in rule.patterns]
        )

    def screen_all(self, text: str) -> list[ScreenHit]:
        """Every non-negated, experience-consistent hit, by start offset."""
        if not isinstance(text, str) or not text.strip():
            return []
        try:
            return self._scan(text)
        except Exception:  # a rule bug must never take the request down with it
            logger.exception("safety screen failed; treating the message as unscreened")
            return []

    def screen(self, text: str) -> ScreenHit | None:
        """The most severe hit (urgent > high > standard); the earliest among equals."""
        hits = self.screen_all(text)
        if not hits:
            return None
        return min(hits, key=lambda h: (-SEVERITY_RANK[h.severity], h.start))

    def _scan(self, text: str) -> list[ScreenHit]:
        norm = normalise_for_screen(text)
        framing = _Framing(norm)
        hits: list[ScreenHit] = []
        for i, match in self._patterns.finditer(norm):
            rule = self._owners[i]
            if any(is_negated(norm, at, history=True) for at in _anchors(match)):
                continue
            start, end = match.span()
            if rule.requires_experience and framing.informational(start, end):
                continue
            hits.append(ScreenHit(rule.name, rule.kind, rule.severity, start, end))
        hits.sort(key=lambda h: (h.start, -SEVERITY_RANK[h.severity]))
        return hits


def _anchors(match: re.Match[str]) -> list[int]:
    """Where a negator would govern the hit: the match and each named group ("term", "verb")."""
    return [match.start()] + [
        at for at in (match.start(g) for g in match.re.groupindex) if at > match.start()
    ]
