"""The LLM tier: one chat-completions call per message with a strict JSON-schema answer.

Any OpenAI-compatible server works (OpenAI, Azure OpenAI's v1 endpoint, vLLM, Ollama, a
LiteLLM proxy) through ``ORCH_LLM_BASE_URL``. The SDK's own retries are off (``max_retries=0``)
so that one policy applies, ours:

- each attempt has ``timeout`` for the whole exchange, and all attempts of a message together
  have ``deadline``;
- timeouts, refused or dropped connections, 429 and 5xx are retried with exponential backoff
  and jitter, never sooner than the server's Retry-After (a longer one than allowed stops);
- other 4xx are not retried (the same request would fail the same way);
- an answer that is not the schema's JSON is retried once;
- the whole call sits behind a circuit breaker: a call that ends without an answer is a failure.

Every way of failing ends in ``LLMUnavailable`` (a ClassifierError with a ``kind``), never in
an exception the API would turn into a 500. PII is redacted before the message leaves.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion
from opentelemetry.trace import SpanKind
from pydantic import ValidationError

from orchestrator.classifiers.base import Classifier, ClassifierError, Prediction
from orchestrator.classifiers.prompts import (
    RESPONSE_SCHEMA,
    InvalidAnswer,
    LLMAnswer,
    Prompt,
    load_prompt,
    parse_answer,
)
from orchestrator.config import Settings
from orchestrator.observability import tracing
from orchestrator.observability.logging import get_logger
from orchestrator.observability.metrics import Metrics
from orchestrator.privacy.redactor import Redactor
from orchestrator.resilience.breaker import (
    STATE_VALUE,
    CircuitBreaker,
    CircuitOpenError,
    CircuitState,
)
from orchestrator.resilience.retry import RetryPolicy, parse_retry_after

log = get_logger(__name__)

OPENAI_BASE_URL = "https://api.openai.com/v1"
LOCAL_SERVER_KEY = "unused"  # local servers ignore the key, the SDK insists on one
RETRY_AFTER_FAILED = 5  # seconds a caller is told to wait when the attempts ran out
MIN_ATTEMPT_SECONDS = 0.05  # no retry when less than this is left of the deadline
Sleep = Callable[[float], Awaitable[None]]


class LLMUnavailable(ClassifierError):
    """The LLM tier gave no answer for this message; ``kind`` says why (circuit_open, timeout,
    connection, rate_limited, server_error, client_error, invalid_output)."""


@dataclass(frozen=True, slots=True)
class Failure:
    kind: str
    retryable: bool
    retry_after: float | None = None


def failure_of(exc: BaseException) -> Failure:
    """What one failed attempt means for the next."""
    if isinstance(exc, TimeoutError | openai.APITimeoutError):
        return Failure("timeout", True)
    if isinstance(exc, openai.APIConnectionError):
        return Failure("connection", True)
    if isinstance(exc, InvalidAnswer):
        return Failure("invalid_output", True)
    if isinstance(exc, openai.APIStatusError):
        retry_after = parse_retry_after(exc.response.headers)
        if exc.status_code == 429:
            return Failure("rate_limited", True, retry_after)
        if exc.status_code >= 500:
            return Failure("server_error", True, retry_after)
    return Failure("client_error", False)


def read_completion(raw: Any) -> ChatCompletion:
    """The SDK's parse of a raw response, any malformed body turned into InvalidAnswer."""
    try:
        completion = raw.parse()
    except (ValueError, TypeError, AttributeError, ValidationError) as exc:
        raise InvalidAnswer(f"unreadable completion: {type(exc).__name__}") from None
    if not isinstance(completion, ChatCompletion):
        raise InvalidAnswer("not a chat completion")
    return completion


def answer_content(completion: ChatCompletion) -> str | None:
    """The first choice's content, unless the model refused or was cut off."""
    if not completion.choices:
        raise InvalidAnswer("no choices in the completion")
    choice = completion.choices[0]
    message = getattr(choice, "message", None)
    if getattr(message, "refusal", None):
        raise InvalidAnswer("the model refused")
    if choice.finish_reason == "length":
        raise InvalidAnswer("answer cut off at the token limit")
    return getattr(message, "content", None)


