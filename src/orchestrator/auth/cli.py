"""`orchestrator keys create|list|revoke`."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from orchestrator.auth import service
from orchestrator.auth.models import Scope
from orchestrator.config import TIER_NAME, Settings
from orchestrator.runtime import open_runtime

app = typer.Typer(help="API keys: scopes and rate-limit tiers.", no_args_is_help=True)
err = Console(stderr=True)


def _checked_tier(tier: str | None) -> str | None:
    """A well-formed tier name; a warning when this environment does not configure it."""
    if tier is None:
        return None
    if not TIER_NAME.fullmatch(tier):
        raise typer.BadParameter("a tier is 1-32 of a-z, 0-9, _ and -", param_hint="--tier")
    if tier not in Settings().rate_limit_tiers:
        err.print(f"warning: tier {tier!r} is not in ORCH_RATE_LIMIT_TIERS: the default applies")
    return tier


@app.command()
def create(
    scope: Annotated[list[Scope], typer.Option("--scope", help="Repeat for several scopes")],
    name: Annotated[str, typer.Option(help="Who or what the key is for")] = "unnamed",
    tier: Annotated[
        str | None, typer.Option(help="Rate-limit tier (ORCH_RATE_LIMIT_TIERS); default limit")
    ] = None,
) -> None:
    """Create a key; its secret is printed once and only its hash is stored."""
    tier = _checked_tier(tier)

    async def run() -> str:
        async with open_runtime(Settings()) as runtime, runtime.sessions() as session:
            _, plaintext = await service.create_key(session, name=name, scopes=scope, tier=tier)
            return plaintext

    typer.echo(asyncio.run(run()))


@app.command("list")
def list_() -> None:
    """List keys (ids, names, scopes; never secrets)."""

    async def run() -> Table:
        table = Table("id", "name", "scopes", "tier", "created", "revoked")
        async with open_runtime(Settings()) as runtime, runtime.sessions() as session:
            for key in await service.list_keys(session):
                table.add_row(
                    key.id,
                    key.name,
                    ",".join(key.scopes),
                    key.rate_limit_tier or "default",
                    key.created_at.isoformat(timespec="seconds"),
                    key.revoked_at.isoformat(timespec="seconds") if key.revoked_at else "",
                )
        return table

    Console().print(asyncio.run(run()))


@app.command("set-tier")
def set_tier(
    key_id: Annotated[str, typer.Argument(help="The key's id (the part after orch_)")],
    tier: Annotated[str | None, typer.Argument(help="A tier name; omit for the default")] = None,
) -> None:
    """Move a key to another rate-limit tier; takes effect on its next request."""
    tier = _checked_tier(tier)

    async def run() -> bool:
        async with open_runtime(Settings()) as runtime, runtime.sessions() as session:
            return await service.set_tier(session, key_id=key_id, tier=tier)

    if not asyncio.run(run()):
        raise typer.Exit(1)
    typer.echo(f"{key_id}: tier {tier or 'default'}")


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
