"""The default tier: all-MiniLM-L6-v2 embeddings and calibrated linear heads, fully offline.

`classify` goes through a micro-batcher: the messages of concurrent requests are embedded and
scored together in one worker-thread call (`predict_batch`), the same arithmetic row by row as
`predict_vector(text, embed(text))`, within float tolerance.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from orchestrator.classifiers import cpu
from orchestrator.classifiers.base import Classifier, Prediction
from orchestrator.classifiers.batching import MicroBatcher
from orchestrator.classifiers.cpu import fast_bf16, fast_int8, model_threads
from orchestrator.classifiers.embedder import Embedder, Precision, Vectors
from orchestrator.classifiers.heads import Floats, LocalModel
from orchestrator.config import Settings
from orchestrator.domain import Category, Intent, Severity
from orchestrator.observability.metrics import Metrics

if TYPE_CHECKING:
    from orchestrator.classifiers.packed import Int8Kernel

DEFAULT_BATCH_MAX_SIZE = 32
DEFAULT_BATCH_WINDOW_S = 0.002


def resolve_precision(
    setting: str,
    *,
    int8: bool | None = None,
    bf16: bool | None = None,
    avx2_int8: bool | None = None,
) -> Precision:
    """`auto`: int8 where the CPU has int8 dot products (VNNI, AMX), else bf16 where it computes
    bf16 natively, else int8 on fbgemm's kernels where it has AVX2, else fp32. `int8`, `bf16`
    and `avx2_int8` say what the CPU has (default: read from it).

    Measured on a CPU with both (AMD EPYC, AVX512-BF16 and VNNI, two processes of one thread):
    int8 embedded 1,283-1,319 messages/s in batches of 32 against bf16's 1,169-1,201, and
    485 one by one against 430-453, at the same dev-set macro-F1 (0.9523). Each is faster
    than fp32 where it is chosen. On an Intel Xeon with AMX (where oneDNN runs bf16 on AMX tiles
    and `torch._int_mm` does not), bf16 embedded more in batches of 32 (one thread: 621-657
    messages/s against 538), but the service answered slower at the same request rates (p95
    31-91 ms against 25-35 at 250-300 msgs/s, two alternating rounds): int8 stays the choice.
    On an AMD EPYC Zen 3 (AVX2, no VNNI), int8 on fbgemm against fp32, one thread: 3.9-4.1 ms a
    message in batches of 32 against 4.6-5.0, and 6.0-7.8 one by one against 11.9-12.6.
    """
    if setting != "auto":
        return "bf16" if setting == "bf16" else "int8" if setting == "int8" else "fp32"
    has_int8 = fast_int8() if int8 is None else int8
    has_bf16 = fast_bf16() if bf16 is None else bf16
    if has_int8 or has_bf16:
        return "int8" if has_int8 else "bf16"
    has_avx2_int8 = cpu.avx2_int8() if avx2_int8 is None else avx2_int8
    return "int8" if has_avx2_int8 else "fp32"


class LocalClassifier(Classifier):
    name = "local"

    def __init__(
        self,
        embedder: Embedder,
        model: LocalModel,
        *,
        batch_max_size: int = DEFAULT_BATCH_MAX_SIZE,
        batch_window_s: float = DEFAULT_BATCH_WINDOW_S,
    ) -> None:
        self.embedder = embedder
        self.model = model
        self.batcher: MicroBatcher[str, Prediction] = MicroBatcher(
            self.predict_batch, max_size=batch_max_size, window_s=batch_window_s
        )

    @classmethod
    def from_paths(
        cls,
        model_dir: Path,
        embedding_model: Path | None = None,
        *,
        threads: int | None = None,
        precision: Precision = "fp32",
        int8_kernel: Int8Kernel | None = None,
        batch_max_size: int = DEFAULT_BATCH_MAX_SIZE,
        batch_window_s: float = DEFAULT_BATCH_WINDOW_S,
    ) -> LocalClassifier:
        return cls(
            Embedder(
                embedding_model, threads=threads, precision=precision, int8_kernel=int8_kernel
            ),
            LocalModel.load(model_dir),
            batch_max_size=batch_max_size,
            batch_window_s=batch_window_s,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalClassifier:
        """The shipped (or configured) model with the service's throughput settings."""
        return cls.from_paths(
            settings.model_dir,
            settings.embedding_model_path,
            threads=settings.torch_threads or model_threads(settings.workers),
            precision=resolve_precision(settings.embedding_precision),
            int8_kernel=None if settings.int8_kernel == "auto" else settings.int8_kernel,
            batch_max_size=settings.batch_max_size,
            batch_window_s=settings.batch_window_ms / 1000,
        )

    def embed(self, text: str) -> Vectors:
        return self.embedder.encode([text])

    def predict_vector(self, text: str, vector: Vectors) -> Prediction:
        """The heads on an embedding already computed: well under a millisecond."""
        return self._predict([text], vector)[0]

    def predict_batch(self, texts: Sequence[str]) -> list[Prediction]:
        """Embed and score many messages in one pass (blocking: run it in a thread)."""
        if not texts:
            return []
        return self._predict(texts, self.embedder.encode(texts, batch_size=len(texts)))

    def _predict(self, texts: Sequence[str], vectors: Vectors) -> list[Prediction]:
        category, intent, severity = self.model.probabilities(texts, vectors)
        return [
            self._prediction(category[i], intent[i], severity[i], vectors[i])
            for i in range(len(texts))
        ]

    def _prediction(
        self, category: Floats, intent: Floats, severity: Floats, vector: Vectors
    ) -> Prediction:
        return Prediction(
            scores={
                Category(label): float(p)
                for label, p in zip(self.model.category.labels, category, strict=True)
            },
            tier=self.name,
            intent=Intent(self.model.intent.labels[int(intent.argmax())]),
            severity=Severity(self.model.severity.labels[int(severity.argmax())]),
            extras={
                "intent_confidence": float(intent.max()),
                "severity_confidence": float(severity.max()),
            },
            embedding=np.array(vector, dtype=np.float32),  # its own copy, not a batch view
        )

    async def classify(self, text: str) -> Prediction:
        return await self.batcher.submit(text)

    def instrument(self, metrics: Metrics) -> None:
        self.batcher.observe = metrics.batch_size.observe

    async def aclose(self) -> None:
        await self.batcher.aclose()
