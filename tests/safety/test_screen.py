"""Table tests for the safety screen: what must fire (and how), and what must not."""

from __future__ import annotations

import pytest

from orchestrator.domain import Severity
from orchestrator.safety import DEFAULT_RULES, Rule, SafetyKind, SafetyScreen
from orchestrator.safety.prefilter import PatternSet
from orchestrator.safety.screen import compile_pattern, has_experience_cue, normalise_for_screen
from orchestrator.safety.severity import EMERGENCY_TERMS

URGENT, HIGH, STANDARD = Severity.URGENT, Severity.HIGH, Severity.STANDARD


@pytest.fixture(scope="module")
def screen() -> SafetyScreen:
    return SafetyScreen()


EMERGENCIES = [
    # chat
    ("I can't breathe after taking my new inhaler", "emergency.breathing"),
    ("My chest hurts really bad since this morning", "emergency.chest_pain"),
    ("my husband is having a seizure what do I do", "emergency.seizure"),
    ("She won't wake up and she took her sleeping pills", "emergency.unresponsive"),
    ("I think my dad is having a stroke, his face is drooping", "emergency.stroke"),
    ("I passed out twice today after the new blood pressure pill", "emergency.fainting"),
    ("My throat is closing up after the penicillin shot", "emergency.anaphylaxis"),
    ("I think I'm having a heart attack", "emergency.heart_attack"),
    ("my nose won't stop bleeding and i'm on warfarin", "emergency.bleeding"),
    # voice
    ("um uh i cant breath please help", "emergency.breathing"),
    ("chest pains and my left arm is numb", "emergency.chest_pain"),
    ("my son is unresponsive he took something", "emergency.unresponsive"),
    ("i feel like im going to pass out", "emergency.fainting"),
    ("hard to breathe", "emergency.breathing"),
    ("my wife just collapsed", "emergency.unresponsive"),
    ("he is not breathing", "emergency.breathing"),
    ("he's not responding to me", "emergency.unresponsive"),
    # mail
    (
        "Dear pharmacy team,\n\nMy mother had a seizure last night, two days after you changed "
        "her medication. Please call me.\n\nRegards, Tom",
        "emergency.seizure",
    ),
    (
        "Hello,\nI am having chest pressure and shortness of breath since I took the new "
        "tablet.\nThanks",
        "emergency.chest_pain",
    ),
    (
        "Good morning. My father called 911 because he couldn't breathe after his first dose.",
        "emergency.",
    ),
]

OVERDOSES = [
    ("I took too many of my sleeping pills", "overdose.ingestion"),
    ("My 2 year old swallowed some of my blood pressure pills", "overdose.ingestion"),
    ("my toddler got into the medicine cabinet and ate some tylenol", "overdose.ingestion"),
    (
        "I accidentally took a double dose of my metoprolol and now my heart is racing",
        "overdose.double_dose",
    ),
    ("I think I overdosed on my insulin", "overdose.term"),
    ("she swallowed a whole bottle of advil", "overdose.ingestion"),
    ("took twice my dose and now i'm dizzy and throwing up", "overdose.double_dose"),
    ("uh my daughter ate a bunch of my gummy vitamins", "overdose.ingestion"),
    ("i took like ten of my pain pills", "overdose.ingestion"),
    ("i think i od\u2019d", "overdose.term"),
    ("took too much tylenol", "overdose.ingestion"),
    ("grandson got into my oxycodone", "overdose.ingestion"),
    (
        "Hi, I need advice urgently. My husband accidentally took his evening pills twice and "
        "is now very drowsy and confused. What should we do?",
        "overdose.double_dose",
    ),
    (
        "To whom it may concern,\nyesterday my son took a handful of my sleeping tablets. He is "
        "at home now.",
        "overdose.ingestion",
    ),
    ("accidental ingestion of my nicotine patch by my dog and my kid", "overdose.ingestion"),
]

