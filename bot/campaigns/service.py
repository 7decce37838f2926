"""Everything that happens to a "read and understood" campaign, in the database.

A Headteacher (their own academy) or a trust administrator (any academy, or the whole
trust) starts a campaign for the KB's current policy version, aimed at the members of a chat
channel/team or at the people in the trust file. Each person is sent the summary through the
outbox; reminders go to those who have not confirmed (every ``remind_every_hours``, at most
``max_reminders`` times); someone who leaves the channel is dropped from the outstanding
list. Confirmations are per version: whoever already confirmed this version is not asked
again. Every change is audited (who, when, which version).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.campaigns.audience import Group
from bot.campaigns.summary import SummaryError, build_summary
from bot.clock import Clock
from bot.csv_export import to_csv
from bot.messages import Actor
from bot.notifier import Recipient
from bot.outbox.outbox import enqueue
from bot.store import audit
from bot.store.db import Database
from bot.store.models import Academy, AcademyRole, Person
from bot.store.models_head import Campaign, CampaignMember
from bot.trust.directory import identities_of, person_for_identity
from bot.trust.roles import PLATFORMS
from policy_kb.schema import KnowledgeBase

log = logging.getLogger(__name__)

MAX_REMINDERS = 10
MAX_INTERVAL_HOURS = 24 * 30
TRUST_WIDE = "trust"


class CampaignError(Exception):
    """Something a person asked for cannot be done; ``str()`` says why, kindly."""


@dataclass(frozen=True)
class MemberView:
    """One person in a campaign, as the Headteacher sees them."""

    name: str
    academy_id: str | None
    platform: str
    user_id: str
    in_directory: bool
    state: str  # outstanding | confirmed | dropped
    confirmed_at: datetime | None
    dropped_at: datetime | None
    reminders_sent: int

    @property
    def reachable(self) -> bool:
        """Whether the bot could message them at all."""
        return bool(self.platform)


@dataclass(frozen=True)
class CampaignView:
    """A campaign and its members."""

    id: int
    academy_id: str | None
    academy_name: str
    version: str
    audience_label: str
    started_by_name: str
    started_at: datetime
    state: str
    remind_every_hours: int
    max_reminders: int
    members: list[MemberView]
    academy_names: dict[str, str]

    def count(self, state: str) -> int:
        """How many members are in ``state``."""
        return sum(1 for m in self.members if m.state == state)


@dataclass(frozen=True)
class StartResult:
    """What starting a campaign did."""

    campaign_id: int
    version: str
    audience_label: str
    asked: int
    already_confirmed: int
    unreachable: list[str]
    not_in_directory: int


@dataclass(frozen=True)
class Confirmation:
    """A recorded confirmation (``already``: it had been recorded before)."""

    campaign_id: int
    version: str
    policy_title: str
    confirmed_at: datetime
    already: bool


def _starter(campaign: Campaign) -> Recipient:
    """The person who started a campaign, on the platform they started it from."""
    platform, _, user_id = campaign.started_by.partition(":")
    return Recipient(platform, user_id, campaign.started_by_name, campaign.started_by_person_id)


async def _report_if_complete(session: AsyncSession, campaign: Campaign, now: datetime) -> None:
    """Tell the starter once nobody is left to confirm (everyone confirmed or left)."""
    if campaign.reported_at is not None or campaign.state != "active":
        return
    waiting = await session.scalar(
        select(CampaignMember.id).where(
            CampaignMember.campaign_id == campaign.id, CampaignMember.state == "outstanding"
        )
    )
    if waiting is None:
        _send_report(session, campaign, now)


def _send_report(session: AsyncSession, campaign: Campaign, now: datetime) -> None:
    enqueue(
        session,
        kind="campaign.report",
        recipient=_starter(campaign),
        now=now,
        payload={"campaign_id": campaign.id},
    )
    campaign.reported_at = now
    campaign.report_due_at = None
    audit.record(
        session,
        action="campaign_reported",
        actor="system",
        at=now,
        data={"campaign_id": campaign.id},
    )


class CampaignService:
    """Campaigns over one database. One per process; safe to share."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Clock,
        kb: KnowledgeBase,
        platforms: Collection[str] = PLATFORMS,
        policy_url: str | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.kb = kb
        #: the whole policy's page when the KB names no ``url`` (policybot serves one)
        self.policy_url = policy_url
        enabled = set(platforms)
        self.platforms = tuple(p for p in PLATFORMS if p in enabled)
        #: why campaigns cannot run with this KB (summary.yaml names entries it lacks), if so
        self.problem: str | None = None
        try:
            build_summary(kb, by="")
        except SummaryError as exc:
            self.problem = str(exc)
            log.warning("campaigns are unavailable: %s", exc)

    @property
    def version(self) -> str:
        """The policy version a campaign started now asks people to confirm."""
        return self.kb.policy.version

    # --- who may do what ------------------------------------------------------------------

    async def _person(self, session: AsyncSession, actor: Actor) -> Person:
        person = await person_for_identity(session, actor.platform, actor.user_id)
        if person is None:
            raise CampaignError(
                "I can't find you in the trust's staff list, so I can't run campaigns for you. "
                "Please ask your trust administrator to add you."
            )
        return person

    async def _headed(self, session: AsyncSession, person: Person) -> list[str]:
        rows = await session.scalars(
            select(AcademyRole.academy_id).where(
                AcademyRole.person_id == person.id, AcademyRole.role == "headteacher"
            )
        )
        return sorted(rows)

    async def scopes(self, actor: Actor) -> list[tuple[str, str]]:
        """(academy id or ``trust``, name) the person may run campaigns for; [] if none."""
        async with self.database.session() as session:
            person = await self._person(session, actor)
            academies = {a.id: a.name for a in await session.scalars(select(Academy))}
            if person.is_trust_admin:
                out = [(TRUST_WIDE, "The whole trust")]
                return out + sorted(academies.items(), key=lambda kv: kv[1])
            return [(a, academies[a]) for a in await self._headed(session, person)]

    async def _may_run(self, session: AsyncSession, person: Person, academy_id: str | None) -> bool:
        if person.is_trust_admin:
            return True
        return academy_id is not None and academy_id in await self._headed(session, person)

    # --- start ----------------------------------------------------------------------------

    async def start(
        self,
        actor: Actor,
        *,
        scope: str,
        group: Group | None,
        member_ids: Sequence[str] = (),
        remind_every_hours: int,
        max_reminders: int,
    ) -> StartResult:
        """Start a campaign and queue the message to everyone in its audience."""
        if self.problem:
            raise CampaignError(
                f"Campaigns can't start with this knowledge base: {self.problem}. Please ask "
                "whoever looks after policybot to update bot/campaigns/summary.yaml."
            )
        if not 1 <= remind_every_hours <= MAX_INTERVAL_HOURS:
            raise CampaignError(
                f"Reminders can be 1 hour to {MAX_INTERVAL_HOURS // 24} days apart."
            )
        if not 0 <= max_reminders <= MAX_REMINDERS:
            raise CampaignError(f"The number of reminders must be 0 to {MAX_REMINDERS}.")
        now = self.clock.now()
        async with self.database.transaction() as session:
            person = await self._person(session, actor)
            academy_id = None if scope == TRUST_WIDE else scope
            academy = await session.get(Academy, academy_id) if academy_id else None
            if academy_id and academy is None:
                raise CampaignError(f"There is no academy {academy_id!r} in the trust.")
            if not await self._may_run(session, person, academy_id):
                raise CampaignError(
                    "Only the academy's Principal/Headteacher or a trust administrator can start "
                    "a campaign for it."
                    + (
                        " A trust-wide one needs a trust administrator."
                        if academy_id is None
                        else ""
                    )
                )
            audience_ref = group.ref if group else ""
            running = await session.scalar(
                select(Campaign.id).where(
                    Campaign.state == "active",
                    Campaign.kb_version == self.version,
                    Campaign.academy_id.is_(None)
                    if academy_id is None
                    else Campaign.academy_id == academy_id,
                    Campaign.audience_ref == audience_ref,
                )
            )
            if running is not None:
                raise CampaignError(
                    f"Campaign {running} is already asking the same people to confirm version "
                    f"{self.version}. Type 'campaign {running}' to see who has confirmed."
                )
            role = "trust administrator" if academy_id is None else "Principal/Headteacher"
            by = f"{person.name} ({role})"
            academy_name = academy.name if academy else "The whole trust"
            label = (
                group.label if group else f"everyone at {academy_name} in the trust's staff list"
            )
            campaign = Campaign(
                academy_id=academy_id,
                academy_name=academy_name,
                kb_version=self.version,
                summary=build_summary(self.kb, by=by, policy_url=self.policy_url),
                audience="group" if group else "trust_file",
                audience_platform=group.platform if group else "",
                audience_ref=audience_ref,
                audience_label=label,
                started_by=actor.key,
                started_by_name=person.name,
                started_by_person_id=person.id,
                started_at=now,
                remind_every_hours=remind_every_hours,
                max_reminders=max_reminders,
                state="active",
                # the starter hears who has not confirmed one interval after the last reminder
                report_due_at=now + timedelta(hours=remind_every_hours) * (max_reminders + 1),
            )
            session.add(campaign)
            await session.flush()
            targets = (
                await self._group_targets(session, group, member_ids)
                if group
                else await self._trust_targets(session, academy_id)
            )
            if not targets:
                raise CampaignError(
                    "There is nobody to ask: "
                    + (
                        "the channel has no members I can see."
                        if group
                        else "nobody is in the staff list for it."
                    )
                )
            confirmed = await self._confirmed_before(session)
            asked = already = strangers = 0
            unreachable: list[str] = []
            interval = timedelta(hours=remind_every_hours)
            for platform, user_id, who in targets:
                earlier = confirmed.get((platform, user_id)) or (
                    confirmed.get(("person", str(who.id))) if who else None
                )
                member = CampaignMember(
                    campaign_id=campaign.id,
                    person_id=who.id if who else None,
                    name=who.name if who else f"{platform} user {user_id}",
                    academy_id=who.academy_id if who else None,
                    platform=platform,
                    user_id=user_id,
                    state="confirmed" if earlier else "outstanding",
                    asked_at=now,
                    confirmed_at=earlier,
                    reminders_sent=0,
                    next_reminder_at=(
                        now + interval if not earlier and platform and max_reminders else None
                    ),
                )
                session.add(member)
                strangers += who is None
                if earlier:
                    already += 1
                elif not platform:
                    unreachable.append(member.name)
            await session.flush()
            await _report_if_complete(session, campaign, now)  # everyone had confirmed already
            members = await session.scalars(
                select(CampaignMember).where(
                    CampaignMember.campaign_id == campaign.id,
                    CampaignMember.state == "outstanding",
                    CampaignMember.platform != "",
                )
            )
            for member in members:
                enqueue(
                    session,
                    kind="campaign.ask",
                    recipient=Recipient(
                        member.platform, member.user_id, member.name, member.person_id
                    ),
                    now=now,
                    payload={"campaign_id": campaign.id, "member_id": member.id},
                )
                asked += 1
            audit.record(
                session,
                action="campaign_started",
                actor=actor.key,
                actor_name=person.name,
                actor_person_id=person.id,
                at=now,
                data={
                    "campaign_id": campaign.id,
                    "academy_id": academy_id,
                    "version": self.version,
                    "audience": campaign.audience,
                    "audience_ref": audience_ref,
                    "asked": asked,
                    "already_confirmed": already,
                    "unreachable": len(unreachable),
                    "remind_every_hours": remind_every_hours,
                    "max_reminders": max_reminders,
                },
            )
            return StartResult(
                campaign.id, self.version, label, asked, already, unreachable, strangers
            )

    async def _group_targets(
        self, session: AsyncSession, group: Group, member_ids: Sequence[str]
    ) -> list[tuple[str, str, Person | None]]:
        out = []
        for user_id in dict.fromkeys(member_ids):
            who = await person_for_identity(session, group.platform, user_id)
            out.append((group.platform, user_id, who))
        return out

    async def _trust_targets(
        self, session: AsyncSession, academy_id: str | None
    ) -> list[tuple[str, str, Person | None]]:
        stmt = select(Person).order_by(Person.name)
        if academy_id is not None:
            stmt = stmt.where(Person.academy_id == academy_id)
        people = list(await session.scalars(stmt))
        idents = await identities_of(session, [p.id for p in people])
        out: list[tuple[str, str, Person | None]] = []
        for person in people:
            platform = next((p for p in self.platforms if p in idents[person.id]), "")
            user_id = idents[person.id][platform] if platform else f"person:{person.id}"
            out.append((platform, user_id, person))
        return out

    async def _confirmed_before(
        self, session: AsyncSession, version: str | None = None
    ) -> dict[tuple[str, str], datetime]:
        """(platform, user id) and ("person", id) -> when they confirmed ``version`` (default:
        the KB's current one)."""
        rows = await session.execute(
            select(
                CampaignMember.platform,
                CampaignMember.user_id,
                CampaignMember.person_id,
                CampaignMember.confirmed_at,
            )
            .join(Campaign, Campaign.id == CampaignMember.campaign_id)
            .where(
                Campaign.kb_version == (version or self.version),
                CampaignMember.state == "confirmed",
            )
        )
        out: dict[tuple[str, str], datetime] = {}
        for platform, user_id, person_id, at in rows:
            if at is None:
                continue
            out.setdefault((platform, user_id), at)
            if person_id is not None:
                out.setdefault(("person", str(person_id)), at)
        return out

    # --- the person asked -----------------------------------------------------------------

    async def _member(
        self, session: AsyncSession, actor: Actor, campaign_id: int, *, lock: bool = False
    ) -> CampaignMember:
        stmt = select(CampaignMember).where(
            CampaignMember.campaign_id == campaign_id,
            CampaignMember.platform == actor.platform,
            CampaignMember.user_id == actor.user_id,
        )
        member = await session.scalar(stmt.with_for_update() if lock else stmt)
        if member is None:  # asked on another platform than the one they answer from
            person = await person_for_identity(session, actor.platform, actor.user_id)
            if person is not None:
                stmt = select(CampaignMember).where(
                    CampaignMember.campaign_id == campaign_id,
                    CampaignMember.person_id == person.id,
                )
                member = await session.scalar(stmt.with_for_update() if lock else stmt)
        if member is None:
            raise CampaignError("That request to confirm the policy was not sent to you.")
        return member

    async def confirm(self, actor: Actor, campaign_id: int) -> Confirmation:
        """Record that the person has read and understood the campaign's policy version."""
        now = self.clock.now()
        async with self.database.transaction() as session:
            campaign = await session.get(Campaign, campaign_id)
            if campaign is None:
                raise CampaignError("I can't find that campaign any more.")
            member = await self._member(session, actor, campaign_id, lock=True)
            title = str(campaign.summary.get("title", "the policy"))
            if member.state == "confirmed" and member.confirmed_at is not None:
                return Confirmation(
                    campaign.id, campaign.kb_version, title, member.confirmed_at, True
                )
            member.state = "confirmed"
            member.confirmed_at = now
            member.next_reminder_at = None
            audit.record(
                session,
                action="campaign_confirmed",
                actor=actor.key,
                actor_name=member.name,
                actor_person_id=member.person_id,
                at=now,
                data={
                    "campaign_id": campaign.id,
                    "version": campaign.kb_version,
                    "member_id": member.id,
                },
            )
            await session.flush()
            await _report_if_complete(session, campaign, now)
            return Confirmation(campaign.id, campaign.kb_version, title, now, False)

    async def latest_for(self, actor: Actor) -> int:
        """The newest campaign that asked this person and is waiting for them."""
        async with self.database.session() as session:
            person = await person_for_identity(session, actor.platform, actor.user_id)
            mine = (CampaignMember.platform == actor.platform) & (
                CampaignMember.user_id == actor.user_id
            )
            if person is not None:
                mine = mine | (CampaignMember.person_id == person.id)
            found = await session.scalar(
                select(Campaign.id)
                .join(CampaignMember, CampaignMember.campaign_id == Campaign.id)
                .where(mine, CampaignMember.state != "confirmed")
                .order_by(Campaign.id.desc())
                .limit(1)
            )
        if found is None:
            raise CampaignError("There is nothing waiting for you to confirm. Thank you.")
        return int(found)

    async def question(self, actor: Actor, campaign_id: int) -> None:
        """The person pressed "I have a question" (recorded; Q&A takes it from there)."""
        now = self.clock.now()
        async with self.database.transaction() as session:
            member = await self._member(session, actor, campaign_id)
            audit.record(
                session,
                action="campaign_question",
                actor=actor.key,
                actor_name=member.name,
                actor_person_id=member.person_id,
                at=now,
                data={"campaign_id": campaign_id, "member_id": member.id},
            )

    async def member_joined(self, platform: str, group_ref: str, user_id: str) -> int:
        """Someone joined a channel/team an active campaign asked: ask them too (unless they
        already confirmed that version). Returns how many campaigns asked them."""
        now = self.clock.now()
        asked = 0
        async with self.database.transaction() as session:
            campaigns = list(
                await session.scalars(
                    select(Campaign).where(
                        Campaign.state == "active",
                        Campaign.audience_platform == platform,
                        Campaign.audience_ref == group_ref,
                    )
                )
            )
            who = await person_for_identity(session, platform, user_id) if campaigns else None
            for campaign in campaigns:
                member = await session.scalar(
                    select(CampaignMember).where(
                        CampaignMember.campaign_id == campaign.id,
                        CampaignMember.platform == platform,
                        CampaignMember.user_id == user_id,
                    )
                )
                if member is not None and member.state != "dropped":
                    continue
                confirmed = await self._confirmed_before(session, campaign.kb_version)
                earlier = confirmed.get((platform, user_id)) or (
                    confirmed.get(("person", str(who.id))) if who else None
                )
                if member is None:
                    member = CampaignMember(
                        campaign_id=campaign.id,
                        person_id=who.id if who else None,
                        name=who.name if who else f"{platform} user {user_id}",
                        academy_id=who.academy_id if who else None,
                        platform=platform,
                        user_id=user_id,
                        reminders_sent=0,
                        asked_at=now,
                    )
                    session.add(member)
                member.state = "confirmed" if earlier else "outstanding"
                member.confirmed_at = earlier
                member.dropped_at = None
                member.asked_at = now
                member.next_reminder_at = (
                    now + timedelta(hours=campaign.remind_every_hours)
                    if not earlier and member.reminders_sent < campaign.max_reminders
                    else None
                )
                await session.flush()
                if not earlier:
                    enqueue(
                        session,
                        kind="campaign.ask",
                        recipient=Recipient(platform, user_id, member.name, member.person_id),
                        now=now,
                        payload={"campaign_id": campaign.id, "member_id": member.id},
                    )
                    asked += 1
                audit.record(
                    session,
                    action="campaign_member_joined",
                    actor="system",
                    at=now,
                    data={
                        "campaign_id": campaign.id,
                        "member_id": member.id,
                        "asked": not earlier,
                    },
                )
        return asked

    async def member_left(self, platform: str, group_ref: str, user_id: str) -> int:
        """Someone left a channel/team: drop them from its active campaigns' outstanding
        lists (a confirmation already given stays). Returns how many were dropped."""
        now = self.clock.now()
        async with self.database.transaction() as session:
            rows = await session.scalars(
                select(CampaignMember)
                .join(Campaign, Campaign.id == CampaignMember.campaign_id)
                .where(
                    Campaign.state == "active",
                    Campaign.audience_platform == platform,
                    Campaign.audience_ref == group_ref,
                    CampaignMember.user_id == user_id,
                    CampaignMember.state == "outstanding",
                )
            )
            dropped = 0
            dropped_members = list(rows)
            for member in dropped_members:
                member.state = "dropped"
                member.dropped_at = now
                member.next_reminder_at = None
                audit.record(
                    session,
                    action="campaign_member_dropped",
                    actor="system",
                    at=now,
                    data={
                        "campaign_id": member.campaign_id,
                        "member_id": member.id,
                        "reason": "left the channel or team",
                    },
                )
                dropped += 1
            await session.flush()
            for campaign_id in {m.campaign_id for m in dropped_members}:
                campaign = await session.get(Campaign, campaign_id)
                if campaign is not None:
                    await _report_if_complete(session, campaign, now)
            return dropped

    # --- the Headteacher's view -----------------------------------------------------------

    async def _visible(self, session: AsyncSession, actor: Actor | None) -> list[Campaign]:
        stmt = select(Campaign).order_by(Campaign.id.desc())
        if actor is not None:
            person = await self._person(session, actor)
            if not person.is_trust_admin:
                headed = await self._headed(session, person)
                stmt = stmt.where(
                    (Campaign.academy_id.in_(headed)) | (Campaign.started_by_person_id == person.id)
                )
        return list(await session.scalars(stmt))

    async def list(self, actor: Actor | None) -> list[CampaignView]:
        """The campaigns the person may see (``None``: all, for the command line)."""
        async with self.database.session() as session:
            return [await self._view(session, c) for c in await self._visible(session, actor)]

    async def view(self, actor: Actor | None, campaign_id: int) -> CampaignView:
        """One campaign with who has and has not confirmed."""
        async with self.database.session() as session:
            for campaign in await self._visible(session, actor):
                if campaign.id == campaign_id:
                    return await self._view(session, campaign)
        raise CampaignError(f"There is no campaign {campaign_id} that you can see.")

    async def _view(self, session: AsyncSession, campaign: Campaign) -> CampaignView:
        rows = await session.scalars(
            select(CampaignMember)
            .where(CampaignMember.campaign_id == campaign.id)
            .order_by(CampaignMember.name, CampaignMember.id)
        )
        names = {a.id: a.name for a in await session.scalars(select(Academy))}
        members = [
            MemberView(
                m.name,
                m.academy_id,
                m.platform,
                m.user_id,
                m.person_id is not None,
                m.state,
                m.confirmed_at,
                m.dropped_at,
                m.reminders_sent,
            )
            for m in rows
        ]
        return CampaignView(
            campaign.id,
            campaign.academy_id,
            campaign.academy_name,
            campaign.kb_version,
            campaign.audience_label,
            campaign.started_by_name,
            campaign.started_at,
            campaign.state,
            campaign.remind_every_hours,
            campaign.max_reminders,
            members,
            names,
        )

    async def export_csv(self, actor: Actor | None, campaign_id: int) -> str:
        """The campaign's completion list as CSV (one row per person); the export is audited."""
        view = await self.view(actor, campaign_id)
        async with self.database.transaction() as session:
            audit.record(
                session,
                action="campaign_exported",
                actor=actor.key if actor else "cli",
                at=self.clock.now(),
                data={"campaign_id": campaign_id},
            )
        return campaign_csv(view)

    async def end(self, actor: Actor, campaign_id: int) -> CampaignView:
        """Stop a campaign: no more reminders (confirmations stay recorded)."""
        now = self.clock.now()
        view = await self.view(actor, campaign_id)
        async with self.database.transaction() as session:
            campaign = await session.get(Campaign, view.id, with_for_update=True)
            assert campaign is not None
            if campaign.state != "active":
                raise CampaignError(f"Campaign {campaign_id} has already ended.")
            person = await self._person(session, actor)
            campaign.state = "ended"
            campaign.ended_at = now
            members = await session.scalars(
                select(CampaignMember).where(CampaignMember.campaign_id == campaign.id)
            )
            for member in members:
                member.next_reminder_at = None
            audit.record(
                session,
                action="campaign_ended",
                actor=actor.key,
                actor_name=person.name,
                actor_person_id=person.id,
                at=now,
                data={"campaign_id": campaign.id},
            )
        return await self.view(actor, campaign_id)

    # --- reminders ------------------------------------------------------------------------

    async def run_due(self, *, limit: int = 200) -> int:
        """Remind everyone whose reminder is due; returns how many were reminded."""
        return await run_due_campaigns(self.database, self.clock, limit=limit)


