"""`orchestrator keys create|list|revoke`."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from orchestrator.auth import service
from orchestrator.auth.models import Scope
from orchestrator.config import Settings
from orchestrator.runtime import open_runtime

app = typer.Typer(help="API keys for the queue and record endpoints.", no_args_is_help=True)


@app.command()
def create(
    scope: Annotated[list[Scope], typer.Option("--scope", help="Repeat for several scopes")],
    name: Annotated[str, typer.Option(help="Who or what the key is for")] = "unnamed",
) -> None:
    """Create a key; its secret is printed once and only its hash is stored."""

    async def run() -> str:
        async with open_runtime(Settings()) as runtime, runtime.sessions() as session:
            _, plaintext = await service.create_key(session, name=name, scopes=scope)
            return plaintext

    typer.echo(asyncio.run(run()))


@app.command("list")
def list_() -> None:
    """List keys (ids, names, scopes; never secrets)."""

    async def run() -> Table:
        table = Table("id", "name", "scopes", "created", "revoked")
        async with open_runtime(Settings()) as runtime, runtime.sessions() as session:
            for key in await service.list_keys(session):
                table.add_row(
                    key.id,
                    key.name,
                    ",".join(key.scopes),
                    key.created_at.isoformat(timespec="seconds"),
                    key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "",
                )
        return table

    Console().print(asyncio.run(run()))


@app.command()
def revoke(
    key_id: Annotated[str, typer.Argument(help="The key's id (the part after orch_)")],
) -> None:
    """Revoke a key at once."""

    async def run() -> bool:
        async with open_runtime(Settings()) as runtime, runtime.sessions() as session:
            return await service.revoke_key(session, key_id=key_id)

    if not asyncio.run(run()):
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")
