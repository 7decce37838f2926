"""The database: an async SQLAlchemy engine and session factory made from a plain URL.

``sqlite:///path`` becomes ``sqlite+aiosqlite`` (parent directory created, WAL journal,
``busy_timeout``, foreign keys on, every transaction ``BEGIN IMMEDIATE`` so concurrent
writers queue instead of failing); ``postgresql://`` and ``postgres://`` become
``postgresql+asyncpg``, optionally confined to one schema (used to isolate tests).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_BUSY_TIMEOUT_MS = 30_000
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def normalise_url(url: str) -> str:
    """Map a plain database URL to its async driver form.

    >>> normalise_url("postgres://u@h/db")
    'postgresql+asyncpg://u@h/db'
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(f"{url!r} is not a database URL")
    base = scheme.split("+", 1)[0]
    if base == "sqlite":
        return f"sqlite+aiosqlite://{rest}"
    if base in {"postgresql", "postgres"}:
        return f"postgresql+asyncpg://{rest}"
    raise ValueError(f"only sqlite and postgresql databases are supported, not {scheme!r}")


class Database:
    """An async engine plus session factory. Share one per process; ``dispose()`` at exit."""

    def __init__(self, url: str, *, schema: str | None = None, echo: bool = False) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.dialect: str = parsed.get_backend_name()
        self.schema = schema
        connect_args: dict[str, Any] = {}
        if self.dialect == "sqlite":
            if schema:
                raise ValueError("a schema can only be given for PostgreSQL")
            database = parsed.database or ""
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            connect_args["timeout"] = SQLITE_BUSY_TIMEOUT_MS / 1000
        elif schema:
            if not _SCHEMA_NAME.match(schema):
                raise ValueError(f"unsafe schema name {schema!r}")
            connect_args["server_settings"] = {"search_path": schema}
        self.engine: AsyncEngine = create_async_engine(
            self.url, echo=echo, connect_args=connect_args, pool_pre_ping=True
        )
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )

    @property
    def is_sqlite(self) -> bool:
        """True for SQLite, False for PostgreSQL."""
        return self.dialect == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        """True for PostgreSQL."""
        return self.dialect == "postgresql"

    def session(self) -> AsyncSession:
        """A new session (use as ``async with database.session() as s``)."""
        return self.sessions()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({make_url(self.url).render_as_string(hide_password=True)!r})"


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, busy timeout, foreign keys, and SQLAlchemy-controlled ``BEGIN IMMEDIATE``."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front, so two writers queue on busy_timeout
        # instead of one failing with "database is locked" when a read upgrades to a write.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
