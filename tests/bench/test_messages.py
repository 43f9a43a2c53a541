"""The bench's message mix: the team's training examples, in stated proportions, reproducibly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from orchestrator.bench import messages

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "data" / "train"


def test_when_sampled_then_the_mix_holds_and_the_sample_is_reproducible() -> None:
    examples = messages.load_examples(TRAIN)
    chosen = messages.sample(examples, 1000)
    counts = Counter(m.category for m in chosen)
    assert counts == {"informational": 500, "service_action": 350, "safety_compliance": 150}
    assert chosen == messages.sample(examples, 1000)
    assert chosen != messages.sample(examples, 1000, seed=7)
    assert {m.channel for m in chosen} == {"chat", "voice", "mail"}
    assert {m.text for m in chosen} <= {e.text for e in examples}


def test_when_more_are_asked_than_a_category_holds_then_examples_repeat() -> None:
    examples = messages.load_examples(TRAIN)
    chosen = messages.sample(examples, 10_000, mix=messages.CLASSIFY_ONLY_MIX)
    assert len(chosen) == 10_000
    assert {m.category for m in chosen} == {"informational"}


def test_when_a_category_has_no_examples_then_refused(tmp_path: Path) -> None:
    data = tmp_path / "one.csv"
    data.write_text(
        "text,category,intent,severity,channel\nwhen do you open,informational,,,chat\n"
    )
    with pytest.raises(ValueError, match="safety_compliance"):
        messages.sample(messages.load_examples(data), 10)
    with pytest.raises(FileNotFoundError):
        messages.load_examples(tmp_path / "empty")


def test_when_sent_then_the_body_is_the_classify_request() -> None:
    message = messages.Message('say "hi"', "informational", "voice")
    assert json.loads(message.body()) == {"message": 'say "hi"', "channel": "voice"}
    assert messages.describe(messages.DEFAULT_MIX) == (
        "informational 50%, service_action 35%, safety_compliance 15%"
    )
