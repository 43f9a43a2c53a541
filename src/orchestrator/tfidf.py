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
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

Floats = npt.NDArray[np.float64]
# Distinct words whose term ids a `CharWbRows` keeps (least recently used out): a few MB at most.
WORD_CACHE_SIZE = 16_384


@dataclass(frozen=True)
class TfidfRows:
    """`transform([text])` of a fitted vectorizer (l2 norm, idf on) as term ids and weights."""

    analyze: Callable[[str], list[str]]
    vocabulary: Mapping[str, int]
    idf: Floats
    sublinear_tf: bool

    @staticmethod
    def of(vectorizer: TfidfVectorizer) -> TfidfRows:
        """The rows of a fitted vectorizer: by words for character n-grams within words and the
        default preprocessing (`CharWbRows`), else through its analyzer."""
        analyze = vectorizer.build_analyzer()
        vocabulary = {str(t): int(i) for t, i in _vocabulary(vectorizer).items()}
        idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        sublinear_tf = bool(vectorizer.sublinear_tf)
        if (
            vectorizer.analyzer == "char_wb"
            and vectorizer.input == "content"
            and vectorizer.preprocessor is None
            and not vectorizer.strip_accents
            and vectorizer.lowercase
        ):
            low, high = vectorizer.ngram_range
            return CharWbRows(analyze, vocabulary, idf, sublinear_tf, (int(low), int(high)))
        return TfidfRows(analyze, vocabulary, idf, sublinear_tf)

    def counts(self, text: str) -> Counter[int]:
        """How often each known term occurs in the text, by term id, in first-occurrence order."""
        vocabulary = self.vocabulary
        return Counter(vocabulary[t] for t in self.analyze(text) if t in vocabulary)

    def row(self, text: str) -> tuple[list[int], Floats]:
        """The text's non-zero columns and their weights; ([], empty) when it has no known term."""
        counts = self.counts(text)
        if not counts:
            return [], np.zeros(0, dtype=np.float64)
        ids = list(counts)
        tf = np.fromiter(counts.values(), np.float64, len(counts))
        weights = (1.0 + np.log(tf) if self.sublinear_tf else tf) * self.idf[ids]
        return ids, weights / float(np.sqrt(weights @ weights))


@dataclass(frozen=True)
class CharWbRows(TfidfRows):
    """Rows for character n-grams within words (`analyzer="char_wb"`), found word by word.

    Such n-grams never cross a word: the vectorizer lowercases the text, splits it at whitespace
    and takes each word's n-grams with a space either side. So a text's terms are its words'
    terms, word after word, and each distinct word is analysed once: its known terms' ids are
    kept (`WORD_CACHE_SIZE` words, least recently used out). The same counts, in the same order,
    as the analyzer's (tests/test_tfidf.py); on the classifier's heads, one message's row took
    ~69 µs through the analyzer, mostly its n-grams built one by one in Python.
    """

    ngram_range: tuple[int, int]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_word_ids", lru_cache(maxsize=WORD_CACHE_SIZE)(self._terms_of))

    def _terms_of(self, word: str) -> tuple[int, ...]:
        """The known terms of one lowercased word, as scikit-learn's `_char_wb_ngrams` lists
        them: for each n, every n characters of the padded word; a padded word no longer than n
        counts once, as itself, and ends the list."""
        padded, vocabulary = f" {word} ", self.vocabulary
        low, high = self.ngram_range
        grams: list[str] = []
        for n in range(low, high + 1):
            if n >= len(padded):
                grams.append(padded)
                break
            grams.extend(padded[at : at + n] for at in range(len(padded) - n + 1))
        return tuple(vocabulary[g] for g in grams if g in vocabulary)

    def counts(self, text: str) -> Counter[int]:
        word_ids: Callable[[str], tuple[int, ...]] = self.__dict__["_word_ids"]
        return Counter(chain.from_iterable(map(word_ids, text.lower().split())))


def _vocabulary(vectorizer: TfidfVectorizer) -> Mapping[str, int]:
    """The fitted vocabulary, or the one it was given (a vectorizer rebuilt from saved parts)."""
    fitted: Mapping[str, int] | None = getattr(vectorizer, "vocabulary_", None)
    return fitted if fitted is not None else vectorizer.vocabulary