SELF_HARM = [
    ("I want to kill myself", "self_harm.intent"),
    ("I've been having suicidal thoughts since starting this antidepressant", "self_harm."),
    ("I don't want to live anymore", "self_harm.intent"),
    ("sometimes I think about ending my life", "self_harm.intent"),
    ("I feel like hurting myself", "self_harm.intent"),
    ("i wanna die", "self_harm.intent"),
    ("Zoloft made me suicidal", "self_harm.ideation"),
    ("im going to take all my pills and end it", "self_harm.intent"),
    ("honestly everyone would be better off dead without me", "self_harm.intent"),
    ("i have been cutting myself again", "self_harm.intent"),
    ("i just want to die", "self_harm.intent"),
    (
        "Hello, since the dose increase I have had thoughts of suicide and I am scared.",
        "self_harm.ideation",
    ),
    ("I'm thinking of killing myself", "self_harm.intent"),
]

ALLERGIES = [
    ("I broke out in hives after taking amoxicillin", "allergy.skin", HIGH),
    ("my lips are swelling after the new antibiotic", "allergy.swelling", URGENT),
    ("I have a rash all over my chest since starting lamotrigine", "allergy.skin", HIGH),
    ("I think I'm having an allergic reaction to the penicillin", "allergy.reaction", HIGH),
    ("My daughter's face is swollen after her first dose of cefdinir", "allergy.swelling", URGENT),
    ("tongue feels swollen and tingly after my pill", "allergy.swelling", URGENT),
    ("uh i got hives from the new medicine", "allergy.skin", HIGH),
    ("itchy all over after the shot", "allergy.skin", HIGH),
    ("swelling in my face after taking ibuprofen", "allergy.swelling", URGENT),
    (
        "Hi, after two doses of Bactrim my son developed a bright red rash on his arms and "
        "legs. Is this an allergy?",
        "allergy.skin",
        HIGH,
    ),
    (
        "Dear pharmacist, I reacted badly to the generic you gave me; my eyelids are puffy and "
        "I am itching.",
        "allergy.swelling",
        URGENT,
    ),
    ("My face and lips are swelling up", "allergy.swelling", URGENT),
    ("welts on my legs after the antibiotic", "allergy.skin", HIGH),
]

ADVERSE = [
    ("Since starting sertraline I've had terrible headaches", "adverse.onset"),
    ("Lisinopril gave me a dry cough that won't go away", "adverse.caused"),
    ("I've been having dizziness on the new blood pressure pill", "adverse.ongoing"),
    ("I'm getting bad side effects from my medication", "adverse."),
    ("The withdrawal from effexor has been horrible", "adverse."),
    ("brain zaps since I lowered my dose", "adverse."),
    ("Metformin makes me so nauseous", "adverse.caused"),
    ("ever since i started the zoloft i cant sleep", "adverse.onset"),
    ("the new pills made me throw up all night", "adverse.caused"),
    ("i gained 20 pounds on lexapro", "adverse.ongoing"),
    (
        "Hello, I started atorvastatin last month and since then I have had severe muscle pain "
        "in my legs. Should I stop taking it? Best, Ana",
        "adverse.onset",
    ),
    (
        "Good afternoon,\nMy husband has been experiencing severe nausea while taking the "
        "antibiotic you filled on Monday.\nKind regards",
        "adverse.ongoing",
    ),
    ("The side effects are unbearable", "adverse.side_effects"),
    ("I want to report an adverse reaction to my flu shot", "adverse.side_effects"),
    ("I ended up in the ER after taking the new medication", "adverse.hospitalisation"),
    (
        "A 45-year-old man developed acute renal failure after treatment with ibuprofen.",
        "adverse.clinical",
    ),
]

