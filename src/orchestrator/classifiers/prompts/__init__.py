"""The LLM tier's prompt (a versioned file) and the answer it asks for (a strict JSON schema).

The schema is written out rather than generated so that it stays inside what strict structured
outputs accept (every property required, nullable by type, no extra properties, no numeric
bounds); ``LLMAnswer`` then checks what the schema cannot (confidence within 0..1).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from orchestrator.domain import Category, Intent, Severity

PROMPTS_DIR = Path(__file__).resolve().parent
DEFAULT_PROMPT = PROMPTS_DIR / "classify.yaml"
PLACEHOLDER = "{message}"
REASONING_MAX_CHARS = 500
# The named category keeps the largest score even when the model reports a confidence below
# 1/3; the rest of the probability is shared evenly by the other categories.
SCORE_FLOOR = 0.34
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def _nullable_enum(values: list[str]) -> dict[str, Any]:
    return {"type": ["string", "null"], "enum": [*values, None]}


# Property order is the order the model writes in: the reasoning before the verdict.
RESPONSE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "reasoning": {"type": "string"},
        "category": {"type": "string", "enum": [c.value for c in Category]},
        "confidence": {"type": "number"},
        "intent": _nullable_enum([i.value for i in Intent]),
        "severity": _nullable_enum([s.value for s in Severity]),
    },
    "required": ["reasoning", "category", "confidence", "intent", "severity"],
    "additionalProperties": False,
}


class PromptError(ValueError):
    """The prompt file is missing a part or its placeholder."""


class InvalidAnswer(ValueError):
    """The model's answer is not the JSON object the schema describes."""


@dataclass(frozen=True, slots=True)
class Prompt:
    version: str
    system: str
    user: str

    @property
    def schema_name(self) -> str:
        """The structured output's name: letters, digits, _ and - only, at most 64."""
        return re.sub(r"[^A-Za-z0-9_-]", "_", self.version)[:64]

    def render(self, message: str) -> str:
        return self.user.replace(PLACEHOLDER, message)


def load_prompt(path: Path | None = None) -> Prompt:
    """Read a prompt file: YAML with ``version``, ``system`` and ``user`` (holding {message})."""
    source = path or DEFAULT_PROMPT
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PromptError(f"cannot read prompt {source}: {exc}") from exc
    if not isinstance(data, dict):
        raise PromptError(f"{source}: expected a mapping with version, system, user")
    parts = {key: data.get(key) for key in ("version", "system", "user")}
    missing = [key for key, value in parts.items() if not isinstance(value, str) or not value]
    if missing:
        raise PromptError(f"{source}: missing or empty {', '.join(missing)}")
    prompt = Prompt(**{k: str(v).strip() for k, v in parts.items()})
    if prompt.user.count(PLACEHOLDER) != 1:
        raise PromptError(f"{source}: 'user' must hold {PLACEHOLDER} exactly once")
    return prompt


class LLMAnswer(BaseModel):
    """A validated answer; intent and severity only where their category gives them meaning."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    reasoning: str = ""
    category: Category
    confidence: float = Field(ge=0.0, le=1.0, allow_inf_nan=False)
    intent: Intent | None = None
    severity: Severity | None = None

    @field_validator("reasoning")
    @classmethod
    def _short(cls, value: str) -> str:
        return value.strip()[:REASONING_MAX_CHARS]

    def scores(self) -> dict[Category, float]:
        top = max(self.confidence, SCORE_FLOOR)
        rest = (1.0 - top) / (len(Category) - 1)
        return {c: top if c is self.category else rest for c in Category}

    def relevant_intent(self) -> Intent | None:
        return self.intent if self.category is Category.SERVICE_ACTION else None

    def relevant_severity(self) -> Severity | None:
        return self.severity if self.category is Category.SAFETY_COMPLIANCE else None


def parse_answer(content: str | None) -> LLMAnswer:
    """The message content as an LLMAnswer, or InvalidAnswer (no content, not JSON, wrong
    shape). A ```json fence, which some local models add in json_object mode, is tolerated."""
    if not content or not content.strip():
        raise InvalidAnswer("empty answer")
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidAnswer(f"not JSON: {exc.msg}") from None
    if not isinstance(data, dict):
        raise InvalidAnswer("not a JSON object")
    try:
        return LLMAnswer.model_validate(data)
    except ValidationError as exc:
        fields = sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")})
        raise InvalidAnswer(f"wrong schema: {', '.join(fields) or 'invalid'}") from None
