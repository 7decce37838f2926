"""SQLite statements in one hop to aiosqlite's thread: same results, same errors, fewer hops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.store.db import Database
from bot.store.one_hop import OneHopConnection


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'hops.sqlite3'}")
    async with db.write() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    try:
        yield db
    finally:
        await db.dispose()


async def test_pooled_connections_use_one_hop_cursors(sqlite: Database) -> None:
    async with sqlite.read() as conn:
        raw = await conn.get_raw_connection()
        assert type(raw.dbapi_connection) is OneHopConnection


async def test_rows_counts_and_returning_are_sqlite3s(sqlite: Database) -> None:
    async with sqlite.write() as conn:
        inserted = await conn.execute(
            text("INSERT INTO t (name) VALUES (:n)"), [{"n": "a"}, {"n": "b"}, {"n": "c"}]
        )
        assert inserted.rowcount == 3
        one = await conn.execute(text("INSERT INTO t (name) VALUES ('d')"))
        assert one.lastrowid == 4
        changed = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 2"))
        assert changed.rowcount == 2
        returned = await conn.execute(text("DELETE FROM t WHERE id = 1 RETURNING name"))
        assert returned.scalars().all() == ["a"]
    async with sqlite.read() as conn:
        rows = (await conn.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(2, "b"), (3, "c!"), (4, "d!")]
        assert (await conn.execute(text("SELECT name FROM t WHERE id = 99"))).first() is None


async def test_errors_are_sqlalchemys_and_roll_back(sqlite: Database) -> None:
    with pytest.raises(IntegrityError):
        async with sqlite.write() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('x')"))
            await conn.execute(text("INSERT INTO t (name) VALUES ('x')"))
    with pytest.raises(OperationalError):
        async with sqlite.read() as conn:
            await conn.execute(text("SELECT nothing FROM nowhere"))
    async with sqlite.read() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0


async def test_a_write_transaction_is_one_hop_per_statement(sqlite: Database) -> None:
    """BEGIN IMMEDIATE, two statements, COMMIT and the pool's ROLLBACK when the connection
    goes back: five calls on aiosqlite's thread (the adapter's own cursors made four per
    statement: twelve in all)."""
    async with sqlite.read() as conn:  # the pooled connection, opened and configured
        driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    calls: list[Any] = []
    real = driver._execute

    async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(fn)
        return await real(fn, *args, **kwargs)

    driver._execute = counted
    try:
        async with sqlite.write() as conn:
            await conn.execute(text("INSERT INTO t (name) VALUES ('p')"))
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 1
    finally:
        del driver._execute
    assert len(calls) == 5
