"""`make bench` end to end, shortened: real services on loopback, real raw-model processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.bench import run
from orchestrator.bench.report import HEADLINE_KEYS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_when_run_then_it_prints_the_table_the_plot_and_the_json_line_last(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run.main(
        [
            *("--data", str(ROOT / "data" / "train"), "--out", str(tmp_path)),
            *("--workers", "1,2", "--concurrency", "1,4", "--rates", "0.5"),
            *("--phase-seconds", "0.5", "--soak-seconds", "2", "--raw-seconds", "0.5"),
            *("--database-url", f"sqlite+aiosqlite:///{tmp_path / 'given.db'}"),
            *("--mix", "realistic"),
        ]
    )
    out = capsys.readouterr().out
    headline = json.loads(out.strip().splitlines()[-1])
    assert list(headline) == list(HEADLINE_KEYS)
    assert headline["raw_model_msgs_per_s"] > 0
    assert headline["service_msgs_per_s"] > 0
    assert headline["ratio"] == pytest.approx(
        headline["service_msgs_per_s"] / headline["raw_model_msgs_per_s"], abs=1e-3
    )
    assert headline["at_rps"] == pytest.approx(headline["service_msgs_per_s"] / 2, abs=0.1)
    assert "service under load" in out and "resident memory" in out

    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["database"] == "given"
    assert summary["mix"].startswith("informational 50%, service_action 35%")
    assert (tmp_path / "given.db").exists()
    assert {p.name for p in tmp_path.glob("service-*.log")} == {"service-1w.log", "service-2w.log"}
    assert set(summary["saturation_by_workers"]) == {"1", "2"}
    assert len(summary["memory"]["workers"]) == summary["workers"]
    assert all(w["start_mb"] > 0 for w in summary["memory"]["workers"])
    assert all(row["errors"] == 0 for row in summary["rows"])
    assert (tmp_path / "latency_vs_load.png").stat().st_size > 0
    # What the soak cost: the service's CPU from its processes, batch sizes from its /metrics.
    soak = summary["soak"]
    assert 0 < soak["service_cpu_cores"] <= summary["cores"] * 1.1
    assert soak["mean_batch_size"] >= 1
    assert list(summary["raw"]["ms_per_message_by_batch"]) == ["1", "2", "4", "8", "32"]
    assert any(line.startswith("during the soak: the service used") for line in summary["notes"])
