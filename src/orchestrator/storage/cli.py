"""`orchestrator db upgrade|current`."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from orchestrator.config import Settings
from orchestrator.storage import engine as storage

app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@app.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision")] = "head",
) -> None:
    """Apply Alembic migrations to ORCH_DATABASE_URL (the service also does this on start)."""
    settings = Settings()
    storage.upgrade_sync(settings.database_url, revision)
    typer.echo(f"database at {revision}")


@app.command()
def current() -> None:
    """Print the database's current revision (and the newest one this build knows)."""
    current_revision, head = asyncio.run(storage.revisions(Settings().database_url))
    typer.echo(f"current: {current_revision or 'none'}  head: {head}")
