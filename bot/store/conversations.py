"""Chat and dialog state kept in the database, so any process can take the next message
and a restart loses nothing.

``put`` without ``expected_version`` is an atomic upsert (last writer wins); with it, an
optimistic compare-and-set that raises :class:`StaleConversation` if someone else wrote first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock, SystemClock
from bot.store.db import Database, Executor
from bot.store.models import ConversationRecord


class StaleConversation(Exception):
    """Another writer changed the state since it was read; read it again and retry."""


@dataclass(frozen=True)
class ConversationState:
    """A stored state, its version (1 for the first write) and when it was last written."""

    key: str
    state: dict[str, Any]
    version: int
    updated_at: datetime


class ConversationStore:
    """Get / put / delete a JSON state by key (e.g. ``"slack:T1:U2"``)."""

    def __init__(self, database: Database, *, clock: Clock | None = None) -> None:
        self.database = database
        self.clock = clock or SystemClock()

    async def get(self, key: str) -> ConversationState | None:
        """The stored state for ``key``, or None."""
        return (await self.get_many(key)).get(key)

    async def get_many(self, *keys: str) -> dict[str, ConversationState]:
        """The stored states of those ``keys`` that have one, in one query."""
        async with self.database.read() as connection:
            rows = await connection.execute(_GET_MANY, {"keys": list(keys)})
            return {
                row.key: ConversationState(row.key, dict(row.state), row.version, row.updated_at)
                for row in rows
            }

    async def put(
        self, key: str, state: dict[str, Any], *, expected_version: int | None = None
    ) -> int:
        """Store ``state`` and return its new version.

        ``expected_version=None``: upsert. ``0``: create only. ``n``: replace only if the
        stored version is still ``n``. Raises :class:`StaleConversation` otherwise.
        """
        if expected_version is None:
            async with self.database.write() as connection:
                return await self.upsert_in(connection, key, state)
        now = self.clock.now()
        async with self.database.transaction() as session:
            if expected_version == 0:
                session.add(ConversationRecord(key=key, state=state, version=1, updated_at=now))
                try:
                    await session.flush()
                except IntegrityError as exc:
                    raise StaleConversation(f"conversation {key!r} already exists") from exc
                return 1
            result = await session.execute(
                update(ConversationRecord)
                .where(
                    ConversationRecord.key == key, ConversationRecord.version == expected_version
                )
                .values(state=state, version=expected_version + 1, updated_at=now)
                .returning(ConversationRecord.version)
            )
            new_version = result.scalar_one_or_none()
            if new_version is None:
                raise StaleConversation(
                    f"conversation {key!r} changed since version {expected_version}"
                )
            return int(new_version)

    async def upsert_in(self, session: Executor, key: str, state: dict[str, Any]) -> int:
        """Store ``state`` (last writer wins) in the caller's transaction ``session``, so one
        commit can carry it with other writes; its new version."""
        upsert = _UPSERT[self.database.dialect]
        row = {"key": key, "state": state, "version": 1, "updated_at": self.clock.now()}
        return int((await session.execute(upsert, row)).scalar_one())

    async def delete(self, key: str) -> bool:
        """Forget ``key``; True if something was deleted."""
        async with self.database.write() as connection:
            return await self.delete_in(connection, key)

    @staticmethod
    async def delete_in(session: Executor, key: str) -> bool:
        """Forget ``key`` in the caller's transaction ``session``; True if it was there."""
        result = await session.execute(
            delete(_TABLE).where(_TABLE.c.key == key).returning(_TABLE.c.key)
        )
        return result.scalar_one_or_none() is not None


#: the table itself: plain Core statements, without the ORM's per-row bookkeeping
_TABLE = cast(Table, ConversationRecord.__table__)
_GET_MANY = select(_TABLE).where(_TABLE.c.key.in_(bindparam("keys", expanding=True)))


def _upsert(insert: Any) -> Any:
    """Insert a state, or replace it and count its version up (built once per dialect)."""
    values = insert(_TABLE)
    return values.on_conflict_do_update(
        index_elements=[_TABLE.c.key],
        set_={
            "state": values.excluded.state,
            "version": _TABLE.c.version + 1,
            "updated_at": values.excluded.updated_at,
        },
    ).returning(_TABLE.c.version)


_UPSERT = {"sqlite": _upsert(sqlite_insert), "postgresql": _upsert(pg_insert)}
