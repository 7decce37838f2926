"""Text normalisation for matching: clean, tokenise, stem, map synonyms, fix typos.

Questions and knowledge-base documents go through the same pipeline so that "can i add a
yr 11 kid on snap" and "accepting any current pupil ... as a friend" meet on canonical
tokens (``pupil``, ``friend``, ``snapchat``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

from rapidfuzz import fuzz, process

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

#: Function words carrying no topic. Question words are kept elsewhere for intent.
STOPWORDS: frozenset[str] = frozenset(
    w
    for line in (Path(__file__).with_name("stopwords.txt")).read_text(encoding="utf-8").splitlines()
    if not line.startswith("#")
    for w in line.split()
)

#: Common English words (``english_words.txt``): the spelling corrector leaves them alone.
ENGLISH_WORDS: frozenset[str] = frozenset(
    line
    for line in (Path(__file__).with_name("english_words.txt")).read_text("utf-8").splitlines()
    if line and not line.startswith("#")
)


def clean(text: str) -> str:
    """Unicode-normalise, drop control characters, lower-case, unify quotes and dashes."""
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = re.sub(r"[\u2010-\u2015]", "-", text)
    return text.lower()


def stem(word: str) -> str:
    """A light English suffix stripper (plurals, -ing, -ed), enough to join word forms."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, repl, min_len in (
        ("ies", "y", 5),
        ("sses", "ss", 6),
        ("ing", "", 6),
        ("ed", "", 5),
        ("es", "", 6),
        ("s", "", 4),
    ):
        if word.endswith(suffix) and len(word) >= min_len:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix == "es" and not word.endswith(("shes", "ches", "xes", "sses", "zes")):
                continue
            base = word[: -len(suffix)] + repl
            if suffix in ("ing", "ed") and len(base) >= 3 and base[-1] == base[-2]:
                base = base[:-1]  # "blocking"->"block", "chatting"->"chat"
            return base
    return word


def words(text: str) -> list[str]:
    """Raw lower-case word tokens of already-cleaned text."""
    return _WORD.findall(text)


class Vocabulary:
    """Synonym groups and the known-word list used to canonicalise and spell-correct tokens."""

    def __init__(self, synonyms: Mapping[str, Iterable[str]], corpus: Iterable[str]) -> None:
        self._single: dict[str, str] = {}
        multi: list[tuple[str, str]] = []
        for canonical, variants in synonyms.items():
            canon = stem(clean(canonical).replace(" ", ""))
            for variant in [canonical, *variants]:
                v = clean(variant).strip()
                if not v:
                    continue
                if " " in v or "-" in v:
                    multi.append((v, canon))
                else:
                    self._single[v] = canon
                    self._single.setdefault(stem(v), canon)
        multi.sort(key=lambda pair: -len(pair[0]))
        self._multi = multi
        self._multi_re = (
            re.compile(r"\b(" + "|".join(re.escape(m) for m, _ in multi) + r")\b")
            if multi
            else None
        )
        self._multi_map = dict(multi)
        known: set[str] = set(self._single)
        for doc in corpus:
            known.update(words(clean(doc)))
        self.known: frozenset[str] = frozenset(w for w in known if len(w) >= 3)
        self._choices = tuple(sorted(w for w in self.known if len(w) >= 4 and not w.isdigit()))
        self._corrections: dict[str, str] = {}

    def correct(self, word: str) -> str:
        """Spell-correct an unknown word to a known one when close enough, else return it.

        Common English words (:data:`ENGLISH_WORDS`) are words, not typos: they stay.
        """
        if len(word) < 4 or word.isdigit() or word in ENGLISH_WORDS:
            return word
        hit = self._corrections.get(word)
        if hit is None:
            cutoff = 80 if len(word) >= 6 else 75
            best = process.extractOne(word, self._choices, scorer=fuzz.ratio, score_cutoff=cutoff)
            hit = best[0] if best else word
            if len(self._corrections) < 50_000:
                self._corrections[word] = hit
        return hit

    def canonical_tokens(self, text: str) -> list[str]:
        """Tokens of ``text`` after synonym mapping, typo correction, stemming; no stopwords."""
        text = clean(text)
        if self._multi_re is not None:
            text = self._multi_re.sub(lambda m: " " + self._multi_map[m.group(1)] + " ", text)
        out: list[str] = []
        for w in words(text):
            if w in STOPWORDS:
                continue
            if w not in self._single and w not in self.known and not w.isdigit():
                w = self.correct(w)
            canon = self._single.get(w) or self._single.get(stem(w))
            out.append(canon if canon else stem(w))
        return out

    def is_known(self, word: str) -> bool:
        """Whether a (cleaned) word is in the KB vocabulary or synonym lists."""
        return word in self.known or word in self._single or stem(word) in self._single