class LLMClassifier(Classifier):
    name = "llm"

    def __init__(
        self,
        client: AsyncOpenAI,
        *,
        model: str,
        prompt: Prompt,
        breaker: CircuitBreaker,
        retry: RetryPolicy,
        timeout: float = 30.0,
        deadline: float = 45.0,
        temperature: float = 0.0,
        max_output_tokens: int = 300,
        response_format: str = "json_schema",
        redactor: Redactor | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.model = model
        self.prompt = prompt
        self.breaker = breaker
        self.retry = retry
        self.timeout = timeout
        self.deadline = deadline
        self.temperature = temperature
        self.max_output_tokens = max_output_tokens
        self.response_format = response_format
        self.redactor = redactor
        self._sleep = sleep
        self._clock = clock
        self.metrics = Metrics()  # until the app's registry is handed over by instrument()
        self.instrument(self.metrics)
        breaker.add_listener(self._on_transition)

    @staticmethod
    def check(settings: Settings) -> Prompt:
        """Refuse settings that cannot work, before anything is built; the prompt they name."""
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        if not key and not settings.llm_base_url:
            raise ValueError(
                "ORCH_LLM_API_KEY (or OPENAI_API_KEY) is not set; set it, or ORCH_LLM_BASE_URL "
                "for a local OpenAI-compatible server"
            )
        return load_prompt(settings.llm_prompt_path)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> LLMClassifier:
        """One AsyncOpenAI client (and its connection pool) for the life of the app."""
        prompt = cls.check(settings)
        key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        client = AsyncOpenAI(
            api_key=key or LOCAL_SERVER_KEY,
            base_url=settings.llm_base_url or OPENAI_BASE_URL,
            timeout=settings.llm_timeout_seconds,
            max_retries=0,  # ours is the retry policy
        )
        breaker = CircuitBreaker(
            "llm",
            failure_threshold=settings.llm_breaker_failure_threshold,
            reset_timeout=settings.llm_breaker_reset_seconds,
            half_open_max_calls=settings.llm_breaker_half_open_max_calls,
            clock=clock,
        )
        retry = RetryPolicy(
            max_retries=settings.llm_max_retries,
            backoff=settings.llm_backoff_seconds,
            backoff_max=settings.llm_backoff_max_seconds,
            retry_after_max=settings.llm_retry_after_max_seconds,
        )
        return cls(
            client,
            model=settings.llm_model,
            prompt=prompt,
            breaker=breaker,
            retry=retry,
            timeout=settings.llm_timeout_seconds,
            deadline=settings.llm_deadline_seconds,
            temperature=settings.llm_temperature,
            max_output_tokens=settings.llm_max_output_tokens,
            response_format=settings.llm_response_format,
            redactor=Redactor() if settings.llm_redact_pii else None,
            sleep=sleep,
            clock=clock,
        )

    def instrument(self, metrics: Metrics) -> None:
        self.metrics = metrics
        self._show_state()

    def _show_state(self) -> None:
        """Written, not computed on scrape, so multiprocess mode sees it too; refreshed on every
        transition, call and readiness probe (OPEN reads HALF_OPEN once cooled down)."""
        gauge = self.metrics.circuit_state.labels(circuit=self.breaker.name)
        gauge.set(STATE_VALUE[self.breaker.state])

    def status(self) -> dict[str, Any]:
        self._show_state()
        return {
            "llm": {
                "model": self.model,
                "host": urlsplit(str(self.client.base_url)).hostname,
                "prompt": self.prompt.version,
                "circuit": self.breaker.state.value,
                "retry_after_s": round(self.breaker.retry_after(), 1),
            }
        }

    async def aclose(self) -> None:
        await self.client.close()

    async def classify(self, text: str) -> Prediction:
        started = self._clock()
        self._show_state()
        try:
            with self.breaker.guard():
                answer, completion, attempts = await self._attempts(self._outbound(text))
        except CircuitOpenError as exc:
            self.metrics.llm_requests.labels(outcome="rejected").inc()
            self.metrics.llm_errors.labels(kind="circuit_open").inc()
            raise LLMUnavailable(
                str(exc), kind="circuit_open", retry_after=math.ceil(exc.retry_after)
            ) from None
        except LLMUnavailable:
            self.metrics.llm_requests.labels(outcome="failed").inc()
            raise
        finally:
            self.metrics.llm_latency.observe(self._clock() - started)
        self.metrics.llm_requests.labels(outcome="ok").inc()
        usage = completion.usage
        return Prediction(
            scores=answer.scores(),
            tier=self.name,
            intent=answer.relevant_intent(),
            severity=answer.relevant_severity(),
            reasoning=answer.reasoning,
            extras={
                "llm_attempts": float(attempts),
                "prompt_tokens": float(usage.prompt_tokens if usage else 0),
                "completion_tokens": float(usage.completion_tokens if usage else 0),
            },
        )

    def _outbound(self, text: str) -> str:
        return self.redactor.redact(text).redacted if self.redactor is not None else text

    def _request(self, message: str) -> dict[str, Any]:
        response_format: dict[str, Any] = {"type": "json_object"}
        if self.response_format == "json_schema":
            response_format = {
                "type": "json_schema",
                "json_schema": {
                    "name": self.prompt.schema_name,
                    "strict": True,
                    "schema": RESPONSE_SCHEMA,
                },
            }
        return {
            "model": self.model,
            "messages": [
                {"role": "system", "content": self.prompt.system},
                {"role": "user", "content": self.prompt.render(message)},
            ],
            "response_format": response_format,
            "temperature": self.temperature,
            "max_completion_tokens": self.max_output_tokens,
        }

    async def _attempts(self, message: str) -> tuple[LLMAnswer, ChatCompletion, int]:
        """Attempts until an answer, a failure not worth retrying, or the deadline."""
        request = self._request(message)
        deadline = self._clock() + self.deadline
        invalid_retried = False
        attempt = 0
        while True:
            budget = min(self.timeout, deadline - self._clock())
            try:
                return (*await self._attempt(request, budget), attempt + 1)
            except (openai.OpenAIError, InvalidAnswer, TimeoutError) as exc:
                failure = failure_of(exc)
            self.metrics.llm_errors.labels(kind=failure.kind).inc()
            log.warning("llm_attempt_failed", attempt=attempt + 1, kind=failure.kind)
            retry_invalid = failure.kind != "invalid_output" or not invalid_retried
            wait = self.retry.delay(attempt, failure.retry_after)
            if wait is not None and self._clock() + wait + MIN_ATTEMPT_SECONDS > deadline:
                wait = None
            if not (failure.retryable and retry_invalid) or wait is None:
                raise LLMUnavailable(
                    f"LLM gave no answer after {attempt + 1} attempt(s): {failure.kind}",
                    kind=failure.kind,
                    retry_after=math.ceil(failure.retry_after or RETRY_AFTER_FAILED),
                )
            invalid_retried |= failure.kind == "invalid_output"
            self.metrics.llm_retries.labels(kind=failure.kind).inc()
            await self._sleep(wait)
            attempt += 1

    async def _attempt(
        self, request: dict[str, Any], budget: float
    ) -> tuple[LLMAnswer, ChatCompletion]:
        attributes = {"gen_ai.operation.name": "chat", "gen_ai.request.model": self.model}
        with tracing.span("llm.chat", attributes, kind=SpanKind.CLIENT):  # one per attempt
            async with asyncio.timeout(budget):  # the whole exchange, not per read
                raw = await self.client.chat.completions.with_raw_response.create(
                    **request, timeout=budget
                )
        completion = read_completion(raw)
        if completion.usage is not None:  # tokens are spent even on an answer we refuse
            self.metrics.llm_tokens.labels(kind="prompt").inc(completion.usage.prompt_tokens)
            self.metrics.llm_tokens.labels(kind="completion").inc(
                completion.usage.completion_tokens
            )
        answer = parse_answer(answer_content(completion))
        log.debug("llm_answer", provider_request_id=raw.headers.get("x-request-id"))
        return answer, completion

    def _on_transition(self, old: CircuitState, new: CircuitState) -> None:
        self.metrics.circuit_transitions.labels(circuit=self.breaker.name, state=new.value).inc()
        self._show_state()
        log.warning("circuit_state_changed", circuit=self.breaker.name, old=old, new=new)
