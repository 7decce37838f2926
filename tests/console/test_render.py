"""Terminal rendering of the core's replies: a policy answer shows each piece once, in the
same order as Slack and Teams (verdict, answer, the policy's words, headed buttons)."""

from __future__ import annotations

import functools

from adapters.console.render import render
from bot.messages import Choice, Reply
from bot.qa.engine import AnswerEngine
from bot.qa.render import answer_reply


@functools.cache
def _engine() -> AnswerEngine:
    return AnswerEngine.from_file()


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_follow_up_options_are_listed_once_under_their_question() -> None:
    answer = _engine().answer("can we post sports day pics on the school fb page")
    assert answer.follow_up is not None
    shown = render(answer_reply(answer))
    blocks = shown.split("\n\n")
    assert blocks[0] == "It depends."
    assert _flat(blocks[1]) == answer.answer
    assert blocks[2].startswith("What the policy says:\n  (Best Practice")
    assert _flat(answer.citations[0].text) in _flat(blocks[2])
    question, buttons = blocks[3].rsplit("\n", 1)
    assert _flat(question) == answer.follow_up.question
    labels = [o.label for o in answer.follow_up.options]
    assert buttons == "[1] " + labels[0] + "   [2] " + labels[1]
    assert len(blocks) == 4
    assert all(_flat(shown).count(label) == 1 for label in labels)  # not also "1. Yes ..."
    assert _flat(shown).count(answer.follow_up.question) == 1


def test_did_you_mean_heading_and_numbering_across_groups() -> None:
    answer = _engine().answer("staff")
    reply = answer_reply(answer)
    reply.choices.append(Choice("Report an incident", "{}", "report.start", "primary"))
    shown = render(reply, numbered_from=3)
    blocks = shown.split("\n\n")
    assert blocks[0] == "Not covered by the policy."
    heading, topics = blocks[2].split("\n")
    assert heading == "Did you mean:"
    assert topics == "   ".join(f"[{i}] {s.topic}" for i, s in enumerate(answer.suggestions, 3))
    assert blocks[3] == f"[{3 + len(answer.suggestions)}] Report an incident"


def test_other_replies_are_their_text_and_numbered_buttons() -> None:
    reply = Reply(text="Saved.", choices=[Choice("Yes", "y", "x"), Choice("No", "n", "x")])
    assert render(reply, numbered_from=2) == "Saved.\n\n[2] Yes   [3] No"
    assert render(Reply(text="Oops", kind="error")) == "! Oops"


def test_a_csv_in_a_reply_is_not_wrapped() -> None:
    """A CSV export shown in the chat keeps each row on one line, however long, so it can be
    copied whole; the words around it are still wrapped."""
    row = "campaign,policy_version,academy,name,in_staff_list,platform,user_id,state," + (
        "confirmed_at,reminders_sent"
    )
    words = "Campaign 1 as CSV (6 people; to save it as a file: " + "policybot " * 12
    shown = render(Reply(text=f"{words}\n```\n{row}\n1,1,Oakfield\n```", kind="notice"))
    lines = shown.splitlines()
    assert len(row) > 88 and row in lines and "1,1,Oakfield" in lines
    assert lines.count("```") == 2
    assert all(len(line) <= 88 for line in lines if line != row)
