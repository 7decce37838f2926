"""Rank knowledge-base entries for a question.

Two lexical signals over canonical tokens (see :mod:`bot.qa.text`), fused:

* **BM25** over each entry's whole document (topic, policy text, answer, keywords, phrases);
* **nearest phrase**: IDF-weighted cosine between the question and each of the entry's example
  phrasings ("how staff ask about it"), taking the best one.

Plain retrieval over rule text alone tops out near 60% on fresh wording (see
shared/research/question-matching.md); the phrase signal carries staff vocabulary, and the
engine settles near neighbours with facts extracted from the question.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from bot.qa.classifier import ExampleClassifier
from bot.qa.frames import QuestionReader, Reading
from bot.qa.linear import cached_model
from bot.qa.model_cache import cached
from bot.qa.text import Vocabulary
from policy_kb.schema import Entry, KnowledgeBase

BM25_K1 = 1.2
BM25_B = 0.75
#: weight of the nearest-phrase signal in the fused score (BM25 gets the rest)
PHRASE_WEIGHT = 0.6
#: added to an entry whose ``requires`` frames are all in the question
FRAME_BONUS = 0.15
#: an entry whose ``requires`` frames are not all in the question keeps this share of its score
FRAME_UNMET = 0.85
#: an entry with one of its ``avoid`` frames in the question keeps this share of its score
FRAME_AVOID = 0.45
#: weight of the example classifier's posterior, added to the fused score
CLASSIFIER_WEIGHT = 0.4
#: weight of the n-gram SVM's decision value (:mod:`bot.qa.linear`), added to the fused score
LINEAR_WEIGHT = 2.0


@dataclass(frozen=True)
class Candidate:
    """One ranked entry with the evidence for its score."""

    entry: Entry
    score: float
    bm25: float
    phrase: float
    coverage: float  # share of the question's IDF weight found in this entry's vocabulary
    frames_met: bool | None = None  # the entry's required frames are present (None: it has none)
    classifier: float = 0.0  # the example classifier's posterior for this entry
    linear: float = 0.0  # the n-gram SVM's decision value for this entry
    outside: float = -1.0  # its decision value for "the policy does not cover this" (scope)


def _held_back(score: float, share: float) -> float:
    """``score`` lowered to ``share`` of itself; a negative score (the n-gram SVM's decision
    value can make it one) is divided instead, so holding back always lowers it."""
    return score * share if score >= 0 else score / share


def _authored_documents(entry: Entry) -> list[str]:
    return [entry.topic, entry.text, entry.answer, " ".join(entry.keywords), *entry.phrases]


def entry_documents(entry: Entry) -> list[str]:
    """The texts that describe an entry for matching (its wording and its example questions)."""
    return [*_authored_documents(entry), *entry.examples]


def _askings(entry: Entry) -> list[str]:
    """The ways of asking about an entry: its topic, phrases and example questions."""
    return [entry.topic, *entry.phrases, *entry.examples]


def _classifier_features(tokens: Iterable[str], frames: Iterable[str]) -> list[str]:
    """The example classifier's features: canonical tokens and ``frame:`` names."""
    return [*tokens, *(f"frame:{f}" for f in frames)]


