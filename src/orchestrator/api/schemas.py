"""The classify contract: request and response bodies exactly as DESIGN.md gives them."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

from orchestrator.domain import Category, Channel, Intent, Severity
from orchestrator.pipeline.normalise import normalise

MAX_MESSAGE_CHARS = 5000
NOT_WHITESPACE = (  # at least one character that str.isspace() does not call whitespace
    r"[^\t\n\v\f\r \x1c-\x1f\x85\xa0"
    r"\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
)


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"message": "What time do you close on Sunday?", "channel": "chat"}]
        }
    )

    message: Annotated[
        StrictStr,
        Field(
            description="1..5000 characters after trimming",
            # Documentation only (the validator below decides, after normalising): the schema
            # tells clients and the fuzz test what is accepted. The class is Python's whitespace.
            json_schema_extra={
                "minLength": 1,
                "maxLength": MAX_MESSAGE_CHARS,
                "pattern": NOT_WHITESPACE,
            },
        ),
    ]
    channel: Channel = Channel.CHAT
    metadata: dict[str, Any] = Field(default_factory=dict)
    conversation_id: Annotated[StrictStr | None, Field(max_length=128)] = None

    @field_validator("message")
    @classmethod
    def _length(cls, value: str) -> str:
        trimmed = normalise(value)
        if not trimmed:
            raise ValueError("message is empty after trimming")
        if len(trimmed) > MAX_MESSAGE_CHARS:
            raise ValueError(f"message is longer than {MAX_MESSAGE_CHARS} characters")
        return value


class Entity(BaseModel):
    type: str
    value: str
    start: int
    end: int


class NextStep(BaseModel):
    model_config = ConfigDict(extra="allow")

    action: str


class ClassifyResponse(BaseModel):
    request_id: str
    category: Category
    confidence: float = Field(ge=0.0, le=1.0)
    decision_path: str
    next_step: NextStep
    processing_time_ms: float
    scores: dict[Category, float]
    intent: Intent | None = None
    entities: list[Entity] = Field(default_factory=list)
    severity: Severity | None = None
    classifier: str
