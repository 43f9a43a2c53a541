"""`orchestrator db upgrade` builds the whole schema, and the migrations match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.storage.tables import Base

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "nested" / "orchestrator.db"
    monkeypatch.setenv("ORCH_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


def test_when_db_upgrade_then_every_table_exists(database: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = create_engine(f"sqlite:///{database}")
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_when_upgraded_then_schema_matches_the_models(database: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    engine = create_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], "tables.py changed without a migration: add one under migrations/versions"


def test_when_db_upgraded_twice_then_idempotent(database: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    current = runner.invoke(app, ["db", "current"])
    assert current.exit_code == 0, current.output
    assert "current: 0003_guardrails  head: 0003_guardrails" in current.stdout
