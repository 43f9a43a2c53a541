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
_MIN_LITERAL = 3
_WORDY = re.compile(r"[\w']+")
_NOT_WORDY = re.compile(r"[^\w']")
_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
# Words too common to anchor on: a pattern prefers any other literal set to one holding these.
_COMMON = frozenset(
    "the and have had has was were with from for that this after since when while about "
    "been get got took take give gave made make not are they them you your can will would "
    "could should what how did does its i'm i've very really just also some any all one "
    "out off over into on in to of is it my me he she his her".split()
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


def _rank(candidate: frozenset[Literal]) -> tuple[bool, int, int, int]:
    texts = [text for text, _ in candidate]
    common = any(text in _COMMON for text in texts)
    scattered = sum(1 for _, initial in candidate if not initial)
    return (common, scattered, len(texts), -min(map(len, texts)))


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
        if alts is not None and "" not in alts:
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


@dataclass(frozen=True, slots=True)
class Plan:
    """What one pattern needs: literals (None: always run) and the widest match."""

    needs: frozenset[Literal] | None
    width: int | None  # None: unknown, scan the whole text


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
    return Plan(needs, width)


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
        live = set(self._always)
        for lid in present:
            live.update(self._users[lid])
        size = len(norm)
        present_texts = {self._texts[lid] for lid in present}
        for i in sorted(live):
            width = self.plans[i].width
            needs = self.plans[i].needs
            if width is None or needs is None:
                yield i, [(0, size)]
                continue
            yield i, _windows(norm, present_texts & _texts(needs), width)


def _texts(needs: frozenset[Literal]) -> set[str]:
    return {text for text, _ in needs}


def _windows(norm: str, texts: set[str], width: int) -> list[tuple[int, int]]:
    """Merged spans of ``width`` characters around every occurrence of ``texts``."""
    size = len(norm)
    spans: list[tuple[int, int]] = []
    for text in texts:
        at = norm.find(text)
        while at != -1:
            spans.append((max(0, at - width), min(size, at + len(text) + width + 1)))
            if len(spans) > 64:  # a literal everywhere: scanning the whole text is cheaper
                return [(0, size)]
            at = norm.find(text, at + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for lo, hi in spans:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return merged
