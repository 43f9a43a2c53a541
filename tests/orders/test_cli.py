"""`orchestrator orders load-demo | list` on a real SQLite file."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from orchestrator.config import Settings
from orchestrator.orders.cli import app


def _env(settings: Settings) -> dict[str, str]:
    return {"ORCH_DATABASE_URL": settings.database_url, "ORCH_ENVIRONMENT": "test"}


def test_when_load_demo_run_twice_then_idempotent(settings: Settings) -> None:
    runner = CliRunner()

    first = runner.invoke(app, ["load-demo"], env=_env(settings))
    second = runner.invoke(app, ["load-demo"], env=_env(settings))

    assert first.exit_code == 0, first.output
    assert "12 created, 0 updated, 0 unchanged" in first.output
    assert second.exit_code == 0, second.output
    assert "0 created, 0 updated, 12 unchanged" in second.output


def test_when_listed_then_orders_shown(settings: Settings) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["load-demo"], env=_env(settings)).exit_code == 0

    as_json = runner.invoke(app, ["list", "--customer", "cust-1001", "--json"], env=_env(settings))
    shipped = runner.invoke(app, ["list", "--status", "shipped", "--json"], env=_env(settings))
    table = runner.invoke(app, ["list"], env=_env(settings))

    assert as_json.exit_code == 0, as_json.output
    rows = [json.loads(line) for line in as_json.output.splitlines()]
    assert sorted(r["order_number"] for r in rows) == ["ORD-10001", "ORD-10002", "ORD-10003"]
    assert {r["customer_id"] for r in rows} == {"cust-1001"}
    assert {json.loads(line)["status"] for line in shipped.output.splitlines()} == {"shipped"}
    assert table.exit_code == 0, table.output
    assert "ORD-10012" in table.output


def test_when_status_unknown_then_usage_error(settings: Settings) -> None:
    result = CliRunner().invoke(app, ["list", "--status", "lost"], env=_env(settings))
    assert result.exit_code == 2
