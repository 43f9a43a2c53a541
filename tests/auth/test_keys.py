"""API keys: stored hashed, shown once, scoped, revocable; on SQLite through the CLI."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from orchestrator.auth import service
from orchestrator.auth.models import Scope
from orchestrator.cli import app
from orchestrator.config import Settings
from orchestrator.runtime import open_runtime
from orchestrator.storage.tables import ApiKey

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}"
    monkeypatch.setenv("ORCH_DATABASE_URL", url)
    return url


async def test_when_key_created_then_only_its_hash_is_stored(database: str) -> None:
    async with open_runtime(Settings(database_url=database)) as runtime:
        async with runtime.sessions() as session:
            row, plaintext = await service.create_key(
                session, name="desk", scopes=[Scope.COMPLIANCE_READ]
            )
        secret = plaintext.split("_")[2]
        async with runtime.sessions() as session:
            stored = (await session.scalars(select(ApiKey))).one()
            assert secret not in (stored.secret_sha256, stored.id, stored.name)
            principal = await service.authenticate(session, presented=plaintext)
        assert principal is not None
        assert principal.key_id == row.id
        assert principal.allows(Scope.COMPLIANCE_READ)
        assert not principal.allows(Scope.COMPLIANCE_WRITE)


@pytest.mark.parametrize(
    "presented",
    ["", "orch", "orch__x", "orch_abc", "nope_abc_def", "orch_{id}_wrong-secret", "orch_zzz_{s}"],
)
async def test_when_key_malformed_or_wrong_then_refused(database: str, presented: str) -> None:
    async with (
        open_runtime(Settings(database_url=database)) as runtime,
        runtime.sessions() as session,
    ):
        row, plaintext = await service.create_key(session, name="x", scopes=[Scope.ADMIN])
        candidate = presented.format(id=row.id, s=plaintext.split("_")[2])
        assert await service.authenticate(session, presented=candidate) is None


async def test_when_admin_then_every_scope_allowed(database: str) -> None:
    async with (
        open_runtime(Settings(database_url=database)) as runtime,
        runtime.sessions() as session,
    ):
        _, plaintext = await service.create_key(session, name="root", scopes=[Scope.ADMIN])
        principal = await service.authenticate(session, presented=plaintext)
    assert principal is not None
    assert all(principal.allows(scope) for scope in Scope)


def test_when_keys_cli_create_list_revoke_then_key_stops_working(database: str) -> None:
    created = runner.invoke(
        app, ["keys", "create", "--scope", "tickets:read", "--scope", "compliance:read"]
    )
    assert created.exit_code == 0, created.output
    plaintext = created.stdout.strip()
    key_id = plaintext.split("_")[1]

    listed = runner.invoke(app, ["keys", "list"])
    assert listed.exit_code == 0
    assert key_id in listed.stdout
    assert plaintext.split("_")[2] not in listed.stdout

    assert runner.invoke(app, ["keys", "revoke", key_id]).exit_code == 0
    assert runner.invoke(app, ["keys", "revoke", key_id]).exit_code == 1

    async def check() -> object:
        async with (
            open_runtime(Settings(database_url=database)) as runtime,
            runtime.sessions() as session,
        ):
            return await service.authenticate(session, presented=plaintext)

    assert asyncio.run(check()) is None


def test_when_scope_unknown_then_cli_refuses(database: str) -> None:
    result = runner.invoke(app, ["keys", "create", "--scope", "root:everything"])
    assert result.exit_code == 2
