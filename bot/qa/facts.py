"""Extract the facts an answer may turn on from the question itself.

Fact values come from the knowledge base's own option patterns (data), plus two derivations
that need arithmetic: a stated age gives ``under_18``, and a school year group ("yr 11",
"year 9", "sixth former") means a current pupil unless the question says they have left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.qa.text import clean
from policy_kb.schema import KnowledgeBase

_AGE = re.compile(
    r"(?:\b(?:is|aged?|turned|turning|now|who'?s|she'?s|he'?s|they'?re|they are|only"
    r"|(?:he|she|they)'?d be|(?:would|will) be"
    r"|(?:pupil|student|studnet|kid|lad|girl|boy|leaver)s?)\s*"
    r"(?:just\s+|only\s+|now\s+)?(\d{1,2})\b(?!\s*(?:%|pm|am|min|hour|day|week|month|th\b|st\b|nd\b|rd\b)))"
    r"|(?:\b(\d{1,2})\s*(?:yo\b|y/o|yrs?\s*old|years?\s*old|year-old))"
)
#: "not sure if he's still in our sixth form": whether they are still a pupil is not known
_UNSURE = re.compile(
    r"\b(?:not sure|unsure|no idea|don'?t know|dunno) (?:if|whether)\b.{0,30}\bstill\b"
)
_YEAR_GROUP = re.compile(
    r"\b(?:year|yr|y)\s?-?\s?(\d{1,2})s?\b"
    r"|\bsixth[- ]?form(?:er)?s?\b|\bkids? in my (?:class|form)\b"
)


@dataclass(frozen=True)
class ExtractedFacts:
    """Facts found in a question, with the evidence for each (for explanations and tests)."""

    values: dict[str, str]
    evidence: dict[str, str]


class FactExtractor:
    """Finds knowledge-base facts stated in a question."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self._patterns: list[tuple[str, str, re.Pattern[str]]] = []
        for name, fact in kb.facts.items():
            for option in fact.options:
                for pattern in option.patterns:
                    self._patterns.append((name, option.value, re.compile(pattern, re.IGNORECASE)))

    def extract(self, question: str) -> ExtractedFacts:
        """Return the facts the question states; conflicting evidence for a fact yields nothing."""
        text = clean(question)
        found: dict[str, dict[str, str]] = {}
        for name, value, pattern in self._patterns:
            m = pattern.search(text)
            if m:
                found.setdefault(name, {}).setdefault(value, m.group(0))
        values: dict[str, str] = {}
        evidence: dict[str, str] = {}
        for name, hits in found.items():
            if len(hits) == 1:
                ((value, ev),) = hits.items()
                values[name] = value
                evidence[name] = ev
        facts = self._kb.facts
        if "under_18" in facts and "under_18" not in values:
            m = _AGE.search(text)
            if m:
                age = int(m.group(1) or m.group(2))
                if 4 <= age <= 99:
                    values["under_18"] = "yes" if age < 18 else "no"
                    evidence["under_18"] = m.group(0).strip()
        year = _YEAR_GROUP.search(text)  # None, or a year group / "sixth former" / "my form"
        number = int(year.group(1)) if year and year.group(1) else None
        school_age = number is not None and 3 <= number <= 12  # year 12 and below: under 18
        a_pupil = number is None or 1 <= number <= 13
        if year and school_age and "under_18" in facts and "under_18" not in values:
            values["under_18"] = "yes"
            evidence["under_18"] = year.group(0)
        unsure = _UNSURE.search(text) is not None
        if year and a_pupil and not unsure and "relation" in facts and "relation" not in values:
            values["relation"] = "current_pupil"
            evidence["relation"] = year.group(0)
        return ExtractedFacts(values, evidence)
