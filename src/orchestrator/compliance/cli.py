"""`orchestrator audit verify [--json]`: exit 0 when both chains are intact, 1 when not."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

import typer

from orchestrator.compliance import chain
from orchestrator.config import Settings
from orchestrator.runtime import open_runtime

app = typer.Typer(help="The audit trail: verify the chain.", no_args_is_help=True)


async def _verify(settings: Settings) -> chain.VerifyReport:
    async with open_runtime(settings) as runtime, runtime.sessions() as session:
        return await chain.verify(session)


@app.callback()
def main() -> None:
    """The tamper-evident audit trail of compliance records and their events."""


@app.command()
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Recompute every hash and link of the records and events chains."""
    report = asyncio.run(_verify(Settings()))
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
    else:
        for c in report.chains:
            if c.ok:
                typer.echo(f"{c.chain}: intact ({c.rows} rows, head at {c.head_seq})")
            else:
                typer.echo(f"{c.chain}: {c.problem} at seq {c.seq}: {c.detail}")
    if not report.ok:
        raise typer.Exit(1)
