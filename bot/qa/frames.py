"""Read a question's frames (who it is about, what action) and whether it is in scope.

Both are data in the knowledge base: ``frames`` (name -> regexes) and ``scope`` (terms,
patterns, exclusions). The question is read after typo correction, so "facebok" and
"mesage" still count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.qa.text import Vocabulary, clean, stem, words
from policy_kb.schema import KnowledgeBase


@dataclass(frozen=True)
class Reading:
    """What the question is about, before any entry is scored."""

    text: str  # cleaned, typos corrected
    frames: frozenset[str]
    in_scope: bool
    off_topic: bool = False  # about a school-life subject the policy is silent on


class QuestionReader:
    """Finds frames and applies the scope gate of one knowledge base."""

    def __init__(self, kb: KnowledgeBase, vocab: Vocabulary) -> None:
        self._vocab = vocab
        self._frames = [
            (name, re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE))
            for name, patterns in kb.frames.items()
        ]
        scope = kb.scope
        self._gate = scope is not None
        single: set[str] = set()
        multi: list[str] = []
        if scope is not None:
            for term in scope.terms:
                t = clean(term).strip()
                if " " in t or "-" in t:
                    multi.append(re.escape(t))
                else:
                    single.update({t, stem(t)})
        self._scope_words = frozenset(single)
        scope_patterns = [*(scope.patterns if scope else []), *(rf"\b{m}\b" for m in multi)]
        self._scope_re = (
            re.compile("|".join(f"(?:{p})" for p in scope_patterns), re.IGNORECASE)
            if scope_patterns
            else None
        )
        self._exclude_re = _any_of(scope.exclude if scope else [])
        self._off_topic_re = _any_of(scope.off_topic if scope else [])
        self._on_topic_re = _any_of(scope.on_topic if scope else [])

    def corrected(self, question: str) -> str:
        """The cleaned question with unknown words replaced by their spelling correction."""
        out = []
        for w in words(clean(question)):
            if not w.isdigit() and not self._vocab.is_known(w) and w not in self._scope_words:
                w = self._vocab.correct(w)
            out.append(w)
        return " ".join(out)

    def read(self, question: str) -> Reading:
        """Frames present and the scope verdict for one question."""
        text = self.corrected(question)
        off_topic = self._off_topic(text)
        return Reading(text, self._frames_in(text), self._in_scope(text, off_topic), off_topic)

    def frames(self, question: str) -> frozenset[str]:
        """Only the frames present (no scope verdict): for training texts."""
        return self._frames_in(self.corrected(question))

    def _frames_in(self, text: str) -> frozenset[str]:
        return frozenset(name for name, rx in self._frames if rx.search(text))

    def _off_topic(self, text: str) -> bool:
        """About a school-life subject the policy is silent on, with no social-media evidence."""
        return (
            self._off_topic_re is not None
            and self._off_topic_re.search(text) is not None
            and not (self._on_topic_re is not None and self._on_topic_re.search(text))
        )

    def _in_scope(self, text: str, off_topic: bool) -> bool:
        if not self._gate:
            return True
        if off_topic:
            return False
        if self._exclude_re is not None:
            text = self._exclude_re.sub(" ", text)
        if self._scope_re is not None and self._scope_re.search(text):
            return True
        return any(w in self._scope_words or stem(w) in self._scope_words for w in text.split())


def _any_of(patterns: list[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex matching any of ``patterns`` (None for none)."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)
