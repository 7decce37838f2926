"""Load the labelled question sets kept in tests/data/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.qa.engine import AnswerEngine
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
    """One of :data:`HELDOUT_SETS` or :data:`TRAINING_SETS`."""
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


#: the held-out sets: never taught, never tuned on (the second was written after the engine,
#: the realheldout sets apart from it, paraphrasing how staff ask in public forums)
HELDOUT_SETS = ("heldout", "heldout2", "realheldout", "realheldout2", "realheldout3")

#: near-domain questions the policy does not cover (all ``no_match``): the scope gate's
#: negatives, never taught; none should be answered
OUT_OF_SCOPE_SETS = ("nearscope", "nearscope2")

#: the labelled sets the KB's example questions are built from (never a held-out set)
TRAINING_SETS = ("dev", "fresh", "field", "phone", "situations", "real", "real2", "real3")
FOLDS = 5


def load_training() -> list[Labelled]:
    """Every question of the training sets."""
    return [x for name in TRAINING_SETS for x in load(name)]


def example_text(question: str) -> str:
    """A question as it is stored among the KB's example questions (whitespace runs made one
    space)."""
    return " ".join(question.split())


def untaught_folds(
    kb: KnowledgeBase, data: list[Labelled], k: int = FOLDS
) -> Iterator[tuple[AnswerEngine, list[Labelled]]]:
    """``data`` in ``k`` interleaved folds (deterministic), each with an engine over ``kb``
    that has not been taught that fold's questions, so it meets them as unseen questions."""
    for fold in (data[i::k] for i in range(k)):
        taught = {example_text(x.q) for x in fold}
        entries = [
            e.model_copy(update={"examples": [q for q in e.examples if q not in taught]})
            for e in kb.entries
        ]
        update: dict[str, object] = {"entries": entries}
        if kb.scope is not None:
            outside = [q for q in kb.scope.examples if q not in taught]
            update["scope"] = kb.scope.model_copy(update={"examples": outside})
        yield AnswerEngine(kb.model_copy(update=update)), fold
