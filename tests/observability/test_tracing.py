"""OpenTelemetry: a request's spans (server, classification, workflow, database) in one trace,
recorded by the SDK's in-memory exporter; exported over OTLP/HTTP to a real receiver on
loopback when configured; nothing installed when not."""

from __future__ import annotations

import gzip
import http.server
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from orchestrator.classifiers.llm import LLMClassifier
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.config import Settings
from orchestrator.main import create_app
from orchestrator.observability import tracing
from orchestrator.storage import engine as storage
from support.apps import serving
from support.fake_llm import MODEL, FakeLLM, RecordedSleeps, Reply, llm_settings
from support.loopback import LoopbackServer
from support.server import ServerProcess

MESSAGE = "This is Jane Doe, 555-123-4567: I took twice my dose of metoprolol and feel dizzy"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    names = []
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        names.append(span.name)
    return names


async def test_when_classified_then_one_trace_holds_request_classification_workflow_and_db(
    spans: InMemorySpanExporter, tmp_path: Path, local_classifier: LocalClassifier
) -> None:
    settings = Settings(
        environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path / 'trace.db'}"
    )
    async with serving(create_app(settings, classifier=local_classifier)) as http:
        spans.clear()  # startup's own database spans
        response = await http.post(
            "/api/v1/classify",
            json={"message": MESSAGE, "metadata": {"customer_id": "cust-1001"}},
            headers={"X-Request-ID": "trace-1", "traceparent": TRACEPARENT},
        )
        assert response.status_code == 200
        await http.get("/api/v1/health")  # probes are not traced
    finished = spans.get_finished_spans()
    by_id = {span.context.span_id: span for span in finished}
    (server,) = [s for s in finished if s.name == "POST /api/v1/classify"]
    assert server.context.trace_id == int(TRACEPARENT.split("-")[1], 16)  # joined the caller's
    assert server.attributes is not None
    assert server.attributes["request.id"] == "trace-1"
    assert server.attributes["http.response.status_code"] == 200
    assert all(s.context.trace_id == server.context.trace_id for s in finished)

    (classification,) = [s for s in finished if s.name == "classification"]
    (workflow,) = [s for s in finished if s.name == "workflow"]
    assert "POST /api/v1/classify" in ancestors(classification, by_id)
    assert "POST /api/v1/classify" in ancestors(workflow, by_id)
    assert classification.attributes is not None and workflow.attributes is not None
    assert classification.attributes["classification.category"] == "safety_compliance"
    assert classification.attributes["classification.channel"] == "chat"
    assert workflow.attributes["workflow.action"] == response.json()["next_step"]["action"]

    database = [s for s in finished if s.name.startswith("db ")]
    # the record's statements: the chain head's lock and move (UPDATE) and the row (INSERT)
    assert {"db INSERT", "db UPDATE"} <= {s.name for s in database}
    assert any("workflow" in ancestors(s, by_id) for s in database)
    assert all(s.attributes and s.attributes["db.system.name"] == "sqlite" for s in database)
    assert not any(s.name.startswith("GET /api/v1/health") for s in finished)

    attribute_values = " ".join(
        str(value) for span in finished for value in (span.attributes or {}).values()
    )
    for secret in ("Jane", "555-123-4567", "metoprolol", "twice my dose"):
        assert secret not in attribute_values


