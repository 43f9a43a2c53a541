"""One text's TF-IDF row, computed the way a fitted `TfidfVectorizer` computes it.

`TfidfVectorizer.transform` spends most of its time on a handful of texts in input validation and
sparse-matrix building. On the serving path a text is a few dozen terms, so its row is built here
from the vectorizer's own analyzer, vocabulary and idf: term counts (log-scaled when the
vectorizer is sublinear), times idf, L2-normalised. Used by the classifier's n-gram features
(classifiers/heads.py) and the knowledge base's keyword score (knowledge/keywords.py); each is
tested equal to `transform`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class TfidfRows:
    """`transform([text])` of a fitted vectorizer (l2 norm, idf on) as term ids and weights."""

    analyze: Callable[[str], list[str]]
    vocabulary: Mapping[str, int]
    idf: Floats
    sublinear_tf: bool

    def row(self, text: str) -> tuple[list[int], Floats]:
        """The text's non-zero columns and their weights; ([], empty) when it has no known term."""
        counts = Counter(t for t in self.analyze(text) if t in self.vocabulary)
        if not counts:
            return [], np.zeros(0, dtype=np.float64)
        ids = [self.vocabulary[term] for term in counts]
        tf = np.fromiter(counts.values(), np.float64, len(counts))
        weights = (1.0 + np.log(tf) if self.sublinear_tf else tf) * self.idf[ids]
        return ids, weights / float(np.sqrt(weights @ weights))