MEDICATION_ERRORS = [
    ("You gave me the wrong medication", "medication_error.wrong_drug"),
    ("The pharmacy filled my prescription with the wrong strength", "medication_error.wrong_dose"),
    ("The label has someone else's name on it", "medication_error.wrong_patient"),
    ("These aren't my pills, I take metformin and these are blue", "medication_error.wrong_drug"),
    ("I got lisinopril instead of losartan", "medication_error.wrong_drug"),
    (
        "my pills look different this month and I already took two of them",
        "medication_error.look_different",
    ),
    ("I accidentally took my wife's blood pressure pills", "medication_error.wrong_drug"),
    ("I took my evening dose twice", "medication_error.double_dose"),
    ("they gave me the wrong pills", "medication_error.wrong_drug"),
    ("bottle says 50 mg but my doctor prescribed 25", "medication_error.wrong_dose"),
    ("um the prescription was for someone else", "medication_error.wrong_patient"),
    (
        "Hello,\nI picked up my refill today and the bag had another customer's prescription "
        "inside. I only noticed after I got home.\nRegards",
        "medication_error.wrong_patient",
    ),
    (
        "Dear team, my doctor prescribed 10 mg but you dispensed 20 mg tablets.",
        "medication_error.wrong_dose",
    ),
    ("I received 20mg instead of 10mg", "medication_error."),
]

TAMPERING = [
    ("The safety seal on my bottle was broken", "tampering.seal", STANDARD),
    ("the foil seal was already opened when I got it", "tampering.seal", STANDARD),
    ("There was a hair inside my pill bottle", "tampering.contamination", STANDARD),
    ("My pills are discolored and have black spots", "tampering.contamination", STANDARD),
    ("The liquid smells like vinegar", "tampering.contamination", STANDARD),
    ("I think someone tampered with my medication", "tampering.seal", STANDARD),
    ("the tablets arrived crushed", "tampering.contamination", STANDARD),
    ("there's mold in the bottle", "tampering.contamination", STANDARD),
    ("the capsules look melted", "tampering.contamination", STANDARD),
    ("broken seal on the insulin box", "tampering.seal", STANDARD),
    (
        "Hello, the bottle I picked up had been opened and resealed with tape. Please advise.",
        "tampering.seal",
        STANDARD,
    ),
    (
        "The pills I received smell wrong, I took one and now I feel sick",
        "tampering.ingested",
        HIGH,
    ),
    ("found a piece of glass in my medicine", "tampering.contamination", STANDARD),
    ("My inhaler tastes like chemicals", "tampering.contamination", STANDARD),
]

PRIVACY = [
    ("You sent my prescription information to my ex-husband", "privacy.disclosure"),
    (
        "The pharmacist announced my HIV medication out loud in front of everyone",
        "privacy.disclosure",
    ),
    ("I received another patient's medical records in my mail", "privacy.misdirected"),
    ("Your staff disclosed my medication list to my employer", "privacy.disclosure"),
    ("my health information was emailed to a stranger", "privacy.disclosure"),
    ("this is a HIPAA violation", "privacy.breach"),
    ("someone at the pharmacy told my neighbor about my prescriptions", "privacy.disclosure"),
    ("I can see someone else's prescription history in my online account", "privacy.misdirected"),
    ("you guys mailed my prescription to the wrong address", "privacy.disclosure"),
    ("the cashier yelled out my medication name", "privacy.disclosure"),
    (
        "Dear Sir/Madam,\nI am writing to complain that my pharmacy records were shared with my "
        "employer without my consent.\nSincerely",
        "privacy.disclosure",
    ),
    (
        "Hi, I got a letter in the mail with another person's medication details on it.",
        "privacy.misdirected",
    ),
    ("my insurance info was given to another customer", "privacy.disclosure"),
]

POSITIVES = (
    [(t, rule, URGENT) for t, rule in EMERGENCIES]
    + [(t, rule, URGENT) for t, rule in OVERDOSES]
    + [(t, rule, URGENT) for t, rule in SELF_HARM]
    + ALLERGIES
    + [(t, rule, HIGH) for t, rule in ADVERSE]
    + [(t, rule, HIGH) for t, rule in MEDICATION_ERRORS]
    + TAMPERING
    + [(t, rule, STANDARD) for t, rule in PRIVACY]
)


