"""`orchestrator kb ...`."""

from __future__ import annotations

import typer

app = typer.Typer(help="Knowledge base files: load and evaluate retrieval.", no_args_is_help=True)
