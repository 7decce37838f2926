"""The answer contract of ``policybot ask`` (DESIGN.md), and its plain-text form."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.messages import Citation, Verdict

VERDICT_LABELS: dict[str, str] = {
    "allowed": "Allowed",
    "not_allowed": "Not allowed",
    "conditional": "It depends",
    "information": "Information",
    "no_match": "Not covered by the policy",
}


@dataclass(frozen=True)
class FollowUpOption:
    """One answer to a follow-up question."""

    label: str
    value: str


@dataclass(frozen=True)
class FollowUp:
    """The fact the bot needs before it can give a verdict."""

    question: str
    fact: str
    options: list[FollowUpOption]


@dataclass(frozen=True)
class Suggestion:
    """A nearby topic offered as "did you mean"."""

    rule_id: str
    topic: str


@dataclass(frozen=True)
class Answer:
    """One answer, exactly the JSON object DESIGN.md fixes (plus internal extras)."""

    question: str
    verdict: Verdict
    answer: str
    rule_ids: list[str] = field(default_factory=list)
    section: str | None = None
    citations: list[Citation] = field(default_factory=list)
    follow_up: FollowUp | None = None
    suggestions: list[Suggestion] = field(default_factory=list)
    confidence: float = 0.0
    facts: dict[str, str] = field(default_factory=dict)
    report_category: str | None = None
    people: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON object (only the fields DESIGN.md names, in its order)."""
        return {
            "question": self.question,
            "verdict": self.verdict,
            "answer": self.answer,
            "rule_ids": list(self.rule_ids),
            "section": self.section,
            "citations": [asdict(c) for c in self.citations],
            "follow_up": asdict(self.follow_up) if self.follow_up else None,
            "suggestions": [asdict(s) for s in self.suggestions],
            "confidence": round(self.confidence, 3),
        }

    def to_json(self) -> str:
        """One line of JSON."""
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def to_text(self) -> str:
        """The answer as a person reads it in a terminal."""
        lines = [f"{VERDICT_LABELS[self.verdict]}.", "", self.answer]
        if self.follow_up:
            lines += ["", self.follow_up.question]
            lines += [f"  {i}. {o.label}" for i, o in enumerate(self.follow_up.options, 1)]
        if self.citations:
            lines += ["", "What the policy says:"]
            for c in self.citations:
                lines.append(f"  ({c.section}) \u201c{c.text}\u201d")
        if self.suggestions:
            lines += ["", "Did you mean:"]
            lines += [f"  - {s.topic}" for s in self.suggestions]
        return "\n".join(lines)
