"""structlog JSON logs. Message text never goes in a log line: only ids, labels and figures.

And in case something slips through anyway (an exception message quoting its input, a library's
warning), every line passes the PII redactor before it is written: names, phone numbers, emails
and the other recognized types become `<PERSON>`, `<PHONE>`, …. Records from the standard
`logging` module (libraries, WARNING and up) take the same way out. Lines written inside a
request carry its `request_id`, and `trace_id`/`span_id` when a span is being recorded.
"""

from __future__ import annotations

import datetime
import functools
import logging
import sys
from collections.abc import Mapping
from typing import Any

import orjson
import structlog
from opentelemetry import trace

from orchestrator.privacy.redactor import Redactor

# Fields that only ever hold what the code itself wrote (ids, enums, figures): not scanned.
# The event name is scanned: for a library's record it is the library's message.
STRUCTURAL_KEYS = frozenset(
    {
        "level",
        "timestamp",
        "request_id",
        "trace_id",
        "span_id",
        "method",
        "status",
        "latency_ms",
        "category",
        "tier",
        "channel",
        "confidence",
        # Written by the workflows from their own ids and enums: a fresh id on every line would
        # miss the cache below and cost a full redactor pass (~0.1 ms) per request.
        "ticket_id",
        "record_id",
        "seq",
        "intent",
        "action",
        "queue",
        "severity",
        "order_lookup",
        "replayed",
        "key_id",
    }
)
LIBRARY_LOG_LEVEL = logging.WARNING  # stdlib records below this are dropped (library chatter)


class _StderrLogger:
    """Writes each line to whatever sys.stderr is now (so test capture and redirection work)."""

    def msg(self, message: str) -> None:
        stream = sys.stderr
        stream.write(message + "\n")  # one write: print() writes the line and its end apart
        stream.flush()

    log = debug = info = warning = warn = error = critical = exception = msg


def _stderr_logger(*_: object) -> _StderrLogger:
    return _StderrLogger()


class _StderrHandler(logging.Handler):
    """The stdlib side of the same: the formatted record to the current sys.stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(self.format(record), file=sys.stderr, flush=True)
        except Exception:  # a log line must never take the request down
            self.handleError(record)


class RedactPII:
    """A structlog processor: every string value (nested ones too) through the redactor."""

    def __init__(self, redactor: Redactor | None = None, *, cache_size: int = 2048) -> None:
        self._redactor = redactor or Redactor()
        # Log values repeat (paths, event names, error types): remember the short ones.
        self._redact = functools.lru_cache(maxsize=cache_size)(self._redact_text)

    def _redact_text(self, text: str) -> str:
        return self._redactor.redact(text).redacted

    def _value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self._redact(value) if len(value) <= 256 else self._redact_text(value)
        if isinstance(value, Mapping):
            return {key: self._value(item) for key, item in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self._value(item) for item in value]
        if isinstance(value, BaseException):
            return self._redact_text(f"{type(value).__name__}: {value}")
        return value

    def __call__(self, _: Any, __: str, event_dict: Any) -> Any:
        for key, value in event_dict.items():
            if key not in STRUCTURAL_KEYS:
                event_dict[key] = self._value(value)
        return event_dict


def add_trace_ids(_: Any, __: str, event_dict: Any) -> Any:
    """Correlate a line with its trace when a span is being recorded."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict.setdefault("trace_id", format(context.trace_id, "032x"))
        event_dict.setdefault("span_id", format(context.span_id, "016x"))
    return event_dict


def add_utc_now(_: Any, __: str, event_dict: Any) -> Any:
    """The time, left for orjson to write (ISO 8601, `Z`): as TimeStamper(fmt="iso", utc=True)
    writes it, without formatting it in Python first."""
    event_dict["timestamp"] = datetime.datetime.now(datetime.UTC)
    return event_dict


def _json_line(event_dict: Any, **options: Any) -> str:
    return orjson.dumps(event_dict, **options).decode()


# orjson rather than json.dumps: a line is written for every request, and the standard encoder
# (a new JSONEncoder per call, given a `default`) took ~30% of the access line's time.
JSON_RENDERER = structlog.processors.JSONRenderer(
    serializer=_json_line, option=orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS
)


class _InfoLines:
    """Info lines written straight through the configured processors (`info_line`)."""

    def __init__(self) -> None:
        self.processors: tuple[structlog.typing.Processor, ...] | None = None  # not configured
        self.enabled = True
        self.out = _StderrLogger()

    def write(self, event_dict: dict[str, Any]) -> None:
        if self.processors is None:  # logging not configured here: structlog's defaults
            get_logger("orchestrator").info(**event_dict)
            return
        if not self.enabled:
            return
        rendered: Any = event_dict
        try:
            for processor in self.processors:
                rendered = processor(None, "info", rendered)
        except structlog.DropEvent:
            return
        self.out.msg(rendered)


_info_lines = _InfoLines()


def info_line(event_dict: dict[str, Any]) -> None:
    """Write one info line (`event_dict` has its "event"), as `log.info(event, **rest)` would.

    For the line written on every request: a bound logger's call spends as long again as the
    processors do (the kwargs repacked three times, the context copied, a lazy proxy bound).
    `event_dict` becomes the line's: the caller builds a fresh one.
    """
    _info_lines.write(event_dict)


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    """Route structlog (and stdlib records) to stderr as one JSON object per line."""
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        add_utc_now if json else structlog.processors.TimeStamper(fmt="iso", utc=True),
        add_trace_ids,
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
    ]
    renderer = JSON_RENDERER if json else structlog.dev.ConsoleRenderer()
    redact = RedactPII()
    min_level = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    structlog.configure(
        processors=[*shared, redact, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(min_level),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )
    _info_lines.processors = (*shared, redact, renderer)
    _info_lines.enabled = min_level <= logging.INFO
    _route_stdlib(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                redact,
                renderer,
            ],
        )
    )


def _route_stdlib(formatter: logging.Formatter) -> None:
    """One handler of ours on the root logger (replacing the last one on reconfiguration)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _StderrHandler)]:
        root.removeHandler(handler)
    handler = _StderrHandler(LIBRARY_LOG_LEVEL)
    handler.setFormatter(formatter)
    root.addHandler(handler)


def get_logger(name: str) -> structlog.typing.FilteringBoundLogger:
    logger: structlog.typing.FilteringBoundLogger = structlog.get_logger(name)
    return logger
