"""Fixtures for the Teams tests: a migrated SQLite database, the fake connector, activities."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from bot.store.conversations import ConversationStore
from bot.store.db import Database
from bot.store.migrate import upgrade
from tests.teams.fake_connector import FakeConnector

BOT_ID = "28:policybot-app-id"
TENANT = "7a1b2c3d-0000-4000-8000-000000000001"
_ids = itertools.count(1)


@pytest.fixture
async def teams_db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database in a temporary directory."""
    database = Database(f"sqlite:///{tmp_path / 'teams.sqlite3'}")
    await upgrade(database)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> FakeClock:
    """A settable clock."""
    return FakeClock()


@pytest.fixture
def conversation_store(teams_db: Database, clock: FakeClock) -> ConversationStore:
    """The real conversation store on the test database."""
    return ConversationStore(teams_db, clock=clock)


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """The fake Bot Framework connector on loopback."""
    async with FakeConnector() as fake:
        yield fake


def activity(
    service_url: str,
    *,
    aad: str,
    kind: str = "message",
    text: str | None = None,
    value: dict[str, Any] | None = None,
    conversation_id: str | None = None,
    conversation_type: str = "personal",
    reply_to_id: str | None = None,
    channel_id: str = "msteams",
    name: str = "Test Person",
    **extra: Any,
) -> dict[str, Any]:
    """A Bot Framework activity as Teams would POST it to /api/messages."""
    body: dict[str, Any] = {
        "type": kind,
        "id": f"in-{next(_ids)}",
        "timestamp": "2026-11-24T10:00:00.000Z",
        "channelId": channel_id,
        "serviceUrl": service_url,
        "from": {"id": f"29:{aad}", "name": name, "aadObjectId": aad},
        "recipient": {"id": BOT_ID, "name": "policybot"},
        "conversation": {
            "id": conversation_id or f"a:1on1-{aad}",
            "conversationType": conversation_type,
            "tenantId": TENANT,
            **({"isGroup": True} if conversation_type != "personal" else {}),
        },
        "channelData": {"tenant": {"id": TENANT}},
        "locale": "en-GB",
    }
    if text is not None:
        body["text"] = text
    if value is not None:
        body["value"] = value
    if reply_to_id is not None:
        body["replyToId"] = reply_to_id
    body.update(extra)
    return body
