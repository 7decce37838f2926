"""Database URLs, migrations and the models/migration agreement."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text

from bot.store.db import Database, normalise_url
from bot.store.migrate import current_revision, head_revision, is_current, upgrade
from bot.store.models import Base


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
