"""What `make bench` prints and writes: the table, the latency-versus-load plot, the JSON line."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

HEADLINE_KEYS = (
    "raw_model_msgs_per_s",
    "service_msgs_per_s",
    "ratio",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "at_rps",
)


WORKER_COLOURS = ((1, "tab:blue"), (2, "tab:orange"), (4, "tab:green"))
# CPU per answered message, ms: the workers' event loops, and their other threads (the model).
CPU_HEADERS = {"loop_cpu_ms": "cpu loop", "threads_cpu_ms": "cpu other"}


def table(rows: Sequence[dict[str, Any]], title: str) -> Table:
    """One row per measured point: workers, load (concurrency or offered rate), figures."""
    out = Table(title=title)
    columns = (
        "workers", "mode", "level", "msgs_per_s", "p50_ms", "p95_ms", "p99_ms", "completed",
        "errors", "loop_cpu_ms", "threads_cpu_ms",
    )  # fmt: skip
    for column in columns:
        header = CPU_HEADERS.get(column, column)
        out.add_column(header, justify="left" if column == "mode" else "right")
    for row in rows:
        out.add_row(*(_cell(row.get(column)) for column in columns))
    return out


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 100 else f"{value:.2f}"
    return "" if value is None else str(value)


def memory_table(memory: dict[str, Any]) -> Table:
    out = Table(
        title=f"resident memory over {memory['seconds']:.0f} s at {memory['at_rps']} msgs/s"
    )
    for column in ("worker pid", "start MiB", "end MiB", "peak MiB", "growth"):
        out.add_column(column, justify="right")
    for worker in memory["workers"]:
        out.add_row(
            str(worker["pid"]),
            f"{worker['start_mb']:.0f}",
            f"{worker['end_mb']:.0f}",
            f"{worker['peak_mb']:.0f}",
            f"{worker['growth_pct']:+.1f}%",
        )
    return out


def plot(path: Path, summary: dict[str, Any]) -> Path:
    """Latency percentiles against answered load, one colour per worker count; below, memory
    over the soak and what an answered message cost the workers' CPU at each load."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, raw = summary["rows"], summary["raw_model_msgs_per_s"]
    figure, grid = plt.subplots(2, 2, figsize=(14, 9))
    axes = grid.flatten()
    for ax, mode, label in (
        (axes[0], "rate", "fixed request rate (open loop)"),
        (axes[1], "concurrency", "fixed concurrency (closed loop)"),
    ):
        for workers, colour in WORKER_COLOURS:
            points = sorted(
                (r for r in rows if r["mode"] == mode and r["workers"] == workers),
                key=lambda r: float(r["level"]),
            )
            x = [r["msgs_per_s"] for r in points]
            for key, style in (("p50_ms", ":"), ("p95_ms", "-"), ("p99_ms", "--")):
                if points:
                    ax.plot(
                        x,
                        [r[key] for r in points],
                        style,
                        marker="o",
                        color=colour,
                        label=f"{workers} worker{'s' if workers > 1 else ''} {key[:3]}",
                    )
        ax.axvline(raw, color="grey", linewidth=1)
        ax.text(
            raw, 0.03, " raw model", rotation=90, color="grey", transform=ax.get_xaxis_transform()
        )
        ax.set_title(label)
        ax.set_xlabel("messages / s answered")
        ax.set_ylabel("latency, ms")
        ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.3)
    for soak in (r for r in rows if r["mode"] == "soak"):
        axes[0].plot(soak["msgs_per_s"], soak["p95_ms"], "k*", markersize=12, label="soak p95")
    axes[0].legend(fontsize=7, loc="upper left")
    memory = summary["memory"]
    for worker in memory["workers"]:
        series = worker.get("series") or [(0.0, worker["start_mb"])]
        line = axes[2].plot(
            [t for t, _ in series], [mb for _, mb in series], label=f"pid {worker['pid']}"
        )
        axes[2].axhline(worker["start_mb"] * 1.05, color=line[0].get_color(), linestyle=":")
    lowest = min(w["start_mb"] for w in memory["workers"])
    axes[2].set_ylim(bottom=lowest * 0.9, top=max(w["peak_mb"] for w in memory["workers"]) * 1.1)
    axes[2].text(0, lowest * 0.92, "dotted: start + 5%", fontsize=7, color="grey")
    axes[2].set_title(f"resident memory per worker at {memory['at_rps']} msgs/s")
    axes[2].set_xlabel("seconds into the soak")
    axes[2].set_ylabel("MiB")
    axes[2].grid(True, alpha=0.3)
    axes[2].legend(fontsize=7)
    cpu_panel(axes[3], rows, summary.get("cores"))
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def cpu_panel(ax: Any, rows: Sequence[dict[str, Any]], cores: int | None) -> None:
    """CPU per answered message against answered load: the event loops, and all threads; and
    what the machine has per message at each rate (where the service's line meets it, the cores
    are full). Phases without answers have no figure and are left out."""
    measured = sorted(
        (r for r in rows if r.get("loop_cpu_ms") is not None),
        key=lambda r: float(r["msgs_per_s"]),
    )
    if cores and measured:
        lowest, highest = max(float(measured[0]["msgs_per_s"]), 1.0), measured[-1]["msgs_per_s"]
        rates = np.linspace(lowest, highest, 50)
        ax.plot(rates, cores * 1000 / rates, color="grey", linewidth=1,
                label=f"{cores} cores' time / rate")  # fmt: skip
    for workers, colour in WORKER_COLOURS:
        points = [r for r in measured if r["workers"] == workers]
        if not points:
            continue
        x = [r["msgs_per_s"] for r in points]
        name = f"{workers} worker{'s' if workers > 1 else ''}"
        ax.plot(x, [r["loop_cpu_ms"] for r in points], ":", marker="o", color=colour,
                label=f"{name}, event loop")  # fmt: skip
        total = [r["loop_cpu_ms"] + r["threads_cpu_ms"] for r in points]
        ax.plot(x, total, "-", marker="o", color=colour, label=f"{name}, all threads")
    ax.set_title("CPU per answered message")
    ax.set_xlabel("messages / s answered")
    ax.set_ylabel("ms of CPU")
    totals = [r["loop_cpu_ms"] + r["threads_cpu_ms"] for r in measured]
    ax.set_ylim(0, 1.5 * max(totals, default=1.0))  # the cores' curve climbs off at low rates
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)


def headline_line(summary: dict[str, Any]) -> str:
    return json.dumps({key: summary[key] for key in HEADLINE_KEYS})


def show(console: Console, rows: Sequence[dict[str, Any]], summary: dict[str, Any]) -> None:
    console.print(table(rows, f"service under load ({summary['mix']})"))
    console.print(memory_table(summary["memory"]))
    for line in summary["notes"]:
        console.print(line)
