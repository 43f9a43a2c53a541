"""Table tests for the emergency-term lexicon behind every safety message's severity."""

from __future__ import annotations

import pytest

from orchestrator.domain import Severity
from orchestrator.safety import SafetyScreen, assess_severity
from orchestrator.safety.severity import EMERGENCY_TERMS, emergency_terms


@pytest.fixture(scope="module")
def screen() -> SafetyScreen:
    return SafetyScreen()


URGENT_TERMS = [
    ("severe anaphylaxis after the injection", "anaphylaxis"),
    ("she went into anaphylactic shock", "anaphylaxis"),
    ("my throat was swelling", "swelling"),
    ("swelling of the tongue and lips", "swelling"),
    ("facial swelling after two doses", "swelling"),
    ("developed angioedema on lisinopril", "swelling"),
    ("I can't breathe", "breathing"),
    ("cant breath", "breathing"),
    ("difficulty breathing at night", "breathing"),
    ("trouble breathing since the switch", "breathing"),
    ("shortness of breath and dizziness", "breathing"),
    ("progressive dyspnea", "breathing"),
    ("chest pain after the first dose", "chest"),
    ("pressure in my chest", "chest"),
    ("he had a heart attack", "cardiac"),
    ("cardiac arrest during the infusion", "cardiac"),
    ("she had a seizure", "seizure"),
    ("generalized convulsions", "seizure"),
    ("suffered a stroke", "stroke"),
    ("an intentional overdose of acetaminophen", "overdose"),
    ("I overdosed last night", "overdose"),
    ("I had suicidal thoughts on it", "self_harm"),
    ("I want to die", "self_harm"),
    ("history of self-harm", "self_harm"),
    ("was in a coma for two days", "consciousness"),
    ("found unconscious", "consciousness"),
    ("he was unresponsive", "consciousness"),
    ("acute respiratory failure", "respiratory"),
    ("pulmonary embolism on the pill", "embolism"),
    ("a life-threatening reaction", "fatal"),
    ("fatal hepatotoxicity", "fatal"),
    ("the patient died", "fatal"),
]


@pytest.mark.parametrize(("text", "concept"), URGENT_TERMS)
def test_when_emergency_term_then_urgent(text: str, concept: str) -> None:
    assert concept in emergency_terms(text)
    assert assess_severity(text) is Severity.URGENT


NOT_URGENT = [
    "I have a mild headache",
    "nausea and dizziness for a week",
    "no chest pain",
    "denies shortness of breath",
    "the reaction was not life-threatening",
    "without any seizures",
    "I don't have trouble breathing",
    "never had a stroke",
    "my pills look different",
    "weight gain and dry mouth",
    "",
]


@pytest.mark.parametrize("text", NOT_URGENT)
def test_when_no_live_emergency_term_then_lexicon_is_silent(text: str) -> None:
    assert emergency_terms(text) == []
    assert assess_severity(text) is None


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("The seal on my bottle was broken", Severity.STANDARD),
        ("You gave me the wrong medication", Severity.HIGH),
        ("Lisinopril gave me a terrible cough", Severity.HIGH),
        ("my throat is closing up", Severity.URGENT),  # screen-only emergency phrasing
        ("my son won't wake up", Severity.URGENT),
        ("chest pain and the seal was broken", Severity.URGENT),
        ("I have a mild headache", None),
    ],
)
def test_when_screen_given_then_its_most_severe_hit_backs_the_lexicon(
    screen: SafetyScreen, text: str, severity: Severity | None
) -> None:
    assert assess_severity(text, screen) is severity


def test_severity_is_none_for_non_text() -> None:
    assert assess_severity(None) is None  # type: ignore[arg-type]


def test_lexicon_reports_concepts_in_lexicon_order() -> None:
    found = emergency_terms("He died after a seizure and an overdose.")
    assert found == [c for c in EMERGENCY_TERMS if c in {"seizure", "overdose", "fatal"}]
