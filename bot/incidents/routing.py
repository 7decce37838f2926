"""Who is told about a report, and who is told next when nobody acknowledges.

Routing:
- the academy's Principal/Headteacher, always;
- the Designated Safeguarding Lead and deputy DSL whenever a child is involved (and for any
  report of sexual imagery);
- anyone the report concerns is never told: when it concerns the Headteacher, the Chair of
  Governors is told INSTEAD; when it concerns anyone else who would be told (the DSL, say),
  the next person on the escalation chain who is not concerned is told in their place.
One person holding two roles is told once. If none of those roles is filled (or the academy
is unknown), the trust administrators are told instead; every vacancy is a warning.

Escalation chain (one step each time ``escalate_after`` passes with no acknowledgement):
Designated Safeguarding Lead -> deputy DSL -> Principal/Headteacher -> Chair of Governors ->
trust administrators, skipping anyone already told, vacant roles and anyone the report
concerns. Who a report concerns: ``concerns_headteacher``, plus the roles the reporter named
(``concerns_roles`` in its details, see :func:`concerned_roles`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Academy, Person
from bot.trust.directory import academy_role_holders, trust_admins
from bot.trust.roles import Role, role_label

ESCALATION_CHAIN: tuple[str, ...] = (
    "dsl",
    "deputy_dsl",
    "headteacher",
    "chair_of_governors",
    "trust_admin",
)


def routed_roles(
    *, child_involved: bool, concerns_headteacher: bool, sexual_imagery: bool = False
) -> list[Role]:
    """The roles a report goes to, most senior first."""
    roles: list[Role] = ["chair_of_governors" if concerns_headteacher else "headteacher"]
    if child_involved or sexual_imagery:
        roles += ["dsl", "deputy_dsl"]
    return roles


def concerned_roles(concerns_headteacher: bool, details: Mapping[str, Any] | None) -> set[str]:
    """The roles a report concerns: the Headteacher's flag plus ``details["concerns_roles"]``."""
    named = (details or {}).get("concerns_roles") or []
    roles = {str(r) for r in named if r in ESCALATION_CHAIN}
    return roles | {"headteacher"} if concerns_headteacher else roles


def escalation_chain(*, concerns_headteacher: bool) -> tuple[str, ...]:
    """The chain for one report (never the Headteacher when the report concerns them)."""
    if concerns_headteacher:
        return tuple(r for r in ESCALATION_CHAIN if r != "headteacher")
    return ESCALATION_CHAIN


@dataclass
class PlannedRecipient:
    """A person to tell, the roles they are told as, and why (routed/fallback/escalated)."""

    person: Person
    roles: list[str]
    reason: str = "routed"

    @property
    def role_labels(self) -> tuple[str, ...]:
        """Role names as people read them."""
        return tuple(role_label(r) for r in self.roles)


@dataclass
class RoutingPlan:
    """Who to tell now, and gaps to report loudly."""

    academy_name: str
    recipients: list[PlannedRecipient] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


async def plan_routing(
    session: AsyncSession,
    academy_id: str,
    *,
    child_involved: bool,
    concerns_headteacher: bool,
    sexual_imagery: bool = False,
    concerns: Collection[str] = (),
) -> RoutingPlan:
    """Work out who is told about a new report at ``academy_id``; ``concerns`` names further
    roles the report is about (see :func:`concerned_roles`): their holders are never told."""
    academy = await session.get(Academy, academy_id) if academy_id else None
    plan = RoutingPlan(academy.name if academy else (academy_id or "Unknown academy"))
    holders = await academy_role_holders(session, academy_id) if academy else {}
    if academy is None:
        plan.warnings.append(
            f"The academy {academy_id!r} is not set up in the trust directory"
            if academy_id
            else "No academy was given for this report"
        )
    about = set(concerns) | ({"headteacher"} if concerns_headteacher else set())
    subjects = {holders[r].id: r for r in ESCALATION_CHAIN if r in about and r in holders}
    by_person: dict[int, PlannedRecipient] = {}
    stood_in: list[str] = []  # roles whose holder the report concerns
    for role in routed_roles(
        child_involved=child_involved,
        concerns_headteacher=concerns_headteacher,
        sexual_imagery=sexual_imagery,
    ):
        person = holders.get(role)
        if person is None:
            if academy is not None:
                plan.warnings.append(
                    f"{academy.name} has no {role_label(role)} set up, so nobody in that role "
                    "has been told"
                )
            continue
        if person.id in subjects:
            subject_role = subjects[person.id]
            plan.warnings.append(
                f"The report concerns the {role_label(role)}, so they have not been told"
                if subject_role == role
                else f"The {role_label(role)} is the {role_label(subject_role)} this report "
                "concerns, so they have not been told"
            )
            stood_in.append(role)
            continue
        if person.id in by_person:
            by_person[person.id].roles.append(role)
        else:
            by_person[person.id] = PlannedRecipient(person, [role])
    for stood in stood_in:
        if stood == "headteacher":
            continue  # the Chair of Governors is already told instead
        chain = escalation_chain(concerns_headteacher=concerns_headteacher)
        for later in chain[chain.index(stood) + 1 : -1]:
            stand_in = holders.get(later)
            if stand_in is None or stand_in.id in subjects:
                continue
            if stand_in.id not in by_person:
                by_person[stand_in.id] = PlannedRecipient(stand_in, [later])
            break
    if not by_person:
        admins = await trust_admins(session)
        for admin in admins:
            by_person[admin.id] = PlannedRecipient(admin, ["trust_admin"], reason="fallback")
        if admins:
            plan.warnings.append(
                "The report is being sent to the trust administrators instead; please also "
                "tell a senior leader in person"
            )
        else:
            plan.warnings.append(
                "Nobody is set up to receive this report. It is saved, but please tell your "
                "Principal/Headteacher or Designated Safeguarding Lead in person now"
            )
    plan.recipients = list(by_person.values())
    return plan


async def next_in_chain(
    session: AsyncSession,
    academy_id: str,
    *,
    concerns_headteacher: bool,
    already_told: set[int],
    concerns: Collection[str] = (),
) -> list[PlannedRecipient]:
    """The next people to escalate to (one role's holder, or all trust admins); [] if none.
    Nobody the report concerns (``concerns_headteacher``, ``concerns``) is ever chosen."""
    academy = await session.get(Academy, academy_id) if academy_id else None
    holders = await academy_role_holders(session, academy_id) if academy else {}
    about = set(concerns) | ({"headteacher"} if concerns_headteacher else set())
    already_told = already_told | {holders[r].id for r in about if r in holders}
    for role in escalation_chain(concerns_headteacher=concerns_headteacher):
        if role == "trust_admin":
            admins = [a for a in await trust_admins(session) if a.id not in already_told]
            return [PlannedRecipient(a, ["trust_admin"], reason="escalated") for a in admins]
        person = holders.get(role)
        if person is not None and person.id not in already_told:
            return [PlannedRecipient(person, [role], reason="escalated")]
    return []
