"""Literal prefilter: run only the patterns a message can match, only where they can match.

Scanning ~160 patterns over 5,000 characters costs milliseconds, yet a message holds the
words of a handful at most. Each compiled pattern is analysed once, from its parse tree:

* if every match starts with one of a few uncommon literals ("chest", "seiz"), the pattern
  is *anchored*: it is tried with ``match`` at their occurrences only;
* otherwise the analysis names the rarest set of literals one of which every match
  contains, and how far a match can reach before and after it; the pattern is searched in
  windows around their occurrences, cut at sentence ends when it cannot cross one;
* a pattern none of whose literals occurs in a message is skipped.

Literals that start a word are looked up among the message's distinct tokens with one
trie-shaped regex; the rest by substring search. Reach is computed with unbounded repeats
(a word, a run of spaces) counted as ``WIDTH_CAP`` characters. The analysis reads
``re._parser`` (private, stable since Python 3.11); whatever it does not understand makes
the pattern run over the whole text, so a surprise costs speed, not recall.
"""

from __future__ import annotations

import importlib
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

_parser: Any = importlib.import_module("re._parser")
_sre: Any = importlib.import_module("re._constants")

Needle = tuple[str, bool]  # a literal, and whether a word always starts where it starts

WIDTH_CAP = 25  # characters assumed for an unbounded repeat (a word, a run of spaces)
_EXPAND_LIMIT = 64  # most strings a literal alternation may expand to
_MIN_LITERAL = 2
_WORDY = re.compile(r"[\w']+")
_NOT_WORDY = re.compile(r"[^\w']")
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


