"""Who is told about a report, and who is told next when nobody acknowledges.

Routing (DESIGN.md):
- the academy's Principal/Headteacher, always;
- the Designated Safeguarding Lead and deputy DSL whenever a child is involved (and for any
  report of sexual imagery);
- when the report concerns the Headteacher, the Chair of Governors INSTEAD of the Headteacher.
One person holding two roles is told once. If none of those roles is filled (or the academy
is unknown), the trust administrators are told instead; every vacancy is a warning.

Escalation chain (one step each time ``escalate_after`` passes with no acknowledgement):
Designated Safeguarding Lead -> deputy DSL -> Principal/Headteacher -> Chair of Governors ->
trust administrators, skipping anyone already told, vacant roles and (when the report
concerns them) the Headteacher.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
) -> RoutingPlan:
    """Work out who is told about a new report at ``academy_id``."""
    academy = await session.get(Academy, academy_id) if academy_id else None
    plan = RoutingPlan(academy.name if academy else (academy_id or "Unknown academy"))
    holders = await academy_role_holders(session, academy_id) if academy else {}
    if academy is None:
        plan.warnings.append(
            f"The academy {academy_id!r} is not set up in the trust directory"
            if academy_id
            else "No academy was given for this report"
        )
    subject = holders.get("headteacher") if concerns_headteacher else None
    by_person: dict[int, PlannedRecipient] = {}
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
        if subject is not None and person.id == subject.id:
            plan.warnings.append(
                f"The {role_label(role)} is the Headteacher this report concerns, so they "
                "have not been told"
            )
            continue
        if person.id in by_person:
            by_person[person.id].roles.append(role)
        else:
            by_person[person.id] = PlannedRecipient(person, [role])
    if not by_person:
        admins = await trust_admins(session)
        for admin in admins:
            by_person[admin.id] = PlannedRecipient(admin, ["trust_admin"], reason="fallback")
        if admins:
            plan.warnings.append(
                "The report has been sent to the trust administrators instead; please also "
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
) -> list[PlannedRecipient]:
    """The next people to escalate to (one role's holder, or all trust admins); [] if none."""
    academy = await session.get(Academy, academy_id) if academy_id else None
    holders = await academy_role_holders(session, academy_id) if academy else {}
    if concerns_headteacher and "headteacher" in holders:
        already_told = already_told | {holders["headteacher"].id}
    for role in escalation_chain(concerns_headteacher=concerns_headteacher):
        if role == "trust_admin":
            admins = [a for a in await trust_admins(session) if a.id not in already_told]
            return [PlannedRecipient(a, ["trust_admin"], reason="escalated") for a in admins]
        person = holders.get(role)
        if person is not None and person.id not in already_told:
            return [PlannedRecipient(person, [role], reason="escalated")]
    return []
