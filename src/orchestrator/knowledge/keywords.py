"""The keyword half of the search: TF-IDF cosines of one question against every article.

scikit-learn fits the vocabulary and the idf weights; scoring a question does not go through
`TfidfVectorizer.transform`, which spends about a millisecond per call on input validation and
sparse-matrix construction (a third of the service's own CPU per question in a profile). The
question's vector is a handful of terms, so it is built here from the same analyzer, vocabulary
and idf, and dotted with the articles' columns in one gather: the same numbers (tested against
`transform` to 1e-12) in tens of microseconds.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer

Scores = npt.NDArray[np.float64]


def vectorizer() -> TfidfVectorizer:
    """The keyword model's settings: word unigrams and bigrams, log term frequency."""
    return TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), stop_words="english")


class KeywordIndex:
    """TF-IDF over the articles' keyword texts, scored a question at a time.

    Invariant: `scores(q)` equals `tfidf(articles) @ vectorizer.transform([q]).T` (cosines, as
    both sides are L2-normalised), for the vectorizer settings above.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        model = vectorizer()
        matrix = model.fit_transform(texts)  # ValueError when every word is a stop word
        self.size = len(texts)
        self._analyze: Callable[[str], list[str]] = model.build_analyzer()
        self._vocabulary: dict[str, int] = {str(t): int(i) for t, i in model.vocabulary_.items()}
        self._idf: Scores = np.asarray(model.idf_, dtype=np.float64)
        # One row per term: a question's terms gather their rows in one step.
        self._columns: Scores = np.ascontiguousarray(matrix.T.toarray(), dtype=np.float64)
        self.sublinear_tf = bool(model.sublinear_tf)

    def query(self, text: str) -> tuple[list[int], Scores]:
        """The question's TF-IDF vector as (term ids, L2-normalised weights)."""
        counts = Counter(t for t in self._analyze(text) if t in self._vocabulary)
        if not counts:
            return [], np.zeros(0, dtype=np.float64)
        ids = [self._vocabulary[term] for term in counts]
        tf = [1.0 + math.log(n) if self.sublinear_tf else float(n) for n in counts.values()]
        weights = np.asarray(tf, dtype=np.float64) * self._idf[ids]
        return ids, weights / float(np.sqrt(weights @ weights))

    def scores(self, text: str) -> Scores:
        """Cosine of the question against each article, in the order the texts were given."""
        ids, weights = self.query(text)
        if not ids:
            return np.zeros(self.size, dtype=np.float64)
        return np.asarray(weights @ self._columns[ids], dtype=np.float64)
