"""Steps 2–5 of the pipeline: safety screen, classifier tier, safety-first bias, thresholds.

Invariants, in order of precedence:
1. A safety-screen hit makes the message safety_compliance, whatever the classifier says.
2. A classifier safety score at or above `safety_threshold` (lower than the argmax needs) wins.
3. Confidence below `confidence_threshold` sends the message to a human, category unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.classifiers.base import Classifier, Prediction
from orchestrator.domain import Category, Intent, Severity
from orchestrator.pipeline.normalise import normalise
from orchestrator.safety.screen import SafetyScreen, ScreenHit
from orchestrator.safety.severity import assess_severity

# How sure a screen hit makes us: the rules are written for precision, and measured at it.
SCREEN_PRIOR = 0.95
_SEVERITY_RANK = {Severity.STANDARD: 0, Severity.HIGH: 1, Severity.URGENT: 2}


@dataclass(frozen=True, slots=True)
class Decision:
    text: str
    category: Category
    confidence: float
    scores: dict[Category, float]
    decision_path: str
    tier: str
    needs_human: bool
    intent: Intent | None
    severity: Severity | None
    screen_hit: ScreenHit | None
    prediction: Prediction


def _max_severity(*candidates: Severity | None) -> Severity | None:
    present = [s for s in candidates if s is not None]
    return max(present, key=_SEVERITY_RANK.__getitem__) if present else None


class Pipeline:
    """Turns one message into a Decision; the workflows take it from there."""

    def __init__(
        self,
        classifier: Classifier,
        screen: SafetyScreen,
        *,
        confidence_threshold: float,
        safety_threshold: float,
    ) -> None:
        self.classifier = classifier
        self.screen = screen
        self.confidence_threshold = confidence_threshold
        self.safety_threshold = safety_threshold

    async def decide(self, message: str) -> Decision:
        text = normalise(message)
        hit = self.screen.screen(text)
        # A screen hit decides the category: tiers that call a provider answer locally then.
        classify = self.classifier.classify_screened if hit else self.classifier.classify
        prediction = await classify(text)
        scores = dict(prediction.scores)
        safety_score = scores.get(Category.SAFETY_COMPLIANCE, 0.0)
        tier = prediction.tier
        route = prediction.route or prediction.tier  # e.g. "cascade:uncertain(p=0.61<0.80)>llm"

        if hit is not None:
            # Blend: the rule's prior on safety, the model's view on the rest; still sums to 1.
            scores = {
                c: (1 - SCREEN_PRIOR) * p + (SCREEN_PRIOR if c is Category.SAFETY_COMPLIANCE else 0)
                for c, p in scores.items()
            }
            category = Category.SAFETY_COMPLIANCE
            path = f"safety_screen:{hit.rule}"
            tier = "safety_screen"
        elif (
            prediction.category is not Category.SAFETY_COMPLIANCE
            and safety_score >= self.safety_threshold
        ):
            category = Category.SAFETY_COMPLIANCE
            path = f"{route}:safety_bias(p={safety_score:.2f}>={self.safety_threshold:.2f})"
        else:
            category = prediction.category
            path = f"{route}:argmax"

        confidence = scores[category]
        needs_human = confidence < self.confidence_threshold
        if needs_human:
            path += f">low_confidence(<{self.confidence_threshold:.2f}):human_review"

        severity: Severity | None = None
        intent: Intent | None = None
        if category is Category.SAFETY_COMPLIANCE:
            lexicon = assess_severity(text, self.screen)
            severity = _max_severity(
                hit.severity if hit else None,
                lexicon,
                None if lexicon or hit else prediction.severity,
            )
        if category is Category.SERVICE_ACTION:
            intent = prediction.intent or Intent.OTHER

        return Decision(
            text=text,
            category=category,
            confidence=round(confidence, 4),
            scores={c: round(p, 4) for c, p in scores.items()},
            decision_path=path,
            tier=tier,
            needs_human=needs_human,
            intent=intent,
            severity=severity,
            screen_hit=hit,
            prediction=prediction,
        )
