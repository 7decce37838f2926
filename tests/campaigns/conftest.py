"""The real core on the shared ``database`` fixture (SQLite, and PostgreSQL when
``TEST_DATABASE_URL`` is set), with the example trust and a fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import PolicyBot
from bot.clock import FakeClock
from bot.store.db import Database
from tests.parity.base import EXAMPLE_TRUST, make_bot, write_parity_trust


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when told."""
    return FakeClock()


async def bot_on(
    database: Database, clock: FakeClock, platform: str, tmp_path: Path | None = None
) -> PolicyBot:
    """The core for ``platform`` on ``database``; with ``tmp_path`` every person has a
    Slack id too (the parity trust), else the example trust as it is."""
    trust = write_parity_trust(tmp_path) if tmp_path is not None else EXAMPLE_TRUST
    return await make_bot(database, clock, platform, trust)


@pytest.fixture
async def console_bot(database: Database, clock: FakeClock) -> AsyncIterator[PolicyBot]:
    """The core with the console as its only platform."""
    yield await bot_on(database, clock, "console")
