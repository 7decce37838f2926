"""Load the labelled question sets kept in tests/data/."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from policy_kb.schema import KnowledgeBase

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


@dataclass(frozen=True)
class Labelled:
    """One labelled question."""

    q: str
    rules: list[str]
    verdict: str
    mentions: list[str] = field(default_factory=list)
    facts: dict[str, str] = field(default_factory=dict)
    follow_up_fact: str | None = None


def load(name: str) -> list[Labelled]:
    """``dev``, ``fresh`` or ``heldout``."""
    raw: list[dict[str, Any]] = yaml.safe_load((DATA / f"questions_{name}.yaml").read_text("utf-8"))
    return [
        Labelled(
            q=str(r.get("q") or ""),
            rules=list(r.get("rules") or []),
            verdict=str(r["verdict"]),
            mentions=list(r.get("mentions") or []),
            facts={str(k): str(v) for k, v in (r.get("facts") or {}).items()},
            follow_up_fact=r.get("follow_up_fact"),
        )
        for r in raw
    ]


FOLDS = 5


def without_examples(kb: KnowledgeBase, questions: set[str]) -> KnowledgeBase:
    """``kb`` with the given example questions taken out (to rank them as unseen)."""
    entries = [
        e.model_copy(update={"examples": [q for q in e.examples if q not in questions]})
        for e in kb.entries
    ]
    return kb.model_copy(update={"entries": entries})


def folds(data: list[Labelled], k: int = FOLDS) -> list[list[Labelled]]:
    """``k`` interleaved folds (deterministic)."""
    return [data[i::k] for i in range(k)]
