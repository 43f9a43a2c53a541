"""Raw model throughput: batched embedding + heads in one process, no HTTP, no workflows.

`python -m orchestrator.bench.raw --data data/train` prints one JSON object. It builds the
classifier from the same settings as the service (threads, precision, batch cap), so the service's
figure and this one describe the same model on the same machine. `RawModel` is the bench's side:
it starts these processes and reads their figures. Torch is imported only in the child.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestrator.bench import messages as bench_messages

if TYPE_CHECKING:
    from orchestrator.classifiers.local import LocalClassifier


def throughput(
    classifier: LocalClassifier, texts: Sequence[str], *, batch_size: int, seconds: float
) -> float:
    """Messages per second through `predict_batch`, in batches of `batch_size`, for `seconds`."""
    classifier.predict_batch(texts[:batch_size])  # warm: first calls allocate
    done = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        start = done % len(texts)
        batch = texts[start : start + batch_size] or texts[:batch_size]
        classifier.predict_batch(batch)
        done += len(batch)
    return done / elapsed


SMALL_BATCHES = (1, 2, 4, 8)  # what batches look like below saturation


def measure(
    classifier: LocalClassifier, texts: Sequence[str], *, batch_size: int, seconds: float
) -> dict[str, Any]:
    """Throughput in batches of `batch_size` (60% of `seconds`), then the model's cost per
    message in small batches (10% each): below saturation the batches are small, and each
    message costs more of the CPU than in a full one."""
    small = [b for b in SMALL_BATCHES if b < batch_size]
    batched = throughput(classifier, texts, batch_size=batch_size, seconds=seconds * 0.6)
    by_size = {
        size: throughput(classifier, texts, batch_size=size, seconds=seconds * 0.1)
        for size in small
    }
    by_size[batch_size] = batched
    return {
        "batch_size": batch_size,
        "batched_msgs_per_s": round(batched, 1),
        "one_by_one_msgs_per_s": round(by_size[1], 1),
        "ms_per_message_by_batch": {
            str(size): round(1000 / rate, 2) for size, rate in by_size.items()
        },
    }


class RawModel:
    """Raw-model processes: they load while the first service does, and measure while it idles.

    Two ways to spend the cores: a process per core with one thread each (as the workers do),
    all measuring at once; then the first of them alone with a thread per core. The better of the
    two is the raw figure. One process per core, not one more for the threaded figure: each
    loads torch and the model, which on a slow 2-core machine is seconds of the bench's three
    minutes.
    """

    def __init__(self, data: Path, seconds: float, classify_only: bool, cores: int) -> None:
        command = [sys.executable, "-m", "orchestrator.bench.raw", "--data", str(data), "--wait"]
        command += ["--seconds", str(seconds), "--threads", "1"]
        command += ["--classify-only"] if classify_only else []
        self.seconds = seconds
        self.cores = cores
        self.processes = [self._spawn(command) for _ in range(max(1, cores))]

    @staticmethod
    def _spawn(command: list[str]) -> subprocess.Popen[str]:
        return subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    @staticmethod
    def _read(process: subprocess.Popen[str]) -> str:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"raw model measurement failed ({process.wait()})")
        return line.strip()

    def _measure(
        self, processes: list[subprocess.Popen[str]], threads: int, seconds: float
    ) -> list[dict[str, Any]]:
        for process in processes:
            assert process.stdin is not None
            process.stdin.write(f"go {threads} {seconds}\n")
            process.stdin.flush()
        return [json.loads(self._read(process)) for process in processes]

    @staticmethod
    def _close(process: subprocess.Popen[str]) -> None:
        if process.poll() is None and process.stdin is not None and not process.stdin.closed:
            process.stdin.close()  # the process reads EOF and ends
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()

    def measure(self) -> dict[str, Any]:
        for process in self.processes:
            if self._read(process) != "READY":
                raise RuntimeError("raw model process did not load")
        per_core = self._measure(self.processes, 1, self.seconds)
        threaded = per_core[0]
        if self.cores > 1:
            # A third of the time: the shapes are warm by now, and the figure is rarely the better
            # (on ONNX Runtime the process first starts a session with that many threads, ~1 s).
            threaded = self._measure(self.processes[:1], self.cores, self.seconds / 3)[0]
        self.close()
        result = {
            "batched_msgs_per_s": threaded["batched_msgs_per_s"],
            "one_by_one_msgs_per_s": threaded["one_by_one_msgs_per_s"],
            "batch_size": threaded["batch_size"],
            "precision": threaded["precision"],
            "threaded": {
                "threads": threaded["threads"],
                "msgs_per_s": threaded["batched_msgs_per_s"],
            },
            "ms_per_message_by_batch": threaded["ms_per_message_by_batch"],
        }
        if self.cores > 1:
            total = round(sum(f["batched_msgs_per_s"] for f in per_core), 1)
            result["per_core"] = {"processes": len(per_core), "msgs_per_s": total}
            result["batched_msgs_per_s"] = max(result["batched_msgs_per_s"], total)
            # One thread per process, every core busy: the cost a worker's batches pay.
            result["ms_per_message_by_batch"] = {
                size: round(
                    sum(f["ms_per_message_by_batch"][size] for f in per_core) / len(per_core), 2
                )
                for size in per_core[0]["ms_per_message_by_batch"]
            }
        return result

    def close(self) -> None:
        for process in self.processes:
            self._close(process)


def main(argv: Sequence[str] | None = None) -> None:
    from orchestrator.classifiers.local import LocalClassifier
    from orchestrator.config import Settings

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=bench_messages.DEFAULT_DATA)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--classify-only", action="store_true")
    parser.add_argument("--threads", type=int, default=0, help="0: as the service would")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--wait",
        action="store_true",
        help='load, print READY, then measure at each "go [threads seconds]" line on stdin',
    )
    args = parser.parse_args(argv)

    settings = Settings()
    if args.threads:
        settings = settings.model_copy(update={"torch_threads": args.threads})
    mix = bench_messages.CLASSIFY_ONLY_MIX if args.classify_only else bench_messages.DEFAULT_MIX
    examples = bench_messages.load_examples(args.data)
    texts = [m.text for m in bench_messages.sample(examples, 2048, mix=mix, seed=args.seed)]
    started = time.perf_counter()
    classifier = LocalClassifier.from_settings(settings)
    classifier.predict_batch(texts[: settings.batch_max_size])
    loaded_s = time.perf_counter() - started
    if not args.wait:
        _report(classifier, texts, settings.batch_max_size, args.seconds, loaded_s)
        return
    print("READY", flush=True)
    # "go [threads seconds]" a line, until the bench closes stdin (before any: nothing measured).
    for line in iter(sys.stdin.readline, ""):
        words = line.split()
        if not words or words[0] != "go":
            continue
        if len(words) == 3:
            classifier.embedder.set_threads(int(words[1]))
        seconds = float(words[2]) if len(words) == 3 else args.seconds
        _report(classifier, texts, settings.batch_max_size, seconds, loaded_s)


def _report(
    classifier: LocalClassifier,
    texts: Sequence[str],
    batch_size: int,
    seconds: float,
    loaded_s: float,
) -> None:
    figures = measure(classifier, texts, batch_size=batch_size, seconds=seconds)
    figures.update(
        load_s=round(loaded_s, 2),
        precision=classifier.embedder.precision,
        threads=classifier.embedder.threads,
    )
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
