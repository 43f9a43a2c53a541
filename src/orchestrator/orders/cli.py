"""`orchestrator orders ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="The default order system's demo data.", no_args_is_help=True)
