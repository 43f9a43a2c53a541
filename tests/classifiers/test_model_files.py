"""The model folder is read without sentence-transformers, and what it cannot run is refused."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from orchestrator.classifiers.embedder import default_model_path
from orchestrator.classifiers.model_files import (
    BertConfig,
    BertWeights,
    ModelFilesError,
    Tokenizer,
    check_mean_pooling,
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the model's small files (the weights left out: each test adds what it needs)."""
    source = default_model_path()
    for path in source.rglob("*"):
        if path.is_file() and path.suffix != ".safetensors":
            target = tmp_path / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return tmp_path


def _edit(path: Path, **changes: object) -> None:
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_when_the_shipped_model_then_its_config_and_all_six_layers() -> None:
    weights = BertWeights.read(default_model_path())
    assert weights.config == BertConfig(hidden=384, heads=12, layers=6, eps=1e-12)
    assert weights.layer(5, "output.dense.weight").shape == (384, 1536)


def test_when_weights_saved_under_bert_then_read_by_the_encoders_names(folder: Path) -> None:
    save_file(
        {"bert.embeddings.word_embeddings.weight": torch.ones(4, 2)}, folder / "model.safetensors"
    )
    weights = BertWeights.read(folder)
    assert torch.equal(weights["embeddings.word_embeddings.weight"], torch.ones(4, 2))
    with pytest.raises(ModelFilesError, match="encoder.layer.0.output.dense.weight"):
        weights.layer(0, "output.dense.weight")


def test_when_no_weights_then_a_clear_error(folder: Path) -> None:
    with pytest.raises(ModelFilesError, match="no model.safetensors"):
        BertWeights.read(folder)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hidden_act": "relu"}, "unsupported activation 'relu'"),
        ({"position_embedding_type": "relative_key"}, "absolute position embeddings"),
    ],
)
def test_when_the_architecture_differs_then_refused(
    folder: Path, changes: dict[str, str], message: str
) -> None:
    _edit(folder / "config.json", **changes)
    with pytest.raises(ModelFilesError, match=message):
        BertConfig.read(folder)


def test_when_pooling_is_not_the_mean_then_refused(folder: Path) -> None:
    check_mean_pooling(folder)  # the shipped model: mean pooling
    pooling = folder / "1_Pooling" / "config.json"
    _edit(pooling, pooling_mode_mean_tokens=False, pooling_mode_cls_token=True)
    with pytest.raises(ModelFilesError, match="only mean pooling"):
        check_mean_pooling(folder)


def test_when_tokenizing_then_truncated_unpadded_and_lowercased_as_configured(folder: Path) -> None:
    tokenizer = Tokenizer(folder)
    assert tokenizer.max_length == 256
    short, long = tokenizer(["hi", "refund " * 300])
    assert len(short) == 3 and len(long) == 256  # [CLS] hi [SEP]; cut at the model's limit
    _edit(folder / "sentence_bert_config.json", max_seq_length=8, do_lower_case=True)
    cut = Tokenizer(folder)
    assert cut.lowercase and len(cut(["refund " * 300])[0]) == 8


def test_when_serving_then_sentence_transformers_is_not_imported() -> None:
    # A worker's start: the app and the classifier it serves, in a fresh interpreter.
    code = (
        "import sys\n"
        "from orchestrator.classifiers.local import LocalClassifier\n"
        "from orchestrator.config import Settings\n"
        "LocalClassifier.from_settings(Settings()).predict_batch(['where is my order'])\n"
        "print(sorted(m for m in ('sentence_transformers', 'transformers') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "[]"
