"""Accuracy gates: fail if the engine regresses on the labelled question sets.

Thresholds are the figures measured when the gates were set (dev verdict 98.6%, held-out
verdict 82.0%) minus 2 and 3 points. The held-out set is only scored here, never tuned on.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from benchmarks.qa_data import Labelled, load
from bot.qa.engine import AnswerEngine
from bot.qa.text import clean, words

DEV_VERDICT_MIN = 96.5
HELDOUT_VERDICT_MIN = 79.0
MIN_REACHING_QUESTIONS = 3


def _verdict_rate(engine: AnswerEngine, data: list[Labelled]) -> float:
    right = sum(engine.answer(x.q, x.facts).verdict == x.verdict for x in data)
    return 100.0 * right / len(data)


def test_dev_verdict_accuracy(engine: AnswerEngine) -> None:
    rate = _verdict_rate(engine, load("dev"))
    assert rate >= DEV_VERDICT_MIN, f"dev verdict accuracy {rate:.1f}% < {DEV_VERDICT_MIN}%"


def test_heldout_verdict_accuracy(engine: AnswerEngine) -> None:
    rate = _verdict_rate(engine, load("heldout"))
    assert rate >= HELDOUT_VERDICT_MIN, (
        f"held-out verdict accuracy {rate:.1f}% < {HELDOUT_VERDICT_MIN}%"
    )


def test_every_entry_is_reachable(engine: AnswerEngine) -> None:
    """Each KB entry answers at least 3 differently worded dev questions labelled with it
    (entries the dev set labels fewer than 3 times are checked for all of theirs)."""
    reached: dict[str, set[frozenset[str]]] = defaultdict(set)
    labelled: dict[str, set[frozenset[str]]] = defaultdict(set)
    for x in load("dev"):
        if not x.rules:
            continue
        for rule in x.rules:
            labelled[rule].add(frozenset(words(clean(x.q))))
        a = engine.answer(x.q, x.facts)
        if a.rule_ids and a.rule_ids[0] in x.rules:
            reached[a.rule_ids[0]].add(frozenset(words(clean(x.q))))
    short = {
        e.id: len(reached[e.id])
        for e in engine.kb.entries
        if len(reached[e.id]) < min(MIN_REACHING_QUESTIONS, len(labelled[e.id]))
    }
    assert not short, f"entries answered for fewer than 3 dev questions: {short}"


@pytest.mark.parametrize("question", [x.q for x in load("dev") if x.verdict == "no_match"])
def test_out_of_scope_dev_question_is_no_match(engine: AnswerEngine, question: str) -> None:
    a = engine.answer(question)
    assert a.verdict == "no_match", f"{question!r} answered with {a.rule_ids}"
    assert a.rule_ids == []
