"""Who receives governors' reports: an academy's Chair of Governors and safeguarding
governor; trust-wide, the Board's contacts; the review pack, the policy owner (the
Headteacher by default, the trust's ``policy_owner`` trust-wide)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import AcademyRole, Person
from bot.store.models_governors import TrustContact
from bot.trust.config import TrustConfig, TrustConfigError, load_trust_config

GOVERNOR_ROLES: tuple[str, ...] = ("chair_of_governors", "safeguarding_governor")


async def import_trust_contacts(session: AsyncSession, config: TrustConfig) -> None:
    """Replace the Board contacts and trust policy owner with the file's (by person id)."""
    await session.execute(delete(TrustContact))
    wanted = [("board", key) for key in config.board]
    if config.policy_owner:
        wanted.append(("policy_owner", config.policy_owner))
    for role, key in wanted:
        person = await session.scalar(select(Person).where(Person.key == key))
        if person is not None:
            session.add(TrustContact(role=role, person_id=person.id))
    await session.flush()


async def trust_contacts(session: AsyncSession, role: str) -> list[Person]:
    rows = await session.scalars(
        select(Person)
        .join(TrustContact, TrustContact.person_id == Person.id)
        .where(TrustContact.role == role)
        .order_by(Person.name)
    )
    return list(rows)


async def academy_holders(
    session: AsyncSession, academy_id: str, roles: tuple[str, ...]
) -> list[tuple[Person, str]]:
    """(person, role) for each of ``roles`` filled at the academy, one entry per person."""
    rows = await session.execute(
        select(Person, AcademyRole.role)
        .join(AcademyRole, AcademyRole.person_id == Person.id)
        .where(AcademyRole.academy_id == academy_id, AcademyRole.role.in_(roles))
    )
    seen: dict[int, tuple[Person, str]] = {}
    for person, role in rows:
        if person.id in seen:
            seen[person.id] = (person, f"{seen[person.id][1]},{role}")
        else:
            seen[person.id] = (person, role)
    return list(seen.values())


async def monitoring_recipients(session: AsyncSession, scope: str) -> list[tuple[Person, str]]:
    """Who gets the monitoring report of ``scope`` (``""``: the Board)."""
    if not scope:
        return [(p, "board") for p in await trust_contacts(session, "board")]
    return await academy_holders(session, scope, GOVERNOR_ROLES)


async def review_recipients(session: AsyncSession, scope: str) -> list[tuple[Person, str]]:
    """Who gets the annual review pack: the trust's policy owner, or the Headteacher."""
    if not scope:
        return [(p, "policy_owner") for p in await trust_contacts(session, "policy_owner")]
    return await academy_holders(session, scope, ("headteacher",))


async def trust_name(session: AsyncSession, settings: Any) -> str:
    """The trust's name from the trust file, or ``the trust``."""
    path = getattr(settings, "trust_config", None)
    if path is not None:
        try:
            return load_trust_config(path).trust or "the trust"
        except TrustConfigError:
            pass
    return "the trust"
