"""The LLM tier's tests share one loopback chat-completions server per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.fake_llm import FakeLLM


@pytest.fixture
def fake() -> Iterator[FakeLLM]:
    server = FakeLLM()
    yield server
    server.close()
