"""The keyword half of the search: TF-IDF cosines of one question against every article.

scikit-learn fits the vocabulary and the idf weights; scoring a question does not go through
`TfidfVectorizer.transform`, which spends about a millisecond per call on input validation and
sparse-matrix construction (a third of the service's own CPU per question in a profile). The
question's vector (`orchestrator.tfidf`) is dotted with the articles' columns in one gather: the
same numbers (tested against `transform` to 1e-12) in tens of microseconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer

from orchestrator.tfidf import TfidfRows

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
        self._rows = TfidfRows.of(model)
        # One row per term: a question's terms gather their rows in one step.
        self._columns: Scores = np.ascontiguousarray(matrix.T.toarray(), dtype=np.float64)

    def query(self, text: str) -> tuple[list[int], Scores]:
        """The question's TF-IDF vector as (term ids, L2-normalised weights)."""
        return self._rows.row(text)

    def scores(self, text: str) -> Scores:
        """Cosine of the question against each article, in the order the texts were given."""
        ids, weights = self.query(text)
        if not ids:
            return np.zeros(self.size, dtype=np.float64)
        return np.asarray(weights @ self._columns[ids], dtype=np.float64)
