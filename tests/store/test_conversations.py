"""Conversation state: get/put/delete, optimistic versions, survives a restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

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


async def test_get_many_and_writes_in_one_commit(database: Database, fake_clock: FakeClock) -> None:
    """Several states read in one query; an upsert and a delete share the caller's commit,
    and a failure before it commits keeps neither."""
    store = ConversationStore(database, clock=fake_clock)
    await store.put("a", {"n": 1})
    await store.put("b", {"n": 2})
    got = await store.get_many("a", "b", "missing")
    assert {k: (v.state, v.version) for k, v in got.items()} == {
        "a": ({"n": 1}, 1),
        "b": ({"n": 2}, 1),
    }
    async with database.write() as connection:
        assert await store.upsert_in(connection, "a", {"n": 10}) == 2
        assert await store.delete_in(connection, "b")
        assert not await store.delete_in(connection, "missing")
    with pytest.raises(RuntimeError):
        async with database.write() as connection:
            await store.upsert_in(connection, "a", {"n": 99})
            await store.upsert_in(connection, "c", {"n": 3})
            raise RuntimeError("before the commit")
    got = await store.get_many("a", "b", "c")
    assert {k: (v.state, v.version) for k, v in got.items()} == {"a": ({"n": 10}, 2)}


async def test_a_read_connection_does_not_write_on_postgresql(database: Database) -> None:
    if not database.is_postgresql:
        pytest.skip("SQLite has no read-only transactions (reads take no write lock there)")
    with pytest.raises(DBAPIError, match="read-only"):
        async with database.read() as connection:
            await connection.execute(text("DELETE FROM conversations"))
