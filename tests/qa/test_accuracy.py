"""Accuracy gates: fail if the engine regresses on the labelled question sets.

The training sets (``TRAINING_SETS``: dev, fresh, field, phone, situations, real, real2, real3)
are the KB's example questions (``policy_kb/social_media_policy.examples.yaml``, with their
out-of-scope questions under ``out-of-scope`` for the scope gate). So they are scored
cross-validated, each fold answered by an engine not taught that fold. The held-out sets are
never taught nor tuned on (heldout2 was written after the engine it first measured;
realheldout, issue 14, paraphrases how staff ask in public forums). The near-scope set
(``OUT_OF_SCOPE_SETS``) holds school-life questions the policy is silent on: none may be
answered. Thresholds are the figures measured when the gates were last set (2026-12-02,
second round of issue 14: cross-validated verdict 92.6% over eight training sets; held-out
verdict / verdict + required words: heldout 95.0% / 94.4%, heldout2 97.2% / 96.8%,
realheldout 91.9% / 91.1%) minus about 1.5-2.5 points. The sets written apart from the engine
after that round (realheldout2, realheldout3, nearscope2) are gated at their first measured figures
(realheldout2 78.2% / 77.6%, realheldout3 69.9% / 66.4%; nearscope2 6 of 52 answered) so that they
can only improve: issue 14's targets (95%, none answered) are not met on them.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from benchmarks.build_examples import main as build_examples
from benchmarks.qa_data import (
    HELDOUT_SETS,
    OUT_OF_SCOPE_SETS,
    Labelled,
    example_text,
    load,
    load_training,
    untaught_folds,
)
from bot.qa.answer import Answer
from bot.qa.engine import AnswerEngine
from bot.qa.text import clean, words
from policy_kb.schema import KnowledgeBase

CROSS_VALIDATED_VERDICT_MIN = 91.0
#: per held-out set: the verdict accuracy, and the verdict + required words accuracy, at least
HELDOUT_MIN: dict[str, tuple[float, float]] = {
    "heldout": (93.0, 92.0),
    "heldout2": (95.0, 94.5),
    "realheldout": (89.5, 88.5),
    "realheldout2": (76.5, 76.0),
    "realheldout3": (68.0, 64.5),
}
#: near-domain questions answered, at most (the aim is none; nearscope2, written apart from the
#: engine after it was tuned, measured 6 of 52 answered on its first run)
OUT_OF_SCOPE_MAX_ANSWERED: dict[str, int] = {"nearscope": 0, "nearscope2": 6}
MIN_REACHING_QUESTIONS = 3


def _answers(kb: KnowledgeBase) -> list[tuple[Labelled, str, str | None]]:
    """(question, verdict, first rule) for every training question, cross-validated."""
    out: list[tuple[Labelled, str, str | None]] = []
    for engine, fold in untaught_folds(kb, load_training()):
        for x in fold:
            a = engine.answer(x.q, x.facts)
            out.append((x, a.verdict, a.rule_ids[0] if a.rule_ids else None))
    return out


@pytest.fixture(scope="module")
def cross_validated(engine: AnswerEngine) -> list[tuple[Labelled, str, str | None]]:
    return _answers(engine.kb)


def test_cross_validated_verdict_accuracy(
    cross_validated: list[tuple[Labelled, str, str | None]],
) -> None:
    rate = 100.0 * sum(v == x.verdict for x, v, _ in cross_validated) / len(cross_validated)
    assert rate >= CROSS_VALIDATED_VERDICT_MIN, (
        f"cross-validated verdict accuracy {rate:.1f}% < {CROSS_VALIDATED_VERDICT_MIN}%"
    )


@pytest.mark.parametrize("name", HELDOUT_SETS)
def test_heldout_accuracy(engine: AnswerEngine, name: str) -> None:
    data = load(name)
    answers = [(x, engine.answer(x.q, x.facts)) for x in data]
    verdict = 100.0 * sum(a.verdict == x.verdict for x, a in answers) / len(data)
    full = 100.0 * sum(_fully_right(x, a) for x, a in answers) / len(data)
    verdict_min, full_min = HELDOUT_MIN[name]
    assert verdict >= verdict_min, f"{name} verdict accuracy {verdict:.1f}% < {verdict_min}%"
    assert full >= full_min, f"{name} verdict + required words {full:.1f}% < {full_min}%"


def _fully_right(x: Labelled, a: Answer) -> bool:
    """Right verdict, every required word in the answer, and the right follow-up fact."""
    fact = a.follow_up.fact if a.follow_up else None
    return (
        a.verdict == x.verdict
        and all(m.lower() in a.answer.lower() for m in x.mentions)
        and (x.verdict != "conditional" or x.follow_up_fact in (None, fact))
    )


@pytest.mark.parametrize("name", OUT_OF_SCOPE_SETS)
def test_no_near_domain_question_is_answered(engine: AnswerEngine, name: str) -> None:
    """Questions on school life the policy is silent on get no_match, never a verdict."""
    answered = [
        (x.q, a.verdict, a.rule_ids)
        for x in load(name)
        if (a := engine.answer(x.q, x.facts)).verdict != "no_match"
    ]
    assert len(answered) <= OUT_OF_SCOPE_MAX_ANSWERED[name], answered


def test_every_entry_is_reachable(
    engine: AnswerEngine, cross_validated: list[tuple[Labelled, str, str | None]]
) -> None:
    """Each KB entry answers at least 3 differently worded questions it was NOT taught
    (cross-validated; entries labelled fewer than 3 times are checked for all of theirs)."""
    reached: dict[str, set[frozenset[str]]] = defaultdict(set)
    labelled: dict[str, set[frozenset[str]]] = defaultdict(set)
    for x, _, rule in cross_validated:
        for r in x.rules:
            labelled[r].add(frozenset(words(clean(x.q))))
        if rule is not None and rule in x.rules:
            reached[rule].add(frozenset(words(clean(x.q))))
    short = {
        e.id: len(reached[e.id])
        for e in engine.kb.entries
        if len(reached[e.id]) < min(MIN_REACHING_QUESTIONS, len(labelled[e.id]))
    }
    assert not short, f"entries answered for fewer than 3 untaught questions: {short}"


def test_examples_file_is_built_from_the_training_sets() -> None:
    assert build_examples(["--check"]) == 0


def test_no_heldout_question_is_taught(engine: AnswerEngine) -> None:
    """Neither an entry's examples nor the scope gate's out-of-scope examples hold a question
    of a held-out or near-scope set."""
    outside = engine.kb.scope.examples if engine.kb.scope is not None else []
    taught = {
        example_text(q).lower()
        for q in [*outside, *(q for e in engine.kb.entries for q in e.examples)]
    }
    leaked = [
        x.q
        for name in (*HELDOUT_SETS, *OUT_OF_SCOPE_SETS)
        for x in load(name)
        if example_text(x.q).lower() in taught
    ]
    assert not leaked, f"held-out questions found among the KB's examples: {leaked}"


@pytest.mark.parametrize("question", [x.q for x in load_training() if x.verdict == "no_match"])
def test_out_of_scope_training_question_is_no_match(engine: AnswerEngine, question: str) -> None:
    a = engine.answer(question)
    assert a.verdict == "no_match", f"{question!r} answered with {a.rule_ids}"
    assert a.rule_ids == []
