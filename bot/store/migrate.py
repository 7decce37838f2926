"""Run the Alembic migrations programmatically (no alembic.ini needed).

The migration scripts live inside the package (``bot/store/migrations``) so an installed
policybot can migrate its own database. ``upgrade`` is idempotent and safe when several
processes start at once (PostgreSQL: an advisory lock; SQLite: ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from bot.store.db import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_ADVISORY_LOCK_ID = 0x706F6C6963790001  # "policy" + 1: serialises concurrent upgrades


def alembic_config(database: Database | None = None) -> Config:
    """An Alembic config pointing at the bundled migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database is not None:
        cfg.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no migrations found")
    return head


async def upgrade(database: Database, revision: str = "head") -> str | None:
    """Bring the schema up to ``revision`` (default the newest). Returns the new revision."""
    cfg = alembic_config(database)

    def _run(connection: Connection) -> None:
        if database.is_postgresql:
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _ADVISORY_LOCK_ID})
            if database.schema:
                connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{database.schema}"'))
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)

    async with database.engine.begin() as conn:
        await conn.run_sync(_run)
    return await current_revision(database)


async def current_revision(database: Database) -> str | None:
    """The revision the database is at (None when it was never migrated)."""

    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as conn:
        return await conn.run_sync(_current)


async def is_current(database: Database) -> bool:
    """True when the database is at the newest revision."""
    return await current_revision(database) == head_revision()
