"""Fixtures for the Teams tests: the conversation store, the fake connector, activities, and
the whole server in local mode (``harness``)."""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.server.app import create_app
from adapters.teams.app import TEAMS_KEY, install
from bot.app import PolicyBot
from bot.clock import FakeClock
from bot.config import load_settings
from bot.delivery.worker import OutboxWorker
from bot.store.conversations import ConversationStore
from bot.store.db import Database
from tests.teams.fake_connector import FakeConnector

BOT_ID = "28:policybot-app-id"
TENANT = "7a1b2c3d-0000-4000-8000-000000000001"
_ids = itertools.count(1)


@pytest.fixture
def clock() -> FakeClock:
    """A settable clock."""
    return FakeClock()


@pytest.fixture
def conversation_store(database: Database, clock: FakeClock) -> ConversationStore:
    """The real conversation store on the shared ``database`` fixture (SQLite, PostgreSQL)."""
    return ConversationStore(database, clock=clock)


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    """The fake Bot Framework connector on loopback."""
    async with FakeConnector() as fake:
        yield fake


def card_buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every button of a card in the order shown: those in ``ActionSet``s in the body (the
    ones under a heading) or tappable rows (``selectAction``), then the card's own actions."""
    found: list[dict[str, Any]] = []

    def walk(elements: list[dict[str, Any]]) -> None:
        for el in elements:
            if el.get("type") == "ActionSet":
                found.extend(el.get("actions", []))
            if "selectAction" in el:
                found.append(el["selectAction"])
            walk(el.get("items", []))

    walk(card.get("body", []))
    return found + list(card.get("actions", []))


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


ROOT = Path(__file__).resolve().parents[2]
TRUST = ROOT / "config" / "trust.example.yaml"
# people from config/trust.example.yaml (Azure AD object ids)
JANE = "3f2b8c1e-6d4a-4e2b-9a7c-1d2e3f4a5b01"  # Oakfield Headteacher
OMAR = "3f2b8c1e-6d4a-4e2b-9a7c-1d2e3f4a5b02"  # Oakfield DSL
LEENA = "3f2b8c1e-6d4a-4e2b-9a7c-1d2e3f4a5b03"  # Oakfield deputy DSL
SARAH = "3f2b8c1e-6d4a-4e2b-9a7c-1d2e3f4a5b05"  # Riverside Headteacher
TOM = "3f2b8c1e-6d4a-4e2b-9a7c-1d2e3f4a5b10"  # Oakfield teacher (reporter)


class TeamsHarness:
    """The real server (local mode) on loopback, the fake connector and an outbox worker."""

    def __init__(
        self,
        client: TestClient[Any, Any],
        connector: FakeConnector,
        bot: PolicyBot,
        worker: OutboxWorker,
    ) -> None:
        self.client = client
        self.connector = connector
        self.bot = bot
        self.worker = worker

    async def post(self, aad: str, **kw: Any) -> dict[str, Any]:
        """POST one activity from ``aad`` to /api/messages; assert it was accepted."""
        body = activity(self.connector.url, aad=aad, **kw)
        response = await self.client.post("/api/messages", json=body)
        assert response.status in (200, 202), await response.text()
        return body

    async def install_for(self, *people: str) -> None:
        """The app is installed for each person (Teams sends a conversationUpdate)."""
        for aad in people:
            await self.post(
                aad,
                kind="conversationUpdate",
                membersAdded=[{"id": BOT_ID}],
            )

    async def press(
        self, aad: str, action: str, value: str = "", *, reply_to: str | None, **inputs: Any
    ) -> None:
        """Press an Action.Submit button on a card the bot sent (``reply_to`` = its id)."""
        data: dict[str, Any] = {"pb": {"action": action, "value": value}, **inputs}
        await self.post(aad, value=data, reply_to_id=reply_to)

    async def submit(
        self, aad: str, button: dict[str, Any], *, reply_to: str | None, **inputs: Any
    ) -> None:
        """Press a card button exactly as Teams would: its data merged with the inputs."""
        await self.post(aad, value={**button["data"], **inputs}, reply_to_id=reply_to)


@pytest.fixture
async def harness(
    tmp_path: Path, clock: FakeClock, connector: FakeConnector
) -> AsyncIterator[TeamsHarness]:
    """Everything running for real, Teams in local mode (no credentials)."""
    settings = load_settings(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.sqlite3'}", "TRUST_CONFIG": str(TRUST)}
    )
    bot = await PolicyBot.create(settings, platforms=["teams"], clock=clock)
    installer = functools.partial(install, env={"TEAMS_LOCAL_MODE": "true"})
    app = create_app(settings, bot, installers=[installer])
    notifier = app[TEAMS_KEY].notifier()
    worker = OutboxWorker(bot.database, {"teams": notifier}, clock, rng=random.Random(1))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield TeamsHarness(client, connector, bot, worker)
    await bot.close()
