"""The safety screen's rules, declared as data: a name, a kind, a severity and patterns.

Pattern language (kept small so rules read like phrases):

* patterns run over the screen's normalised text: lower-cased, curly quotes straightened,
  voice fillers ("um", "uh") blanked, offsets unchanged;
* a literal space means "one or more whitespace characters";
* every pattern is anchored on word boundaries at both ends;
* a negator just before the match suppresses the hit; so does one just before a named
  group (``term``, ``verb``) inside it: "I've had no side effects", "I never broke out".

``requires_experience`` marks rules whose words also appear in questions about drugs in
general ("what are the symptoms of a stroke?"): a hit in a question with no first-person
experience cue is dropped. Rules phrased as events in themselves ("I can't breathe",
"took too many", "kill myself") do not set it: they fire in any framing.

Precision lives in the phrasing: an event needs its verb or its subject ("having a
seizure", "my lips are swelling", "since starting X I've had ..."), bare disease names
("seizures", "stroke") do not fire. Lookaheads keep out products ("seizure medication")
and history ("had a stroke in 2019", "... as a child").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from orchestrator.domain import Severity


class SafetyKind(StrEnum):
    EMERGENCY = "emergency"  # acute symptoms: breathing, chest pain, seizure, stroke, collapse
    OVERDOSE = "overdose"  # too much taken, or a child got into medicine
    ALLERGIC_REACTION = "allergic_reaction"  # hives, rash, swelling after a drug
    ADVERSE_REACTION = "adverse_reaction"  # side effects and withdrawal, reported as lived
    MEDICATION_ERROR = "medication_error"  # wrong drug, dose, patient; double dosing
    TAMPERING = "tampering"  # broken seals, contamination
    SELF_HARM = "self_harm"  # suicidal language, intent to hurt oneself
    PRIVACY_BREACH = "privacy_breach"  # prescription data disclosed to the wrong person


@dataclass(frozen=True, slots=True)
class Rule:
    """One named rule; a non-negated match of any of its patterns is a hit."""

    name: str  # dotted, "<kind family>.<what>", e.g. "emergency.breathing"
    kind: SafetyKind
    severity: Severity
    patterns: tuple[str, ...]
    requires_experience: bool = False  # drop hits in general questions (see module doc)

    def __post_init__(self) -> None:
        if "." not in self.name or not self.patterns:
            raise ValueError(f"rule {self.name!r} needs a dotted name and at least one pattern")


def _gap(n: int) -> str:
    """Up to ``n`` arbitrary words, lazily, each optionally followed by light punctuation."""
    return rf"(?:[\w'-]+[,;:]? ){{0,{n}}}?"


# --- shared vocabulary -------------------------------------------------------------------

_CANT = r"(?:can'?t|cannot|can not|couldn'?t|could not|unable to|not able to)"
_BREATHE = r"(?:breath(?:e|ing)?|breth|brethe)"
_PILL = (
    r"(?:pills?|tablets?|tabs|capsules?|caplets?|meds?|medications?|medicines?|gummies|"
    r"vitamins|patch(?:es)?|pain ?killers?|syrup|drops|prescriptions?|doses?|\w+ pills)"
)
_MEDNOUN = (
    r"(?:meds?|medications?|medicines?|pills?|tablets?|capsules?|drugs?|prescriptions?|rx|"
    r"doses?|dosage|shots?|vaccines?|injections?|inhaler|antibiotics?|antidepressants?|"
    r"generic|refill|insulin|patch|cream)"
)
# Words that end like drug names but are not ("pain", "routine"): keeps _DRUGISH honest.
_STOP = (
    r"(?:pain|brain|skin|again|within|begin|rain|train|chain|main|plain|gain|margin|"
    r"fine|line|mine|wine|nine|shine|routine|online|machine|nicotine|caffeine|"
    r"everyone|someone|anyone|alone|done|phone|gone|none|bone|zone|tone|stone|"
    r"side|inside|outside|wide|ride|decide|guide|normal|general|usual|total|several|"
    r"hospital|personal|animal|alcohol|control|school|doctor|color|colour|floor|"
    r"labor|error|mirror|terror|order|extra|data|delta|pizza|china|drama|trauma|"
    r"protein|cabin|cousin|dozen|women|often|golden|kitchen|children|chicken|garden|"
    r"woman|human|clean|mean|began|plan|ocean|organ|urban|whole|between|broken|given|taken|"
    r"eaten|written|gotten|forgotten|seven|eleven|even|open|happen|listen|heaven)"
)
# A word shaped like a drug name (sertraline, metoprolol, zoloft, lexapro) or a strength.
_DRUGISH = (
    rf"(?:(?!{_STOP}\b)[a-z][a-z-]{{2,}}(?:ine|ole|olol|pril|sartan|statin|pam|lam|mycin|"
    r"cillin|cycline|azole|oxacin|ide|one|in|ft|pro|xa|il|ac|ex|ax|ix|ol|al|ta|or|en|fy|an)|"
    r"\d+ ?(?:mg|mcg|milligrams?|ml))"
)
_DRUG_REF = (
    r"(?:(?:it|this|that|these|them|those)\b(?! (?:morning|week|weekend|time|year|month|day))|"
    rf"(?:the|my|his|her|this|that|these|a|an|our)(?: [\w-]+){{0,3}}? {_MEDNOUN}|"
    r"(?:taking|starting|using|switching to|changing to|being on|going on|"
    r"(?:i|he|she|we) (?:started|began|took|switched to)) [a-z][\w-]+|"
    rf"(?:(?:the|my|his|her|this|that) )?{_DRUGISH})"
)
_FEEL_ADJ = (
    r"(?:sick|ill|unwell|dizzy|nauseous|nauseated|drowsy|sleepy|tired|exhausted|groggy|"
    r"sluggish|lethargic|anxious|depressed|suicidal|agitated|jittery|shaky|weird|strange|"
    r"awful|terrible|horrible|funny|numb|weak|faint|light-?headed|confused|foggy|spacey|"
    r"spaced out|drugged|hungover|restless|irritable|manic|emotionless|empty|"
    r"like a zombie|like crap|like shit|like garbage|like death|like (?:i'?m|i am) dying)"
)
_SYMPTOM = (
    r"(?:head ?aches?|migraines?|nausea|nauseous|nauseated|vomit\w*|throwing up|threw up|"
    r"puking|dizz\w*|vertigo|light-?headed\w*|insomnia|trouble sleeping|sleepless\w*|"
    r"drowsiness|drowsy|sleepiness|fatigue|exhaustion|lethargy|"
    r"(?:can'?t|cannot|couldn'?t|unable to) (?:sleep|stay awake|focus|concentrate|think straight|"
    r"stop crying|stop shaking|stop eating)|"
    r"diarrh\w*|constipat\w*|dry mouth|cotton mouth|(?:night )?sweats|sweating|"
    r"hot flash\w*|chills|fevers?|weight gain|weight loss|tremors?|trembling|the shakes|"
    r"shaking|shakiness|jitter\w*|twitch\w*|spasms?|cramps?|cramping|anxiety|"
    r"panic attacks?|palpitations|racing heart|heart racing|blurr\w* vision|brain zaps?|"
    r"zaps|nightmares|(?:vivid|weird|crazy|strange|bad) dreams|mood swings|depression|"
    r"suicidal \w+|numbness|tingling|pins and needles|"
    r"(?:muscle|joint|stomach|back|leg|body|abdominal|chest|nerve) (?:pains?|aches?|cramps)|"
    r"stomach ?aches?|upset stomach|stomach (?:upset|issues|problems)|heartburn|acid reflux|"
    r"indigestion|bloating|(?:dry )?cough(?:ing)?|swelling|swollen|bruis\w*|bleeding|nose ?bleeds?|"
    r"hair loss|(?:low |no |decreased |reduced )?(?:libido|sex drive)|"
    r"sexual (?:side effects|dysfunction|problems)|erectile dysfunction|impotence|"
    r"anorgasmia|yawning|(?:jaw|teeth) (?:clenching|grinding)|restless\w*|akathisia|"
    r"agitation|irritability|aggression|rage|emotional (?:blunting|numbness|flatness)|apathy|"
    r"brain fog|memory (?:loss|problems|issues)|forgetfulness|confusion|hallucinations?|"
    r"paranoia|mania|seizures?|convulsions?|fainting|blackouts?|"
    r"(?:loss of|no|lost my|increased) appetite|(?:ringing|buzzing) in (?:my|the) ears|"
    r"tinnitus|jaundice|dark urine|(?:an? )?(?:allergic |bad |severe )?reactions?|"
    r"side ?effects?|withdrawals?|symptoms|shortness of breath|trouble breathing|"
    r"difficulty breathing|chest pains?|high blood pressure|hypoglyc\w*|low blood sugar|"
    r"(?:heart|kidney|liver) (?:problems|damage|failure)|sedation|"
    r"(?:\d+|\w+) (?:pounds|lbs|kilos|kilograms)|weight|"
    r"(?:feel|feeling|felt|been) (?:so |really |very |extremely |super |kind of |kinda |"
    rf"a bit |a little |constantly |always |totally |completely )?{_FEEL_ADJ})"
)
# Symptoms that make a double dose or a tampered pill an emergency-grade report.
_ACUTE = (
    r"(?:dizz\w*|vomit\w*|throw(?:ing)? up|threw up|nause\w*|sick|drows\w*|sleepy|confus\w*|"
    r"shak\w*|trembl\w*|sweat\w*|faint\w*|pass(?:ed|ing)? out|"
    r"(?:heart|pulse) (?:is |was |keeps |started )?(?:racing|pounding|raced|pounded)|"
    r"racing heart|palpitations|chest|breath\w*|seiz\w*|unresponsive|light-?headed|blurr\w*|"
    r"head ?aches?|stomach ?(?:ache|pain|cramps)|numb(?:ness)?|tingl\w*|low blood sugar|rash|"
    r"hives|itch\w*|swell\w*|"
    r"(?:feel|feeling|felt) (?:\w+ )?(?:bad|awful|terrible|funny|weird|strange|wrong|ill))"
)
_SUBJ = (
    r"(?:i|i'?ve|i'?m|im|ive|i'?d|we|we'?ve|we'?re|he|she|he'?s|she'?s|they|they'?ve|"
    r"they'?re|my \w+|our \w+)"
)
# A verb not in hypothetical position: "about having", "to get", "might have" are not events.
_NOT_HYPO = (
    r"(?<!about\s)(?<!of\s)(?<!avoid\s)(?<!prevent\s)(?<!to\s)(?<!if\s)(?<!could\s)"
    r"(?<!would\s)(?<!will\s)(?<!might\s)(?<!may\s)(?<!can\s)(?<!you\s)"
)
# History, not an event: "had a stroke in 2019", "seizures as a child".
_NOT_PAST = (
    r"(?! (?:in (?:19|20)\d\d|last (?:year|month|spring|summer|fall|autumn|winter)|back in|"
    r"as a (?:child|kid|baby|teen)|when (?:i|he|she) was (?:a |little|young)|"
    r"\d+ (?:years?|months?) ago|(?:many |a few |a couple of |several )?(?:years|months) ago))"
)
# History later in the clause: "had a reaction to penicillin as a child".
_NOT_HISTORY_AFTER = (
    r"(?![^.?!\n]{0,40}?(?<![\w'])(?:as a (?:child|kid|baby|teen(?:ager)?)|"
    r"(?:many |a few |several |\d+ )?years ago|in (?:19|20)\d\d|"
    r"when (?:i|he|she) was (?:a |little|young|small)))"
)
# "seizure medication", "chest pain spray": a product, not an event.
_NOT_PRODUCT = (
    r"(?! (?:med\w*|pills?|drugs?|prescriptions?|rx|tablets?|refills?|spray|patch|"
    r"disorders?|threshold|control|prevention|risk|history|doctor|clinic|specialist))"
)
_DEP = (
    r"(?:son|daughter|child|kid|kids|baby|toddler|infant|boy|girl|grand(?:son|daughter|child|kid)|"
    r"nephew|niece|little one|\d+ ?-?(?:year|yr|month|mo)s?[- ]old)"
)

# --- emergencies --------------------------------------------------------------------------

EMERGENCY_RULES: tuple[Rule, ...] = (
    Rule(
        "emergency.breathing",
        SafetyKind.EMERGENCY,
        Severity.URGENT,
        (
            rf"{_CANT} (?:even |really |properly )?(?:catch (?:my|his|her|a) breath|{_BREATHE})",
            rf"{_CANT} (?:get|take|draw) (?:a |any |enough )?(?:deep |full )?(?:breath|air)",
            r"(?:not|isn'?t|wasn'?t|stopped|stop|quit|barely|hardly) breathing(?! (?:through|in|"
            r"out))",
            rf"(?:struggling|struggle|struggled|fighting|gasping|gasped) (?:to {_BREATHE}|"
            r"for (?:air|breath))",
            rf"(?:hard|difficult|impossible|painful) to {_BREATHE}",
            r"(?:lips|face|he|she|he'?s|she'?s|is|are) (?:are |is )?(?:turning|turned|going) blue",
            r"chok(?:ing|ed) on (?:a|the|my|his|her) (?:pill|tablet|capsule)",
        ),
    ),
    Rule(
        "emergency.breathing_symptom",
        SafetyKind.EMERGENCY,
        Severity.URGENT,
        (
            r"short(?:ness)? of breath",
            rf"(?:difficulty|trouble|problems?|issues?|struggling) (?:with )?{_BREATHE}",
            r"breathing (?:difficult\w*|problems?|trouble|issues?)",
            rf"{_BREATHE} (?:is|was|got|has been|became|feels) (?:really |very |so )?"
            r"(?:difficult|hard|laboured|labored|shallow|tight)",
        ),
        requires_experience=True,
    ),
    Rule(
        "emergency.chest_pain",
        SafetyKind.EMERGENCY,
        Severity.URGENT,
        (
            r"chest (?:pains?|pian|pressure|tightness|tightening|discomfort|hurts?|hurting|"
            r"is (?:hurting|tight|heavy)|feels (?:tight|heavy|like))" + _NOT_PRODUCT,
            r"(?:pain|pains|pressure|tightness|heaviness|squeezing|crushing \w+) (?:in|on|across) "
            r"(?:my|his|her|the) chest",
            r"(?:tight|heavy|hurting|aching) chest",
            r"heart (?:hurts|is hurting|aches|is aching)",
        ),
        requires_experience=True,
    ),
    Rule(
        "emergency.heart_attack",
        SafetyKind.EMERGENCY,
        Severity.URGENT,
        (
            r"(?:having|had|have|has|going to have|gonna have|suffered|suffering|think it'?s|"
            r"might be|may be|could be|is this) (?:a |another |an )?(?:heart attack|cardiac arrest)"
            + _NOT_PAST,
            r"(?:heart|he|she) (?:has |just )?stopped(?! taking)",
            r"cardiac arrest" + _NOT_PAST,
        ),
        requires_experience=True,
    ),
    Rule(
        "emergency.seizure",
        SafetyKind.EMERGENCY,
        Severity.URGENT,
        (
            r"(?:having|had|has|have|started having|went into|going into|in the middle of|"
            r"suffered|suffering|developed|experienced|experiencing|presented with|caused|causing|"
            r"gave (?:me|him|her)) (?:a |an |another |multiple |several |two |three |repeated |"
            r"recurrent |generali[sz]ed |grand mal |tonic-clonic |new-onset |focal |bad |"
            r"violent )?(?:seizures?|siezures?|convulsions?)" + _NOT_PAST + _NOT_PRODUCT,
            r"(?:seizing|seizuring|convulsing)(?! (?:up|the|of|assets))",
            r"(?:seizures?|siezures?|convulsions?) (?:started|began|occurred|after|since|following|"
            r"right now|now|just now|today|tonight|this morning|last night|yesterday)",
        ),
        requires_experience=True,
    ),
    Rule(
        "emergency.stroke",
        SafetyKind.EMERGENCY,
        Severity.URGENT,
        (
            r"(?:having|had|has|have|suffered|suffering|going to have|gonna have|think it'?s|"
            r"might be|may be|could be|is this) (?:a |an |another )?(?:mini[- ]?|small |minor |"
            r"massive |major )?(?:stroke|tia)\b" + _NOT_PAST + _NOT_PRODUCT,
            r"(?:face|mouth|smile) (?:is |was |started |starting |seems |looks )?droop\w*",
            r"droop\w* (?:face|mouth|eyelid|smile|on one side)",
            r"slurr\w* (?:speech|words|(?:his|her|my|their) (?:speech|words))",
            r"speech (?:is |was |became |got |sounds )?slurr\w*",
            r"(?:numb\w*|weak\w*|paraly\w*) (?:on|in|down) (?:one side|the (?:left|right) side|"
            r"(?:my|his|her) (?:left|right) (?:side|arm|leg))",
            r"one side of (?:my|his|her|the) (?:face|body) (?:is|went|feels|has gone|looks)",
            rf"{_CANT} (?:move|feel|lift) (?:my|his|her) (?:left|right) (?:arm|leg|side)",
        ),
        requires_experience=True,
    ),
    Rule(
        "emergency.unresponsive",
        SafetyKind.EMERGENCY,
        Severity.URGENT,
        (
            rf"(?:won'?t|wont|will not|{_CANT}) (?:wake (?:him|her|them|up|my \w+)|"
            r"get (?:him|her|them) to (?:wake|respond)|be woken|rouse)",
            r"(?:won'?t|wont|will not|isn'?t|is not|not|stopped) (?:waking up|responding|"
            r"responsive|reacting)(?! to (?:the |his |her |their |this |that )?(?:treatment|"
            r"medication|medicine|meds|antibiotics?|therapy|drugs?|dose|steroids?|insulin))",
            r"unresponsive",
            r"un ?con?sc?ious(?:ness)?",
            r"(?:lost|losing|loss of) consciousness",
            r"coma(?:tose)?",
            r"collaps(?:ed|ing)(?! (?:veins?|lungs?))",
        ),
        requires_experience=True,
    ),
    Rule(
        "emergency.fainting",
        SafetyKind.EMERGENCY,
        Severity.URGENT,
        (
            r"pass(?:ed|ing|es)? out(?! (?:flyers|samples|leaflets|papers))",
            r"faint(?:ed|ing|s)?(?! (?:smell|odou?r|taste|line|lines|color|colour|marks?))",
            r"black(?:ed|ing)? out",
            r"keel(?:ed)? over",
        ),
        requires_experience=True,
    ),
    Rule(
        "emergency.anaphylaxis",
        SafetyKind.EMERGENCY,
        Severity.URGENT,
        (
            r"ana?(?:ph?|f)[yia]l+[ae]?(?:x|ct)\w*",
            r"throat (?:is |was |feels |felt |keeps |started |starting |getting |seems |'s )?"
            r"(?:closing|closed|tight\w*|swelling shut|swollen shut|constrict\w*)",
            r"(?:used|use|using|needed|need|had to use|injected|gave (?:him|her|them)) "
            r"(?:my |his |her |an |the |their )?epi ?-?pens?",
            r"(?:severe|bad|major|serious|life-threatening) allergic reaction",
        ),
        requires_experience=True,
    ),
    Rule(
        "emergency.bleeding",
        SafetyKind.EMERGENCY,
        Severity.URGENT,
        (
            rf"(?:won'?t|wont|will not|doesn'?t|does not|{_CANT}) stop (?:the )?bleed\w*",
            r"bleed\w* (?:won'?t|wont|will not|that won'?t|that will not|doesn'?t|does not) stop",
            r"(?:vomit\w*|throw\w* up|threw up|puk\w*|cough\w* up|spitting up|spit up) blood",
        ),
        requires_experience=True,
    ),
    Rule(
        "emergency.services",
        SafetyKind.EMERGENCY,
        Severity.URGENT,
        (
            r"(?:called|calling|call(?:ed)? for|dialed|dialled|dialing|phoned|rang) "
            r"(?:911|999|112|an ambulance|the ambulance|ems|paramedics)",
            r"(?<!when\s)(?<!if\s)(?:should|do|can|must) (?:i|we) (?:call|go to|"
            r"take (?:him|her|them|my \w+) to) "
            r"(?:911|999|112|an ambulance|the (?:er|emergency room|hospital))",
            r"(?:in|waiting for) (?:an|the) ambulance",
        ),
    ),
)

# --- overdose -----------------------------------------------------------------------------

_DOUBLE = (
    r"(?:(?:took|taken|gave|given|had|swallowed|injected) (?:him |her |them |my \w+ )?"
    r"(?:a |an |my |his |her |the )?(?:double|triple|doubled|tripled|extra|second|2x|3x|twice the) "
    r"(?:dose|doses|dosage|amount|pills?|tablets?|capsules?|shot|injection)|"
    r"(?:took|taken|gave|given|had|injected) (?:my|his|her|their|the|a|this) (?:[\w-]+ ){0,2}?"
    r"(?:dose|pills?|tablets?|medication|meds|medicine|insulin|shot|injection) twice|"
    r"double[- ]?dos(?:ed|ing)|doubled up|"
    r"(?:took|taken|gave|given) (?:it|them|one|two|both) twice|"
    r"(?:took|taken|gave|given) (?:an|one|two) extra (?:pills?|tablets?|doses?)|"
    r"(?:accidentally|mistakenly|by mistake|by accident) (?:took|taken|gave|given|had|injected) "
    r"(?:him |her |them |my \w+ )?(?:two|2|three|3|another|a second|an extra|extra) "
    r"(?:doses?|pills?|tablets?|shots?|injections?)|"
    r"(?:took|taken|gave|given|had) (?:him |her |them )?twice (?:my|the|his|her|their) "
    r"(?:usual |normal |prescribed |regular )?(?:dose|dosage|amount))"
)

OVERDOSE_RULES: tuple[Rule, ...] = (
    Rule(
        "overdose.ingestion",
        SafetyKind.OVERDOSE,
        Severity.URGENT,
        (
            r"(?:took|taken|swallowed|ate|eaten|drank|given|gave (?:him|her|them|my \w+)|"
            r"overdosed on) (?:way |far |much |a lot |a bit )?too (?:many|much)"
            r"(?! (?:time|money|effort|sun|coffee|alcohol|to drink))",
            r"(?:took|taken|swallowed|ate|downed|popped|drank|chugged|consumed|ingested) "
            r"(?:a |an |the |half (?:a |the )?|my |his |her )?(?:whole |entire |full |half )?"
            r"(?:bottle|pack|packet|box|container|jar|blister pack|strip|sheet) of"
            r"(?! (?:water|wine|beer|vodka|whiskey|juice|soda|milk|coffee|tea))",
            r"(?:took|taken|swallowed|ate|downed|popped|consumed|ingested) (?:a |an )?(?:handful|"
            rf"bunch|fistful|lot|ton|load|dozen) of (?:[\w'-]+ ){{0,2}}?{_PILL}",
            r"(?:took|taken|swallowed|ate|downed|popped|consumed|ingested) (?:all|the rest) "
            rf"(?:of )?(?:my|his|her|the|their) (?:[\w'-]+ )?{_PILL} (?:at once|in one go)",
            r"(?:took|taken|swallowed|downed|popped) all (?:of )?(?:my|his|her|their|the) "
            r"(?:[\w'-]+ )?(?:sleeping pills|sleep aids?|pain ?(?:pills|killers|meds)|opioids|"
            r"oxy\w*|"
            r"hydrocodone|fentanyl|morphine|methadone|xanax|valium|ambien|klonopin|ativan|tylenol|"
            r"acetaminophen|insulin|seroquel|benzos?|lithium|tramadol)",
            r"(?:took|taken|swallowed|ate|downed|popped) (?:like |about |around |maybe |over |"
            r"almost |nearly )?(?:\d{2,}|ten|twelve|fifteen|twenty|thirty|"
            rf"forty|fifty|a hundred) (?:[\w'-]+ ){{0,2}}?{_PILL}",
            rf"{_DEP} (?:[\w'-]+ ){{0,3}}?(?:swallowed|ate|eaten|chewed|drank|ingested|"
            r"got into|gotten into|getting into|found and ate|accidentally took|put \w+ in (?:his|"
            r"her) "
            rf"mouth)(?! whole) (?:[\w'-]+ ){{0,4}}?(?:{_PILL}|bottle|medicine cabinet|{_DRUGISH})",
            rf"{_DEP} (?:[\w'-]+ ){{0,3}}?(?:found|got (?:a ?)?hold of|opened) (?:[\w'-]+ ){{0,4}}?"
            rf"(?:{_PILL}|{_DRUGISH})[\s\S]{{0,60}}?(?<![\w'])(?:ate|swallowed|chewed|drank|eaten|"
            r"took|taken|put (?:it|them|one|some) in (?:his|her|their) mouth)",
            r"accidental(?:ly)? (?:ingested|swallowed|poisoned|overdosed|ate|drank)",
            r"(?:accidental|unintentional|inadvertent) (?:ingestion|overdose|poisoning|exposure)",
        ),
    ),
    Rule(
        "overdose.double_dose",
        SafetyKind.OVERDOSE,
        Severity.URGENT,
        (
            rf"{_DOUBLE}.{{0,160}}?(?<![\w'])(?P<term>{_ACUTE})",
            rf"(?P<term>{_ACUTE}) .{{0,160}}?(?<![\w']){_DOUBLE}",
        ),
        requires_experience=True,
    ),
    Rule(
        "overdose.term",
        SafetyKind.OVERDOSE,
        Severity.URGENT,
        (
            r"over ?-?dos(?:e|ed|es|ing)" + _NOT_PRODUCT,
            r"od(?:'?d|ed|ing)",
            r"poison control",
            r"(?<!food\s)poison(?:ed|ing)(?! ivy| oak)",
            r"toxic (?:dose|amount|level)s?",
        ),
        requires_experience=True,
    ),
)

# --- self-harm ----------------------------------------------------------------------------

SELF_HARM_RULES: tuple[Rule, ...] = (
    Rule(
        "self_harm.intent",
        SafetyKind.SELF_HARM,
        Severity.URGENT,
        (
            r"kill(?:ing)? my ?self",
            r"(?:want|wanted|wanting|wanna|going|gonna|think(?:ing)? (?:about|of)|"
            r"thought (?:about|of)|thoughts (?:about|of)|urges? to|tempted to|feel like|"
            r"plan(?:ning)? to|tried to|try to|"
            r"trying to|afraid i'?ll|scared i'?ll|might|been) (?:to )?(?:hurt|hurting|harm|harming|"
            r"cut|cutting|burn|burning|end|ending|kill|killing) (?:my ?self|my life|it all)",
            r"(?:want|wanted|wanting|wanna|ready|wish i could|plan(?:ning)? to|going to|gonna) "
            r"(?:to )?(?:die|end (?:my life|it all|things)|take my (?:own )?life)",
            r"(?:don'?t|do not|dont) want to (?:live|be alive|be here|exist|wake up)"
            r"(?: anymore| any more)?",
            r"better off dead|wish i (?:was|were) dead|wish i (?:could )?die",
            r"no (?:reason|point) (?:to|in) (?:live|living|going on|being alive)",
            r"(?:attempted|attempting|commit|committing|considering|contemplating) suicide",
            r"suicide (?:attempt|note|plan)",
            r"(?:take|taking|swallow|swallowing) all (?:of )?my (?:pills|meds|medication) "
            r"(?:and|to) (?:die|end it|not wake up)",
        ),
    ),
    Rule(
        "self_harm.ideation",
        SafetyKind.SELF_HARM,
        Severity.URGENT,
        (
            r"su?icid(?:e|al|ality)",
            r"self[- ]?(?:harm\w*|injur\w*)",
            r"thoughts? (?:of|about) (?:death|dying|not waking up|ending it)",
        ),
        requires_experience=True,
    ),
)

# --- allergic and adverse reactions -------------------------------------------------------

_BODY = r"(?:face|lips?|tongue|throat|mouth|eyelids?|eyes)"

ALLERGY_RULES: tuple[Rule, ...] = (
    Rule(
        "allergy.swelling",
        SafetyKind.ALLERGIC_REACTION,
        Severity.URGENT,
        (
            rf"{_BODY}(?:'s)? (?:is |are |was |were |got |gets |has |have |had |feels? |felt |"
            r"keeps? |kept |started |starting |began |getting |became |went |seems? |looks? |"
            r"'s |'re )?(?:all |really |very |so |super |kind of |kinda |a (?:bit|little) |"
            r"completely |totally )?(?:started |starting |began )?"
            r"(?P<term>swell\w*|swollen|puff\w*|blown up|blew up|balloon\w*)",
            r"(?P<term>swell\w*|swollen|puffy|puffiness) (?:up )?(?:of|in|on|around) "
            rf"(?:my|his|her|their|the|our) {_BODY}",
            rf"(?:swollen|puffy|swelling) {_BODY}",
            r"angio-?edema",
        ),
        requires_experience=True,
    ),
    Rule(
        "allergy.skin",
        SafetyKind.ALLERGIC_REACTION,
        Severity.HIGH,
        (
            r"(?:broke|broken|breaking|break|bust(?:ed)?) out (?:in|with|all over)",
            r"(?:hives|rash(?:es)?|welts|itchy (?:bumps|spots|skin|welts)|red (?:bumps|spots|"
            r"blotches|patches)|blotches|blisters|itching|itchiness|peeling skin) (?:all )?"
            r"(?:over|on|across|covering|all over) (?:my|his|her|their|the|our) "
            r"(?:[\w'-]+ )?(?:body|face|arms?|legs?|chest|back|skin|neck|hands?|feet|stomach|"
            r"belly|torso|mouth|lips)",
            _NOT_HYPO + r"(?:got|have|has|had|developed|developing|getting|having|noticed|noticing|"
            r"woke up with|covered in|came out in) (?:[\w-]+ ){0,3}?"
            r"(?P<term>rash(?:es)?|hives|welts|blisters)",
            r"(?:rash(?:es)?|hives|welts|itching|itchiness|itchy skin|blisters) "
            + _gap(3)
            + r"(?:after|since|from|when|while|because of|due to) "
            r"(?:i |he |she |my \w+ )?(?:taking|started|starting|took|take|using|used|began|"
            rf"being on|the first dose|my first dose|{_DRUG_REF})",
            r"itch(?:ing|y) all over",
            r"(?:skin|body|arms?|legs?|face|chest|back|neck) (?:is|are|has been|feels|got|went|"
            r"turned) "
            r"(?:all |really |so |very |bright )?(?:itchy|red and itchy|covered in (?:hives|a rash|"
            r"welts|bumps)|blotchy)",
        ),
        requires_experience=True,
    ),
    Rule(
        "allergy.reaction",
        SafetyKind.ALLERGIC_REACTION,
        Severity.HIGH,
        (
            _NOT_HYPO + r"(?:having|had|have|has|got|get|getting|developed|developing|"
            r"experienc\w*|suffer\w*|think (?:i'?m|i am|it'?s|he'?s|she'?s|this is|i have|i had)|"
            r"is|was|it'?s) (?:(?:a|an|some|sort of|kind of|bad|severe|serious|mild|minor|major|"
            r"weird|strange|possible|huge|massive|having|an?) )*"
            r"(?P<term>allergic reactions?|allergic response|allerg(?:y|ies) (?:attack|flare))"
            + _NOT_HISTORY_AFTER,
            r"allergic reactions? (?:to|from|after|since) (?:my|his|her|the|this|these|it|your|"
            rf"{_DRUGISH})" + _NOT_HISTORY_AFTER,
            rf"(?:reacting|reacted|reacts) (?:badly |poorly |terribly )?to {_DRUG_REF}",
            r"(?:think|guess|believe|pretty sure|must be|might be|may be|turns out|realized|"
            r"seems?) "
            r"(?:that )?(?:i'?m|im|i am|he'?s|she'?s|he is|she is|my \w+ is|we'?re) (?:\w+ )?"
            r"allergic to (?:it|this|these|that|the|my|his|her)\b",
        ),
        requires_experience=True,
    ),
)

_EXPERIENCE_VERB = (
    r"(?:had|have|has|having|get|gets|got|getting|gotten|experienc\w*|suffer\w*|develop\w*|"
    r"notic\w*|started|starting|began|woke up with|broke out in|dealing with|struggling with|"
    r"been|feel|feeling|felt|gained|gaining|put on|lost|losing)"
)
_START_VERB = (
    r"(?:started|starting|began|beginning|switched|switching|went on|going on|been on|being on|"
    r"increased|increasing|upped|upping|raised|changed|changing|took|taking|first took|doubled|"
    r"lowered|stopped|stopping|quit|quitting|came off|coming off|tapered|tapering|weaned|weaning)"
)

ADVERSE_RULES: tuple[Rule, ...] = (
    Rule(
        "adverse.onset",
        SafetyKind.ADVERSE_REACTION,
        Severity.HIGH,
        (
            rf"(?:since|after|ever since|once) (?:i |he |she |we |they |my \w+ )?{_START_VERB} "
            + _gap(8)
            + rf"{_SUBJ} "
            + _gap(5)
            + rf"(?P<term>{_SYMPTOM})",
            rf"(?P<term>{_SYMPTOM}) "
            + _gap(6)
            + rf"(?:since|after|ever since) (?:i |he |she |we |they |my \w+ )?{_START_VERB}",
            rf"{_START_VERB} (?:taking |on |using )?{_DRUG_REF} "
            + _gap(4)
            + r"(?:since then|ever since(?: then)?|and now|now) "
            + _gap(2)
            + rf"{_SUBJ} "
            + _gap(5)
            + rf"(?P<term>{_SYMPTOM})",
        ),
        requires_experience=True,
    ),
    Rule(
        "adverse.caused",
        SafetyKind.ADVERSE_REACTION,
        Severity.HIGH,
        (
            r"(?<!wait\s)(?<!you\s)(?<!staff\s)(?<!pharmacist\s)(?<!service\s)"
            r"(?:gave|gives|given|giving|caused|causes|causing|made|makes|making|left|leaves|"
            r"leaving|triggered|triggers|brought on) (?:me|him|her|us|them|my \w+) "
            + _gap(3)
            + rf"(?P<term>{_SYMPTOM})",
            r"(?<!wait\s)(?<!you\s)(?<!staff\s)(?<!pharmacist\s)(?<!service\s)(?<!guys\s)"
            r"(?:made|makes|making|left|leaves|leaving) (?:me|him|her|us|my \w+) (?:feel |"
            r"feeling )?"
            r"(?:so |really |very |extremely |super |kind of |kinda |a bit |a little |totally |"
            rf"completely |constantly )?(?P<term>{_FEEL_ADJ}|throw up|vomit|pass out|break out|"
            r"gain (?:\w+ )?(?:weight|pounds)|shake|itch|sleep all day)",
            r"(?:killed|ruined|destroyed|wrecked|tanked|messed up|screwed up) (?:my|his|her) "
            r"(?:sex drive|libido|appetite|sleep|memory|energy|mood|stomach|kidneys|liver|skin)",
        ),
        requires_experience=True,
    ),
    Rule(
        "adverse.ongoing",
        SafetyKind.ADVERSE_REACTION,
        Severity.HIGH,
        (
            rf"{_SUBJ} "
            + _gap(2)
            + rf"(?P<verb>{_EXPERIENCE_VERB}) "
            + _gap(4)
            + rf"(?P<term>{_SYMPTOM}|{_FEEL_ADJ})[^.?!\n]{{0,40}}?(?<![\w'])(?:on|from|since|"
            r"after|with|"
            r"because of|due to|while (?:on|taking)|when (?:i|he|she) (?:take|took|started)) "
            + _DRUG_REF,
        ),
        requires_experience=True,
    ),
    Rule(
        "adverse.side_effects",
        SafetyKind.ADVERSE_REACTION,
        Severity.HIGH,
        (
            _NOT_HYPO + r"(?:having|had|have|has|getting|get|got|gotten|experienc\w*|suffer\w*|"
            r"dealing with|noticed|noticing|developed|developing) (?:(?:a|an|some|a lot of|lots of|"
            r"a few|bad|terrible|horrible|severe|awful|nasty|weird|strange|serious|the|these|"
            r"those|many|major|really bad|such bad|such|so many|crazy|intense|unbearable|"
            r"debilitating|possible) )*(?P<term>side ?effects?|adverse (?:drug )?(?:reactions?|"
            r"effects?|events?)|bad reactions?|a reaction|reactions? to)" + _NOT_HISTORY_AFTER,
            r"side ?effects? (?:\w+ ){0,3}?(?:are|were|is|was|have been|has been|got|get|"
            r"are getting)"
            r" (?:so |really |too |very |pretty |quite |just |absolutely )?(?:bad|terrible|"
            r"horrible|awful|severe|unbearable|intolerable|brutal|rough|intense|strong|crazy|"
            r"horrendous|debilitating|worse|killing me|too much)",
            rf"(?:the|my|this|these|his|her) (?P<term>{_SYMPTOM}) (?:[\w-]+ ){{0,3}}?(?:is|was|"
            r"were|are|has been|have been|got|gets|became) (?:so |really |absolutely |just |"
            r"pretty |very |extremely |getting )?(?:unbearable|horrible|terrible|awful|the worst|"
            r"intolerable|severe|constant|brutal|debilitating|non-stop|so bad|really bad|too much|"
            r"worse|out of control|relentless)",
            r"(?:report|reporting|reported) (?:a |an )?(?:side effect|adverse|reaction|"
            r"bad reaction)",
        ),
        requires_experience=True,
    ),
    Rule(
        "adverse.withdrawal",
        SafetyKind.ADVERSE_REACTION,
        Severity.HIGH,
        (
            r"(?:having|had|have|getting|got|going through|went through|experienc\w*|suffer\w*|"
            r"dealing with|in) (?:(?:some|bad|terrible|horrible|severe|awful|nasty|the|major|"
            r"serious|really bad|such bad|crazy|intense|unbearable|full|full-blown|horrendous) )*"
            r"(?P<term>withdrawals?|discontinuation (?:syndrome|symptoms))",
            r"withdrawals? (?:symptoms |effects |from (?:[\w-]+ ){1,3}?)?(?:is|are|was|were|"
            r"has been|have been) (?:so |really |very |pretty |absolutely |just |truly |"
            r"extremely )?"
            r"(?:bad|terrible|horrible|awful|severe|hell|brutal|rough|unbearable|intense|worse|"
            r"the worst|horrendous|miserable|a nightmare|insane|crazy|killing me|debilitating|"
            r"scary)",
            r"brain (?:zaps?|shocks?|shivers)",
            r"(?:coming|came|weaning|weaned|tapering|tapered|going) off (?:of )?"
            + _gap(6)
            + r"(?:i|i'?ve|i'?m|and|my|he|she) "
            + _gap(5)
            + rf"(?P<term>{_SYMPTOM})",
        ),
        requires_experience=True,
    ),
    Rule(
        "adverse.hospitalisation",
        SafetyKind.ADVERSE_REACTION,
        Severity.HIGH,
        (
            r"(?:(?:ended|end) up|was|were|got|been|went|rushed|taken|admitted|landed|sent) "
            r"(?:\w+ )?(?:in|to|into|at) (?:the |a )?(?:hospital|er|emergency room|"
            r"emergency department|icu|intensive care|urgent care)(?! pharmacy) "
            + _gap(3)
            + r"(?:because of|due to|after|from|with|for) "
            + _gap(3)
            + rf"(?:{_SYMPTOM}|{_DRUG_REF}|allergic|taking|starting|overdos\w*)",
            r"hospitali[sz](?:ed|ation) (?:for|because of|due to|after|with|from) "
            + _gap(3)
            + rf"(?:{_SYMPTOM}|{_DRUG_REF}|allergic|taking|starting)",
            r"(?:put|landed|sent|got) (?:me|him|her|us|my \w+) (?:in|into|to) (?:the )?"
            r"(?:hospital|er|emergency room|icu)",
        ),
        requires_experience=True,
    ),
    Rule(
        "adverse.clinical",
        SafetyKind.ADVERSE_REACTION,
        Severity.HIGH,
        (
            r"[a-z][\w-]*-induced",
            r"(?:induced|caused|precipitated|triggered|provoked) by (?:the |a |an |his |her |"
            r"their )?"
            rf"(?:[\w-]+ ){{0,2}}?(?:{_MEDNOUN}|therapy|treatment|administration|{_DRUGISH})",
            r"(?:developed|experienced|presented with|suffered|manifested|exhibited|complained of) "
            + _gap(8)
            + r"(?:after|during|following|while (?:on|receiving|taking|being treated with)|"
            r"within \w+ (?:days?|hours?|weeks?) of) "
            + _gap(4)
            + r"(?:therapy|treatment|administration|infusion|injection|dose|doses|dosing|intake|"
            rf"ingestion|exposure|initiation|use|the first|starting|taking|receiving|{_MEDNOUN})",
            r"(?:treated with|receiving|received|administered|after receiving) "
            + _gap(5)
            + r"(?:developed|experienced|presented with|suffered)",
            r"(?:secondary to|attributed to|attributable to|associated with|caused by) "
            r"(?:[\w-]+ ){0,3}?(?:therapy|treatment|administration|toxicity|ingestion|overdose)",
            r"(?:secondary to|attributed to|attributable to|associated with|caused by|related to) "
            r"(?:the )?(?:(?:use|administration|ingestion|intake|initiation) of |"
            rf"(?:treatment|therapy) with )?{_DRUGISH}",
            r"(?:occurred|developed|observed|noted|reported|seen|described|appeared) in "
            r"(?:a|an|the|two|three|one|our|\d+) (?:[\w-]+ ){0,3}?(?:patients?|m[ae]n|wom[ae]n|"
            r"boys?|girls?|child(?:ren)?|infants?|neonates?|adults?|adolescents?|subjects?) "
            r"(?:[\w-]+ ){0,3}?(?:taking|receiving|treated|on|given|after|during|following|who)",
            r"(?:was|were) (?:observed|noted|reported|seen|documented|described) "
            r"(?:after|following|during) (?:the )?(?:[\w-]+ ){0,3}?(?:combination|administration|"
            rf"use|ingestion|initiation|treatment|therapy|dose|infusion|injection|{_DRUGISH})",
            r"(?:we )?(?:report|describe|present) (?:a|an|the|two|three|\d+) (?:[\w-]+ ){0,2}?"
            r"(?:cases?|patients?) (?:of|with|who|in whom)",
            r"(?:toxicity|intoxication)",
            rf"(?:drug|medication|therapy|treatment|{_DRUGISH}) (?:has |had )?(?:caused|induced|"
            r"produced|resulted in|led to) " + _gap(3) + rf"(?P<term>{_SYMPTOM})",
        ),
        requires_experience=True,
    ),
)

# --- medication errors --------------------------------------------------------------------

_RELATION = (
    r"(?:wife|husband|mom|mother|dad|father|son|daughter|roommate|partner|friend|sister|"
    r"brother|grandma|grandpa|grandmother|grandfather|child|kid|neighbou?r|boyfriend|girlfriend)"
)
_OTHER_PERSON = (
    r"(?:(?:someone|somebody) else'?s|(?:another|a different|different|the wrong|other) "
    r"(?:patient|person|customer|lady|man|woman|guy)'?s?)"
)

MEDICATION_ERROR_RULES: tuple[Rule, ...] = (
    Rule(
        "medication_error.wrong_drug",
        SafetyKind.MEDICATION_ERROR,
        Severity.HIGH,
        (
            r"(?:gave|given|give|giving|dispensed|filled|sent|received|got|get|shipped|mailed|"
            r"picked up|handed|delivered|labeled|labelled|put|packed|took|taken|taking) "
            r"(?:me |us |him |her |them |my \w+ )?(?:with )?(?:the |a |an )?wrong "
            r"(?:medications?|medicines?|meds?|drugs?|pills?|prescriptions?|rx|tablets?|"
            r"capsules?|inhaler|insulin|injection|cream|eye ?drops|drops|bottle|refill)",
            r"wrong (?:medications?|medicines?|meds|drugs?|pills?|prescriptions?|rx|tablets?|"
            r"capsules?|inhaler|insulin) (?:was |were |is |are )?(?:in|inside|dispensed|given|"
            r"filled|sent|delivered|shipped|labeled|labelled)",
            r"(?:isn'?t|aren'?t|wasn'?t|weren'?t|is not|are not|was not|were not|'s not|'re not) "
            r"(?:my|the (?:right|correct|same)) (?:medications?|medicines?|meds|pills?|"
            r"prescriptions?|tablets?|capsules?|inhaler)",
            r"(?:not|isn'?t|wasn'?t) what (?:i|my doctor|the doctor|he|she|we) (?:was |were )?"
            r"(?:prescribed|ordered|normally get|usually get|usually take)",
            r"(?:got|received|given|gave (?:me|him|her|us)|dispensed|filled (?:it |my \w+ )?with|"
            r"sent (?:me|us)|contain(?:s|ed)?|(?:bottle|label|bag|box) (?:has|had|says|said)) "
            r"(?:[\w-]+ ){1,3}?instead of (?:my |the |his |her |our )?(?:[\w-]+ ){0,2}?"
            rf"(?:{_MEDNOUN}|{_DRUGISH})",
            r"(?:accidentally|mistakenly|by mistake|by accident) (?:took|taken|gave|given|"
            r"swallowed|used|injected) (?:[\w'-]+ ){0,5}?(?:pills?|medications?|meds|medicine|"
            r"tablets?|prescription|dose|insulin|inhaler)",
            rf"took (?:my |his |her |our )?{_RELATION}'?s (?:[\w-]+ )?(?:pills?|medications?|meds|"
            r"medicine|prescription|tablets?|dose|insulin) (?:by (?:mistake|accident)|instead of)",
        ),
        requires_experience=True,
    ),
    Rule(
        "medication_error.administration",
        SafetyKind.MEDICATION_ERROR,
        Severity.HIGH,
        (
            r"(?:inadvertent(?:ly)?|accidental(?:ly)?|mistaken(?:ly)?|erroneous(?:ly)?|wrongly) "
            r"(?:given|administered|received|dispensed|injected|infused|prescribed|"
            r"administration|injection|infusion|dispensing)",
            r"(?:medication|dosing|dosage|dispensing|prescribing|pharmacy|drug) (?:error|mistake|"
            r"mix-?up)s?",
            r"(?:\d+|two|three|four|five|ten|twenty|a hundred) ?(?:times|fold|-fold|x) "
            r"(?:the|his|her|my|their|a) (?:prescribed |correct |intended |recommended |usual |"
            r"normal |right )?(?:dose|amount|dosage|strength)",
        ),
        requires_experience=True,
    ),
    Rule(
        "medication_error.wrong_dose",
        SafetyKind.MEDICATION_ERROR,
        Severity.HIGH,
        (
            r"wrong (?:dose|dosage|doses|strength|mg|directions|instructions|concentration|"
            r"formulation|label)",
            r"(?:dose|dosage|strength|mg|directions|(?:prescription |rx |pharmacy |medication |"
            r"pill |bottle )?label(?: on (?:my|the|this) (?:bottle|pills|medication|prescription|"
            r"box|inhaler))?) (?:is|was|were|are|seems|looks) (?:wrong|incorrect|too (?:high|"
            r"strong|low))",
            r"\d+(?:\.\d+)? ?(?:mg|mcg|milligrams?|micrograms?|ml|units?) instead of "
            r"(?:the |my )?\d+(?:\.\d+)?(?: ?(?:mg|mcg|milligrams?|micrograms?|ml|units?))?",
            r"(?:prescribed|supposed to (?:be|get|take|have)|should (?:be|have been)|"
            r"doctor (?:ordered|prescribed)) (?:[\w-]+ ){0,3}?\d+(?:\.\d+)? ?(?:mg|mcg|ml|units?)"
            r"[\s\S]{0,60}?(?:but|and|yet|instead) [\s\S]{0,60}?\d+(?:\.\d+)? ?(?:mg|mcg|ml|"
            r"units?)",
            r"(?:label|bottle|directions|instructions) (?:says|said|reads|read|shows|showed|"
            r"tells me to) (?:[\w-]+ ){0,6}?but (?:my )?(?:doctor|prescriber|dr)",
            r"too (?:high|strong|large) (?:a |of a )?(?:dose|dosage|strength)",
            r"(?:gave|given|dispensed|filled|sent) (?:me |him |her |us |my \w+ )?(?:the |a |an )?"
            r"(?:adult|children'?s|kids'?|infant'?s|pediatric) (?:dose|dosage|strength|version|"
            r"formula(?:tion)?)",
        ),
        requires_experience=True,
    ),
    Rule(
        "medication_error.double_dose",
        SafetyKind.MEDICATION_ERROR,
        Severity.HIGH,
        (
            _DOUBLE,
            r"(?:might|may|think i|probably|accidentally|mistakenly) (?:have )?(?:taken|took|given|"
            r"gave) (?:it|my \w+|the \w+|him \w+|her \w+|them) (?:twice|two times)",
        ),
        requires_experience=True,
    ),
    Rule(
        "medication_error.wrong_patient",
        SafetyKind.MEDICATION_ERROR,
        Severity.HIGH,
        (
            rf"{_OTHER_PERSON} (?:name|prescriptions?|medications?|medicine|meds|pills|rx|label|"
            r"bottle|insulin|inhaler)(?! (?:details|info|information|records?|history|list|data))",
            r"(?:wrong|not my|a stranger'?s|different) (?:name|patient|person) (?:is |was )?"
            r"(?:on|printed on|written on|typed on)",
            r"(?:prescription|medication|bottle|bag|label|pills) (?:was |is |were |are )?"
            r"(?:for|meant for|belongs? to|belonged to|labell?ed for|in the name of) "
            r"(?:someone|somebody) else",
            r"(?:label|bottle|bag|prescription) (?:has|had|shows|showed|says|said|with) (?:a |"
            r"the )?"
            r"(?:different|wrong|another) (?:name|person'?s?|patient'?s?)",
        ),
        requires_experience=True,
    ),
    Rule(
        "medication_error.look_different",
        SafetyKind.MEDICATION_ERROR,
        Severity.HIGH,
        (
            r"(?:pills?|tablets?|capsules?|meds|medication|medicine|they|these|them|it) (?:all )?"
            r"(?:look|looks|looked|are|were|is|was|seem|seems|seemed) (?:\w+ ){0,2}?(?:different|"
            r"a different (?:colou?r|shape|size)|another colou?r|unfamiliar)"
            r"[\s\S]{0,100}?(?<![\w'])(?<!n't\s)(?<!not\s)(?<!never\s)(?<!yet\s)"
            r"(?:took|taken|swallowed|been taking|gave (?:it|them|one))",
            r"(?:took|taken|swallowed|been taking|gave (?:it|them|one)) [\s\S]{0,100}?"
            r"(?<![\w'])(?:pills?|tablets?|capsules?|they|these|them|it) (?:all )?(?:look|looks|"
            r"looked|are|were|was|is) (?:\w+ ){0,2}?(?:different|a different (?:colou?r|shape|"
            r"size)|"
            r"another colou?r)",
        ),
        requires_experience=True,
    ),
)

# --- tampering and contamination ----------------------------------------------------------

_CONTAINER = (
    r"(?:pills?|tablets?|capsules?|caplets?|medication|medicine|meds|liquid|syrup|suspension|"
    r"solution|vial|inhaler|cream|ointment|drops|insulin|injection|pen|bottle|prescription)"
)
_TAMPER_SIGN = (
    r"(?:seal (?:[\w']+ ){0,4}?(?:broken|missing|torn|open\w*|tampered)|broken seal|tamper(?:ed|"
    r"ing)|"
    r"mou?ldy|mou?ld|contaminat\w*|discolou?r\w*|smell\w* (?:\w+ )?(?:wrong|off|weird|strange|"
    r"funny|bad)|tast\w* (?:\w+ )?(?:wrong|off|weird|strange|funny|bad)|foreign (?:object|"
    r"material|matter|body|substance)|glass|metal shavings|crushed|specks?)"
)

TAMPERING_RULES: tuple[Rule, ...] = (
    Rule(
        "tampering.seal",
        SafetyKind.TAMPERING,
        Severity.STANDARD,
        (
            r"(?:safety |inner |foil |protective |tamper[- ]?(?:evident|proof) )?seal "
            r"(?:[\w']+ ){0,5}?(?P<term>broken|missing|torn|ripped|open(?:ed)?|punctured|peeled|"
            r"cut|tampered|removed|damaged|gone|loose|not intact)",
            r"(?:broken|missing|torn|ripped|opened|damaged|tampered|punctured) "
            r"(?:safety |foil |inner |protective |tamper[- ]?(?:evident|proof) )?seals?",
            r"tamper(?:ed|ing)(?! (?:evident|proof|resistant))",
            r"(?:bottle|vial|container|blister(?: pack)?|pill pack) (?:[\w']+ ){0,4}?"
            r"(?:was|were|had been|has been|came|arrived|looked|looks|seemed) (?:already )?"
            r"(?P<term>opened|open|unsealed|resealed|taped (?:back )?(?:shut|up)|re-?taped)",
            r"re-?sealed",
        ),
        requires_experience=True,
    ),
    Rule(
        "tampering.contamination",
        SafetyKind.TAMPERING,
        Severity.STANDARD,
        (
            rf"{_CONTAINER} (?:[\w']+ ){{0,3}}?(?:is |are |was |were |look |looks |looked |seem |"
            r"seems |appear |appears |came |arrived |had |have |has |got )?(?:all )?"
            r"(?:crushed|crumbl\w*|broken in (?:half|pieces)|discolou?r\w*|mou?ldy|melted|stained|"
            r"dirty|contaminated|spotted|chipped|powdery|changed colou?r|"
            r"(?:have|has|had|with) (?:black |white |dark |brown |green )?(?:spots|specks|mou?ld|"
            r"residue|hairs?|particles|stuff (?:floating )?in)|"
            r"turned (?:\w+ )?(?:colou?r|brown|yellow|black|green|dark))",
            r"(?:mou?ld|hairs?|a bug|bugs|an insect|insects|glass|metal|plastic|debris|dirt|"
            r"particles?|specks?|shards?|foreign (?:object|material|matter|body|substance|"
            r"particles?)|something (?:weird|strange|foreign)|a (?:piece|chunk) of \w+) "
            r"(?:\w+ ){0,2}?(?:in|inside|on|mixed (?:in|with)|floating in) (?:my|the|his|her|this|"
            r"these|a) (?:\w+ ){0,2}?(?:bottle|pills?|tablets?|capsules?|medication|medicine|meds|"
            r"package|vial|container|liquid|syrup|suspension|prescription|blister|pack|box)",
            r"(?:something|stuff|things|particles?|chunks?|bits|specks?|debris) (?:\w+ )?floating "
            rf"(?:around )?(?:in|inside) (?:my|the|this) (?:\w+ ){{0,2}}?{_CONTAINER}",
            rf"(?:{_CONTAINER}|it|they|these|this|them) (?:all |really |also |now |"
            r"still )?(?:smells?|"
            r"smelled|smelling|smelt|tastes?|tasted|tasting) (?:really |very |so |kind of |kinda |"
            r"a bit |a little |super )?(?:wrong|off|weird|strange|funny|bad|rotten|musty|mou?ldy|"
            r"fishy|sour|like (?:vinegar|chemicals?|fish|gas(?:oline)?|bleach|nail polish|"
            r"rotten \w+|mou?ld|cat pee|urine|ammonia|plastic|metal))",
            r"contaminat(?:ed|ion)",
        ),
        requires_experience=True,
    ),
    Rule(
        "tampering.ingested",
        SafetyKind.TAMPERING,
        Severity.HIGH,
        (
            rf"{_TAMPER_SIGN}.{{0,160}}?(?<![\w'])(?:took|taken|swallowed|ate|drank|used|"
            r"been taking|gave (?:it|them|one|"
            rf"some))(?![\w']).{{0,160}}?(?<![\w'])(?P<term>{_ACUTE})",
            r"(?:took|taken|swallowed|ate|drank|been taking)(?![\w']).{0,160}?(?<![\w'])"
            rf"{_TAMPER_SIGN}.{{0,160}}?(?<![\w'])(?P<term>{_ACUTE})",
        ),
        requires_experience=True,
    ),
)

# --- privacy ------------------------------------------------------------------------------

_INFO = (
    r"(?:my|our|his|her) (?:[\w-]+ ){0,3}?(?:prescriptions?|medications?|meds|medical|health|rx|"
    r"records?|info(?:rmation)?|details|history|diagnosis|results?|data|list|file|profile|"
    r"condition|status)"
)
_DISCLOSE = (
    r"(?:sent|mailed|emailed|e-mailed|faxed|texted|shared|disclosed|leaked|released|shown|"
    r"showed|exposed|revealed|announced|posted|read out|read aloud|discussed|delivered|"
    r"mentioned|handed|shouted|yelled|called out|talked about|gave|read)"
)
_OTHER_PARTY = (
    r"(?:someone|somebody|another|stranger|different|random|wrong|employer|boss|neighbou?r|"
    r"ex(?:-\w+)?|coworkers?|co-workers?|colleagues?|family|parents?|landlord|school|wife|"
    r"husband|mother|mom|father|dad|people|everyone|whole)"
)
_RECIPIENT = (
    rf"(?:(?:to|with) (?:[\w'-]+ ){{0,2}}?{_OTHER_PARTY}|"
    r"in front of|out loud|aloud|loudly|publicly|without (?:my )?(?:consent|permission))"
)
_STAFF = (
    r"(?:pharmacist|pharmacy|staff|employee|technician|tech|cashier|clerk|worker|"
    r"someone (?:at|from) (?:the|your) (?:pharmacy|store)|your (?:staff|employees?|pharmacist|"
    r"people|team|company)|they|you(?: guys)?)"
)

PRIVACY_RULES: tuple[Rule, ...] = (
    Rule(
        "privacy.disclosure",
        SafetyKind.PRIVACY_BREACH,
        Severity.STANDARD,
        (
            rf"{_INFO} (?:[\w-]+ ){{0,4}}?{_DISCLOSE} (?:[\w'-]+ ){{0,4}}?{_RECIPIENT}",
            rf"{_INFO} (?:[\w-]+ ){{0,4}}?(?:given|told|said) (?:[\w'-]+ ){{0,4}}?(?:to|with) "
            rf"(?:[\w'-]+ ){{0,2}}?{_OTHER_PARTY}",
            rf"{_INFO} (?:[\w-]+ ){{0,3}}?(?:was|were|got|has been|have been|had been|being) "
            r"(?:leaked|exposed|disclosed|stolen|hacked|compromised|breached|made public|"
            r"posted online)",
            rf"{_DISCLOSE} (?:[\w'-]+ ){{0,2}}?{_INFO} (?:[\w'-]+ ){{0,4}}?{_RECIPIENT}",
            rf"{_STAFF} (?:[\w'-]+ ){{0,2}}?(?:disclosed|announced|leaked|revealed|yelled|shouted|"
            r"called out|broadcast|blurted(?: out)?|exposed|read (?:out|aloud)|gave out|"
            rf"gave away) (?:[\w'-]+ ){{0,3}}?{_INFO}",
            rf"{_STAFF} (?:[\w'-]+ ){{0,2}}?(?:told|informed|called|emailed|texted|notified) "
            r"(?:my|our|his|her) (?:[\w'-]+ )?(?:neighbou?r|employer|boss|ex(?:-\w+)?|coworker|"
            r"co-worker|colleague|family|parents?|landlord|school|wife|husband|mother|mom|father|"
            r"dad|friend|son|daughter) (?:about|of|that) " + _gap(2) + _INFO,
        ),
        requires_experience=True,
    ),
    Rule(
        "privacy.misdirected",
        SafetyKind.PRIVACY_BREACH,
        Severity.STANDARD,
        (
            r"(?:got|received|receive|was sent|were sent|was given|were given|was mailed|"
            r"was emailed|"
            r"picked up|saw|can see|could see|see|opened) (?:[\w'-]+ ){0,2}?"
            r"(?:(?:someone|somebody) else'?s|(?:another|a different|other|a stranger'?s?) "
            r"(?:patient|person|customer|people|stranger)'?s?) (?:[\w-]+ ){0,2}?"
            r"(?:records?|info(?:rmation)?|details|paperwork|history|profile|account|data|results?|"
            r"medication list|file|receipt|statement|explanation of benefits|eob|letter|mail)",
            rf"{_OTHER_PERSON} (?:[\w-]+ ){{0,2}}?(?:records?|info(?:rmation)?|details|paperwork|"
            r"history|profile|data|results?)",
        ),
        requires_experience=True,
    ),
    Rule(
        "privacy.breach",
        SafetyKind.PRIVACY_BREACH,
        Severity.STANDARD,
        (
            r"(?:hipaa|privacy|confidentiality|data) (?:violations?|breach(?:es)?|leaks?)",
            r"(?:violat\w*|breach\w*|invad\w*|invasion of) (?:my|our|patient) (?:privacy|"
            r"confidentiality|hipaa|rights)",
            r"breach of (?:my |patient )?(?:privacy|confidentiality)",
            r"(?:my|our) (?:privacy|confidentiality|hipaa rights) (?:was|were|has been|have been|"
            r"got|"
            r"is being) (?:violated|breached|invaded|compromised|ignored|not respected)",
        ),
        requires_experience=True,
    ),
)

DEFAULT_RULES: tuple[Rule, ...] = (
    *EMERGENCY_RULES,
    *OVERDOSE_RULES,
    *SELF_HARM_RULES,
    *ALLERGY_RULES,
    *ADVERSE_RULES,
    *MEDICATION_ERROR_RULES,
    *TAMPERING_RULES,
    *PRIVACY_RULES,
)
