"""The service under test: `orchestrator serve --workers N` in its own process, on a free port."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import psutil
from prometheus_client.parser import text_string_to_metric_families

READY_PATH = "/api/v1/ready"
METRICS_PATH = "/metrics"
LOADED_EVENT = b"classifier_loaded"  # each worker logs it once its model is attached
# The bench measures capacity, so the limits a deployment sets for its clients are lifted.
BENCH_ENVIRONMENT = {
    "ORCH_RATE_LIMIT_PER_MINUTE": "100000000",
    "ORCH_MAX_CONCURRENT_REQUESTS": "100000",
    "ORCH_LOG_LEVEL": "INFO",  # the one log line per request stays: production writes it too
    "ORCH_LOG_JSON": "true",
}


class ServiceError(RuntimeError):
    """The service did not start, or stopped while measured."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def orchestrator_command() -> str:
    beside = Path(sys.executable).with_name("orchestrator")
    found = str(beside) if beside.exists() else shutil.which("orchestrator")
    if found is None:
        raise ServiceError("the `orchestrator` command is not installed (pip install -e .)")
    return found


@dataclass(frozen=True)
class ThreadCpu:
    """CPU seconds of the workers' event loops and of their other threads."""

    event_loop: float
    other_threads: float

    def per_message_ms(self, since: ThreadCpu, messages: int) -> dict[str, float | None]:
        """What each answered message cost the event loops and the other threads since
        `since`, in ms of CPU (None without answers)."""
        if messages <= 0:
            return {"loop_cpu_ms": None, "threads_cpu_ms": None}
        return {
            "loop_cpu_ms": round((self.event_loop - since.event_loop) / messages * 1000, 2),
            "threads_cpu_ms": round(
                (self.other_threads - since.other_threads) / messages * 1000, 2
            ),
        }


@dataclass
class Service:
    process: subprocess.Popen[bytes]
    url: str
    workers: int
    log_path: Path
    log_file: IO[bytes]

    @classmethod
    def start(
        cls,
        workers: int,
        workdir: Path,
        *,
        environment: Mapping[str, str] | None = None,
        log_dir: Path | None = None,
    ) -> Service:
        """Start the service on a SQLite database in `workdir`; the caller waits for ready."""
        workdir.mkdir(parents=True, exist_ok=True)
        log_dir = log_dir or workdir
        log_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        env = {
            **os.environ,
            **BENCH_ENVIRONMENT,
            "ORCH_DATABASE_URL": f"sqlite+aiosqlite:///{workdir / 'bench.db'}",
            **(environment or {}),
        }
        env.pop("ORCH_REDIS_URL", None)  # one machine: in-process state
        log_path = log_dir / f"service-{workers}w.log"
        log_file = log_path.open("wb")
        command = [orchestrator_command(), "serve", "--port", str(port), "--workers", str(workers)]
        process = subprocess.Popen(
            command, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        return cls(process, f"http://127.0.0.1:{port}", workers, log_path, log_file)

    def wait_ready(self, timeout: float = 120.0) -> float:
        """Seconds until every worker has its model and /ready answers 200."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise ServiceError(
                    f"the service exited ({self.process.returncode}): see {self.log_path}"
                )
            if self.log_path.read_bytes().count(LOADED_EVENT) >= self.workers and self._ready():
                return time.monotonic() - started
            time.sleep(0.2)
        raise ServiceError(f"not ready after {timeout:.0f} s: see {self.log_path}")

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + READY_PATH, timeout=2) as answer:
                return bool(answer.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def worker_pids(self) -> list[int]:
        """The processes that serve requests: the serve process itself, or its workers."""
        if self.workers == 1:
            return [self.process.pid]
        children = psutil.Process(self.process.pid).children()
        workers = [c for c in children if "resource_tracker" not in " ".join(c.cmdline())]
        return sorted(c.pid for c in workers)

    def rss_mb(self) -> dict[int, float]:
        """Resident memory of each worker, in MiB."""
        return {pid: psutil.Process(pid).memory_info().rss / 2**20 for pid in self.worker_pids()}

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the service: its process and every worker."""
        root = psutil.Process(self.process.pid)
        total = 0.0
        for process in (root, *root.children(recursive=True)):
            with contextlib.suppress(psutil.NoSuchProcess):  # a helper that just ended
                times = process.cpu_times()
                total += times.user + times.system
        return total

    def thread_cpu_seconds(self) -> ThreadCpu:
        """CPU time (user + system) so far of the workers' threads, summed over workers: each
        worker's main thread, which runs its event loop, and all its other threads (the model's
        pass thread; the database's, on the write paths)."""
        loop = others = 0.0
        for pid in self.worker_pids():
            with contextlib.suppress(psutil.NoSuchProcess):  # a worker being replaced
                for thread in psutil.Process(pid).threads():
                    spent = thread.user_time + thread.system_time
                    if thread.id == pid:
                        loop += spent
                    else:
                        others += spent
        return ThreadCpu(loop, others)

    def samples(self) -> dict[str, float]:
        """The service's Prometheus samples (every worker's, merged), by name: `{name: value}`
        for unlabelled series, as `/metrics` reports them."""
        with urllib.request.urlopen(self.url + METRICS_PATH, timeout=5) as answer:
            text = answer.read().decode()
        return {
            sample.name: sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if not sample.labels
        }

    def stop(self, timeout: float = 15.0) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # uvicorn shuts down its workers on it
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log_file.close()
