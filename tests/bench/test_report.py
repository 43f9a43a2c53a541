"""What `make bench` prints and draws."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from orchestrator.bench import report

ROWS = [
    {"workers": w, "mode": m, "level": lvl, "msgs_per_s": x, "p50_ms": 5.0, "p95_ms": 9.0,
     "p99_ms": 12.0, "completed": 100, "errors": 0, "loop_cpu_ms": 0.9,
     "threads_cpu_ms": 1.4}
    for w in (1, 2)
    for m, lvl, x in (("concurrency", 1, 80.0), ("concurrency", 16, 300.0), ("rate", 150.0, 150.0))
]  # fmt: skip
SUMMARY = {
    "raw_model_msgs_per_s": 800.0,
    "service_msgs_per_s": 300.0,
    "ratio": 0.375,
    "p50_ms": 5.0,
    "p95_ms": 9.0,
    "p99_ms": 12.0,
    "at_rps": 150.0,
    "mix": "informational 100%",
    "memory": {
        "seconds": 120.0,
        "at_rps": 150.0,
        "workers": [
            {
                "pid": 7,
                "start_mb": 800,
                "end_mb": 804,
                "peak_mb": 805,
                "growth_pct": 0.5,
                "series": [(0.0, 800.0), (5.0, 805.0), (10.0, 804.0)],
            },
        ],  # fmt: skip
    },
    "notes": ["a note"],
}


def test_when_plotted_then_a_png_is_written(tmp_path: Path) -> None:
    path = report.plot(tmp_path / "plots" / "latency.png", {**SUMMARY, "rows": ROWS})
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_when_cpu_is_plotted_then_each_worker_count_and_the_cores_time_are_drawn() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    unanswered = {**ROWS[0], "msgs_per_s": 0.0, "loop_cpu_ms": None, "threads_cpu_ms": None}
    figure, ax = plt.subplots()
    try:
        report.cpu_panel(ax, [*ROWS, unanswered], cores=2)
        lines = {line.get_label(): line for line in ax.get_lines()}
    finally:
        plt.close(figure)
    assert set(lines) == {
        "2 cores' time / rate",
        "1 worker, event loop",
        "1 worker, all threads",
        "2 workers, event loop",
        "2 workers, all threads",
    }
    capacity = lines["2 cores' time / rate"]
    rates, per_message = capacity.get_xdata(), capacity.get_ydata()
    assert (rates[0], rates[-1]) == (80.0, 300.0)  # the unanswered phase is left out
    assert per_message[0] == pytest.approx(2000 / 80) and per_message[-1] == pytest.approx(
        2000 / 300
    )
    total = lines["2 workers, all threads"]
    assert list(total.get_xdata()) == [80.0, 150.0, 300.0]  # by answered load
    assert list(total.get_ydata()) == pytest.approx([2.3, 2.3, 2.3])
    assert list(lines["1 worker, event loop"].get_ydata()) == [0.9, 0.9, 0.9]
    assert ax.get_ylim() == pytest.approx((0.0, 1.5 * 2.3))


def test_when_shown_then_table_memory_and_notes_are_printed() -> None:
    console = Console(record=True, width=120)
    report.show(console, ROWS, SUMMARY)
    text = console.export_text()
    assert "service under load (informational 100%)" in text
    assert "concurrency" in text and "300.0" in text
    assert "+0.5%" in text
    assert "cpu loop" in text and "1.40" in text
    assert "a note" in text


def test_when_headline_printed_then_it_has_exactly_the_contract_keys() -> None:
    line = json.loads(report.headline_line({**SUMMARY, "extra": 1}))
    assert list(line) == list(report.HEADLINE_KEYS)
    assert line["ratio"] == 0.375