async def test_when_statement_fails_then_its_span_is_marked(
    spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    engine = storage.make_engine(f"sqlite+aiosqlite:///{tmp_path / 'bad.db'}")
    tracing.instrument_engine(engine)
    try:
        async with engine.connect() as connection:
            with pytest.raises(OperationalError):
                await connection.execute(text("SELECT * FROM no_such_table"))
    finally:
        await engine.dispose()
    failed = [s for s in spans.get_finished_spans() if s.status.status_code is StatusCode.ERROR]
    assert [s.name for s in failed] == ["db SELECT"]
    assert failed[0].attributes is not None
    assert failed[0].attributes["error.type"] == "OperationalError"


def test_when_block_raises_then_span_records_the_error_type(
    spans: InMemorySpanExporter,
) -> None:
    with pytest.raises(ValueError), tracing.span("step", {"step.kind": "test"}):
        raise ValueError("Jane Doe's data must not reach the span")
    (span,) = spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes == {"step.kind": "test", "error.type": "ValueError"}
    assert "Jane" not in str(span.status.description) and not span.events


async def test_when_llm_called_then_each_attempt_is_a_client_span(
    spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    fake = FakeLLM()
    fake.script(Reply.fault(500), Reply.answer("informational", 0.9))
    llm = LLMClassifier.from_settings(
        llm_settings(fake.base_url, tmp_path, classifier="llm"), sleep=RecordedSleeps()
    )
    try:
        with tracing.span("classification"):
            prediction = await llm.classify("Jane Doe asks: do you deliver on Sundays?")
    finally:
        await llm.aclose()
        fake.close()
    assert prediction.tier == "llm"
    finished = spans.get_finished_spans()
    attempts = [s for s in finished if s.name == "llm.chat"]
    assert [a.status.status_code for a in attempts] == [StatusCode.ERROR, StatusCode.UNSET]
    (parent,) = [s for s in finished if s.name == "classification"]
    assert all(
        a.parent is not None and a.parent.span_id == parent.context.span_id for a in attempts
    )
    assert all(a.attributes and a.attributes["gen_ai.request.model"] == MODEL for a in attempts)
    assert "Jane" not in str([a.attributes for a in attempts])


# Run in a fresh interpreter: the tracer provider is process-global, and once any test here
# installs one it stays for the rest of the suite's process.
BEFORE_AND_AFTER_A_PROVIDER = """
import asyncio
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from orchestrator.observability import tracing

async def select(engine):
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))

engine = create_async_engine("sqlite+aiosqlite://")
tracing.instrument_engine(engine)
print("recording", tracing.recording())
with tracing.span("skipped") as span:
    print("invalid", span is trace.INVALID_SPAN, trace.get_current_span() is trace.INVALID_SPAN)
    asyncio.run(select(engine))
try:
    with tracing.span("skipped, failing"):
        raise ValueError("propagates")
except ValueError as exc:
    print("raised", exc)
exporter = InMemorySpanExporter()
provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(exporter))
trace.set_tracer_provider(provider)
print("recording", tracing.recording())
with tracing.span("recorded") as span:
    asyncio.run(select(engine))
print("spans", sorted(s.name for s in exporter.get_finished_spans()))
"""


def test_when_no_provider_is_installed_then_spans_are_skipped_until_one_is() -> None:
    done = subprocess.run(
        [sys.executable, "-c", BEFORE_AND_AFTER_A_PROVIDER],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.splitlines() == [
        "recording False",
        "invalid True True",  # nothing built, nothing attached to the context
        "raised propagates",
        "recording True",
        "spans ['db SELECT', 'recorded']",
    ]


def test_when_no_endpoint_configured_then_nothing_is_exported() -> None:
    assert Settings().otlp_endpoint is None
    assert tracing.setup_tracing(Settings()) is None


class Collector(LoopbackServer):
    """A real OTLP/HTTP receiver on loopback."""

    def __init__(self) -> None:
        self.received: list[ExportTraceServiceRequest] = []
        super().__init__()

    def handle(self, request: http.server.BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers["Content-Length"]))
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        export = ExportTraceServiceRequest()
        export.ParseFromString(body)
        if request.path == "/v1/traces":
            self.received.append(export)
        request.send_response(200)
        request.send_header("Content-Type", "application/x-protobuf")
        request.end_headers()


@pytest.fixture
def collector() -> Iterator[tuple[str, list[ExportTraceServiceRequest]]]:
    server = Collector()
    yield server.origin, server.received
    server.close()


@pytest.mark.parametrize("suffix", ["", "/", "/v1/traces"])
def test_when_provider_built_then_spans_reach_the_collector(
    collector: tuple[str, list[ExportTraceServiceRequest]], suffix: str
) -> None:
    endpoint, received = collector
    settings = Settings(service_name="orchestrator-unit", trace_sample_ratio=1.0)
    provider = tracing.build_provider(settings, endpoint + suffix)
    try:
        with provider.get_tracer("test").start_as_current_span("exported"):
            pass
        assert provider.force_flush()
    finally:
        provider.shutdown()
    (request,) = received
    (resource,) = request.resource_spans
    assert [s.name for scope in resource.scope_spans for s in scope.spans] == ["exported"]
    attributes = {a.key: a.value.string_value for a in resource.resource.attributes}
    assert attributes["service.name"] == "orchestrator-unit"


def test_when_a_provider_is_already_installed_then_setup_leaves_it(
    recorded_spans: InMemorySpanExporter,
) -> None:
    assert tracing.setup_tracing(Settings(otlp_endpoint="http://127.0.0.1:9")) is None


@pytest.mark.slow
def test_when_otlp_endpoint_set_then_server_exports_its_spans(
    tmp_path: Path, repo_root: Path, collector: tuple[str, list[ExportTraceServiceRequest]]
) -> None:
    endpoint, received = collector
    server = ServerProcess(
        env={
            **os.environ,
            "ORCH_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'otlp.db'}",
            "ORCH_KB_DIR": str(repo_root / "data" / "kb"),
            "ORCH_OTLP_ENDPOINT": endpoint,
            "ORCH_SERVICE_NAME": "orchestrator-test",
            "HF_HUB_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
        },
        workdir=tmp_path,
    )
    server.start()
    try:
        response = httpx.post(
            f"{server.url}/api/v1/classify", json={"message": "my tablets look different"}
        )
        assert response.status_code == 200
    finally:
        # SIGTERM: a graceful shutdown (the lifespan flushes the exporter), then uvicorn
        # re-raises the signal, so the exit is the signal's.
        assert server.stop() in (0, -signal.SIGTERM)
    exported = [
        (resource.resource, span)
        for request in received
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    names = {span.name for _, span in exported}
    assert {"POST /api/v1/classify", "classification", "workflow"} <= names
    assert any(name.startswith("db ") for name in names)
    services = {
        attribute.value.string_value
        for resource, _ in exported
        for attribute in resource.attributes
        if attribute.key == "service.name"
    }
    assert services == {"orchestrator-test"}
