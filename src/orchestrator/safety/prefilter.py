"""Literal prefilter: run only the patterns a message can match, only where they can match it.

Scanning ~150 patterns over 5,000 characters costs milliseconds; a message holds the words
of a handful at most. Each compiled pattern is analysed once for

* a set of literals, one of which every match must contain ("breath", "seal", ...), and
* a bound on the width of a match (unbounded repeats counted as ``WIDTH_CAP`` characters).

Per message, a pattern none of whose literals occurs is skipped; otherwise it is searched
only in windows around those literals' occurrences. The analysis reads the regex parse
tree (``re._parser``, private but stable since Python 3.11); whatever it does not
understand makes the pattern always run over the whole text, so the prefilter can cost
speed, never recall.
"""

from __future__ import annotations

import importlib
import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

_parser: Any = importlib.import_module("re._parser")
_sre: Any = importlib.import_module("re._constants")

Literal = tuple[str, bool]  # (text, whether a word always starts where it starts)

WIDTH_CAP = 25  # characters assumed for an unbounded repeat (a word, a run of spaces)
_EXPAND_LIMIT = 64  # most strings a literal alternation may expand to
_MIN_LITERAL = 2
_WORDY = re.compile(r"[\w']+")
_NOT_WORDY = re.compile(r"[^\w']")
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
# Words too common to anchor on: a pattern prefers any other literal set to one holding these.
_COMMON = frozenset(
    """a about after again all also am an and any are as at back be because been before being
    but by call called came can come could day days did do does doing done down each even
    every feel felt few first for from get gets getting give given go going gone good got had
    has have having he her here him his how i i'd i'll i'm i've if in into is it it's its just
    know last left let like little long look looking made make many may me might more most
    much must my need new next no not now of off on once one only or other our out over own
    please put really right said same say see she should since so some still such take taken
    than thank thanks that the their them then there these they thing think this those though
    through time to today told too took two up us use used very want was way we week well
    went were what when where which while who why will with without work would year yes yet
    you your""".split()
)


def _op(name: str) -> Any:
    return getattr(_sre, name)


def _expand(items: Any) -> set[str] | None:
    """Every string a purely literal sequence can match; None if it is not one, or too many."""
    out = {""}
    for op, av in items:
        alts: set[str] | None
        if op is _sre.LITERAL:
            alts = {chr(av)}
        elif op is _sre.IN:
            alts = {chr(v) for o, v in av} if all(o is _sre.LITERAL for o, _ in av) else None
        elif op is _sre.SUBPATTERN:
            alts = _expand(av[-1])
        elif op is _sre.BRANCH:
            subs = [_expand(b) for b in av[1]]
            alts = None if any(s is None for s in subs) else set().union(*(s or () for s in subs))
        elif op is _sre.MAX_REPEAT and av[0] == 0 and av[1] == 1:
            sub = _expand(av[2])
            alts = None if sub is None else sub | {""}
        else:
            alts = None
        if alts is None:
            return None
        out = {a + b for a in out for b in alts}
        if len(out) > _EXPAND_LIMIT:
            return None
    return out


_WORD_BOUNDARY = str(_parser.parse(r"(?<![\w'])")[0][1][1])
_SPACE_RUN = str(_parser.parse(r"\s+")[0][1][2])


def _is_boundary(op: Any, av: Any) -> bool:
    """The screen compiler's left word boundary, ``(?<![\\w'])``."""
    return op is _sre.ASSERT_NOT and av[0] == -1 and str(av[1]) == _WORD_BOUNDARY


def _is_space_run(op: Any, av: Any) -> bool:
    return op is _sre.MAX_REPEAT and av[0] >= 1 and str(av[2]) == _SPACE_RUN


