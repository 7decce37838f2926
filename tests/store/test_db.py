"""Database URLs, migrations and the models/migration agreement."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, delete, text, update

from bot.store.db import Database, ReadOnlySession, normalise_url
from bot.store.migrate import current_revision, head_revision, is_current, upgrade
from bot.store.models import Academy, Base


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///var/x.db", "sqlite+aiosqlite:///var/x.db"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u:p@h:5432/db", "postgresql+asyncpg://u:p@h:5432/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+asyncpg://u@h/db"),
    ],
)
def test_normalise_url(url: str, expected: str) -> None:
    assert normalise_url(url) == expected


def test_normalise_url_rejects_other_databases() -> None:
    with pytest.raises(ValueError, match="only sqlite and postgresql"):
        normalise_url("mysql://u@h/db")


async def test_sqlite_creates_parent_dir_and_sets_pragmas(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'deep' / 'er' / 'bot.sqlite3'}")
    try:
        async with db.engine.connect() as conn:
            mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
            fks = (await conn.execute(text("PRAGMA foreign_keys"))).scalar()
            busy = (await conn.execute(text("PRAGMA busy_timeout"))).scalar()
        assert (tmp_path / "deep" / "er").is_dir()
        assert mode == "wal"
        assert fks == 1
        assert busy == 30000
    finally:
        await db.dispose()


async def test_migrations_reach_head_and_are_idempotent(database: Database) -> None:
    assert await current_revision(database) == head_revision()
    assert await is_current(database)
    assert await upgrade(database) == head_revision()  # second run changes nothing


async def test_models_match_migrations(database: Database) -> None:
    def diff(conn: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(conn), Base.metadata))

    async with database.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_fresh_database_is_not_current(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    try:
        assert await current_revision(db) is None
        assert not await is_current(db)
    finally:
        await db.dispose()


async def test_a_read_session_refuses_to_write(database: Database) -> None:
    async with database.session() as session:
        session.add(_academy())
        with pytest.raises(ReadOnlySession):
            await session.flush()
    async with database.session() as session:
        with pytest.raises(ReadOnlySession):
            await session.execute(update(Academy).values(name="Renamed"))
        with pytest.raises(ReadOnlySession):
            await session.execute(delete(Academy))
    async with database.transaction() as session:  # the write path still writes
        session.add(_academy())
    async with database.session() as session:
        assert (await session.get(Academy, "ZZZ")) is not None


async def test_readers_do_not_wait_for_a_writer(database: Database) -> None:
    async with database.transaction() as writer:
        writer.add(_academy())
        await writer.flush()  # the write lock is held until this block ends
        async with database.session() as reader:  # would wait 30 s on the lock if it took it
            found = await asyncio.wait_for(reader.get(Academy, "ZZZ"), timeout=5)
        assert found is None  # the reader sees the last committed state
    async with database.session() as reader:
        assert (await reader.get(Academy, "ZZZ")) is not None


def _academy() -> Academy:
    return Academy(id="ZZZ", name="Nowhere Academy", updated_at=datetime.now(UTC))
