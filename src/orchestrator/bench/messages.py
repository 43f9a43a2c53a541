"""The bench's messages: a fixed, seeded sample of the team's own training examples.

Never the dev set. The mix is what a pharmacy contact center mostly sees: questions first, then
requests, and a smaller share of safety reports; every channel, as the files have them.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA = Path("data/train")
DEFAULT_MIX: Mapping[str, float] = {
    "informational": 0.50,
    "service_action": 0.35,
    "safety_compliance": 0.15,
}
CLASSIFY_ONLY_MIX: Mapping[str, float] = {"informational": 1.0}  # no database write on the path


@dataclass(frozen=True, slots=True)
class Message:
    text: str
    category: str
    channel: str

    def body(self) -> bytes:
        return json.dumps({"message": self.text, "channel": self.channel}).encode()


def load_examples(data: Path = DEFAULT_DATA) -> list[Message]:
    files = sorted(data.glob("*.csv")) if data.is_dir() else [data]
    if not files:
        raise FileNotFoundError(f"no CSV files in {data}")
    examples: list[Message] = []
    for file in files:
        with file.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                examples.append(Message(row["text"], row["category"], row.get("channel") or "chat"))
    return examples


def sample(
    examples: Sequence[Message],
    n: int,
    *,
    mix: Mapping[str, float] = DEFAULT_MIX,
    seed: int = 6,
) -> list[Message]:
    """`n` messages in the given category proportions, shuffled; the same for the same seed."""
    rng = random.Random(seed)
    by_category: dict[str, list[Message]] = {}
    for example in examples:
        by_category.setdefault(example.category, []).append(example)
    missing = [c for c, share in mix.items() if share > 0 and not by_category.get(c)]
    if missing:
        raise ValueError(f"no examples for {missing}")
    total = sum(mix.values())
    chosen: list[Message] = []
    for category, share in mix.items():
        pool = by_category[category] if share > 0 else []
        count = round(n * share / total)
        chosen += [pool[i % len(pool)] for i in rng.sample(range(max(count, len(pool))), count)]
    rng.shuffle(chosen)
    return chosen[:n]


def describe(mix: Mapping[str, float]) -> str:
    total = sum(mix.values())
    return ", ".join(f"{c} {share / total:.0%}" for c, share in mix.items())
