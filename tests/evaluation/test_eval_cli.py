"""`orchestrator eval` end to end through the real model, and `classify` / `redact` on the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "eval_sample.csv"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORCH_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")


def test_when_eval_json_then_every_contract_field(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["eval", "--data", str(SAMPLE), "--json", "--report", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    for key in (
        "n",
        "accuracy",
        "macro_f1",
        "per_category",
        "safety_recall",
        "urgent_recall",
        "intent_accuracy",
        "severity_accuracy",
        "ece",
        "latency_ms",
        "confusion",
    ):
        assert key in summary
    assert summary["n"] == 16
    assert summary["safety_recall"] == 1.0
    assert summary["urgent_recall"] == 1.0
    assert summary["macro_f1"] >= 0.8
    assert set(summary["latency_ms"]) == {"p50", "p95", "p99"}
    for name in ("confusion_matrix.png", "reliability.png", "latency_histogram.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")
    assert json.loads((tmp_path / "summary.json").read_text())["n"] == 16


def test_when_eval_table_then_figures_printed() -> None:
    result = runner.invoke(app, ["eval", "--data", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "macro_f1" in result.stdout


def test_when_eval_file_lacks_category_then_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("text\nhello\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "--data", str(bad)])
    assert result.exit_code == 2
    assert "category" in result.output


def test_when_classify_json_then_api_shaped_answer() -> None:
    result = runner.invoke(app, ["classify", "What time do you close on Sunday?", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["category"] == "informational"
    assert body["classifier"] == "local"


def test_when_classify_table_then_category_shown() -> None:
    result = runner.invoke(app, ["classify", "cancel my order 55120 please"])
    assert result.exit_code == 0, result.output
    assert "service_action" in result.stdout


def test_when_classify_empty_then_error() -> None:
    result = runner.invoke(app, ["classify", "   "])
    assert result.exit_code == 2


def test_when_redact_text_then_json_with_offsets() -> None:
    result = runner.invoke(app, ["redact", "my email is jo@example.com"])
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    assert "jo@example.com" not in line["redacted"]
    assert line["entities"][0]["type"] == "EMAIL"


def test_when_redact_jsonl_then_one_line_per_input_in_order(tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    data.write_text(
        json.dumps({"text": "call me at (555) 123-4567"})
        + "\n"
        + json.dumps({"text": "no pii here"})
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["redact", "--data", str(data)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.strip().splitlines()]
    assert [x["text"] for x in lines] == ["call me at (555) 123-4567", "no pii here"]
    assert lines[1]["entities"] == []


def test_when_pii_eval_then_recall_reported() -> None:
    data = Path(__file__).resolve().parents[2] / "data" / "eval" / "pii_test.jsonl"
    result = runner.invoke(app, ["pii-eval", "--data", str(data), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["recall"] >= 0.95
    assert set(figures["per_type"]) >= {"PERSON", "PHONE", "EMAIL", "SSN", "RX_NUMBER"}
    table = runner.invoke(app, ["pii-eval", "--data", str(data)])
    assert "overall" in table.stdout


def test_when_pii_eval_file_malformed_then_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n", encoding="utf-8")
    result = runner.invoke(app, ["pii-eval", "--data", str(bad)])
    assert result.exit_code == 2
