"""OpenTelemetry spans: request, classification, workflow, database, LLM calls.

The request's server span (and its dependency, endpoint and serialization spans) are FastAPI's
native telemetry (api/stack.py configures it); classification and workflow spans come from
`span(...)` in flows.py, one span per SQL statement from `instrument_engine`, LLM calls from the
LLM tier. All go through the global API; until a provider is installed they are skipped
(`recording()`), since the API would still build and attach a non-recording span each time
(5 µs more a span, back to back; two to a classify request, one to a SQL statement).
`setup_tracing` installs a provider exporting over OTLP/HTTP when ORCH_OTLP_ENDPOINT is set;
otherwise nothing is exported (off by default). Attributes carry ids, labels and figures only,
never message text or SQL parameters.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.trace import INVALID_SPAN, Span, SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from orchestrator import __version__
from orchestrator.config import Settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

TRACER_NAME = "orchestrator"
OTLP_TRACES_PATH = "/v1/traces"
_DB_SPAN = "_orchestrator_span"  # where a statement's span waits for its end, on the context


def tracer() -> trace.Tracer:
    return trace.get_tracer(TRACER_NAME, __version__)


def recording() -> bool:
    """A tracer provider is installed in this process (ours, a host's or an SDK's from the
    environment), so spans can be recorded; before that the global API is a proxy."""
    return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


@contextmanager
def span(
    name: str,
    attributes: Mapping[str, AttributeValue] | None = None,
    *,
    kind: SpanKind = SpanKind.INTERNAL,
) -> Iterator[Span]:
    """A child of the current span; an exception marks it failed (by type, not message).
    Without a provider, the invalid span and nothing attached to the context."""
    if not recording():
        yield INVALID_SPAN
        return
    with tracer().start_as_current_span(
        name,
        kind=kind,
        attributes=attributes,
        record_exception=False,  # exception messages may quote a customer
        set_status_on_exception=False,
    ) as current:
        try:
            yield current
        except BaseException as exc:
            current.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            current.set_attribute("error.type", type(exc).__name__)
            raise


def setup_tracing(settings: Settings) -> TracerProvider | None:
    """Install an OTLP-exporting tracer provider when configured; returns it (to shut down).

    The provider is process-global: the first to install one in a process wins.
    """
    if not settings.otlp_endpoint:
        return None
    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        return None  # this process already exports (another app, or the host's own setup)
    provider = build_provider(settings, settings.otlp_endpoint)
    trace.set_tracer_provider(provider)
    return provider


def build_provider(settings: Settings, endpoint: str) -> TracerProvider:
    """A provider batching spans to `endpoint` over OTLP/HTTP (installed by the caller)."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    endpoint = endpoint.rstrip("/")
    if not endpoint.endswith(OTLP_TRACES_PATH):
        endpoint += OTLP_TRACES_PATH
    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": settings.service_name, "service.version": __version__}
        ),
        sampler=ParentBased(TraceIdRatioBased(settings.trace_sample_ratio)),
    )
    exporter = OTLPSpanExporter(endpoint=endpoint, timeout=settings.otlp_timeout_seconds)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def instrument_engine(engine: AsyncEngine) -> None:
    """One client span per SQL statement: the operation and the database, never parameters."""
    sync_engine = engine.sync_engine
    system = sync_engine.dialect.name

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _start(
        _conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
    ) -> None:
        if not recording():
            return
        words = statement.split(None, 1)
        operation = words[0].upper() if words else "SQL"
        current = tracer().start_span(
            f"db {operation}",
            kind=SpanKind.CLIENT,
            attributes={"db.system.name": system, "db.operation.name": operation},
        )
        setattr(context, _DB_SPAN, current)

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _end(_conn: Any, _cursor: Any, _stmt: str, _params: Any, context: Any, _many: bool) -> None:
        current: Span | None = getattr(context, _DB_SPAN, None)
        if current is not None:
            current.end()
            setattr(context, _DB_SPAN, None)

    @event.listens_for(sync_engine, "handle_error")
    def _failed(exception_context: Any) -> None:
        context = exception_context.execution_context
        current: Span | None = getattr(context, _DB_SPAN, None)
        if current is not None:
            error = type(exception_context.original_exception).__name__
            current.set_status(Status(StatusCode.ERROR, error))
            current.set_attribute("error.type", error)
            current.end()
            setattr(context, _DB_SPAN, None)
