"""`make bench` end to end, shortened: real services on loopback, real raw-model processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestrator.bench import run
from orchestrator.bench.report import HEADLINE_KEYS
from orchestrator.bench.server import ThreadCpu

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
    # What each answered message cost the workers' event loops and their other threads.
    assert soak["loop_cpu_ms"] > 0 and soak["threads_cpu_ms"] > 0
    answered = [row for row in summary["rows"] if row["completed"]]
    assert all(row["loop_cpu_ms"] > 0 and row["threads_cpu_ms"] >= 0 for row in answered)
    assert any(line.startswith("CPU per answered message on") for line in summary["notes"])
    assert "cpu loop" in out
    # The soak's p95 window by window, and the CPU the figures belong to.
    assert soak["p95_by_window_ms"] and all(p95 > 0 for p95 in soak["p95_by_window_ms"])
    assert any(line.startswith("soak p95 by 10 s window") for line in summary["notes"])
    assert summary["cpu"] and any(summary["cpu"] in line for line in summary["notes"])


def test_when_soak_windows_noted_then_their_spread_is_named() -> None:
    note = run.soak_windows_note([30.0, 12.5, 18.0, 20.0])
    assert note.startswith("soak p95 by 10 s window: min 12.5, median 19, max 30.0 ms over 4")
    assert run.soak_windows_note([]) == "soak p95 by window: no answers"


def test_when_cpu_is_split_per_message_then_each_thread_kind_is_divided_by_the_answers() -> None:
    before, after = ThreadCpu(1.0, 2.0), ThreadCpu(1.5, 4.0)
    assert after.per_message_ms(before, 250) == {"loop_cpu_ms": 2.0, "threads_cpu_ms": 8.0}
    assert after.per_message_ms(before, 0) == {"loop_cpu_ms": None, "threads_cpu_ms": None}


def test_when_cpu_is_noted_then_each_load_of_the_soaked_worker_count_is_named() -> None:
    cpu = {"loop_cpu_ms": 0.9, "threads_cpu_ms": 1.4}
    rows = [
        {"workers": 1, "mode": "concurrency", "level": 64, **cpu},
        {"workers": 2, "mode": "concurrency", "level": 64, **cpu},
        {"workers": 2, "mode": "rate", "level": 226.0, "loop_cpu_ms": 1.3, "threads_cpu_ms": 2.9},
        {"workers": 2, "mode": "rate", "level": 800.0, "loop_cpu_ms": None, "threads_cpu_ms": None},
        {"workers": 2, "mode": "soak", "level": 452.0, **cpu},
    ]
    note = run.cpu_by_load(rows, 2)
    assert note.endswith("concurrency 64: 0.9 + 1.4; 226.0 msgs/s: 1.3 + 2.9; soak: 0.9 + 1.4")
    assert note.startswith("CPU per answered message on 2 worker(s)")


def test_when_the_phases_ran_late_then_the_soak_gives_way_to_the_deadline() -> None:
    plan = run.Plan((1, 2), (1,), (0.5,), 1.0, soak_seconds=120.0, raw_seconds=6.0)
    assert plan.deadline_seconds == run.DEADLINE_SECONDS
    on_time = run.DEADLINE_SECONDS - run.FINISH_SECONDS - 120.0
    assert plan.soak_for(on_time - 5) == 120.0
    assert plan.soak_for(on_time + 7) == pytest.approx(113.0)
    assert plan.soak_for(run.DEADLINE_SECONDS) == run.MIN_SOAK_SECONDS  # never less than this
    short = run.Plan((1,), (1,), (0.5,), 0.5, soak_seconds=2.0, raw_seconds=0.5)
    assert short.soak_for(run.DEADLINE_SECONDS) == 2.0  # nor more than asked