@pytest.mark.parametrize(("text", "rule", "severity"), POSITIVES)
def test_when_safety_event_then_screen_fires_with_rule_and_severity(
    screen: SafetyScreen, text: str, rule: str, severity: Severity
) -> None:
    hit = screen.screen(text)
    assert hit is not None, text
    assert hit.rule.startswith(rule), (hit.rule, text)
    assert hit.severity is severity
    assert 0 <= hit.start < hit.end <= len(text)


@pytest.mark.parametrize(
    ("table", "kind"),
    [
        (EMERGENCIES, SafetyKind.EMERGENCY),
        (OVERDOSES, SafetyKind.OVERDOSE),
        (SELF_HARM, SafetyKind.SELF_HARM),
        (ALLERGIES, SafetyKind.ALLERGIC_REACTION),
        (ADVERSE, SafetyKind.ADVERSE_REACTION),
        (MEDICATION_ERRORS, SafetyKind.MEDICATION_ERROR),
        (TAMPERING, SafetyKind.TAMPERING),
        (PRIVACY, SafetyKind.PRIVACY_BREACH),
    ],
)
def test_every_kind_has_a_dozen_positives_that_all_report_it(
    screen: SafetyScreen, table: list[tuple[str, ...]], kind: SafetyKind
) -> None:
    assert len(table) >= 12
    for text, *_ in table:
        assert any(h.kind is kind for h in screen.screen_all(text)), text


NEGATED = [
    "I don't have chest pain",
    "no rash or hives after the first dose",
    "I never had a reaction to penicillin",
    "not having trouble breathing",
    "He denies any chest pain or shortness of breath",
    "without any swelling of my lips",
    "I haven't had any side effects",
    "no seizures since starting the new dose",
    "there is no broken seal",
    "The seal wasn't broken",
    "I'm free of any rash after taking it",
    "I am not suicidal",
    "I don't want to hurt myself",
    "I didn't pass out",
    "I haven't been having headaches on sertraline",
    "Lisinopril never gave me a cough",
    "There's no mold in the bottle",
    "She is not unresponsive, she is awake and talking",
    "I do not currently have any chest pain",
    "no shortness of breath",
    "I've never had a seizure",
    "no swelling of the face or tongue",
    "um no i dont have trouble breathing",
    "Since starting sertraline I've had no side effects at all",
    "I have a history of seizures and need my refill",
    "I never broke out in hives on it",
    "I'm not having any side effects but I want to cancel my refill",
    "my refill pills look different this time and I haven't taken any yet",
    "the tablets are a different color, I have not taken them",
]


@pytest.mark.parametrize("text", NEGATED)
def test_when_event_is_negated_then_screen_stays_silent(screen: SafetyScreen, text: str) -> None:
    assert screen.screen_all(text) == [], text


