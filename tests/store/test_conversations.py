"""Conversation state: get/put/delete, optimistic versions, survives a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.store.conversations import ConversationStore, StaleConversation
from bot.store.db import Database
from bot.store.migrate import upgrade


async def test_put_get_delete(database: Database, fake_clock: FakeClock) -> None:
    store = ConversationStore(database, clock=fake_clock)
    assert await store.get("slack:T1:U1") is None
    assert await store.put("slack:T1:U1", {"step": "academy", "answers": {"a": 1}}) == 1
    fake_clock.advance(minutes=3)
    assert await store.put("slack:T1:U1", {"step": "category"}) == 2
    got = await store.get("slack:T1:U1")
    assert got is not None and got.state == {"step": "category"} and got.version == 2
    assert got.updated_at == fake_clock.now()
    assert await store.delete("slack:T1:U1")
    assert not await store.delete("slack:T1:U1")
    assert await store.get("slack:T1:U1") is None


async def test_optimistic_version(database: Database, fake_clock: FakeClock) -> None:
    store = ConversationStore(database, clock=fake_clock)
    assert await store.put("k", {"n": 0}, expected_version=0) == 1
    with pytest.raises(StaleConversation):
        await store.put("k", {"n": 1}, expected_version=0)
    assert await store.put("k", {"n": 1}, expected_version=1) == 2
    with pytest.raises(StaleConversation):
        await store.put("k", {"n": 9}, expected_version=1)
    got = await store.get("k")
    assert got is not None and got.state == {"n": 1}


async def test_concurrent_upserts_all_counted(database: Database, fake_clock: FakeClock) -> None:
    store = ConversationStore(database, clock=fake_clock)
    versions = await asyncio.gather(*(store.put("busy", {"i": i}) for i in range(30)))
    assert sorted(versions) == list(range(1, 31))


async def test_survives_restart(tmp_path: Path, fake_clock: FakeClock) -> None:
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    first = Database(url)
    await upgrade(first)
    await ConversationStore(first, clock=fake_clock).put("console:jane", {"draft": "half done"})
    await first.dispose()
    second = Database(url)
    try:
        got = await ConversationStore(second, clock=fake_clock).get("console:jane")
        assert got is not None and got.state == {"draft": "half done"}
    finally:
        await second.dispose()
