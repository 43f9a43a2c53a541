"""The versioned prompt file and the validation of what the model answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.classifiers.prompts import (
    DEFAULT_PROMPT,
    RESPONSE_SCHEMA,
    SCORE_FLOOR,
    InvalidAnswer,
    LLMAnswer,
    PromptError,
    load_prompt,
    parse_answer,
)
from orchestrator.domain import Category, Intent, Severity


def test_when_packaged_prompt_then_versioned_with_one_placeholder() -> None:
    prompt = load_prompt()
    assert prompt.version == "classify-v2"
    assert prompt.schema_name == "classify-v2"
    rendered = prompt.render("where is my order {with braces}")
    assert "where is my order {with braces}" in rendered
    for word in ("safety_compliance", "service_action", "informational", "<PHONE>", "urgent"):
        assert word in prompt.system


def test_when_schema_then_every_enum_value_of_the_domain() -> None:
    props = RESPONSE_SCHEMA["properties"]
    assert props["category"]["enum"] == [c.value for c in Category]
    assert props["intent"]["enum"] == [*(i.value for i in Intent), None]
    assert props["severity"]["enum"] == [*(s.value for s in Severity), None]
    assert sorted(RESPONSE_SCHEMA["required"]) == sorted(props)  # strict mode needs all
    assert RESPONSE_SCHEMA["additionalProperties"] is False


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("version: v\nsystem: s\n", "missing or empty user"),
        ("version: v\nsystem: s\nuser: no placeholder\n", "exactly once"),
        ("version: v\nsystem: s\nuser: '{message} {message}'\n", "exactly once"),
        ("- a list\n", "expected a mapping"),
        ("version: [unclosed\n", "cannot read prompt"),
    ],
)
def test_when_prompt_file_is_wrong_then_clear_error(tmp_path: Path, text: str, error: str) -> None:
    path = tmp_path / "prompt.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PromptError, match=error):
        load_prompt(path)


def test_when_prompt_file_missing_then_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PromptError, match="cannot read prompt"):
        load_prompt(tmp_path / "nope.yaml")


def test_when_custom_prompt_then_its_version_names_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("version: ours 3.1\nsystem: be brief\nuser: 'M: {message}'\n", "utf-8")
    prompt = load_prompt(path)
    assert prompt.schema_name == "ours_3_1"
    assert prompt.render("hi") == "M: hi"
    assert DEFAULT_PROMPT.name == "classify.yaml"


def answer(**fields: object) -> str:
    base: dict[str, object] = {
        "reasoning": "because",
        "category": "informational",
        "confidence": 0.8,
        "intent": None,
        "severity": None,
    }
    return json.dumps(base | fields)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "empty"),
        ("   ", "empty"),
        ('{"category": "informational"', "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (answer(category="refund"), "wrong schema: category"),
        (answer(confidence=1.5), "wrong schema: confidence"),
        (answer(confidence="high"), "wrong schema: confidence"),
        (answer(intent="buy_pony"), "wrong schema: intent"),
        (json.dumps({"label": "x"}), "wrong schema: category, confidence"),
    ],
)
def test_when_answer_is_malformed_then_invalid(content: str | None, reason: str) -> None:
    with pytest.raises(InvalidAnswer, match=reason):
        parse_answer(content)


def test_when_answer_is_fenced_then_accepted() -> None:
    parsed = parse_answer(f"```json\n{answer(category='service_action')}\n```")
    assert parsed.category is Category.SERVICE_ACTION


def test_when_answer_has_extra_fields_or_long_reasoning_then_kept_in_bounds() -> None:
    parsed = parse_answer(answer(reasoning="x" * 2000, extra="ignored"))
    assert len(parsed.reasoning) == 500


@pytest.mark.parametrize("confidence", [0.0, 0.2, 0.34, 0.5, 0.9, 1.0])
def test_when_scores_then_named_category_wins_and_they_sum_to_one(confidence: float) -> None:
    parsed = LLMAnswer(category=Category.SERVICE_ACTION, confidence=confidence)
    scores = parsed.scores()
    assert max(scores, key=lambda c: scores[c]) is Category.SERVICE_ACTION
    assert scores[Category.SERVICE_ACTION] == max(confidence, SCORE_FLOOR)
    assert sum(scores.values()) == pytest.approx(1.0)
