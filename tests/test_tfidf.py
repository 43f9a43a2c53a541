"""TfidfRows gives the row `TfidfVectorizer.transform` gives, with and without sublinear tf."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from orchestrator.tfidf import TfidfRows

# Written for this test: repeated terms (tf), a stop word, an unseen word, an empty text.
CORPUS = [
    "refund my order refund please",
    "where is my order",
    "the pharmacy hours on sunday",
    "transfer a prescription to this pharmacy",
]
TEXTS = ["refund refund refund order", "pharmacy pharmacy sunday", "zzyzx", "", "the"]


@pytest.mark.parametrize("sublinear", [True, False])
def test_when_rows_built_then_they_equal_transform(sublinear: bool) -> None:
    fitted = TfidfVectorizer(sublinear_tf=sublinear, stop_words="english").fit(CORPUS)
    rows = TfidfRows(
        analyze=fitted.build_analyzer(),
        vocabulary={str(t): int(i) for t, i in fitted.vocabulary_.items()},
        idf=np.asarray(fitted.idf_, dtype=np.float64),
        sublinear_tf=sublinear,
    )
    expected = fitted.transform(TEXTS).toarray()
    for text, reference in zip(TEXTS, expected, strict=True):
        ids, weights = rows.row(text)
        dense = np.zeros(len(fitted.vocabulary_))
        dense[ids] = weights
        np.testing.assert_allclose(dense, reference, atol=1e-12)
    ids, weights = rows.row("zzyzx")  # no known term: nothing, rather than a 0/0 norm
    assert ids == [] and weights.shape == (0,)
