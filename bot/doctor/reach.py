"""Would an alert reach each routed person today, on each channel? (No SDK imports here.)

The routed people are every academy's Principal/Headteacher, DSL, deputy DSL and Chair of
Governors, and the trust administrators: everyone routing or escalation can send a report
to. Each channel that is set up (Slack, Teams, email) is asked about each of them by a
:data:`ReachCheck` the command supplies (adapters do the platform calls).

A person is a problem when a channel they are set up on would fail (unknown or deactivated
Slack member, never opened policybot in Teams...), when no channel reaches them at all, or
when a safeguarding lead has no email address while email alerts are on (Immediate reports
always go to the DSL by email). A channel they are simply not on is a note.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.doctor.findings import Finding, Section
from bot.store.models import Academy
from bot.trust.directory import academy_role_holders, identities_of, trust_admins
from bot.trust.roles import ROLES, role_label

SAFEGUARDING_ROLES = frozenset({"dsl", "deputy_dsl"})


@dataclass(frozen=True)
class RoutedPerson:
    """Someone a report can be sent to, with how they can be reached."""

    id: int
    key: str
    name: str
    email: str | None
    identities: dict[str, str]


@dataclass(frozen=True)
class Roster:
    """Who holds each routed role: per academy (role -> person id or None) and the admins."""

    academies: list[tuple[str, str, list[tuple[str, int | None]]]]  # id, name, roles
    admins: list[int]
    people: dict[int, RoutedPerson]
    safeguarding: frozenset[int]  # ids of DSLs and deputy DSLs


async def load_roster(session: AsyncSession) -> Roster:
    """Every academy's role holders and the trust admins, from the database."""
    academies = []
    people: dict[int, RoutedPerson] = {}
    holders_by_id = {}
    safeguarding: set[int] = set()
    for academy in await session.scalars(select(Academy).order_by(Academy.id)):
        holders = await academy_role_holders(session, academy.id)
        roles: list[tuple[str, int | None]] = []
        for role in ROLES:
            person = holders.get(role)
            roles.append((role, person.id if person else None))
            if person is not None:
                holders_by_id[person.id] = person
                if role in SAFEGUARDING_ROLES:
                    safeguarding.add(person.id)
        academies.append((academy.id, academy.name, roles))
    admins = await trust_admins(session)
    holders_by_id.update({a.id: a for a in admins})
    identities = await identities_of(session, holders_by_id)
    for pid, person in holders_by_id.items():
        people[pid] = RoutedPerson(pid, person.key, person.name, person.email, identities[pid])
    return Roster(academies, [a.id for a in admins], people, frozenset(safeguarding))


ReachState = Literal["yes", "no", "missing", "unknown"]


@dataclass(frozen=True)
class Reach:
    """Whether one channel reaches one person: ``yes``; ``no`` (set up but failing: ``todo``
    says what to do); ``missing`` (not on this channel); ``unknown`` (the channel itself is
    not working, reported in its own section)."""

    channel: str  # "Slack" | "Teams" | "email"
    state: ReachState
    why: str = ""
    todo: str = ""


ReachCheck = Callable[[RoutedPerson], Awaitable[Reach]]
_CONCURRENCY = 5


async def _reach_all(
    people: list[RoutedPerson], checks: Mapping[str, ReachCheck]
) -> dict[int, list[Reach]]:
    """Every check for every person, at most a few platform calls at a time."""
    gate = asyncio.Semaphore(_CONCURRENCY)

    async def one(person: RoutedPerson, check: ReachCheck) -> Reach:
        async with gate:
            return await check(person)

    pairs = [(person, check) for person in people for check in checks.values()]
    results = await asyncio.gather(*(one(person, check) for person, check in pairs))
    out: dict[int, list[Reach]] = {person.id: [] for person in people}
    for (person, _), reach in zip(pairs, results, strict=True):
        out[person.id].append(reach)
    return out


def _cell(reach: Reach) -> str:
    if reach.state == "yes":
        return f"{reach.channel} yes"
    if reach.state == "missing":
        return f"{reach.channel} - ({reach.why})" if reach.why else f"{reach.channel} -"
    if reach.state == "unknown":
        return f"{reach.channel} NO ({reach.channel} is not working)"
    return f"{reach.channel} NO ({reach.why})"


async def reach_section(roster: Roster, checks: Mapping[str, ReachCheck]) -> Section:
    """The "who an alert would reach today" section: one line per role holder, problems
    and notes with what to do."""
    section = Section("Who an alert would reach today")
    if not roster.academies:
        section.problem(
            "There are no academies in the database.",
            "Load the trust file: policybot admin import-config config/trust.yaml",
        )
    if not roster.admins:
        section.problem(
            "Nobody is a trust administrator (they get reports nobody else can, and dead letters).",
            "Name at least one trust administrator under trust_admins in the trust file, then "
            "run policybot admin import-config.",
        )
    if not checks:
        section.problem(
            "No alert channel is set up (Slack, Teams or email), so no alert can reach anyone.",
            "Set up Slack (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET), Teams or email (SMTP_URL, "
            "SMTP_FROM): see the README.",
        )
    reaches = await _reach_all(list(roster.people.values()), checks) if checks else {}
    for academy_id, academy_name, roles in roster.academies:
        section.lines.append(f"{academy_name} ({academy_id}):")
        for role, pid in roles:
            label = role_label(role)
            if pid is None:
                section.lines.append(f"  {label}: nobody")
                section.problem(
                    f"{academy_name} has no {label}.",
                    f"Give {academy_name} a {label}: policybot admin set-role {academy_id} "
                    f"{role} PERSON (or set it in the trust file and import it again).",
                )
                continue
            person = roster.people[pid]
            section.lines.append(f"  {label}: {_line(person, reaches)}")
    if roster.admins:
        section.lines.append("Trust administrators:")
        for pid in roster.admins:
            section.lines.append(f"  {_line(roster.people[pid], reaches)}")
    if not checks:
        return section
    for person in sorted(roster.people.values(), key=lambda p: p.name):
        _judge(section, person, reaches[person.id], person.id in roster.safeguarding)
    return section


def _line(person: RoutedPerson, reaches: Mapping[int, list[Reach]]) -> str:
    cells = reaches.get(person.id)
    return f"{person.name}: " + ("; ".join(map(_cell, cells)) if cells else "no channel")


def _judge(section: Section, person: RoutedPerson, reaches: list[Reach], dsl: bool) -> None:
    if not any(r.state == "yes" for r in reaches):
        ways = [r.todo for r in reaches if r.state == "missing" and r.todo]
        failing = [r for r in reaches if r.state in {"no", "unknown"}]
        todo = None if failing else f"Give {person.name} a way to be alerted: " + " Or: ".join(ways)
        section.findings.append(
            Finding("problem", f"{person.name} would NOT be alerted at all today.", todo)
        )
    for reach in reaches:
        if reach.state == "no":
            section.problem(f"{person.name}: {reach.channel}: {reach.why}.", reach.todo)
        elif reach.state == "missing" and reach.channel == "email" and dsl:
            section.problem(
                f"{person.name} is a safeguarding lead with no email address; Immediate "
                "reports always go to the DSL by email too.",
                reach.todo[:1].upper() + reach.todo[1:] + ".",
            )
        elif reach.state == "missing" and any(r.state == "yes" for r in reaches):
            section.note(f"{person.name} is not on {reach.channel}: {reach.todo}.")
