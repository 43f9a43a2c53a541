"""A sentence-transformers BERT model read straight from its folder: tokenizer, config, weights.

The service needs three things from all-MiniLM-L6-v2's folder: the tokenizer (`tokenizer.json`,
run by the `tokenizers` library, the same Rust code `transformers` wraps), the BERT config and
weights (`config.json`, `model.safetensors`), and the sentence-level settings (truncation length,
mean pooling, normalisation). Importing `sentence_transformers` to get them pulls in
`transformers` and most of scikit-learn and SciPy's stack: 5-8 s of a worker's start on a slow
2-core machine, against ~0.1 s for these files. The vectors are the library's own
(tests/classifiers/test_packed.py compares ids and vectors with sentence-transformers).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
SENTENCE_CONFIG_FILE = "sentence_bert_config.json"
MODULES_FILE = "modules.json"
POOLING_TYPE = "sentence_transformers.models.Pooling"


class ModelFilesError(ValueError):
    """The folder is not a sentence-transformers BERT model this embedder can run."""


@dataclass(frozen=True)
class BertConfig:
    hidden: int
    heads: int
    layers: int
    eps: float

    @classmethod
    def read(cls, folder: Path) -> BertConfig:
        config = _json(folder / CONFIG_FILE)
        if config.get("position_embedding_type", "absolute") != "absolute":
            raise ModelFilesError("only absolute position embeddings are supported")
        if config.get("hidden_act") != "gelu":
            raise ModelFilesError(f"unsupported activation {config.get('hidden_act')!r}")
        return cls(
            hidden=int(config["hidden_size"]),
            heads=int(config["num_attention_heads"]),
            layers=int(config["num_hidden_layers"]),
            eps=float(config["layer_norm_eps"]),
        )


@dataclass(frozen=True)
class BertWeights:
    """A BERT encoder's config and tensors, named as in `transformers`' `BertModel`."""

    config: BertConfig
    tensors: dict[str, torch.Tensor]

    @classmethod
    def read(cls, folder: Path) -> BertWeights:
        from safetensors.torch import load_file

        path = folder / WEIGHTS_FILE
        if not path.is_file():
            raise ModelFilesError(f"no {WEIGHTS_FILE} in {folder}")
        tensors = load_file(str(path))
        # Checkpoints saved from a task model carry the encoder under "bert.".
        tensors = {name.removeprefix("bert."): t for name, t in tensors.items()}
        return cls(BertConfig.read(folder), tensors)

    def __getitem__(self, name: str) -> torch.Tensor:
        try:
            return self.tensors[name]
        except KeyError:
            raise ModelFilesError(f"the weights have no {name!r}") from None

    def layer(self, index: int, name: str) -> torch.Tensor:
        return self[f"encoder.layer.{index}.{name}"]


class Tokenizer:
    """Token ids per text, truncated as sentence-transformers truncates (no padding)."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer as RustTokenizer

        settings = (
            _json(folder / SENTENCE_CONFIG_FILE)
            if (folder / SENTENCE_CONFIG_FILE).is_file()
            else {}
        )
        self.max_length = int(settings.get("max_seq_length", 512))
        self.lowercase = bool(settings.get("do_lower_case", False))
        self._tokenizer = RustTokenizer.from_file(str(folder / TOKENIZER_FILE))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_length)

    def __call__(self, texts: Sequence[str]) -> list[list[int]]:
        texts = [t.lower() for t in texts] if self.lowercase else list(texts)
        return [encoding.ids for encoding in self._tokenizer.encode_batch(texts)]


def check_mean_pooling(folder: Path) -> None:
    """The model pools by the mean of its tokens, the only pooling the packed encoder runs."""
    modules = _json(folder / MODULES_FILE) if (folder / MODULES_FILE).is_file() else []
    for module in modules:
        if module.get("type") == POOLING_TYPE:
            pooling = _json(folder / module["path"] / CONFIG_FILE)
            modes = [key for key, on in pooling.items() if key.startswith("pooling_mode") and on]
            if modes != ["pooling_mode_mean_tokens"]:
                raise ModelFilesError(f"only mean pooling is supported, not {modes}")


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise ModelFilesError(f"missing {path.name} in {path.parent}") from None