async def run_due_campaigns(database: Database, clock: Clock, *, limit: int = 200) -> int:
    """Remind every campaign member whose reminder is due (the worker's reminder loop calls
    this); returns how many were reminded. Safe with several workers (rows locked, skipped)."""
    now = clock.now()
    async with database.session() as session:
        ids = list(
            await session.scalars(
                select(CampaignMember.id)
                .join(Campaign, Campaign.id == CampaignMember.campaign_id)
                .where(
                    Campaign.state == "active",
                    CampaignMember.state == "outstanding",
                    CampaignMember.next_reminder_at <= now,
                )
                .order_by(CampaignMember.next_reminder_at)
                .limit(limit)
            )
        )
    done = 0
    for member_id in ids:
        async with database.transaction() as session:
            member = await session.scalar(
                select(CampaignMember)
                .where(
                    CampaignMember.id == member_id,
                    CampaignMember.state == "outstanding",
                    CampaignMember.next_reminder_at <= now,
                )
                .with_for_update(skip_locked=True)
            )
            if member is None:
                continue
            campaign = await session.get(Campaign, member.campaign_id)
            assert campaign is not None
            member.reminders_sent += 1
            member.next_reminder_at = (
                now + timedelta(hours=campaign.remind_every_hours)
                if member.reminders_sent < campaign.max_reminders
                else None
            )

            enqueue(
                session,
                kind="campaign.reminder",
                recipient=Recipient(member.platform, member.user_id, member.name, member.person_id),
                now=now,
                payload={
                    "campaign_id": campaign.id,
                    "member_id": member.id,
                    "reminder": member.reminders_sent,
                },
            )
            audit.record(
                session,
                action="campaign_reminder_sent",
                actor="system",
                at=now,
                data={
                    "campaign_id": campaign.id,
                    "member_id": member.id,
                    "reminder": member.reminders_sent,
                },
            )
            done += 1
    async with database.transaction() as session:
        due = await session.scalars(
            select(Campaign)
            .where(
                Campaign.state == "active",
                Campaign.reported_at.is_(None),
                Campaign.report_due_at <= now,
            )
            .with_for_update(skip_locked=True)
        )
        for campaign in list(due):
            _send_report(session, campaign, now)
            done += 1
    return done


CSV_COLUMNS = (
    "campaign",
    "policy_version",
    "academy",
    "name",
    "in_staff_list",
    "platform",
    "user_id",
    "state",
    "confirmed_at",
    "reminders_sent",
    "dropped_at",
)


def campaign_csv(view: CampaignView) -> str:
    """One row per person; times in UTC ISO 8601."""
    return to_csv(
        CSV_COLUMNS,
        (
            [
                view.id,
                view.version,
                view.academy_names.get(m.academy_id or "", "") if m.academy_id else "",
                m.name,
                "yes" if m.in_directory else "no",
                m.platform or "not reachable",
                m.user_id if m.platform else "",
                m.state,
                m.confirmed_at.isoformat() if m.confirmed_at else "",
                m.reminders_sent,
                m.dropped_at.isoformat() if m.dropped_at else "",
            ]
            for m in view.members
        ),
    )


def interval_words(hours: int) -> str:
    """``48`` -> ``2 days``; ``5`` -> ``5 hours``."""
    if hours % 24 == 0:
        days = hours // 24
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}"
