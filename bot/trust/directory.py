"""Trust directory in the database: import from config, look up people, find gaps.

Functions take an open :class:`~sqlalchemy.ext.asyncio.AsyncSession` so callers control the
transaction. People are found by chat identity (platform, user id), never by display name.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock, SystemClock
from bot.reports.contacts import import_trust_contacts
from bot.store.db import Database
from bot.store.models import Academy, AcademyRole, Identity, Person
from bot.trust.config import TrustConfig, load_trust_config
from bot.trust.roles import ALL_ROLES, PLATFORMS, ROLES, role_label

log = logging.getLogger(__name__)


class DirectoryError(ValueError):
    """A directory change that cannot be made, with a message fit for an admin."""


@dataclass(frozen=True)
class ImportSummary:
    """What an import wrote (counts) and the gaps it left."""

    people: int
    academies: int
    roles: int
    gaps: list[str]


@dataclass(frozen=True)
class PersonInfo:
    """A person with their identities and roles, for listings."""

    id: int
    key: str
    name: str
    email: str | None
    is_trust_admin: bool
    identities: dict[str, str]
    roles: list[tuple[str, str]]  # (academy id, role)


@dataclass(frozen=True)
class AcademyInfo:
    """An academy with its role holders (role -> person name; missing roles absent)."""

    id: str
    name: str
    holders: dict[str, str]


def enabled_platforms(settings: Any) -> tuple[str, ...]:
    """Platforms notifications can go out on: console always, plus Slack/Teams if set up,
    and email (the second channel) when SMTP is."""
    platforms = []
    if getattr(settings, "slack_enabled", False):
        platforms.append("slack")
    if getattr(settings, "teams_enabled", False):
        platforms.append("teams")
    platforms.append("console")
    if getattr(settings, "smtp", None) is not None:
        platforms.append("email")
    return tuple(platforms)


async def import_trust_config(
    session: AsyncSession, config: TrustConfig, *, now: datetime, platforms: Collection[str] = ()
) -> ImportSummary:
    """Upsert the config's people, identities, academies and roles (idempotent).

    People and academies not in the file are left alone (they may have been added with
    ``policybot admin``); for those in the file, the file wins.
    """
    for ac in config.academies:
        academy = await session.get(Academy, ac.id)
        if academy is None:
            academy = Academy(id=ac.id, name=ac.name, updated_at=now)
            session.add(academy)
        academy.name = ac.name
        academy.updated_at = now
    await session.flush()
    people: dict[str, Person] = {}
    for pc in config.people:
        person = await session.scalar(select(Person).where(Person.key == pc.id))
        if person is None:
            person = Person(key=pc.id, name=pc.name, updated_at=now)
            session.add(person)
        person.name = pc.name
        person.email = pc.email
        person.academy_id = pc.academy
        person.is_trust_admin = pc.id in config.trust_admins
        person.updated_at = now
        people[pc.id] = person
    await session.flush()
    for pc in config.people:
        await _replace_identities(session, people[pc.id], pc.identities())
    roles = 0
    for ac in config.academies:
        await session.execute(delete(AcademyRole).where(AcademyRole.academy_id == ac.id))
        for role, key in ac.roles().items():
            session.add(AcademyRole(academy_id=ac.id, role=role, person_id=people[key].id))
            roles += 1
    await session.flush()
    await import_trust_contacts(session, config)
    gaps = await find_gaps(session, platforms or PLATFORMS)
    for gap in gaps:
        log.warning("trust directory gap: %s", gap)
    return ImportSummary(len(config.people), len(config.academies), roles, gaps)


async def _replace_identities(
    session: AsyncSession, person: Person, identities: dict[str, str]
) -> None:
    for platform, user_id in identities.items():
        owner = await session.scalar(
            select(Identity).where(Identity.platform == platform, Identity.user_id == user_id)
        )
        if owner is not None and owner.person_id != person.id:
            other = await session.get(Person, owner.person_id)
            raise DirectoryError(
                f"{platform} id {user_id!r} already belongs to "
                f"{other.name if other else 'someone else'}"
            )
    await session.execute(delete(Identity).where(Identity.person_id == person.id))
    await session.flush()
    for platform, user_id in identities.items():
        session.add(Identity(person_id=person.id, platform=platform, user_id=user_id))
    await session.flush()


async def person_for_identity(session: AsyncSession, platform: str, user_id: str) -> Person | None:
    """The person with this chat identity, or None."""
    return await session.scalar(
        select(Person)
        .join(Identity, Identity.person_id == Person.id)
        .where(Identity.platform == platform, Identity.user_id == user_id)
    )


async def find_person(session: AsyncSession, ref: str) -> Person | None:
    """An admin's way to name a person: numeric id, config id, email or console name."""
    ref = ref.strip()
    if ref.isdecimal() and ref.isascii():
        found = await session.get(Person, int(ref))
        if found is not None:
            return found
    found = await session.scalar(select(Person).where(Person.key == ref))
    if found is None and "@" in ref:
        found = await session.scalar(select(Person).where(Person.email == ref.lower()))
    if found is None:
        found = await person_for_identity(session, "console", ref)
    return found


