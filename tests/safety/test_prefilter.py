"""The literal prefilter may only make the screen faster: never lose a match."""

from __future__ import annotations

import re

import pytest

from orchestrator.safety import DEFAULT_RULES
from orchestrator.safety.prefilter import ALWAYS, PatternSet, plan
from orchestrator.safety.screen import compile_pattern
from orchestrator.safety.severity import EMERGENCY_TERMS

RULE_REGEXES = [compile_pattern(p) for rule in DEFAULT_RULES for p in rule.patterns]
LEXICON_REGEXES = [compile_pattern(p) for p in EMERGENCY_TERMS.values()]


def test_every_default_pattern_is_understood_by_the_prefilter() -> None:
    plans = [plan(regex) for regex in RULE_REGEXES + LEXICON_REGEXES]
    assert ALWAYS not in plans


@pytest.mark.parametrize(
    ("pattern", "anchored", "literals"),
    [
        ("chest (?:pain|pressure)", True, {"chest"}),
        ("(?:having|had) a seizure", False, {"seizure"}),
        ("(?:my|his) (?:lips|tongue) (?:is|are) swelling", False, {"swelling"}),
        ("(?:hives|rash) after", True, {"hives", "rash"}),
    ],
)
def test_plan_picks_rare_literals(pattern: str, anchored: bool, literals: set[str]) -> None:
    result = plan(compile_pattern(pattern))
    assert result.anchored is anchored
    assert result.needs is not None
    assert {text for text, _ in result.needs} == literals


def test_plan_bounds_the_reach_of_a_match_around_its_literal() -> None:
    result = plan(compile_pattern("(?:having|had) (?:a )?seizure"))
    assert 0 < result.before <= 60  # "having", then two words' worth of spaces and "a"
    assert result.after == len("seizure")
    assert result.in_sentence


def test_plan_knows_when_a_match_may_cross_sentences() -> None:
    assert not plan(compile_pattern("(?:took|had) twice.{0,50}dizzy")).in_sentence


@pytest.mark.parametrize("pattern", [r"(a+)\1 x", r"(?i:abc)", r"(a)?(?(1)b|c)"])
def test_unfamiliar_syntax_degrades_to_a_full_scan(pattern: str) -> None:
    regex = re.compile(pattern)
    patterns = PatternSet([regex])
    text = "aa x abc b"
    found = {m.start() for _, m in patterns.finditer(text)}
    assert {m.start() for m in regex.finditer(text)} <= found
