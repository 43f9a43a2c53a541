"""`orchestrator audit verify`: exit 0 when intact, 1 with the problem when not."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from typer.testing import CliRunner, Result

from orchestrator.compliance.cli import app


async def _invoke(database_url: str, *args: str) -> Result:
    """In a thread: the command runs its own event loop, as it does from a shell."""
    runner = CliRunner()
    env = {"ORCH_DATABASE_URL": database_url, "ORCH_ENVIRONMENT": "test"}
    return await asyncio.to_thread(runner.invoke, app, ["verify", *args], env=env)


async def test_when_chain_intact_then_exit_0(
    database_url: str, sessions: async_sessionmaker[AsyncSession], append_records
) -> None:
    await append_records(sessions, 4)

    result = await _invoke(database_url)

    assert result.exit_code == 0, result.output
    assert "compliance_records: intact (4 rows, head at 4)" in result.output
    assert "compliance_events: intact (0 rows, head at 0)" in result.output


async def test_when_record_deleted_then_exit_1_with_the_problem(
    database_url: str,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    append_records,
) -> None:
    await append_records(sessions, 4)
    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM compliance_records WHERE seq = 2"))

    result = await _invoke(database_url)

    assert result.exit_code == 1
    assert "compliance_records: deleted at seq 2: seq 2 is missing" in result.output


async def test_when_json_then_one_report_object(
    database_url: str,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    append_records,
) -> None:
    await append_records(sessions, 3)
    intact = await _invoke(database_url, "--json")
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE compliance_records SET rule = 'x' WHERE seq = 3"))
    tampered = await _invoke(database_url, "--json")

    assert intact.exit_code == 0
    assert json.loads(intact.output)["ok"] is True
    assert tampered.exit_code == 1
    report = json.loads(tampered.output)
    assert report["ok"] is False
    assert report["chains"][0] | {"detail": None} == {
        "chain": "compliance_records",
        "ok": False,
        "rows": 2,
        "head_seq": 3,
        "problem": "edited",
        "seq": 3,
        "detail": None,
    }
