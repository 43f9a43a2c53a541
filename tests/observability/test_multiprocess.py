"""The multiprocess folder `serve --workers N` hands its workers, and /metrics merging it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client import CollectorRegistry

from orchestrator.observability.metrics import MULTIPROC_ENV, Metrics, multiprocess_dir

WORKER = """
from prometheus_client import CollectorRegistry
from orchestrator.observability.metrics import Metrics
metrics = Metrics(CollectorRegistry())
metrics.requests.labels(category="informational", channel="chat", status="ok").inc(3)
metrics.in_flight.inc()
"""


def test_when_one_worker_and_nothing_configured_then_single_process_mode() -> None:
    environ: dict[str, str] = {}
    with multiprocess_dir(1, None, environ) as folder:
        assert folder is None
        assert environ == {}


def test_when_several_workers_then_a_temporary_folder_is_handed_over() -> None:
    environ: dict[str, str] = {}
    with multiprocess_dir(2, None, environ) as folder:
        assert folder is not None and folder.is_dir()
        assert environ[MULTIPROC_ENV] == str(folder)
    assert not folder.exists()
    assert MULTIPROC_ENV not in environ


def test_when_folder_configured_then_stale_metric_files_are_removed(tmp_path: Path) -> None:
    configured = tmp_path / "metrics"
    configured.mkdir()
    (configured / "counter_123.db").write_bytes(b"stale")
    (configured / "README").write_text("kept")
    environ: dict[str, str] = {}
    with multiprocess_dir(4, configured, environ) as folder:
        assert folder == configured
        assert sorted(p.name for p in configured.iterdir()) == ["README"]
        assert environ[MULTIPROC_ENV] == str(configured)
    assert configured.is_dir()


def test_when_workers_wrote_samples_then_render_merges_them(tmp_path: Path) -> None:
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {**os.environ, MULTIPROC_ENV: str(folder)}
    for _ in range(2):  # two worker processes, each with its own files
        subprocess.run([sys.executable, "-c", WORKER], env=env, check=True, timeout=120)
    metrics = Metrics(CollectorRegistry(), multiproc_dir=folder)
    text = metrics.render().decode()
    assert (
        'classification_requests_total{category="informational",channel="chat",status="ok"} 6.0'
        in text
    )
    metrics.close()  # this process's live gauges (none here) leave the folder
    assert "requests_in_flight" in text


def test_when_not_multiprocess_then_render_is_this_registry() -> None:
    metrics = Metrics(CollectorRegistry())
    metrics.shed.inc()
    assert "shed_total 1.0" in metrics.render().decode()
    metrics.close()