async def add_person(
    session: AsyncSession,
    *,
    key: str,
    name: str,
    now: datetime,
    email: str | None = None,
    identities: dict[str, str] | None = None,
    trust_admin: bool = False,
    academy_id: str | None = None,
) -> Person:
    """Create or update a person by ``key`` and add (or replace) their identities."""
    if academy_id is not None and await session.get(Academy, academy_id) is None:
        raise DirectoryError(f"there is no academy with id {academy_id!r}")
    person = await session.scalar(select(Person).where(Person.key == key))
    if person is None:
        person = Person(key=key, name=name, updated_at=now)
        session.add(person)
    if email:
        holder = await session.scalar(select(Person).where(Person.email == email.lower()))
        if holder is not None and holder is not person:
            raise DirectoryError(f"the email {email!r} already belongs to {holder.name}")
    person.name = name
    person.email = email.lower() if email else person.email
    person.is_trust_admin = trust_admin or person.is_trust_admin
    person.academy_id = academy_id or person.academy_id
    person.updated_at = now
    await session.flush()
    if identities:
        current = await identities_of(session, [person.id])
        merged = {**current.get(person.id, {}), **identities}
        await _replace_identities(session, person, merged)
    return person


async def set_role(
    session: AsyncSession, academy_id: str, role: str, person: Person, *, now: datetime
) -> None:
    """Make ``person`` the holder of ``role`` at ``academy_id``."""
    if role not in ALL_ROLES:
        raise DirectoryError(f"unknown role {role!r}; use one of: {', '.join(ALL_ROLES)}")
    academy = await session.get(Academy, academy_id)
    if academy is None:
        raise DirectoryError(f"there is no academy with id {academy_id!r}")
    existing = await session.get(AcademyRole, (academy_id, role))
    if existing is None:
        session.add(AcademyRole(academy_id=academy_id, role=role, person_id=person.id))
    else:
        existing.person_id = person.id
    academy.updated_at = now
    await session.flush()


async def identities_of(
    session: AsyncSession, person_ids: Iterable[int]
) -> dict[int, dict[str, str]]:
    """person id -> {platform: user id}."""
    ids = list(person_ids)
    out: dict[int, dict[str, str]] = {pid: {} for pid in ids}
    if not ids:
        return out
    rows = await session.scalars(select(Identity).where(Identity.person_id.in_(ids)))
    for ident in rows:
        out[ident.person_id][ident.platform] = ident.user_id
    return out


async def academy_role_holders(session: AsyncSession, academy_id: str) -> dict[str, Person]:
    """role -> person for one academy (vacant roles absent)."""
    rows = await session.execute(
        select(AcademyRole.role, Person)
        .join(Person, Person.id == AcademyRole.person_id)
        .where(AcademyRole.academy_id == academy_id)
    )
    return {role: person for role, person in rows}


