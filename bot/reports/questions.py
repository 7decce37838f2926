"""Counting the questions staff ask by topic (for the monitoring report and review pack).

One row per question asked in chat: when, the rule it was answered from and the verdict.
Never the words asked and never who asked. A failure to record never fails an answer: the
count goes in the transaction that keeps the conversation's state (one commit per question)
and, should it fail there, the state is written on its own and the count dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, insert

from bot.store.db import Executor
from bot.store.models_governors import QuestionTopic

#: (rule id or None when the policy did not cover it, verdict) of one answered question
Topic = tuple[str | None, str]

_TABLE = cast(Table, QuestionTopic.__table__)
#: the statement, built once (not for every question)
_INSERT = insert(_TABLE)


class CountFailed(Exception):
    """Counting failed (the transaction holding it is to be written again without it)."""


async def count_questions(session: Executor, topics: Sequence[Topic], at: datetime) -> None:
    """Count ``topics`` in the caller's transaction ``session`` (one statement)."""
    if not topics:
        return
    rows = [{"at": at, "rule_id": rule, "verdict": verdict[:16]} for rule, verdict in topics]
    try:
        await session.execute(_INSERT, rows)
    except Exception as exc:
        raise CountFailed("could not count a question by topic") from exc
