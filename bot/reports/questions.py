"""Counting the questions staff ask by topic (for the monitoring report and review pack).

One row per question asked in chat: when, the rule it was answered from and the verdict.
Never the words asked and never who asked. A failure to record never fails an answer.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.store.db import Database
from bot.store.models_governors import QuestionTopic

log = logging.getLogger(__name__)


async def record_question(
    database: Database, rule_id: str | None, verdict: str, at: datetime
) -> None:
    """Count one question (``rule_id`` None when the policy did not cover it)."""
    try:
        async with database.transaction() as session:
            session.add(QuestionTopic(at=at, rule_id=rule_id, verdict=verdict[:16]))
    except Exception:
        log.warning("could not count a question by topic", exc_info=True)
