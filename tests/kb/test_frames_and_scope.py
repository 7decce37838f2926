"""The KB's scope gate and question frames: schema checks and behaviour on the bundled KB."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import ValidationError

from bot.qa.engine import AnswerEngine
from policy_kb.loader import load_kb
from policy_kb.schema import KnowledgeBase


def _data() -> dict[str, Any]:
    return copy.deepcopy(load_kb().model_dump())


def test_entry_naming_an_undefined_frame_is_rejected() -> None:
    data = _data()
    data["entries"][0]["requires"] = [["no-such-frame"]]
    with pytest.raises(ValidationError, match="not defined under 'frames'"):
        KnowledgeBase.model_validate(data)


def test_bad_scope_pattern_is_rejected() -> None:
    data = _data()
    data["scope"]["patterns"] = ["(unclosed"]
    with pytest.raises(ValidationError, match="not a valid regular expression"):
        KnowledgeBase.model_validate(data)


@pytest.mark.parametrize(
    ("question", "in_scope"),
    [
        ("can pupils use phones at lunch", False),
        ("whats the marking policy", False),
        ("data breach what do i do", False),
        ("when is the next inset day", False),
        ("can i msg a pupil on insta to say well done on there match", True),
        ("cn i do a facebok page for the year 11 prom", True),
        ("does this apply to agency staff", True),
        ("are volunteers covered", True),
        ("does it cover weekends", True),
        ("my son has just started at our academy, do i need to do anything", True),
        ("what's the difference between appropriate and inappropriate", True),
        ("someone left a review of our academy on google", True),
        ("the boiler in the science block is broken again", False),
        ("how quickly should we reply to parent emails", False),
        ("we went to the lakes, the booking was a mess", False),
    ],
)
def test_scope_gate(question: str, in_scope: bool) -> None:
    engine = AnswerEngine.from_file()
    assert engine.matcher.reader.read(question).in_scope is in_scope


def test_frames_settle_neighbours() -> None:
    engine = AnswerEngine.from_file()
    reading = engine.matcher.reader.read("a yr 9 dm'd me on insta, who do i tell")
    assert {"pupil", "message", "report"} <= reading.frames
    assert engine.answer("a yr 9 dm'd me on insta, who do i tell").rule_ids == [
        "appropriate.report-pupil-contact"
    ]
    assert engine.answer("can i dm a yr 9 on insta").rule_ids == [
        "inappropriate.communicating-with-pupils"
    ]


@pytest.mark.parametrize(
    "question",
    [
        "is it ok to send one of my pupils a snap",
        "can i send a student a voice note on whatsapp",
        "i liked a pupil's post on tiktok, is that a problem",
    ],
)
def test_sending_or_liking_is_messaging(question: str) -> None:
    engine = AnswerEngine.from_file()
    assert "message" in engine.matcher.reader.read(question).frames


def test_kb_without_scope_lets_every_question_through() -> None:
    data = _data()
    data["scope"] = None
    engine = AnswerEngine(KnowledgeBase.model_validate(data))
    assert engine.matcher.reader.read("whats the marking policy").in_scope
