"""Backoff with jitter, and Retry-After in each of the forms servers send it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from orchestrator.resilience.retry import RetryPolicy, parse_retry_after

NOW = datetime(2026, 1, 5, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": " 0 "}, 0.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),  # the precise one first
        ({"retry-after-ms": "soon", "Retry-After": "9"}, 9.0),
        ({"Retry-After": format_datetime(NOW + timedelta(seconds=30), usegmt=True)}, 30.0),
        ({"Retry-After": format_datetime(NOW - timedelta(seconds=30), usegmt=True)}, 0.0),
        ({"Retry-After": "Mon, 05 Jan 2026 12:00:20 -0000"}, 20.0),  # no zone: UTC
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "tomorrow-ish"}, None),
        ({}, None),
    ],
)
def test_when_retry_after_header_then_seconds(
    headers: dict[str, str], seconds: float | None
) -> None:
    assert parse_retry_after(httpx.Headers(headers), now=NOW) == seconds


def test_when_backoff_then_doubles_within_jitter_and_capped() -> None:
    policy = RetryPolicy(max_retries=10, backoff=0.5, backoff_max=4.0)
    for retry, step in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (6, 4.0)]:
        for _ in range(50):
            wait = policy.delay(retry)
            assert wait is not None
            assert step / 2 <= wait <= step


def test_when_retry_after_given_then_it_is_a_floor() -> None:
    policy = RetryPolicy(max_retries=3, backoff=0.5, retry_after_max=30.0)
    assert policy.delay(0, retry_after=7.0) == 7.0


def test_when_retry_after_beyond_max_then_no_retry() -> None:
    policy = RetryPolicy(max_retries=3, retry_after_max=30.0)
    assert policy.delay(0, retry_after=31.0) is None


def test_when_retries_used_up_then_none() -> None:
    policy = RetryPolicy(max_retries=2)
    assert policy.delay(1) is not None
    assert policy.delay(2) is None
    assert RetryPolicy(max_retries=0).delay(0) is None
