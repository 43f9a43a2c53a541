"""schemathesis against the app's own OpenAPI schema, on a real server on loopback.

Every operation gets a bounded number of generated requests (valid and invalid); every response
must be documented, match its schema, and never be a 5xx. An admin key goes with each request
so the key-protected routes are exercised past their 401.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import hypothesis
import pytest
import schemathesis

from orchestrator.auth import service as key_service
from orchestrator.auth.models import Scope
from orchestrator.classifiers.local import LocalClassifier
from orchestrator.config import Settings
from orchestrator.main import create_app
from orchestrator.runtime import open_runtime
from support.live import running

MAX_EXAMPLES = 30


@pytest.fixture(scope="module")
def fuzz_target(
    tmp_path_factory: pytest.TempPathFactory, local_classifier: LocalClassifier
) -> Iterator[tuple[str, str]]:
    """A live server with keys required on /classify, and an admin key for every request."""
    database = tmp_path_factory.mktemp("fuzz") / "orchestrator.db"
    settings = Settings(
        environment="test",
        database_url=f"sqlite+aiosqlite:///{database}",
        classify_requires_key=True,
        rate_limit_per_minute=100_000,
    )

    async def make_key() -> str:
        async with open_runtime(settings) as runtime, runtime.sessions() as session:
            _, plaintext = await key_service.create_key(session, name="fuzz", scopes=[Scope.ADMIN])
            return plaintext

    key = asyncio.run(make_key())
    with running(create_app(settings, classifier=local_classifier)) as url:
        yield url, key


# The schema the app serves, loaded when the module is (building an app does no I/O); the
# requests go to the live server below.
schema = schemathesis.openapi.from_dict(create_app(Settings(environment="test")).openapi())


@schema.parametrize()
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_when_fuzzed_then_no_5xx_and_responses_match_schema(
    case: schemathesis.Case, fuzz_target: tuple[str, str]
) -> None:
    url, key = fuzz_target
    case.call_and_validate(base_url=url, headers={"X-API-Key": key})