def _ends_at_boundary(items: Any) -> bool:
    """Whether every match of ``items`` ends just after whitespace (so a word starts next)."""
    for op, av in reversed(list(items)):
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            if _is_boundary(op, av):
                return True
            continue
        if _is_space_run(op, av):
            return True
        if op is _sre.SUBPATTERN:
            return _ends_at_boundary(av[-1])
        if op is _sre.BRANCH:
            return all(_ends_at_boundary(b) for b in av[1])
        if any(op is _op(name) for name in _REPEATS) and av[0] >= 1:
            return _ends_at_boundary(av[2])
        return False
    return False


def _rank(candidate: frozenset[Literal]) -> int:
    """Rough cost of anchoring on ``candidate``: how often a message will contain one of them."""
    cost = 0
    for text, initial in candidate:
        if text in _COMMON or (len(text) < 3 and not initial):
            cost += 1000  # found in nearly every message
        elif len(text) < 3:
            cost += 30
        else:
            cost += 1 + max(0, 6 - len(text)) + (0 if initial else 3)
    return cost


def _requirement(items: Any, boundary: bool) -> frozenset[Literal] | None:
    """Literals one of which every match of ``items`` contains; None if none can be named."""
    candidates: list[frozenset[Literal]] = []
    run: set[str] = {""}
    run_initial = boundary

    def flush() -> None:
        if run != {""} and "" not in run:
            candidates.append(frozenset((text, run_initial) for text in run))

    for op, av in items:
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):  # zero-width: the run stays whole
            boundary = boundary or (run == {""} and _is_boundary(op, av))
            continue
        alts = _expand([(op, av)])
        if alts is not None and ("" not in alts or run != {""}):  # optional parts extend a run
            if run == {""}:
                run_initial = boundary
            grown = {a + b for a in run for b in alts}
            if len(grown) > _EXPAND_LIMIT:
                flush()
                grown, run_initial = alts, False
            run, boundary = grown, False
            continue
        flush()
        run = {""}
        if _is_space_run(op, av):
            boundary = True
            continue
        sub: frozenset[Literal] | None = None
        repeat = any(op is _op(name) for name in _REPEATS)
        if op is _sre.SUBPATTERN:
            sub = _requirement(av[-1], boundary)
        elif op is _sre.BRANCH:
            subs = [_requirement(b, boundary) for b in av[1]]
            if all(s is not None for s in subs):
                sub = frozenset().union(*(s or () for s in subs))
        elif repeat and av[0] >= 1:
            sub = _requirement(av[2], boundary)
        if sub:
            candidates.append(sub)
        if repeat and av[0] == 0:  # optional: a word starts next only if it did either way
            boundary = boundary and _ends_at_boundary(av[2])
        else:
            boundary = _ends_at_boundary([(op, av)])
    flush()
    usable = [c for c in candidates if min(len(text) for text, _ in c) >= _MIN_LITERAL]
    return min(usable, key=_rank) if usable else None


def _width(items: Any) -> int:
    """Most characters ``items`` can match, unbounded repeats counted as WIDTH_CAP."""
    total = 0
    for op, av in items:
        if op in (_sre.LITERAL, _sre.NOT_LITERAL, _sre.IN, _sre.ANY):
            total += 1
        elif op is _sre.SUBPATTERN:
            total += _width(av[-1])
        elif op is _sre.BRANCH:
            total += max(_width(b) for b in av[1])
        elif any(op is _op(name) for name in _REPEATS):
            times = WIDTH_CAP if av[1] is _sre.MAXREPEAT or av[1] > 10_000 else av[1]
            total += times * _width(av[2])
        elif op not in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            raise ValueError(f"no width rule for {op}")
    return total


SEPARATORS = ".!?"  # a pattern none of whose atoms can match these stays inside one sentence


