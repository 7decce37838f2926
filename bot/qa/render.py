"""Turn an :class:`~bot.qa.answer.Answer` into a platform-neutral :class:`~bot.messages.Reply`."""

from __future__ import annotations

import json

from bot.messages import Choice, Reply
from bot.qa.answer import VERDICT_LABELS, Answer


def answer_reply(answer: Answer, *, replace_previous: bool = False) -> Reply:
    """The reply for an answer: verdict, text, citations and its buttons."""
    choices: list[Choice] = []
    if answer.follow_up:
        for option in answer.follow_up.options:
            facts = {**answer.facts, answer.follow_up.fact: option.value}
            choices.append(
                Choice(option.label, json.dumps({"q": answer.question, "facts": facts}), "qa.fact")
            )
    for s in answer.suggestions:
        choices.append(
            Choice(s.topic, json.dumps({"q": answer.question, "rule": s.rule_id}), "qa.suggest")
        )
    if answer.report_category:
        prefill = {} if answer.report_category == "ask" else {"category": answer.report_category}
        choices.append(Choice("Report an incident", json.dumps(prefill), "report.start", "primary"))
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
        },
    )