async def trust_admins(session: AsyncSession) -> list[Person]:
    """Everyone who is a trust administrator."""
    return list(
        await session.scalars(
            select(Person).where(Person.is_trust_admin.is_(True)).order_by(Person.id)
        )
    )


async def academy_names(session: AsyncSession) -> list[tuple[str, str]]:
    """Every academy as (id, name), in id order: what a report form offers (one query)."""
    rows = await session.execute(select(Academy.id, Academy.name).order_by(Academy.id))
    return [(academy_id, name) for academy_id, name in rows]


async def list_academies(session: AsyncSession) -> list[AcademyInfo]:
    """Every academy with its role holders."""
    out = []
    for academy in await session.scalars(select(Academy).order_by(Academy.id)):
        holders = await academy_role_holders(session, academy.id)
        out.append(AcademyInfo(academy.id, academy.name, {r: p.name for r, p in holders.items()}))
    return out


async def list_people(session: AsyncSession) -> list[PersonInfo]:
    """Everyone, with identities and roles."""
    people = list(await session.scalars(select(Person).order_by(Person.name)))
    idents = await identities_of(session, [p.id for p in people])
    roles: dict[int, list[tuple[str, str]]] = {}
    for row in await session.scalars(select(AcademyRole)):
        roles.setdefault(row.person_id, []).append((row.academy_id, row.role))
    return [
        PersonInfo(
            p.id, p.key, p.name, p.email, p.is_trust_admin, idents[p.id], roles.get(p.id, [])
        )
        for p in people
    ]


async def find_gaps(session: AsyncSession, platforms: Collection[str]) -> list[str]:
    """Every directory gap that could stop a report reaching someone, one line each."""
    gaps: list[str] = []
    for academy in await session.scalars(select(Academy).order_by(Academy.id)):
        holders = await academy_role_holders(session, academy.id)
        for role in ROLES:
            if role not in holders:
                gaps.append(f"{academy.name} ({academy.id}) has no {role_label(role)}")
    people = list(await session.scalars(select(Person).order_by(Person.name)))
    idents = await identities_of(session, [p.id for p in people])
    enabled = [p for p in PLATFORMS if p in set(platforms)]
    for person in people:
        if not any(platform in idents[person.id] for platform in enabled):
            gaps.append(
                f"{person.name} ({person.key}) has no identity on any enabled platform "
                f"({', '.join(enabled)}), so cannot be notified"
            )
    if not await trust_admins(session):
        gaps.append("nobody is a trust administrator")
    return gaps


class TrustDirectory:
    """The directory as a service over a :class:`Database` (each call its own transaction)."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Clock | None = None,
        platforms: Collection[str] = PLATFORMS,
    ) -> None:
        self.database = database
        self.clock = clock or SystemClock()
        self.platforms = tuple(platforms)

    async def import_config(self, config: TrustConfig) -> ImportSummary:
        """Upsert a parsed config (idempotent); gaps are logged at WARNING and returned."""
        async with self.database.transaction() as session:
            return await import_trust_config(
                session, config, now=self.clock.now(), platforms=self.platforms
            )

    async def import_file(self, path: str | Path) -> ImportSummary:
        """Validate and import a trust YAML file (raises ``TrustConfigError``)."""
        return await self.import_config(load_trust_config(path))

    async def academies(self) -> list[AcademyInfo]:
        """Every academy with its role holders."""
        async with self.database.session() as session:
            return await list_academies(session)

    async def people(self) -> list[PersonInfo]:
        """Everyone, with identities and roles."""
        async with self.database.session() as session:
            return await list_people(session)

    async def gaps(self) -> list[str]:
        """Directory gaps that could stop a report reaching someone."""
        async with self.database.session() as session:
            return await find_gaps(session, self.platforms)

    async def person_for(self, platform: str, user_id: str) -> Person | None:
        """The person with this chat identity, or None."""
        async with self.database.session() as session:
            return await person_for_identity(session, platform, user_id)
