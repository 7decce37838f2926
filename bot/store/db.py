"""The database: an async SQLAlchemy engine and session factory made from a plain URL.

``sqlite:///path`` becomes ``sqlite+aiosqlite`` (parent directory created, WAL journal,
``busy_timeout``, foreign keys on, every write transaction ``BEGIN IMMEDIATE`` so concurrent
writers queue instead of failing); ``postgresql://`` and ``postgres://`` become
``postgresql+asyncpg``, optionally confined to one schema (used to isolate tests).

Reads (:meth:`Database.session`) and writes (:meth:`Database.transaction`) are apart: a read
never takes SQLite's write lock, so readers do not queue behind each other or a writer, and a
read session refuses to write (on PostgreSQL the transaction itself is READ ONLY).
:meth:`Database.read` and :meth:`Database.write` are the same without the ORM session, for
the few Core statements of every message (a session costs more than the statement).

Both sessions and plain connections execute statements: :data:`Executor` is either.
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
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: what runs a Core statement inside a caller's transaction: an ORM session or a connection
Executor = AsyncSession | AsyncConnection
#: execution option of read sessions (no write lock on SQLite)
READ_ONLY = "policybot_read_only"
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
        # a pooled PostgreSQL connection may have been dropped by the server: test it on
        # checkout; a SQLite file connection cannot be (a ping would cost a thread hop per use)
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            echo=echo,
            connect_args=connect_args,
            pool_pre_ping=self.dialect != "sqlite",
        )
        if self.dialect == "sqlite":
            _configure_sqlite(self.engine)
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )
        read_only = {READ_ONLY: True}
        if self.dialect == "postgresql":
            read_only["postgresql_readonly"] = True
        self._read_engine = self.engine.execution_options(**read_only)
        self.readers: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self._read_engine, expire_on_commit=False, sync_session_class=_ReadSession
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
        """A new session for reading (``async with database.session() as s``)."""
        return self.readers()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on error."""
        async with self.sessions() as session, session.begin():
            yield session

    def read(self) -> AsyncConnection:
        """A plain connection for reading, without an ORM session (``async with
        database.read() as c``): for a few Core statements on a hot path. Only read with it:
        on PostgreSQL its transaction is READ ONLY; on SQLite it takes no write lock."""
        return self._read_engine.connect()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A plain connection inside one transaction, without an ORM session: for a few Core
        statements on a hot path; committed on success, rolled back on error."""
        async with self.engine.begin() as connection:
            yield connection

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
        # A read session never writes, so it reads a WAL snapshot without the lock.
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


class ReadOnlySession(Exception):
    """A write was attempted in a read session: use :meth:`Database.transaction`."""


class _ReadSession(Session):
    """The sync session behind :meth:`Database.session`: it refuses to write."""


@event.listens_for(_ReadSession, "before_flush")
def _refuse_flush(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySession("this session only reads; write in Database.transaction()")


@event.listens_for(_ReadSession, "do_orm_execute")
def _refuse_writes(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlySession("this session only reads; write in Database.transaction()")
