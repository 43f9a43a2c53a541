"""`orchestrator kb load` and `orchestrator kb eval` as a user runs them (the real model)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.knowledge.cli import app

WriteArticle = Callable[..., Path]
runner = CliRunner()


@pytest.fixture
def kb(tmp_path: Path, write_article: WriteArticle) -> Path:
    directory = tmp_path / "kb"
    directory.mkdir()
    write_article(
        directory,
        "hours",
        "Store opening hours",
        "The store opens at 8 a.m. and closes at 10 p.m., Sunday 9 a.m. to 8 p.m.",
        keywords="[opening hours, close, sunday]",
    )
    write_article(
        directory,
        "returns",
        "Returns policy",
        "Bring unopened items back within 30 days with the receipt for a refund.",
        keywords="[return, receipt, exchange]",
    )
    return directory


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("ORCH_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    return path


def test_load_reports_added_then_removed(kb: Path, database: Path) -> None:
    first = runner.invoke(app, ["load", str(kb)])
    assert first.exit_code == 0, first.output
    assert "2 articles: 2 added, 0 updated, 0 unchanged, 0 removed" in first.stdout
    assert database.exists()

    (kb / "returns.md").unlink()
    second = runner.invoke(app, ["load", str(kb)])
    assert second.exit_code == 0, second.output
    assert "1 articles: 0 added, 0 updated, 1 unchanged, 1 removed" in second.stdout
    assert f"removed, their files are gone from {kb}: returns" in second.stdout


def test_load_refuses_a_folder_without_articles(tmp_path: Path, database: Path) -> None:
    result = runner.invoke(app, ["load", str(tmp_path)])
    assert result.exit_code == 2
    assert "refusing to empty the knowledge base" in result.stderr


def test_load_names_a_broken_file(kb: Path, database: Path) -> None:
    (kb / "broken.md").write_text("no front matter\n", encoding="utf-8")
    result = runner.invoke(app, ["load", str(kb)])
    assert result.exit_code == 2
    assert "broken.md" in result.stderr


def test_eval_json_loads_an_empty_database_from_kb(
    kb: Path, database: Path, tmp_path: Path
) -> None:
    questions = tmp_path / "questions.csv"
    questions.write_text(
        "question,article_id\n"
        "what time do you close on sunday,hours\n"
        "can I bring back an unopened item for a refund,returns\n"
        "who won the football game,\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["eval", "--data", str(questions), "--kb", str(kb), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["n"], summary["answerable"], summary["unanswerable"]) == (3, 2, 1)
    assert summary["hit_at_1"] == 1.0
    assert summary["mrr"] == 1.0
    assert summary["no_match_accuracy"] == 1.0
    assert set(summary["latency_ms"]) == set(summary["search_latency_ms"]) == {"p50", "p95"}


def test_eval_table_on_a_temporary_database(kb: Path, database: Path, tmp_path: Path) -> None:
    questions = tmp_path / "questions.csv"
    questions.write_text("question,article_id\nwhen do you open,hours\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "--data", str(questions), "--kb", str(kb), "--temp-db"])
    assert result.exit_code == 0, result.output
    assert "hit_at_1" in result.stdout and "latency_ms: p50" in result.stdout
    assert not database.exists()  # the configured database was left alone


def test_eval_rejects_a_bad_question_file(tmp_path: Path, database: Path) -> None:
    questions = tmp_path / "questions.csv"
    questions.write_text("text,category\nhi,informational\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", "--data", str(questions)])
    assert result.exit_code == 2
    assert "expected columns question,article_id" in result.stderr
