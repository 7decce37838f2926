"""Turn an :class:`~bot.qa.answer.Answer` into a platform-neutral :class:`~bot.messages.Reply`.

A policy answer reply carries its pieces separately so every adapter shows the same ones
in the same order: the verdict (``verdict``, words in ``title``), the plain-English answer
(``data["answer"]``), the policy's own words (``citations``, under
:data:`CITATIONS_HEADING`), then the buttons, each run of them under the heading the core
gives it (``data["choice_headings"]``, read with :func:`choice_groups`). ``text`` stays the
complete plain text (:meth:`Answer.to_text`) for clients that show no rich content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.accounts.form import offered_on
from bot.messages import Choice, Reply
from bot.qa.answer import VERDICT_LABELS, Answer

#: the heading over the quoted policy words
CITATIONS_HEADING = "What the policy says"
#: the heading over "did you mean" topics
SUGGESTIONS_HEADING = "Did you mean:"


@dataclass(frozen=True)
class ChoiceGroup:
    """A run of a reply's choices shown together under one heading (or none).

    ``start`` is the position of the first of them in ``Reply.choices`` (for numbering)."""

    heading: str | None
    choices: list[Choice]
    start: int


def answer_reply(answer: Answer, *, replace_previous: bool = False) -> Reply:
    """The reply for an answer: verdict, text, citations and its buttons."""
    choices: list[Choice] = []
    headings: dict[str, str] = {}
    if answer.follow_up:
        headings["qa.fact"] = answer.follow_up.question
        for option in answer.follow_up.options:
            facts = {**answer.facts, answer.follow_up.fact: option.value}
            choices.append(
                Choice(option.label, json.dumps({"q": answer.question, "facts": facts}), "qa.fact")
            )
    if answer.suggestions:
        headings["qa.suggest"] = SUGGESTIONS_HEADING
    for s in answer.suggestions:
        choices.append(
            Choice(s.topic, json.dumps({"q": answer.question, "rule": s.rule_id}), "qa.suggest")
        )
    if answer.report_category:
        prefill = {} if answer.report_category == "ask" else {"category": answer.report_category}
        choices.append(Choice("Report an incident", json.dumps(prefill), "report.start", "primary"))
    if offered_on(answer.rule_ids):  # setting up a class/department account (issue 15)
        choices.append(Choice("Request an official account", "", "account.request"))
    return Reply(
        text=answer.to_text(),
        kind="answer",
        title=VERDICT_LABELS[answer.verdict],
        verdict=answer.verdict,
        citations=list(answer.citations),
        choices=choices,
        replace_previous=replace_previous,
        data={
            "question": answer.question,
            "answer": answer.answer,
            "rule_ids": list(answer.rule_ids),
            "follow_up": answer.follow_up.question if answer.follow_up else None,
            "confidence": answer.confidence,
            "choice_headings": headings,
        },
    )


def choice_groups(reply: Reply) -> list[ChoiceGroup]:
    """``reply.choices`` in order, split into runs under their headings.

    A run of choices whose action has a heading in ``data["choice_headings"]`` (an
    answer's follow-up question over its ``qa.fact`` buttons, "Did you mean:" over its
    ``qa.suggest`` topics) is a group of its own; choices with no heading (e.g. "Report an
    incident", or any reply without headings) form groups with ``heading=None``.
    """
    raw = reply.data.get("choice_headings")
    headings = raw if isinstance(raw, dict) else {}
    groups: list[ChoiceGroup] = []
    key: str | None = None
    for index, choice in enumerate(reply.choices):
        heading = headings.get(choice.action)
        this = choice.action if heading else None
        if groups and this == key:
            groups[-1].choices.append(choice)
            continue
        key = this
        groups.append(ChoiceGroup(str(heading) if heading else None, [choice], index))
    return groups


def answer_words(reply: Reply) -> str:
    """The plain-English answer of a policy answer reply (its whole text for any other
    reply, or one built without the separate pieces)."""
    answer = reply.data.get("answer") if reply.verdict else None
    return answer if isinstance(answer, str) and answer else reply.text


def verdict_words(reply: Reply) -> str:
    """The words of a reply's verdict line ("Not allowed"): the core's label for its
    verdict, the same on every platform ("" for a reply without a verdict)."""
    if reply.verdict is None:
        return ""
    return VERDICT_LABELS.get(reply.verdict) or reply.title or reply.verdict