HARD_NEGATIVES = [
    # informational: drug facts, general medical questions (MedQuAD-like templates too)
    "What are the side effects of sertraline?",
    "what should I do if I miss a dose",
    "What are the signs of an allergic reaction?",
    "can I take ibuprofen with warfarin?",
    "What is (are) Seizures?",
    "how do I dispose of old pills",
    "how to treat overdose symptoms",
    "What are the symptoms of a heart attack?",
    "Who is at risk for Stroke? ?",
    "How to prevent Heart Attack ?",
    "What are the treatments for Anaphylaxis ?",
    "Does lisinopril cause a dry cough?",
    "Can amoxicillin cause a rash?",
    "Is shortness of breath a side effect of metoprolol?",
    "what happens if you take too much tylenol",
    "Do you have information about Drug Reactions",
    "What should I do if my child swallows a pill?",
    "Is it safe to take melatonin with Zoloft?",
    "What is the number for poison control?",
    "I want to know the side effects of metformin",
    "What is your privacy policy?",
    "what are the withdrawal symptoms of effexor",
    "How long do side effects of the flu shot last?",
    "Which antihistamine is best for hives?",
    "What should I know about storage and disposal of this medication?",
    "What special precautions should I follow?",
    "How should I use Albuterol and what is the dosage?",
    "Is it normal to feel dizzy when starting a new blood pressure pill?",
    "What causes chest pain?",
    "When should I call 911 for an allergic reaction?",
    "What are the side effects of my medication?",
    "How do I know if I'm having a stroke?",
    "What should I do if I have a rash after taking amoxicillin?",
    "what to do in case of emergency or overdose of sertraline",
    "Does Zoloft increase the risk of suicidal thoughts?",
    "Are hives contagious?",
    "How do I know if my seal is broken?",
    "How do I report a HIPAA violation?",
    "can you tell me if ibuprofen can cause stomach bleeding",
    "is there a generic for Lipitor",
    "How do I dispose of expired fentanyl patches?",
    "What is (are) Drug-induced Lupus ?",
    # service requests
    "refill my sertraline",
    "cancel the order",
    "I need to refill my seizure medication",
    "Please refill my chest pain medication (nitroglycerin)",
    "Can I get a refund for my order?",
    "Track my package please",
    "I want to cancel my prescription delivery",
    "My order arrived damaged, I want a refund",
    "I received the wrong item in my order",
    "Can you update my shipping address?",
    "I'd like to transfer my prescriptions to your pharmacy",
    "I take warfarin, can I take ibuprofen?",
    "Hi, what are your pharmacy hours on Sunday?",
    "um i want to refill my blood pressure pills",
    "uh what time do you close",
    "where is my order it was supposed to arrive yesterday",
    "I was charged twice for my order, please refund me",
    "Hello,\n\nI would like to update the email address on my account.\n\nThanks, Sam",
    "I have a question about my insurance coverage for insulin",
    "please send the refill to my new address",
    "my doctor sent a new prescription, can you fill it today?",
    "my infection is not responding to the antibiotic, can I get a different one?",
    "Summary : Anaphylaxis is a serious allergic reaction",
    "Headaches are commonly associated with sertraline.",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_when_informational_or_service_then_screen_stays_silent(
    screen: SafetyScreen, text: str
) -> None:
    assert screen.screen_all(text) == [], [
        (h.rule, text[h.start : h.end]) for h in screen.screen_all(text)
    ]


def test_screen_prefers_the_most_severe_then_the_earliest_hit(screen: SafetyScreen) -> None:
    text = "The seal was broken, I got a rash, and now my throat is closing"
    hits = screen.screen_all(text)
    assert [h.severity for h in hits][:1] == [STANDARD]  # ordered by position
    top = screen.screen(text)
    assert top is not None
    assert top.severity is URGENT
    assert text[top.start : top.end].startswith("throat")


def test_hit_spans_point_into_the_original_text(screen: SafetyScreen) -> None:
    text = "Hi \u2014 um, I CAN\u2019T BREATHE!!"
    hit = screen.screen(text)
    assert hit is not None
    assert text[hit.start : hit.end] == "CAN\u2019T BREATHE"


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "?", "a" * 6000, "İ" * 100 + " can't breathe"])
def test_screen_never_raises_on_odd_input(screen: SafetyScreen, text: str) -> None:
    hits = screen.screen_all(text)
    assert all(0 <= h.start < h.end <= len(text) for h in hits)


def test_screen_returns_nothing_for_non_text(screen: SafetyScreen) -> None:
    assert screen.screen_all(None) == []  # type: ignore[arg-type]


def test_long_mail_is_screened_in_full(screen: SafetyScreen) -> None:
    filler = "We also talked about the delivery schedule and the insurance forms. " * 60
    text = "Dear team,\n" + filler + "\nLast night my son swallowed some of my pills.\nBest"
    hit = screen.screen(text)
    assert hit is not None
    assert hit.rule == "overdose.ingestion"
    assert hit.start > len(filler)


def test_custom_rules_replace_the_defaults() -> None:
    rule = Rule("tampering.sticker", SafetyKind.TAMPERING, STANDARD, ("sticker (?:was )?peeled",))
    screen = SafetyScreen([rule])
    assert screen.rules == (rule,)
    hit = screen.screen("the sticker was peeled off")
    assert hit is not None
    assert hit.rule == "tampering.sticker"
    assert screen.screen("I can't breathe") is None


