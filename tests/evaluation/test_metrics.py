"""The eval figures follow DESIGN.md's definitions."""

from __future__ import annotations

import pytest

from orchestrator.domain import Category
from orchestrator.evaluation.dataset import EvalRow
from orchestrator.evaluation.metrics import Outcome, expected_calibration_error, summarise

S, V, INFO = Category.SAFETY_COMPLIANCE, Category.SERVICE_ACTION, Category.INFORMATIONAL


def row(category: Category, intent: str | None = None, severity: str | None = None) -> EvalRow:
    return EvalRow("x", category, intent, severity, "chat")


def out(
    category: Category,
    confidence: float = 0.9,
    intent: str | None = None,
    severity: str | None = None,
) -> Outcome:
    return Outcome(category, confidence, intent, severity, 5.0, "local:argmax")


def test_when_urgent_predicted_high_then_not_urgent_recall() -> None:
    rows = [row(S, severity="urgent"), row(S, severity="urgent"), row(S, severity="high")]
    outcomes = [out(S, severity="urgent"), out(S, severity="high"), out(INFO)]
    summary = summarise(rows, outcomes)
    assert summary["safety_recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert summary["urgent_recall"] == 0.5
    assert summary["severity_accuracy"] == pytest.approx(1 / 3, abs=1e-4)


def test_when_intent_outside_file_labels_then_counts_as_other() -> None:
    rows = [row(V, intent="other"), row(V, intent="refund")]
    outcomes = [out(V, intent="refill_prescription"), out(V, intent="refund")]
    assert summarise(rows, outcomes)["intent_accuracy"] == 1.0


def test_when_no_labels_then_figure_is_none() -> None:
    summary = summarise([row(INFO)], [out(INFO)])
    assert summary["safety_recall"] is None
    assert summary["intent_accuracy"] is None
    assert summary["macro_f1"] == pytest.approx(1 / 3, abs=1e-4)  # two absent classes score 0
    assert summary["confusion"]["informational"]["informational"] == 1


@pytest.mark.parametrize(
    ("confidences", "correct", "ece"),
    [
        ([0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9], [True] * 9 + [False], 0.0),
        ([1.0, 1.0], [False, False], 1.0),
        ([0.6, 0.6], [True, True], 0.4),
    ],
)
def test_when_calibration_measured_then_ece_matches(
    confidences: list[float], correct: list[bool], ece: float
) -> None:
    assert expected_calibration_error(confidences, correct) == pytest.approx(ece, abs=1e-9)
