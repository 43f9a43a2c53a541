"""Raw model throughput: the same batched path the service runs, without HTTP."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
import torch

from orchestrator.bench import raw
from orchestrator.bench.messages import load_examples, sample
from orchestrator.classifiers.local import LocalClassifier, resolve_precision

ROOT = Path(__file__).resolve().parents[2]


def test_when_measured_then_batched_and_one_by_one_figures_are_positive(
    local_classifier: LocalClassifier,
) -> None:
    texts = [m.text for m in sample(load_examples(ROOT / "data" / "train"), 64)]
    figures = raw.measure(local_classifier, texts, batch_size=16, seconds=0.4)
    assert figures["batch_size"] == 16
    assert figures["batched_msgs_per_s"] > 0
    assert figures["one_by_one_msgs_per_s"] > 0
    by_batch = figures["ms_per_message_by_batch"]
    assert list(by_batch) == ["1", "2", "4", "8", "16"]  # the small batches, then the full one
    assert all(ms > 0 for ms in by_batch.values())
    assert by_batch["1"] == pytest.approx(1000 / figures["one_by_one_msgs_per_s"], rel=0.01)
    assert by_batch["16"] == pytest.approx(1000 / figures["batched_msgs_per_s"], rel=0.01)


def test_when_the_batch_cap_is_small_then_only_smaller_batches_are_measured_besides_it(
    local_classifier: LocalClassifier,
) -> None:
    texts = [m.text for m in sample(load_examples(ROOT / "data" / "train"), 16)]
    figures = raw.measure(local_classifier, texts, batch_size=2, seconds=0.2)
    assert list(figures["ms_per_message_by_batch"]) == ["1", "2"]


def test_when_run_as_a_process_then_it_waits_for_go_and_prints_one_json_object(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("go\n"))
    threads = torch.get_num_threads()  # process-wide: keep what the suite runs with
    raw.main(
        [
            *("--data", str(ROOT / "data" / "train"), "--seconds", "0.2"),
            *("--threads", str(threads), "--wait", "--classify-only"),
        ]
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "READY"
    figures = json.loads(lines[-1])
    assert figures["threads"] == threads
    assert figures["precision"] == resolve_precision("auto")  # what the service would run
    assert figures["batched_msgs_per_s"] > 0


def test_when_told_threads_and_seconds_then_it_measures_once_per_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    threads = torch.get_num_threads()  # process-wide: "go" sets it, so keep the suite's
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"go {threads} 0.2\nnoise\ngo 1 0.1\n"))
    try:
        raw.main(["--data", str(ROOT / "data" / "train"), "--threads", str(threads), "--wait"])
    finally:
        torch.set_num_threads(threads)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "READY"
    figures = [json.loads(line) for line in lines[1:]]
    assert [f["threads"] for f in figures] == [threads, 1]
    assert all(f["batched_msgs_per_s"] > 0 for f in figures)


def test_when_the_bench_goes_away_before_go_then_it_measures_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    threads = torch.get_num_threads()
    raw.main(["--data", str(ROOT / "data" / "train"), "--threads", str(threads), "--wait"])
    assert capsys.readouterr().out.strip().splitlines() == ["READY"]