class Matcher:
    """Scores questions against every entry of a knowledge base."""

    def __init__(self, kb: KnowledgeBase, *, model_cache: Path | None = None) -> None:
        # Known words come from the KB's own wording, not from the staff examples, whose
        # typos ("realy") would otherwise become words that other typos are corrected to.
        corpus = [t for e in kb.entries for t in _authored_documents(e)]
        if kb.scope is not None:
            corpus += kb.scope.terms + kb.scope.plain_words
        self.vocab = Vocabulary(kb.synonyms, corpus)
        self.reader = QuestionReader(kb, self.vocab)
        self.entries = list(kb.entries)
        # each text is tokenised once (typo correction makes this the costly part of start-up)
        self._text_tokens: dict[str, list[str]] = {}
        docs = [
            [t for text in entry_documents(e) for t in self._tokens_of(text)] for e in self.entries
        ]
        n = len(docs)
        df: Counter[str] = Counter()
        for d in docs:
            df.update(set(d))
        self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self._avgdl = sum(len(d) for d in docs) / max(n, 1)
        self._doclen = [len(d) for d in docs]
        self._tf: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, d in enumerate(docs):
            for t, c in Counter(d).items():
                self._tf[t].append((i, c))
        self._entry_vocab = [set(d) for d in docs]
        # phrase index: unit vectors over IDF-weighted token sets
        self._phrase_owner: list[int] = []
        self._phrase_norm: list[float] = []
        self._phrase_index: dict[str, list[int]] = defaultdict(list)
        for i, e in enumerate(self.entries):
            for text in _askings(e):
                toks = set(self._tokens_of(text))
                if not toks:
                    continue
                p = len(self._phrase_owner)
                self._phrase_owner.append(i)
                self._phrase_norm.append(math.sqrt(sum(self.idf(t) ** 2 for t in toks)))
                for t in toks:
                    self._phrase_index[t].append(p)
        self._max_idf = max(self._idf.values(), default=1.0)
        self._phrase_postings = {
            t: np.asarray(ps, dtype=np.intp) for t, ps in self._phrase_index.items()
        }
        self._phrase_norms = np.asarray(self._phrase_norm, dtype=np.float64)
        self._phrase_owners = np.asarray(self._phrase_owner, dtype=np.intp)
        askings = [_askings(e) for e in self.entries]
        self.classifier = self._example_classifier(kb, askings, model_cache)
        self._text_tokens.clear()
        # one more class for the questions the policy does not cover (when the KB has some)
        outside = list(kb.scope.examples) if kb.scope is not None else []
        self._outside_class = len(askings) if outside else None
        self.linear = cached_model([*askings, outside] if outside else askings, model_cache)

    def _example_classifier(
        self, kb: KnowledgeBase, askings: list[list[str]], cache: Path | None
    ) -> ExampleClassifier:
        """The naive Bayes classifier, from the model cache when trained on this KB before
        (featurising every example reads its frames: most of start-up otherwise)."""

        def train() -> ExampleClassifier:
            return ExampleClassifier(
                askings,
                lambda text: _classifier_features(self._tokens_of(text), self.reader.frames(text)),
            )

        def write(clf: ExampleClassifier, fh: IO[bytes]) -> None:
            fh.write(json.dumps(clf.state()).encode())

        return cached(
            "bayes",
            kb.model_dump(mode="json"),
            train=train,
            load=lambda path: ExampleClassifier.from_state(json.loads(path.read_text("utf-8"))),
            write=write,
            suffix=".json",
            directory=cache,
        )

    def _tokens_of(self, text: str) -> list[str]:
        toks = self._text_tokens.get(text)
        if toks is None:
            toks = self._text_tokens[text] = self.vocab.canonical_tokens(text)
        return toks

    def idf(self, token: str) -> float:
        """Inverse document frequency of a canonical token (unknown tokens weigh the most)."""
        return self._idf.get(token, getattr(self, "_max_idf", 1.0))

    def tokens(self, question: str) -> list[str]:
        """The question's canonical tokens."""
        return self.vocab.canonical_tokens(question)

    def rank(
        self, question: str, limit: int = 5, reading: Reading | None = None
    ) -> list[Candidate]:
        """Entries ranked by fused score, best first (empty if the question has no content).

        The lexical score is then adjusted by the question's frames: an entry whose
        ``requires`` are met is boosted, one whose are not (or that the question's frames
        ``avoid``) is held back.
        """
        reading = reading or self.reader.read(question)
        q = self.tokens(question)
        qset = set(q)
        if not qset:
            return []
        # BM25
        bm25 = [0.0] * len(self.entries)
        for t in qset:
            idf = self._idf.get(t)
            if idf is None:
                continue
            for i, c in self._tf[t]:
                denom = c + BM25_K1 * (1 - BM25_B + BM25_B * self._doclen[i] / self._avgdl)
                bm25[i] += idf * c * (BM25_K1 + 1) / denom
        q_weight = sum(self.idf(t) for t in qset)
        q_norm = math.sqrt(sum(self.idf(t) ** 2 for t in qset))
        # nearest phrase (numpy: the same additions in the same order as one by one)
        dots = np.zeros(len(self._phrase_owner))
        for t in qset:
            postings = self._phrase_postings.get(t)
            if postings is not None:
                dots[postings] += self.idf(t) ** 2
        touched = np.flatnonzero(dots)
        nearest = np.zeros(len(self.entries))
        sims = dots[touched] / (q_norm * self._phrase_norms[touched])
        np.maximum.at(nearest, self._phrase_owners[touched], sims)
        phrase: list[float] = nearest.tolist()
        # BM25 normalised by the best score a document could reach for these tokens
        bm25_scale = sum(self._idf.get(t, 0.0) for t in qset) * (BM25_K1 + 1) or 1.0
        posterior = self.classifier.posterior(_classifier_features(qset, reading.frames))
        linear = self.linear.scores(question)
        outside = -1.0 if self._outside_class is None else float(linear[self._outside_class])
        scored: list[tuple[float, int, float, bool | None]] = []
        for i, e in enumerate(self.entries):
            if bm25[i] == 0.0 and phrase[i] == 0.0 and linear[i] <= 0.0:
                continue
            if any(f in reading.frames for f in e.ruled_out_by):
                continue
            b = min(bm25[i] / bm25_scale * 2.0, 1.0)
            score = PHRASE_WEIGHT * phrase[i] + (1 - PHRASE_WEIGHT) * b
            score += CLASSIFIER_WEIGHT * posterior[i] + LINEAR_WEIGHT * float(linear[i])
            met: bool | None = None
            if e.requires:
                met = all(any(f in reading.frames for f in group) for group in e.requires)
                score = score + FRAME_BONUS if met else _held_back(score, FRAME_UNMET)
            if any(f in reading.frames for f in e.avoid):
                score = _held_back(score, FRAME_AVOID)
            scored.append((score, i, b, met))
        scored.sort(key=lambda s: -s[0])
        # the evidence (coverage) only for the entries returned
        return [
            Candidate(
                self.entries[i],
                score,
                b,
                phrase[i],
                sum(self.idf(t) for t in qset if t in self._entry_vocab[i]) / q_weight,
                met,
                posterior[i],
                float(linear[i]),
                outside,
            )
            for score, i, b, met in scored[:limit]
        ]
