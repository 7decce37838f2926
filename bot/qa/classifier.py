"""A naive Bayes classifier over the knowledge base's wording and labelled examples.

Each entry is a class; its training texts are its topic, phrases and labelled example
questions. Features are the canonical tokens (synonyms mapped, typos corrected, stemmed) and
the question's frames. Where the lexical signals in :mod:`bot.qa.matcher` look for the single
nearest wording, this one weighs every word against everything staff have said about each
entry, which helps most on new wording of well-known topics.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

#: additive (Lidstone) smoothing of word counts
ALPHA = 0.3

Featurise = Callable[[str], Iterable[str]]


class ExampleClassifier:
    """Posterior probability of each entry given a question's features."""

    def __init__(self, texts_per_entry: Sequence[Sequence[str]], featurise: Featurise) -> None:
        """Count ``featurise``'s features in each entry's texts."""
        counts: list[Counter[str]] = []
        for texts in texts_per_entry:
            c: Counter[str] = Counter()
            for text in texts:
                c.update(set(featurise(text)))  # presence per text: one long text can't dominate
            counts.append(c)
        self._fit(counts)

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> ExampleClassifier:
        """A classifier from the :meth:`state` of one trained on the same texts."""
        clf = cls.__new__(cls)
        clf._fit([Counter(c) for c in state["counts"]])
        return clf

    def _fit(self, counts: list[Counter[str]]) -> None:
        self._counts = counts
        vocab: set[str] = set()
        for c in counts:
            vocab.update(c)
        v = max(len(vocab), 1)
        self._log_p: list[dict[str, float]] = []
        self._log_unseen: list[float] = []
        for c in counts:
            denom = sum(c.values()) + ALPHA * v
            self._log_p.append({f: math.log((n + ALPHA) / denom) for f, n in c.items()})
            self._log_unseen.append(math.log(ALPHA / denom))
        self._vocab = frozenset(vocab)

    def state(self) -> dict[str, Any]:
        """What training counted (JSON-able), to rebuild the classifier without featurising."""
        return {"counts": [dict(c) for c in self._counts]}

    def posterior(self, features: Iterable[str]) -> list[float]:
        """P(entry | features) for every entry, in the order given at construction.

        Features never seen in training carry no evidence and are ignored; with none left the
        posterior is uniform.
        """
        feats = [f for f in set(features) if f in self._vocab]
        logs = [
            sum(lp.get(f, unseen) for f in feats)
            for lp, unseen in zip(self._log_p, self._log_unseen, strict=True)
        ]
        top = max(logs, default=0.0)
        exps = [math.exp(x - top) for x in logs]
        total = sum(exps) or 1.0
        return [x / total for x in exps]
