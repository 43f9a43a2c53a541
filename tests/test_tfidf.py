"""TfidfRows gives the row `TfidfVectorizer.transform` gives, with and without sublinear tf."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from orchestrator.tfidf import WORD_CACHE_SIZE, CharWbRows, TfidfRows

# Written for this test: repeated terms (tf), a stop word, an unseen word, an empty text.
CORPUS = [
    "refund my order refund please",
    "where is my order",
    "the pharmacy hours on sunday",
    "transfer a prescription to this pharmacy",
]
TEXTS = ["refund refund refund order", "pharmacy pharmacy sunday", "zzyzx", "", "the"]


def assert_rows_equal_transform(rows: TfidfRows, fitted: TfidfVectorizer, texts: list[str]) -> None:
    """Each text's row, spread over the vocabulary, is `fitted.transform`'s."""
    expected = fitted.transform(texts).toarray()
    for text, reference in zip(texts, expected, strict=True):
        ids, weights = rows.row(text)
        dense = np.zeros(len(fitted.vocabulary_))
        dense[ids] = weights
        np.testing.assert_allclose(dense, reference, atol=1e-12)


@pytest.mark.parametrize("sublinear", [True, False])
def test_when_rows_built_then_they_equal_transform(sublinear: bool) -> None:
    fitted = TfidfVectorizer(sublinear_tf=sublinear, stop_words="english").fit(CORPUS)
    rows = TfidfRows(
        analyze=fitted.build_analyzer(),
        vocabulary={str(t): int(i) for t, i in fitted.vocabulary_.items()},
        idf=np.asarray(fitted.idf_, dtype=np.float64),
        sublinear_tf=sublinear,
    )
    assert_rows_equal_transform(rows, fitted, TEXTS)
    ids, weights = rows.row("zzyzx")  # no known term: nothing, rather than a 0/0 norm
    assert ids == [] and weights.shape == (0,)


# Written for these tests: what makes character n-grams within words tricky. Case (a final sigma,
# a dotted capital I), runs and kinds of whitespace (tab, newline, no-break space, line separator,
# the information separators str.split also splits at), one- and two-letter words, accents as
# one and as two code points, a ligature, emoji, punctuation stuck to words, a very long word.
WB_CORPUS = [
    "Refill my prescription please, the refill is late",
    "my order never arrived!! where is it?",
    "rash and swelling after the new antibiotic",
    "cancel my subscription, I was charged twice",
    "café hours on sunday",
]
WB_TEXTS = [
    *WB_CORPUS,
    "",
    "   ",
    "a",
    "I",
    "ok ok ok",
    "REFILL Refill refill",
    "ΟΔΟΣ ΣΑΣ",
    "İstanbul pharmacy",
    "café cafe\u0301",
    "ﬁle a claim",
    "tab\tand\nnewline  double\u00a0nbsp\u2028line\x1cseparator",
    "order🙂 arrived?!",
    "refill" * 400,
]


def _char_wb(**settings: object) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, **settings
    ).fit(WB_CORPUS)


def test_when_char_ngrams_within_words_then_rows_by_words_equal_the_analyzers_bit_for_bit() -> None:
    fitted = _char_wb()
    rows = TfidfRows.of(fitted)
    assert isinstance(rows, CharWbRows)
    by_analyzer = TfidfRows(rows.analyze, rows.vocabulary, rows.idf, rows.sublinear_tf)
    for _ in range(2):  # words analysed, then words remembered
        for text in WB_TEXTS:
            assert rows.counts(text) == by_analyzer.counts(text)
            assert list(rows.counts(text)) == list(by_analyzer.counts(text))  # same order
            ids, weights = rows.row(text)
            reference_ids, reference_weights = by_analyzer.row(text)
            assert ids == reference_ids
            np.testing.assert_array_equal(weights, reference_weights)
        assert_rows_equal_transform(rows, fitted, WB_TEXTS)


@pytest.mark.parametrize(
    "settings", [{"strip_accents": "unicode"}, {"lowercase": False}, {"preprocessor": str.upper}]
)
def test_when_preprocessing_is_not_the_default_then_rows_go_through_the_analyzer(
    settings: dict[str, object],
) -> None:
    fitted = _char_wb(**settings)
    rows = TfidfRows.of(fitted)
    assert type(rows) is TfidfRows
    assert_rows_equal_transform(rows, fitted, WB_TEXTS)


def test_when_more_distinct_words_than_the_cache_holds_then_it_stays_at_its_size() -> None:
    rows = TfidfRows.of(_char_wb())
    for n in range(WORD_CACHE_SIZE + 500):
        rows.counts(f"refill{n}")
    info = rows.__dict__["_word_ids"].cache_info()
    assert info.maxsize == WORD_CACHE_SIZE
    assert info.currsize == WORD_CACHE_SIZE