def _class_has(items: Any, char: str) -> bool:
    """Whether the character class ``items`` (an IN's contents) contains ``char``."""
    negate, found = False, False
    for op, av in items:
        if op is _sre.NEGATE:
            negate = True
        elif op is _sre.LITERAL:
            found = found or chr(av) == char
        elif op is _sre.RANGE:
            found = found or av[0] <= ord(char) <= av[1]
        elif op is _sre.CATEGORY:
            word = char.isalnum() or char == "_"
            found = found or {
                _sre.CATEGORY_WORD: word,
                _sre.CATEGORY_NOT_WORD: not word,
                _sre.CATEGORY_SPACE: char.isspace(),
                _sre.CATEGORY_NOT_SPACE: not char.isspace(),
                _sre.CATEGORY_DIGIT: char.isdigit(),
                _sre.CATEGORY_NOT_DIGIT: not char.isdigit(),
            }.get(av, True)
        else:
            return True  # unknown: assume it can
    return found != negate


def _crosses(items: Any, chars: str) -> bool:
    """Whether some match of ``items`` can consume one of ``chars``."""
    for op, av in items:
        if op is _sre.LITERAL:
            hit = chr(av) in chars
        elif op is _sre.NOT_LITERAL or op is _sre.ANY:
            hit = True
        elif op is _sre.IN:
            hit = any(_class_has(av, c) for c in chars)
        elif op is _sre.SUBPATTERN:
            hit = _crosses(av[-1], chars)
        elif op is _sre.BRANCH:
            hit = any(_crosses(b, chars) for b in av[1])
        elif any(op is _op(name) for name in _REPEATS):
            hit = _crosses(av[2], chars)
        elif op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            hit = False
        else:
            hit = True
        if hit:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Plan:
    """What one pattern needs: literals (None: always run), the widest match, and its reach."""

    needs: frozenset[Literal] | None
    width: int | None  # None: unknown, scan the whole text
    in_sentence: bool = False  # no match can span a sentence separator


def plan(regex: re.Pattern[str]) -> Plan:
    """Analyse a compiled pattern; any surprise degrades to "always run, whole text"."""
    try:
        tree = _parser.parse(regex.pattern, regex.flags)
    except Exception:
        return Plan(None, None)
    try:
        needs = _requirement(tree, False)
    except Exception:
        needs = None
    try:
        width: int | None = _width(tree)
    except Exception:
        width = None
    try:
        in_sentence = not _crosses(tree, SEPARATORS)
    except Exception:
        in_sentence = False
    return Plan(needs, width, in_sentence)


class PatternSet:
    """Compiled patterns plus their prefilter: yields the matches a full scan would find."""

    def __init__(self, regexes: Sequence[re.Pattern[str]]) -> None:
        self.regexes = tuple(regexes)
        self._index = LiteralIndex([plan(regex) for regex in self.regexes])

    def finditer(self, norm: str) -> Iterator[tuple[int, re.Match[str]]]:
        """(pattern index, match) for every match, pattern by pattern, in text order."""
        size = len(norm)
        for i, windows in self._index.live(norm):
            regex = self.regexes[i]
            for lo, hi in windows:
                for match in regex.finditer(norm, lo, hi):
                    if match.end() == hi < size and (norm[hi].isalnum() or norm[hi] == "_"):
                        continue  # the window cut a word: not a real right boundary
                    yield i, match


def _tokens(norm: str) -> list[str]:
    """Sorted distinct word tokens, each starting where a word boundary allows a match."""
    tokens: set[str] = set()
    for chunk in set(norm.split()):
        if _NOT_WORDY.search(chunk):
            tokens.update(_WORDY.findall(chunk))
        else:
            tokens.add(chunk)
    return sorted(tokens)


