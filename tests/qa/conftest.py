"""Fixtures for the policy Q&A tests: one engine over the bundled knowledge base."""

from __future__ import annotations

import pytest

from bot.qa.engine import AnswerEngine


@pytest.fixture(scope="session")
def engine() -> AnswerEngine:
    """The answer engine over the bundled KB (loaded once per session)."""
    return AnswerEngine.from_file()
