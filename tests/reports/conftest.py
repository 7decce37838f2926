"""A seeded term (two academies, incidents, reminders, dead deliveries, questions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from benchmarks.report_data import Seeded, seed, term_start
from bot.reports.kb import kb_info
from bot.reports.monitoring import Context
from bot.store.db import Database

REMINDER = timedelta(minutes=60)
NOW = datetime(2026, 12, 19, 9, 0, tzinfo=UTC)


@pytest.fixture
async def term(database: Database, tmp_path: Path) -> Seeded:
    """60 incidents this term (and 60 the term before) over oakfield and riverside."""
    return await seed(
        database,
        academies=["oakfield", "riverside"],
        incidents=60,
        start=term_start(),
        days=108,
        unanswered_log=tmp_path / "unanswered.jsonl",
        questions=120,
    )


@pytest.fixture(scope="session")
def topics() -> dict[str, str]:
    return kb_info().topics


@pytest.fixture
def ctx(term: Seeded, topics: dict[str, str]) -> Context:
    return Context(
        now=NOW,
        reminder_after=REMINDER,
        trust_name="Northbridge Learning Trust",
        topics=topics,
        unanswered_log=term.unanswered_log,
    )
