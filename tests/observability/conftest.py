"""Spans recorded in memory: the SDK's own exporter behind the process's tracer provider.

The global provider can be set once per process, so it is set by the first test that needs it,
and its processor only passes spans on while such a test module runs (the rest of the suite
does not fill memory with spans nobody reads).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


class SwitchableProcessor(SimpleSpanProcessor):
    """Exports ended spans only while switched on."""

    def __init__(self, exporter: InMemorySpanExporter) -> None:
        super().__init__(exporter)
        self.on = False

    def on_end(self, span: ReadableSpan) -> None:
        if self.on:
            super().on_end(span)


_EXPORTER = InMemorySpanExporter()
_PROCESSOR = SwitchableProcessor(_EXPORTER)


@pytest.fixture(scope="module")
def recorded_spans() -> Iterator[InMemorySpanExporter]:
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(_PROCESSOR)
        trace.set_tracer_provider(provider)
    _PROCESSOR.on = True
    yield _EXPORTER
    _PROCESSOR.on = False
    _EXPORTER.clear()


@pytest.fixture
def spans(recorded_spans: InMemorySpanExporter) -> Iterator[InMemorySpanExporter]:
    recorded_spans.clear()
    yield recorded_spans
    recorded_spans.clear()
