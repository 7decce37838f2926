"""The example classifier: posteriors over entries from their wording and examples."""

from __future__ import annotations

import pytest

from bot.qa.classifier import ExampleClassifier
from bot.qa.engine import AnswerEngine


def _split(text: str) -> list[str]:
    return text.split()


def test_posterior_favours_the_entry_whose_examples_share_the_words() -> None:
    clf = ExampleClassifier(
        [["friend request pupil", "add pupil snapchat"], ["photo consent parents", "post photo"]],
        _split,
    )
    friend, photo = clf.posterior(["pupil", "snapchat"])
    assert friend > 0.9 > photo
    assert friend + photo == pytest.approx(1.0)


def test_unknown_words_carry_no_evidence() -> None:
    clf = ExampleClassifier([["a b"], ["c d"]], _split)
    assert clf.posterior(["zzz"]) == pytest.approx([0.5, 0.5])
    assert clf.posterior([]) == pytest.approx([0.5, 0.5])


def test_examples_teach_the_engine_new_wording(engine: AnswerEngine) -> None:
    """A question worded like one of an entry's examples ranks that entry first, and the
    same engine without the examples does not rely on them (ranked by wording alone)."""
    entry = engine.kb.entry("inappropriate.friend-pupils")
    assert entry.examples, "the bundled KB has example questions for friend requests"
    ranked = engine.matcher.rank(entry.examples[0])
    assert ranked[0].entry.id == entry.id
    assert ranked[0].classifier > 0.5
