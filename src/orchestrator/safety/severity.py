"""Severity for any safety message, from an emergency-term lexicon.

Broader than the screen on purpose: it only ever runs on text already judged
safety_compliance (by the screen or by the classifier), so "seizures" in a report is an
emergency even without the screen's experience checks. A term counts unless a negator
stands just before it ("no chest pain", "not life-threatening").
"""

from __future__ import annotations

import logging

from orchestrator.domain import Severity
from orchestrator.safety.prefilter import PatternSet
from orchestrator.safety.screen import (
    SEVERITY_RANK,
    SafetyScreen,
    compile_pattern,
    is_negated,
    normalise_for_screen,
)

logger = logging.getLogger(__name__)

_CANT = r"(?:can'?t|cannot|can not|couldn'?t|could not|unable to|not able to)"
_BREATHE = r"(?:breath(?:e|ing)?|breth)"

# Each entry is one emergency concept; the pattern language is the screen's.
EMERGENCY_TERMS: dict[str, str] = {
    "anaphylaxis": r"ana?(?:ph?|f)[yia]l+[ae]?(?:x|ct)\w*",
    "swelling": r"(?:throat|tongue|lips?|face|facial) (?:[\w'-]+ ){0,2}?(?:swell\w*|swollen|"
    r"o?edema)|(?:swell\w*|swollen|o?edema) (?:up )?(?:of|in|on) (?:the |my |his |her |their )?"
    r"(?:throat|tongue|lips?|face)|(?:swollen|swelling) (?:throat|tongue|lips?|face)|"
    r"angio-?o?edema",
    "breathing": rf"{_CANT} (?:catch (?:my|his|her|a) breath|{_BREATHE})|(?:difficulty|"
    rf"trouble|hard|problems?|struggl\w*) (?:with |to )?{_BREATHE}|breathing difficult\w*|"
    r"short(?:ness)? of breath|dyspn(?:o)?ea|(?:not|stopped) breathing",
    "chest": r"chest (?:pains?|pressure|tightness|hurts?)|(?:pain|pressure|tightness) in "
    r"(?:my|his|her|the) chest|heart (?:hurts|is hurting)",
    "cardiac": r"heart attacks?|cardiac arrest|myocardial infarction",
    "seizure": r"seiz\w*|siez\w*|convuls\w*",
    "stroke": r"strokes?",
    "overdose": r"over ?-?dos\w*|(?<!food\s)poison(?:ed|ing)",
    "self_harm": r"su?icid\w*|(?:want|wanted|wanting|wanna) to die|wish(?:ed)? i (?:was|were) "
    r"dead|self[- ]?harm\w*|kill(?:ing)? (?:my|him|her|them) ?sel(?:f|ves)|(?:hurt|hurting|"
    r"cut|cutting) myself|end(?:ing)? my (?:own )?life|take my (?:own )?life",
    "consciousness": r"coma(?:tose)?|un ?con?sc?ious\w*|unresponsive|(?:lost|loss of) "
    r"consciousness",
    "respiratory": r"respiratory (?:failure|arrest|distress)",
    "embolism": r"pulmonary embol\w*",
    "fatal": r"life[- ]?threatening|fatal\w*|deaths?|died",
}

_CONCEPTS = tuple(EMERGENCY_TERMS)
_LEXICON = PatternSet([compile_pattern(p) for p in EMERGENCY_TERMS.values()])


def emergency_terms(text: str) -> list[str]:
    """The emergency concepts named, un-negated, in ``text`` (in lexicon order)."""
    norm = normalise_for_screen(text)
    found = {_CONCEPTS[i] for i, m in _LEXICON.finditer(norm) if not is_negated(norm, m.start())}
    return [name for name in _CONCEPTS if name in found]


def assess_severity(text: str, screen: SafetyScreen | None = None) -> Severity | None:
    """Urgent when an emergency term is present; else the screen's most severe hit, if any.

    None means the lexicon (and the screen, when given) had nothing to say: the caller
    falls back to the classifier's severity.
    """
    if not isinstance(text, str):
        return None
    try:
        if emergency_terms(text):
            return Severity.URGENT
    except Exception:  # never fail a safety message over its severity: the caller falls back
        logger.exception("severity lexicon failed")
    if screen is None:
        return None
    hits = screen.screen_all(text)
    if not hits:
        return None
    return max((h.severity for h in hits), key=SEVERITY_RANK.__getitem__)