class LiteralIndex:
    """All patterns' literals, indexed once, to find the live patterns of a message fast."""

    def __init__(self, plans: Sequence[Plan]) -> None:
        self.plans = tuple(plans)
        ids: dict[Literal, int] = {}
        self._users: list[list[int]] = []  # literal id -> plans that need it
        self._always = [i for i, p in enumerate(self.plans) if p.needs is None]
        for i, p in enumerate(self.plans):
            for literal in p.needs or ():
                lid = ids.setdefault(literal, len(ids))
                if lid == len(self._users):
                    self._users.append([])
                self._users[lid].append(i)
        self._texts = [text for text, _ in ids]
        self._prefix: dict[str, list[int]] = {}  # word-initial literals, looked up as prefixes
        self._anywhere: list[tuple[str, int]] = []  # the rest, found by substring search
        for (text, initial), lid in ids.items():
            if initial and not _NOT_WORDY.search(text):
                self._prefix.setdefault(text, []).append(lid)
            else:
                self._anywhere.append((text, lid))
        self._sorted_prefix = sorted(self._prefix)
        self._lengths = sorted({len(text) for text in self._prefix})

    def _present(self, norm: str) -> set[int]:
        tokens = _tokens(norm)
        found: set[int] = set()
        if len(tokens) * len(self._lengths) <= len(self._sorted_prefix):
            for token in tokens:  # few tokens: look each one's prefixes up
                for length in self._lengths:
                    if length > len(token):
                        break
                    found.update(self._prefix.get(token[:length], ()))
        else:  # many tokens: look each literal up among the sorted tokens
            for text in self._sorted_prefix:
                i = bisect_left(tokens, text)
                if i < len(tokens) and tokens[i].startswith(text):
                    found.update(self._prefix[text])
        found.update(lid for text, lid in self._anywhere if text in norm)
        return found

    def live(self, norm: str) -> Iterator[tuple[int, list[tuple[int, int]]]]:
        """Each pattern that may match ``norm`` (in order), with the spans worth searching."""
        present = self._present(norm)
        live: set[int] = set(self._always)
        for lid in present:
            live.update(self._users[lid])
        text = _Occurrences(norm)
        present_texts = {self._texts[lid] for lid in present}
        for i in sorted(live):
            plan = self.plans[i]
            if plan.width is None or plan.needs is None:
                yield i, [(0, len(norm))]
                continue
            spans = text.windows(present_texts & {t for t, _ in plan.needs}, plan)
            if spans:
                yield i, spans


class _Occurrences:
    """Where literals sit in one message, and the sentence around each (computed on demand)."""

    MAX_SPANS = 64  # beyond this many occurrences, one scan of the whole text is cheaper

    def __init__(self, norm: str) -> None:
        self.norm = norm
        self._at: dict[str, list[tuple[int, int, int]]] = {}
        self._separators: list[int] | None = None

    def positions(self, text: str) -> list[tuple[int, int, int]]:
        """(offset, sentence start, sentence end) of each occurrence of ``text``."""
        found = self._at.get(text)
        if found is None:
            if self._separators is None:
                self._separators = [m.start() for m in _SEPARATOR.finditer(self.norm)]
            seps, size, found = self._separators, len(self.norm), []
            at = self.norm.find(text)
            while at != -1 and len(found) <= self.MAX_SPANS:
                k = bisect_left(seps, at)
                found.append((at, seps[k - 1] + 1 if k else 0, seps[k] if k < len(seps) else size))
                at = self.norm.find(text, at + 1)
            self._at[text] = found
        return found

    def windows(self, texts: set[str], plan: Plan) -> list[tuple[int, int]]:
        """Merged spans that hold every match containing an occurrence of ``texts``."""
        size, width, in_sentence = len(self.norm), plan.width or 0, plan.in_sentence
        spans: list[tuple[int, int]] = []
        for text in texts:
            reach = len(text) + width + 1
            for at, sentence_start, sentence_end in self.positions(text):
                if in_sentence:
                    spans.append((max(sentence_start, at - width), min(sentence_end, at + reach)))
                else:
                    spans.append((max(0, at - width), min(size, at + reach)))
            if len(spans) > self.MAX_SPANS:
                return [(0, size)]
        spans.sort()
        merged: list[tuple[int, int]] = []
        for lo, hi in spans:
            if merged and lo <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
            else:
                merged.append((lo, hi))
        return merged


_SEPARATOR = re.compile("[" + re.escape(SEPARATORS) + "]")
