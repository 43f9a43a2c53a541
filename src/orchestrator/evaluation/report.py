"""`eval --report DIR`: confusion matrix, reliability, latency histogram, summary, errors."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from orchestrator.evaluation.dataset import EvalRow
from orchestrator.evaluation.metrics import Outcome, reliability_bins


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_report(
    directory: Path, summary: dict[str, Any], rows: Sequence[EvalRow], outcomes: Sequence[Outcome]
) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    plt = _pyplot()
    written: list[Path] = []

    labels = list(summary["confusion"])
    grid = [[summary["confusion"][t][p] for p in labels] for t in labels]
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.imshow(grid, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=20)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i, cells in enumerate(grid):
        for j, value in enumerate(cells):
            ax.text(j, i, str(value), ha="center", va="center")
    ax.set_title(f"Confusion (n={summary['n']}, macro-F1={summary['macro_f1']})")
    fig.tight_layout()
    written.append(directory / "confusion_matrix.png")
    fig.savefig(written[-1], dpi=120)
    plt.close(fig)

    correct = [o.category is r.category for r, o in zip(rows, outcomes, strict=True)]
    bins = reliability_bins([o.confidence for o in outcomes], correct)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot(
        [b["confidence"] for b in bins], [b["accuracy"] for b in bins], marker="o", label="model"
    )
    ax.set_xlabel("mean confidence")
    ax.set_ylabel("accuracy")
    ax.set_title(f"Reliability (ECE={summary['ece']})")
    ax.legend()
    fig.tight_layout()
    written.append(directory / "reliability.png")
    fig.savefig(written[-1], dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.hist([o.latency_ms for o in outcomes], bins=50)
    lat = summary["latency_ms"]
    ax.set_title(f"Latency per message: p50 {lat['p50']} ms, p95 {lat['p95']} ms")
    ax.set_xlabel("ms")
    ax.set_ylabel("messages")
    fig.tight_layout()
    written.append(directory / "latency_histogram.png")
    fig.savefig(written[-1], dpi=120)
    plt.close(fig)

    written.append(directory / "summary.json")
    written[-1].write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")

    written.append(directory / "errors.csv")
    with written[-1].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "true", "predicted", "confidence", "decision_path"])
        for row, outcome in zip(rows, outcomes, strict=True):
            if outcome.category is not row.category:
                writer.writerow(
                    [
                        row.text,
                        row.category.value,
                        outcome.category.value,
                        outcome.confidence,
                        outcome.decision_path,
                    ]
                )
    return written