def test_rule_needs_a_dotted_name_and_patterns() -> None:
    with pytest.raises(ValueError):
        Rule("nodot", SafetyKind.EMERGENCY, URGENT, ("x",))
    with pytest.raises(ValueError):
        Rule("emergency.none", SafetyKind.EMERGENCY, URGENT, ())


def test_default_rules_have_unique_names_prefixed_by_their_family() -> None:
    names = [r.name for r in DEFAULT_RULES]
    assert len(names) == len(set(names))
    family = {
        SafetyKind.EMERGENCY: "emergency",
        SafetyKind.OVERDOSE: "overdose",
        SafetyKind.SELF_HARM: "self_harm",
        SafetyKind.ALLERGIC_REACTION: "allergy",
        SafetyKind.ADVERSE_REACTION: "adverse",
        SafetyKind.MEDICATION_ERROR: "medication_error",
        SafetyKind.TAMPERING: "tampering",
        SafetyKind.PRIVACY_BREACH: "privacy",
    }
    assert {r.name.split(".")[0] for r in DEFAULT_RULES} == set(family.values())
    for r in DEFAULT_RULES:
        assert r.name.split(".")[0] == family[r.kind], r.name


HISTORY = [
    "I had a reaction to penicillin as a child, can I take amoxicillin?",
    "I had an allergic reaction to sulfa years ago",
    "My mom had a stroke last year and needs her blood thinner refilled",
    "I had seizures as a kid, is bupropion safe?",
]


@pytest.mark.parametrize("text", HISTORY)
def test_when_event_is_history_then_screen_stays_silent(screen: SafetyScreen, text: str) -> None:
    assert screen.screen_all(text) == [], text


# The prefilter (prefilter.py) may only make scanning faster: it must never lose a match.
FILLER = "We also discussed the delivery window, the copay and my insurance card. " * 12
SAMPLES = (
    [text for text, *_ in POSITIVES]
    + NEGATED
    + HARD_NEGATIVES
    + HISTORY
    + [FILLER + text + " " + FILLER for text, *_ in POSITIVES[::9]]
    + ["\n".join(text for text, *_ in POSITIVES[i : i + 8]) for i in range(0, len(POSITIVES), 8)]
    + ["um uh " + " ".join(text.lower() for text, *_ in POSITIVES[:40]).replace(".", " ")]
)


@pytest.mark.parametrize(
    "patterns",
    [
        [p for rule in DEFAULT_RULES for p in rule.patterns],
        list(EMERGENCY_TERMS.values()),
    ],
    ids=["rules", "lexicon"],
)
def test_prefiltered_search_finds_every_match_a_full_scan_finds(patterns: list[str]) -> None:
    regexes = [compile_pattern(p) for p in patterns]
    prefiltered = PatternSet(regexes)
    for text in SAMPLES:
        norm = normalise_for_screen(text)
        fast: set[tuple[int, int]] = set()
        for i, match in prefiltered.finditer(norm):
            assert regexes[i].match(norm, match.start()) is not None
            fast.add((i, match.start()))
        for i, regex in enumerate(regexes):
            for match in regex.finditer(norm):
                assert (i, match.start()) in fast, (patterns[i][:60], text[:60])


@pytest.mark.parametrize(
    ("text", "lived"),
    [
        ("i've had headaches for a week", True),
        ("my son took two of them", True),
        ("the new pills gave me a rash", True),
        ("what do i do, my lips are swelling", True),
        ("what should i do if i have a rash", False),
        ("can i take it with food", False),
        ("i want to know the side effects of metformin", False),
        ("i have a question about my order", False),
        ("what are the side effects", False),
    ],
)
def test_experience_cues_tell_lived_events_from_questions(text: str, lived: bool) -> None:
    assert has_experience_cue(normalise_for_screen(text)) is lived