# Words too common to anchor on: a pattern prefers any other literal set to one holding these.
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_COMMON = _words(
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
    you your"""
)


# Words a pharmacy's messages use all the time: better than common words, worse than the rest.
_FREQUENT = _words(
    """medication medications medicine medicines meds med pill pills prescription prescriptions
    tablet tablets capsule capsules dose doses dosage doctor pharmacy pharmacist refill refills
    order orders bottle bottles box insulin health file data details information info account
    insurance blood pressure drug drugs generic brand delivery package record records history
    name list status condition results result number"""
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


def _shape(pattern: str, *path: int) -> str | None:
    """The printed parse of a piece of ``pattern``: what the compiler emits, to recognise it."""
    try:
        node: Any = _parser.parse(pattern)
        for index in path:
            node = node[index]
        return str(node)
    except Exception:  # another Python's parse tree: recognise nothing, stay correct
        return None


_WORD_BOUNDARY = _shape(r"(?<![\w'])", 0, 1, 1)
_SPACE_RUN = _shape(r"\s+", 0, 1, 2)


def _is_boundary(op: Any, av: Any) -> bool:
    """The screen compiler's left word boundary, ``(?<![\\w'])``."""
    return op is _sre.ASSERT_NOT and av[0] == -1 and str(av[1]) == _WORD_BOUNDARY


def _is_space_run(op: Any, av: Any) -> bool:
    return op is _sre.MAX_REPEAT and av[0] >= 1 and str(av[2]) == _SPACE_RUN


def _ends_at_boundary(items: Any, before: bool = False) -> bool:
    """Whether every match of ``items`` ends just after whitespace (a word starts next).

    ``before`` says whether that held where ``items`` began, for items that may be empty.
    """
    items = list(items)
    for k in range(len(items) - 1, -1, -1):
        op, av = items[k]
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
        if any(op is _op(name) for name in _REPEATS):
            if av[0] >= 1:
                return _ends_at_boundary(av[2])
            # optional: either it ran (and ended at a boundary) or it did not
            return _ends_at_boundary(av[2]) and _ends_at_boundary(items[:k], before)
        return False
    return before


def _rank(candidate: frozenset[Needle]) -> int:
    """Rough cost of anchoring on ``candidate``: how often a message will contain one of them."""
    cost = 0
    for text, initial in candidate:
        if text in _COMMON or (len(text) < 3 and not initial):
            cost += 1000  # found in nearly every message
        elif text in _FREQUENT:
            cost += 100
        elif len(text) < 3:
            cost += 30
        else:
            cost += 1 + max(0, 6 - len(text)) + (0 if initial else 3)
    return cost


class _Anchor(NamedTuple):
    """Literals every match contains, and how far a match reaches around where one starts."""

    literals: frozenset[Needle]
    before: int  # most characters from the match's start to the literal's start
    after: int  # most characters from the literal's start to the match's end


def _union(anchors: list[_Anchor]) -> _Anchor:
    return _Anchor(
        frozenset().union(*(a.literals for a in anchors)),
        max(a.before for a in anchors),
        max(a.after for a in anchors),
    )


def _requirement(items: Any, boundary: bool) -> _Anchor | None:
    """The cheapest set of literals one of which every match of ``items`` contains."""
    items = list(items)
    widths = [_width([item]) for item in items]
    rest = [sum(widths[k:]) for k in range(len(items) + 1)]  # max width from item k to the end
    candidates: list[_Anchor] = []
    run: set[str] = {""}
    run_initial, run_from = boundary, 0

    def flush() -> None:
        if run != {""} and "" not in run:
            literals = frozenset((text, run_initial) for text in run)
            candidates.append(_Anchor(literals, rest[0] - rest[run_from], rest[run_from]))

    for k, (op, av) in enumerate(items):
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):  # zero-width: the run stays whole
            boundary = boundary or (run == {""} and _is_boundary(op, av))
            continue
        alts = _expand([(op, av)])
        if alts is not None and ("" not in alts or run != {""}):  # optional parts extend a run
            if run == {""}:
                run_initial, run_from = boundary, k
            grown = {a + b for a in run for b in alts}
            if len(grown) > _EXPAND_LIMIT:
                flush()
                grown, run_initial, run_from = alts, False, k
            run, boundary = grown, False
            continue
        flush()
        run = {""}
        if _is_space_run(op, av):
            boundary = True
            continue
        sub: _Anchor | None = None
        if op is _sre.SUBPATTERN:
            sub = _requirement(av[-1], boundary)
        elif op is _sre.BRANCH:
            subs = [_requirement(b, boundary) for b in av[1]]
            sub = _union([s for s in subs if s]) if all(subs) else None
        elif any(op is _op(name) for name in _REPEATS) and av[0] >= 1:
            sub = _requirement(av[2], boundary)
            if sub is not None:  # in the first repetition; later ones follow it
                sub = sub._replace(after=sub.after + widths[k] - _width(av[2]))
        if sub is not None:
            before = rest[0] - rest[k]
            candidates.append(_Anchor(sub.literals, before + sub.before, sub.after + rest[k + 1]))
        boundary = _ends_at_boundary([(op, av)], boundary)
    flush()
    usable = [c for c in candidates if min(len(t) for t, _ in c.literals) >= _MIN_LITERAL]
    return min(usable, key=lambda c: _rank(c.literals)) if usable else None


def _lead(items: Any, boundary: bool) -> frozenset[Needle] | None:
    """Literals one of which every match of ``items`` starts with; None if none can be named."""
    run: set[str] = {""}
    run_initial = boundary
    for op, av in items:
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            boundary = boundary or (run == {""} and _is_boundary(op, av))
            continue
        alts = _expand([(op, av)])
        if alts is not None and ("" not in alts or run != {""}):
            if run == {""}:
                run_initial = boundary
            grown = {a + b for a in run for b in alts}
            if len(grown) > _EXPAND_LIMIT:
                break
            run = grown
            continue
        if run != {""}:
            break
        if op is _sre.SUBPATTERN:
            return _lead(av[-1], boundary)
        if op is _sre.BRANCH:
            subs = [_lead(b, boundary) for b in av[1]]
            return frozenset().union(*(s or () for s in subs)) if all(subs) else None
        if any(op is _op(name) for name in _REPEATS) and av[0] >= 1:
            return _lead(av[2], boundary)
        return None
    if "" in run:
        return None
    return frozenset((text, run_initial) for text in run)


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
        elif op is _sre.ASSERT and av[0] == 1:  # a lookahead reads on past the match
            total += _width(av[1])
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
    """What one pattern needs: literals (None: always run), reach, and how to search."""

    needs: frozenset[Needle] | None
    before: int = 0  # most characters a match may start before a needed literal
    after: int = 0  # most characters a match may end after a needed literal starts
    in_sentence: bool = False  # no match can span a sentence separator
    anchored: bool = False  # every match starts with one of ``needs``: try only there


ALWAYS = Plan(None)


def plan(regex: re.Pattern[str]) -> Plan:
    """Analyse a compiled pattern; any surprise degrades to "always run, whole text"."""
    try:
        tree = _parser.parse(regex.pattern, regex.flags)
        lead = _lead(tree, False)
        if lead and min(len(t) for t, _ in lead) >= _MIN_LITERAL and _rank(lead) < 1000:
            return Plan(lead, anchored=True)
        anchor = _requirement(tree, False)
        if anchor is None:
            return ALWAYS
        return Plan(anchor.literals, anchor.before, anchor.after, not _crosses(tree, SEPARATORS))
    except Exception:
        return ALWAYS


class PatternSet:
    """Compiled patterns plus their prefilter: yields the matches a full scan would find."""

    def __init__(self, regexes: Sequence[re.Pattern[str]]) -> None:
        self.regexes = tuple(regexes)
        self._index = LiteralIndex([plan(regex) for regex in self.regexes])

    def finditer(self, norm: str) -> Iterator[tuple[int, re.Match[str]]]:
        """(pattern index, match) for every match, pattern by pattern, in text order."""
        for i, anchored, windows in self._index.live(norm):
            regex = self.regexes[i]
            if anchored:
                for at, _ in windows:
                    match = regex.match(norm, at)
                    if match is not None:
                        yield i, match
                continue
            for lo, hi in windows:
                yield from ((i, m) for m in _search(regex, norm, lo, hi))


def _search(regex: re.Pattern[str], norm: str, lo: int, hi: int) -> Iterator[re.Match[str]]:
    """Matches starting in [lo, hi), as the whole text has them.

    The window's end can hide text a lookahead would have read ("had a stroke| last year"),
    so each match short of the text's end is confirmed against the whole text; a failed
    one resumes the search just after its start, so that nothing it spanned is skipped.
    """
    at = lo
    while (match := regex.search(norm, at, hi)) is not None:
        if hi < len(norm):
            confirmed = regex.match(norm, match.start())
            if confirmed is None:
                at = match.start() + 1
                continue
            match = confirmed
        yield match
        at = max(match.end(), match.start() + 1)


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
        ids: dict[Needle, int] = {}
        self._users: list[list[int]] = []  # literal id -> plans that need it
        self._always = [i for i, p in enumerate(self.plans) if p.needs is None]
        for i, p in enumerate(self.plans):
            for literal in p.needs or ():
                lid = ids.setdefault(literal, len(ids))
                if lid == len(self._users):
                    self._users.append([])
                self._users[lid].append(i)
        self._texts = [text for text, _ in ids]
        self._need_texts = [frozenset(t for t, _ in p.needs or ()) for p in self.plans]
        self._prefix: dict[str, list[int]] = {}  # word-initial literals, looked up as prefixes
        # The rest are found by substring search, after a cheap check on their first word
        # when they start one ("month old" needs a token starting "month").
        self._anywhere: list[tuple[str, str, int]] = []
        for (text, initial), lid in ids.items():
            if initial and not _NOT_WORDY.search(text):
                self._prefix.setdefault(text, []).append(lid)
            else:
                self._anywhere.append((text, _head(text, initial), lid))
        # One regex finds, at the start of each distinct token, the longest literal it begins
        # with; every shorter literal that is a prefix of that one is then present too.
        self._finder = re.compile(r"(?<!\S)" + _trie(self._prefix))
        self._closure = {
            text: [lid for k in range(1, len(text) + 1) for lid in self._prefix.get(text[:k], ())]
            for text in self._prefix
        }

    def _present(self, norm: str) -> set[int]:
        tokens = _tokens(norm)
        found: set[int] = set()
        for text in self._finder.findall(" ".join(tokens)):
            found.update(self._closure[text])
        for text, head, lid in self._anywhere:
            if head:
                i = bisect_left(tokens, head)
                if i == len(tokens) or not tokens[i].startswith(head):
                    continue
            if text in norm:
                found.add(lid)
        return found

    def live(self, norm: str) -> Iterator[tuple[int, bool, list[tuple[int, int]]]]:
        """(pattern, anchored, spans) for each pattern that may match ``norm``, in order;
        for an anchored pattern the spans are (offset, offset) where a match may start."""
        present = self._present(norm)
        live: set[int] = set(self._always)
        for lid in present:
            live.update(self._users[lid])
        text = _Occurrences(norm)
        present_texts = {self._texts[lid] for lid in present}
        for i in sorted(live):
            plan = self.plans[i]
            if plan.needs is None:
                yield i, False, [(0, len(norm))]
            elif plan.anchored:
                lists = [text.positions(t) for t in present_texts & self._need_texts[i]]
                if any(len(found) > _Occurrences.MAX_SPANS for found in lists):
                    yield i, False, [(0, len(norm))]  # too many to try one by one
                else:
                    starts = sorted({at for found in lists for at, _, _ in found})
                    yield i, True, [(at, at) for at in starts]
            else:
                yield i, False, text.windows(present_texts & self._need_texts[i], plan)


def _head(text: str, initial: bool) -> str:
    """A word of ``text`` that must start a token wherever ``text`` occurs ("" if none)."""
    for m in _WORDY.finditer(text):
        if len(m.group()) > _MIN_LITERAL and (m.start() > 0 or initial):
            return m.group()
    return ""


def _trie(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, longest first, shaped as a trie (fast to try)."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return "(?:" + body + ")?" if len(branches) == 1 else body + "?"
        return body

    return "(?:" + build(root) + ")" if root else "(?!)"


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
        size, before, after = len(self.norm), plan.before, plan.after
        spans: list[tuple[int, int]] = []
        for text in texts:
            for at, sentence_start, sentence_end in self.positions(text):
                lo, hi = max(0, at - before), min(size, at + after + 1)
                if plan.in_sentence:
                    lo, hi = max(lo, sentence_start), min(hi, sentence_end)
                spans.append((lo, hi))
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
