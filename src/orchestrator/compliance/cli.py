"""`orchestrator audit ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="The audit trail: verify the chain.", no_args_is_help=True)
