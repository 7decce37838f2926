"""Whether the trust file (TRUST_CONFIG) says the same as the database doctor checks.

Alerts are routed from the database, which ``policybot serve`` (at start) and ``policybot
admin import-config`` fill from the file. A technician who edits the file and runs doctor
straight away would otherwise be told about the people as they were.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Academy, Person
from bot.trust.config import TrustConfig
from bot.trust.directory import academy_role_holders, identities_of


async def unloaded_changes(session: AsyncSession, config: TrustConfig) -> list[str]:
    """What the file says that the database does not (one short phrase each)."""
    changes: list[str] = []
    people = {p.key: p for p in await session.scalars(select(Person))}
    idents = await identities_of(session, [p.id for p in people.values()])
    for pc in config.people:
        person = people.get(pc.id)
        if person is None:
            changes.append(f"{pc.name} ({pc.id}) is new")
            continue
        same = (
            person.name == pc.name
            and person.email == pc.email
            and person.academy_id == pc.academy
            and person.is_trust_admin == (pc.id in config.trust_admins)
            and idents[person.id] == pc.identities()
        )
        if not same:
            changes.append(f"{pc.name} ({pc.id}) has changed")
    for ac in config.academies:
        academy = await session.get(Academy, ac.id)
        if academy is None:
            changes.append(f"academy {ac.name} ({ac.id}) is new")
            continue
        holders = {role: p.key for role, p in (await academy_role_holders(session, ac.id)).items()}
        if academy.name != ac.name or holders != ac.roles():
            changes.append(f"academy {ac.name} ({ac.id}) has changed")
    return changes
