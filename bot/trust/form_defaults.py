"""What a report form needs from the trust directory, read once and reused for a short while.

Opening a report form needs the academies (the choice list) and the reporter's home academy
(its default). Both change only when an admin imports the trust set-up, yet a burst of
``/report`` commands would otherwise read them once per form: Slack allows 3 s from the
command to the form opening. :class:`FormDefaults` reads every academy and every chat
identity's home academy in one query session and reuses that for :data:`MAX_AGE` seconds;
concurrent callers share one reading. Storing a report never relies on it: the incident
service checks the academy and the reporter against the database in the same transaction.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import select

from bot.clock import Clock, SystemClock
from bot.store.db import Database
from bot.store.models import Identity, Person
from bot.trust.directory import academy_names

#: seconds an admin's change to academies or home academies may take to reach the form
MAX_AGE = 60.0


@dataclass(frozen=True)
class DirectoryView:
    """The academies as (id, name) and each (platform, user id) -> home academy id."""

    academies: list[tuple[str, str]]
    home_academy: dict[tuple[str, str], str | None]


class FormDefaults:
    """A :class:`DirectoryView` no older than :data:`MAX_AGE` seconds."""

    def __init__(self, database: Database, *, clock: Clock | None = None) -> None:
        self.database = database
        self.clock = clock or SystemClock()
        self._view: DirectoryView | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    async def view(self) -> DirectoryView:
        """The directory view, read again if missing or older than :data:`MAX_AGE`."""
        view = self._fresh()
        if view is not None:
            return view
        async with self._lock:  # one reading for everyone who asked meanwhile
            view = self._fresh()
            if view is None:
                view = await self._read()
                self._view, self._read_at = view, self.clock.now().timestamp()
            return view

    def _fresh(self) -> DirectoryView | None:
        if self._view is None or self.clock.now().timestamp() - self._read_at > MAX_AGE:
            return None
        return self._view

    async def _read(self) -> DirectoryView:
        async with self.database.session() as session:
            academies = await academy_names(session)
            rows = await session.execute(
                select(Identity.platform, Identity.user_id, Person.academy_id).join(
                    Person, Person.id == Identity.person_id
                )
            )
            homes = {(platform, user): academy for platform, user, academy in rows}
        return DirectoryView(academies, homes)
