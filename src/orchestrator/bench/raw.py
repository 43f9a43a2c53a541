"""Raw model throughput: batched embedding + heads in one process, no HTTP, no workflows.

`python -m orchestrator.bench.raw --data data/train` prints one JSON object. It builds the
classifier from the same settings as the service (threads, precision, batch cap), so the service's
figure and this one describe the same model on the same machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from orchestrator.bench import messages as bench_messages
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


def measure(
    classifier: LocalClassifier, texts: Sequence[str], *, batch_size: int, seconds: float
) -> dict[str, Any]:
    return {
        "batch_size": batch_size,
        "batched_msgs_per_s": round(
            throughput(classifier, texts, batch_size=batch_size, seconds=seconds * 0.75), 1
        ),
        "one_by_one_msgs_per_s": round(
            throughput(classifier, texts, batch_size=1, seconds=seconds * 0.25), 1
        ),
    }


def main(argv: Sequence[str] | None = None) -> None:
    from orchestrator.config import Settings

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=bench_messages.DEFAULT_DATA)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--classify-only", action="store_true")
    parser.add_argument("--threads", type=int, default=0, help="0: as the service would")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--wait", action="store_true", help="load, print READY, measure after a line on stdin"
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
    if args.wait:
        print("READY", flush=True)
        if not sys.stdin.readline():  # the bench went away before asking
            return
    figures = measure(classifier, texts, batch_size=settings.batch_max_size, seconds=args.seconds)
    figures.update(
        load_s=round(loaded_s, 2),
        precision=classifier.embedder.precision,
        threads=torch.get_num_threads(),
    )
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
