"""A linear classifier over character and word n-grams, trained on each entry's wordings.

Where :mod:`bot.qa.classifier` counts whole canonical words, this one reads the question as
character n-grams (2 to 5 letters inside each word) and word pairs, weighted by TF-IDF, and
scores every entry with a linear support-vector machine (scikit-learn's ``LinearSVC``) trained
on the entry's topic, phrases and labelled example questions. Character n-grams carry typos
and new word forms ("instgram", "snapchatting") to the entries whose examples share them.

Training takes about a second and needs scikit-learn, so a trained model is kept on disk
(:func:`cached_model`, :mod:`bot.qa.model_cache`); answering needs only numpy: the question's
features, an IDF lookup and one dot product per entry.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import numpy as np

from bot.qa.model_cache import cached
from bot.qa.text import clean, words

log = logging.getLogger(__name__)

CHAR_NGRAMS = (2, 5)
#: the SVM's regularisation (chosen by cross-validation on the training question sets)
SVM_C = 1.0


def features(text: str) -> list[str]:
    """The n-grams of ``text``: characters within each space-padded word, words and pairs."""
    tokens = words(clean(text))
    out: list[str] = []
    low, high = CHAR_NGRAMS
    for token in tokens:
        padded = f" {token} "
        for n in range(low, high + 1):
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    out.extend(f"w:{t}" for t in tokens)
    out.extend(f"w:{a} {b}" for a, b in itertools.pairwise(tokens))
    return out


class LinearModel:
    """Per-entry scores of a question: TF-IDF n-gram features times trained weights."""

    def __init__(
        self, vocabulary: Sequence[str], idf: np.ndarray, weights: np.ndarray, bias: np.ndarray
    ) -> None:
        self.vocabulary = list(vocabulary)
        self._index = {f: i for i, f in enumerate(self.vocabulary)}
        self.idf = idf.astype(np.float32)
        self.weights = weights.astype(np.float32)  # features x classes
        self.bias = bias.astype(np.float32)

    @property
    def classes(self) -> int:
        """How many classes (entries) the model scores."""
        return int(self.bias.shape[0])

    def scores(self, text: str) -> np.ndarray:
        """The SVM's decision value for every class (about -1 to 1; higher is likelier)."""
        counts = Counter(f for f in features(text) if f in self._index)
        if not counts:
            return self.bias.copy()
        rows = np.fromiter((self._index[f] for f in counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), np.float32, len(counts))
        x = tf * self.idf[rows]
        x /= float(np.linalg.norm(x)) or 1.0
        result: np.ndarray = x @ self.weights[rows] + self.bias
        return result

    @classmethod
    def train(cls, texts_per_class: Sequence[Sequence[str]]) -> LinearModel:
        """Fit TF-IDF and a linear SVM on each class's texts (needs scikit-learn)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        docs = [t for texts in texts_per_class for t in texts]
        labels = [i for i, texts in enumerate(texts_per_class) for _ in texts]
        vectoriser = TfidfVectorizer(analyzer=features, sublinear_tf=True)
        matrix = vectoriser.fit_transform(docs)
        vocabulary = vectoriser.get_feature_names_out().tolist()
        weights = np.zeros((len(vocabulary), len(texts_per_class)), dtype=np.float32)
        bias = np.full(len(texts_per_class), -1.0, dtype=np.float32)  # no texts: unlikely
        trained = sorted(set(labels))
        if len(trained) == 1:  # one class only: nothing to tell apart, no evidence either way
            bias[trained[0]] = 0.0
            return cls(vocabulary, vectoriser.idf_, weights, bias)
        svm = LinearSVC(C=SVM_C, random_state=0).fit(matrix, labels)
        coef, intercept = svm.coef_, svm.intercept_
        if len(trained) == 2:  # one decision for two classes: the second's, and its negation
            coef, intercept = np.vstack([-coef, coef]), np.array([-intercept[0], intercept[0]])
        for row, cls_index in enumerate(int(c) for c in svm.classes_):
            weights[:, cls_index] = coef[row]
            bias[cls_index] = intercept[row]
        return cls(vocabulary, vectoriser.idf_, weights, bias)

    def write(self, fh: IO[bytes]) -> None:
        """Write the model as ``.npz`` to an open binary file."""
        np.savez(
            fh,
            vocabulary=np.array(self.vocabulary, dtype=str),
            idf=self.idf,
            weights=self.weights.astype(np.float16),  # half the size, same decisions
            bias=self.bias,
        )

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """Read a model written by :meth:`write`."""
        with np.load(path, allow_pickle=False) as data:
            return cls(data["vocabulary"].tolist(), data["idf"], data["weights"], data["bias"])


def cached_model(
    texts_per_class: Sequence[Sequence[str]], cache: Path | None = None
) -> LinearModel:
    """The model for these texts: loaded from the model cache, or trained and cached."""
    return cached(
        "linear",
        texts_per_class,
        train=lambda: LinearModel.train(texts_per_class),
        load=LinearModel.load,
        write=LinearModel.write,
        suffix=".npz",
        directory=cache,
    )
