"""Replicas and the migration Job start together on a fresh PostgreSQL: they must not race.

Each upgrade runs in its own process, as pods do (Alembic's context is global to a process).
Without the advisory lock in migrations/env.py, two of four concurrent upgrades typically fail
with a duplicate-key error on the first table.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator

import pytest

from orchestrator.storage import engine as storage
from support import postgres

UPGRADERS = 4
UPGRADE = (
    "import sys; from orchestrator.storage.engine import upgrade_sync; upgrade_sync(sys.argv[1])"
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
async def fresh_database() -> AsyncIterator[str]:
    async with postgres.fresh_database("orch_deploy", migrate=False) as url:
        yield url


async def upgrade_in_a_process(url: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        UPGRADE,
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")[-2000:]


async def test_concurrent_upgrades_on_a_fresh_database_all_succeed(fresh_database: str) -> None:
    results = await asyncio.gather(
        *(upgrade_in_a_process(fresh_database) for _ in range(UPGRADERS))
    )
    assert [code for code, _ in results] == [0] * UPGRADERS, [out for code, out in results if code]
    current, head = await storage.revisions(fresh_database)
    assert head is not None and current == head
