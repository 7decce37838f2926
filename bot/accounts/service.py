"""Official school accounts in the database: request, decision, register, leavers, checks.

- A request that meets the policy's conditions is stored and sent to the academy's senior
  leader (role ``senior_leader``; the Principal/Headteacher when none is named), with
  reminders while it waits.
- Approve: the Headteacher is told the URL and identity (the policy's notification), the
  requester and administrators are told, the account enters the register and its first
  regular check is scheduled. Decline: with a reason, told to the requester.
- A member of staff who leaves is taken off every account; an account left with fewer than
  two administrators is flagged and the Headteacher told.
- Checks: the nominated responsible person (role ``social_media_checker``; the Headteacher by
  default) gets a checklist per account every ``check_every``; an open check is reminded
  every ``check_grace`` (``check_reminders`` times), then goes to the Headteacher.

Every change is audited; every message goes through the outbox.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts.form import FormContext
from bot.clock import Clock
from bot.csv_export import to_csv
from bot.messages import Actor
from bot.notifier import Recipient
from bot.outbox.outbox import enqueue
from bot.store import audit
from bot.store.db import Database
from bot.store.models import Academy, AcademyRole, Identity, Person
from bot.store.models_head import (
    AccountAdministrator,
    AccountCheck,
    CampaignMember,
    OfficialAccount,
)
from bot.trust.directory import (
    academy_role_holders,
    find_person,
    identities_of,
    person_for_identity,
    trust_admins,
)
from bot.trust.roles import PLATFORMS

CHECK_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("two_admins", "Does it still have at least two members of staff administering it?"),
    ("about_links", "Is the About/Info page link to the policies still there?"),
    ("professional", "Is its content professional?"),
    ("abuse_recorded", "Has any abuse reported on it been recorded and dealt with (yes if none)?"),
)


class AccountError(Exception):
    """Something a person asked for cannot be done; ``str()`` says why, kindly."""


@dataclass(frozen=True)
class AccountSettings:
    """How often things happen (``policybot`` defaults; see the README)."""

    check_every: timedelta = timedelta(days=90)
    check_grace: timedelta = timedelta(days=7)
    check_reminders: int = 2
    request_remind_after: timedelta = timedelta(days=2)
    request_reminders: int = 3


@dataclass(frozen=True)
class AccountView:
    """An account (or request) as the register shows it."""

    id: int
    academy_id: str
    academy_name: str
    platform: str
    handle: str
    purpose: str
    pupils_use: bool
    official_email: str
    state: str
    requested_by_name: str
    requested_at: datetime
    decided_by_name: str | None
    decided_at: datetime | None
    decision_reason: str | None
    administrators: list[str]
    flagged: bool
    flag_reason: str | None
    last_check_at: datetime | None
    next_check_at: datetime | None


def view_of(account: OfficialAccount, academy_name: str, admins: list[str]) -> AccountView:
    """The neutral view of a row."""
    return AccountView(
        account.id,
        account.academy_id,
        academy_name,
        account.platform,
        account.handle,
        account.purpose,
        account.pupils_use,
        account.official_email,
        account.state,
        account.requested_by_name,
        account.requested_at,
        account.decided_by_name,
        account.decided_at,
        account.decision_reason,
        admins,
        account.flagged,
        account.flag_reason,
        account.last_check_at,
        account.next_check_at,
    )


async def load_view(session: AsyncSession, account: OfficialAccount) -> AccountView:
    """The view of ``account`` with its academy name and administrators now."""
    academy = await session.get(Academy, account.academy_id)
    admins = await session.scalars(
        select(AccountAdministrator.name)
        .where(AccountAdministrator.account_id == account.id)
        .order_by(AccountAdministrator.name)
    )
    return view_of(account, academy.name if academy else account.academy_id, list(admins))


class AccountService:
    """Official accounts over one database. One per process; safe to share."""

    def __init__(
        self,
        database: Database,
        *,
        clock: Clock,
        platforms: Collection[str] = PLATFORMS,
        settings: AccountSettings | None = None,
    ) -> None:
        self.database = database
        self.clock = clock
        enabled = set(platforms)
        self.platforms = tuple(p for p in PLATFORMS if p in enabled)
        self.settings = settings or AccountSettings()

    # --- people ----------------------------------------------------------------------------

    async def _person(self, session: AsyncSession, actor: Actor) -> Person:
        person = await person_for_identity(session, actor.platform, actor.user_id)
        if person is None:
            raise AccountError(
                "I can't find you in the trust's staff list. Please ask your trust "
                "administrator to add you."
            )
        return person

    async def _recipient(self, session: AsyncSession, person: Person) -> Recipient | None:
        idents = (await identities_of(session, [person.id]))[person.id]
        for platform in self.platforms:
            if platform in idents:
                return Recipient(platform, idents[platform], person.name, person.id)
        return None

    async def _holder(self, session: AsyncSession, academy_id: str, role: str) -> Person | None:
        """Who holds ``role`` at the academy; the Headteacher for the delegable roles."""
        holders = await academy_role_holders(session, academy_id)
        return holders.get(role) or holders.get("headteacher")

    async def _tell(
        self,
        session: AsyncSession,
        person: Person | None,
        kind: str,
        account: OfficialAccount,
        now: datetime,
        **payload: Any,
    ) -> bool:
        """Queue a message to ``person``; trust administrators when nobody holds the role."""
        people = [person] if person is not None else await trust_admins(session)
        sent = False
        for who in people:
            recipient = await self._recipient(session, who)
            if recipient is not None:
                enqueue(
                    session,
                    kind=kind,
                    recipient=recipient,
                    now=now,
                    payload={"account_id": account.id, **payload},
                )
                sent = True
        return sent

    async def form_context(self, actor: Actor) -> FormContext:
        """The academies and staff the request form offers this person."""
        async with self.database.session() as session:
            person = await self._person(session, actor)
            academies = [
                (a.id, a.name)
                for a in await session.scalars(select(Academy).order_by(Academy.name))
            ]
            people = list(await session.scalars(select(Person).order_by(Person.name)))
            names = dict(academies)
            domains: dict[str, set[str]] = {}
            for p in people:
                if p.academy_id and p.email:
                    domains.setdefault(p.academy_id, set()).add(p.email.split("@", 1)[1])
            mine = [
                p for p in people if person.academy_id is None or p.academy_id == person.academy_id
            ]
            staff = [(p.key, f"{p.name} ({names.get(p.academy_id or '', 'trust')})") for p in mine]
            return FormContext(academies, staff, person.academy_id, domains)

    # --- request and decision --------------------------------------------------------------

    async def submit(self, actor: Actor, values: dict[str, Any]) -> AccountView:
        """Store a request that meets the conditions and send it for approval."""
        now = self.clock.now()
        async with self.database.transaction() as session:
            person = await self._person(session, actor)
            academy = await session.get(Academy, str(values["academy"]))
            if academy is None:
                raise AccountError("Please pick one of the trust's academies.")
            account = OfficialAccount(
                academy_id=academy.id,
                platform=str(values["platform"]),
                handle=str(values["handle"]),
                purpose=str(values["purpose"]),
                pupils_use=bool(values["pupils_use"]),
                official_email=str(values["official_email"]).lower(),
                code_of_behaviour=bool(values["code_of_behaviour"]),
                about_page_links=bool(values["about_page"]),
                state="requested",
                requested_by_person_id=person.id,
                requested_by_name=person.name,
                requested_at=now,
                request_reminders=0,
                next_request_reminder_at=now + self.settings.request_remind_after,
                flagged=False,
            )
            session.add(account)
            await session.flush()
            for key in values["administrators"]:
                admin = await session.scalar(select(Person).where(Person.key == key))
                if admin is None:
                    raise AccountError(f"{key!r} is not in the staff list.")
                session.add(
                    AccountAdministrator(
                        account_id=account.id, person_id=admin.id, name=admin.name, added_at=now
                    )
                )
            approver = await self._holder(session, academy.id, "senior_leader")
            await self._tell(session, approver, "account.request", account, now)
            audit.record(
                session,
                action="account_requested",
                actor=actor.key,
                actor_name=person.name,
                actor_person_id=person.id,
                at=now,
                data={
                    "account_id": account.id,
                    "academy_id": academy.id,
                    "platform": account.platform,
                },
            )
            await session.flush()
            return await load_view(session, account)

    async def _may_decide(self, session: AsyncSession, person: Person, academy_id: str) -> bool:
        if person.is_trust_admin:
            return True
        approver = await self._holder(session, academy_id, "senior_leader")
        return approver is not None and approver.id == person.id

    async def decide(
        self, actor: Actor, account_id: int, *, approve: bool, reason: str = ""
    ) -> AccountView:
        """Approve (register it, tell the Headteacher, requester and administrators) or
        decline with a reason (tell the requester)."""
        now = self.clock.now()
        reason = reason.strip()
        if not approve and not reason:
            raise AccountError("Please give a reason for declining: the requester is told it.")
        async with self.database.transaction() as session:
            person = await self._person(session, actor)
            account = await session.get(OfficialAccount, account_id, with_for_update=True)
            if account is None:
                raise AccountError(f"There is no account request {account_id}.")
            if not await self._may_decide(session, person, account.academy_id):
                raise AccountError(
                    "Only the academy's senior leader for official accounts (or the "
                    "Principal/Headteacher) can approve or decline this request."
                )
            if account.state != "requested":
                raise AccountError(
                    f"Request {account.id} was already {account.state} by "
                    f"{account.decided_by_name or 'someone'}."
                )
            account.state = "approved" if approve else "declined"
            account.decided_by_name = person.name
            account.decided_at = now
            account.decision_reason = reason or None
            account.next_request_reminder_at = None
            requester = (
                await session.get(Person, account.requested_by_person_id)
                if account.requested_by_person_id
                else None
            )
            if approve:
                account.next_check_at = now + self.settings.check_every
                head = await self._holder(session, account.academy_id, "headteacher")
                await self._tell(session, head, "account.approved", account, now, to="headteacher")
                told = {head.id} if head else set()
                admins = await session.scalars(
                    select(AccountAdministrator.person_id).where(
                        AccountAdministrator.account_id == account.id
                    )
                )
                for pid in [account.requested_by_person_id, *admins]:
                    if pid is not None and pid not in told:
                        told.add(pid)
                        await self._tell(
                            session,
                            await session.get(Person, pid),
                            "account.approved",
                            account,
                            now,
                            to="requester"
                            if pid == account.requested_by_person_id
                            else "administrator",
                        )
            elif requester is not None:
                await self._tell(session, requester, "account.declined", account, now)
            audit.record(
                session,
                action="account_approved" if approve else "account_declined",
                actor=actor.key,
                actor_name=person.name,
                actor_person_id=person.id,
                at=now,
                data={"account_id": account.id, "reason": reason}
                if reason
                else {"account_id": account.id},
            )
            return await load_view(session, account)

    # --- the register ----------------------------------------------------------------------

    async def register(self, actor: Actor | None) -> list[AccountView]:
        """Accounts the person may see: their academy's (all states for its leaders, approved
        ones for staff), every academy's for trust administrators; ``None``: all (CLI)."""
        async with self.database.session() as session:
            stmt = select(OfficialAccount).order_by(OfficialAccount.academy_id, OfficialAccount.id)
            if actor is not None:
                person = await self._person(session, actor)
                if not person.is_trust_admin:
                    led = set(
                        await session.scalars(
                            select(AcademyRole.academy_id).where(AcademyRole.person_id == person.id)
                        )
                    )
                    mine = (
                        OfficialAccount.academy_id.in_(led)
                        | (
                            (OfficialAccount.academy_id == person.academy_id)
                            & (OfficialAccount.state == "approved")
                        )
                        | (OfficialAccount.requested_by_person_id == person.id)
                    )
                    stmt = stmt.where(mine)
            return [await load_view(session, a) for a in await session.scalars(stmt)]

    async def view(self, actor: Actor | None, account_id: int) -> AccountView:
        """One account the person may see."""
        for account in await self.register(actor):
            if account.id == account_id:
                return account
        raise AccountError(f"There is no official account {account_id} that you can see.")

    async def export_csv(self, actor: Actor | None) -> str:
        """The register as CSV (audited)."""
        views = await self.register(actor)
        async with self.database.transaction() as session:
            audit.record(
                session,
                action="account_register_exported",
                actor=actor.key if actor else "cli",
                at=self.clock.now(),
                data={"rows": len(views)},
            )
        return register_csv(views)

    # --- leavers ---------------------------------------------------------------------------

    async def person_left(self, ref: str, *, by: str = "cli") -> tuple[str, list[AccountView]]:
        """A member of staff has left: remove them from the directory (chat identities and
        roles, so nothing more is sent to them or expects them), from every account they
        administer and from campaigns' outstanding lists; accounts left with fewer than two
        administrators are flagged and the Headteacher told. Returns their name and the
        flagged accounts."""
        now = self.clock.now()
        async with self.database.transaction() as session:
            person = await find_person(session, ref)
            if person is None:
                raise AccountError(f"Nobody called {ref!r} is in the trust directory.")
            account_ids = list(
                await session.scalars(
                    select(AccountAdministrator.account_id).where(
                        AccountAdministrator.person_id == person.id
                    )
                )
            )
            await session.execute(
                delete(AccountAdministrator).where(AccountAdministrator.person_id == person.id)
            )
            # campaigns stop chasing them (a confirmation already given stays)
            await session.execute(
                update(CampaignMember)
                .where(
                    CampaignMember.person_id == person.id,
                    CampaignMember.state == "outstanding",
                )
                .values(state="dropped", dropped_at=now, next_reminder_at=None)
            )
            await session.execute(delete(Identity).where(Identity.person_id == person.id))
            await session.execute(delete(AcademyRole).where(AcademyRole.person_id == person.id))
            audit.record(
                session,
                action="person_left",
                actor=by,
                at=now,
                data={"person_id": person.id, "accounts": account_ids},
            )
            flagged = []
            for account_id in account_ids:
                account = await session.get(OfficialAccount, account_id, with_for_update=True)
                if account is None or account.state not in {"approved", "requested"}:
                    continue
                left = list(
                    await session.scalars(
                        select(AccountAdministrator.name).where(
                            AccountAdministrator.account_id == account_id
                        )
                    )
                )
                if len(left) < 2:
                    account.flagged = True
                    account.flag_reason = (
                        f"{person.name} has left; it now has "
                        f"{len(left)} administrator{'s' if len(left) != 1 else ''}"
                        + (f" ({', '.join(left)})" if left else "")
                        + ": the policy needs at least two."
                    )
                    head = await self._holder(session, account.academy_id, "headteacher")
                    await self._tell(session, head, "account.flagged", account, now)
                    audit.record(
                        session,
                        action="account_flagged",
                        actor="system",
                        at=now,
                        data={"account_id": account_id, "reason": account.flag_reason},
                    )
                    flagged.append(await load_view(session, account))
            return person.name, flagged

    async def add_administrator(self, actor: Actor, account_id: int, ref: str) -> AccountView:
        """Add an administrator (clears the flag once there are two again)."""
        now = self.clock.now()
        async with self.database.transaction() as session:
            person = await self._person(session, actor)
            account = await session.get(OfficialAccount, account_id, with_for_update=True)
            if account is None or not await self._may_decide(session, person, account.academy_id):
                raise AccountError(f"There is no official account {account_id} you can change.")
            admin = await find_person(session, ref)
            if admin is None:
                raise AccountError(f"Nobody called {ref!r} is in the trust directory.")
            if await session.get(AccountAdministrator, (account.id, admin.id)) is None:
                session.add(
                    AccountAdministrator(
                        account_id=account.id, person_id=admin.id, name=admin.name, added_at=now
                    )
                )
                await session.flush()
            count = len(
                list(
                    await session.scalars(
                        select(AccountAdministrator.person_id).where(
                            AccountAdministrator.account_id == account.id
                        )
                    )
                )
            )
            if count >= 2 and account.flagged and "administrator" in (account.flag_reason or ""):
                account.flagged = False
                account.flag_reason = None
            audit.record(
                session,
                action="account_administrator_added",
                actor=actor.key,
                actor_name=person.name,
                actor_person_id=person.id,
                at=now,
                data={"account_id": account.id, "person_id": admin.id},
            )
            return await load_view(session, account)

    # --- regular checks --------------------------------------------------------------------

    async def record_check(
        self, actor: Actor, check_id: int, answers: dict[str, bool], notes: str = ""
    ) -> tuple[AccountView, list[str]]:
        """Record a check's answers; any "no" flags the account and tells the Headteacher.
        Returns the account and the problems found."""
        now = self.clock.now()
        async with self.database.transaction() as session:
            person = await self._person(session, actor)
            check = await session.get(AccountCheck, check_id, with_for_update=True)
            if check is None:
                raise AccountError("I can't find that check.")
            account = await session.get(OfficialAccount, check.account_id, with_for_update=True)
            assert account is not None
            checker = await self._holder(session, account.academy_id, "social_media_checker")
            head = await self._holder(session, account.academy_id, "headteacher")
            allowed = {p.id for p in (checker, head) if p is not None}
            if person.id not in allowed and not person.is_trust_admin:
                raise AccountError(
                    "Only the academy's nominated person for social-media checks (or the "
                    "Principal/Headteacher) can record this check."
                )
            if check.state == "done":
                raise AccountError(
                    f"This check was already recorded by {check.completed_by_name} on "
                    f"{check.completed_at:%d %b %Y}."
                )
            problems = [q for key, q in CHECK_QUESTIONS if answers.get(key) is not True]
            check.state = "done"
            check.answers = {**{k: bool(v) for k, v in answers.items()}, "notes": notes}
            check.completed_at = now
            check.completed_by_name = person.name
            check.next_reminder_at = None
            account.last_check_at = now
            account.next_check_at = now + self.settings.check_every
            if not problems and (account.flag_reason or "").startswith("The last check found"):
                account.flagged = False  # this check found the earlier problems put right
                account.flag_reason = None
            if problems:
                account.flagged = True
                account.flag_reason = "The last check found: " + "; ".join(
                    p.rstrip("?") + ": no" for p in problems
                )
                await self._tell(session, head, "account.flagged", account, now)
            audit.record(
                session,
                action="account_checked",
                actor=actor.key,
                actor_name=person.name,
                actor_person_id=person.id,
                at=now,
                data={"account_id": account.id, "check_id": check.id, "problems": len(problems)},
            )
            return await load_view(session, account), problems

    async def open_check(self, actor: Actor, account_id: int) -> int:
        """The id of the account's open check (for ``check account N``)."""
        await self.view(actor, account_id)  # refuses what the person may not see
        async with self.database.session() as session:
            found = await session.scalar(
                select(AccountCheck.id)
                .where(AccountCheck.account_id == account_id, AccountCheck.state == "open")
                .order_by(AccountCheck.id.desc())
            )
        if found is None:
            raise AccountError(f"No check of account {account_id} is waiting.")
        return int(found)

    async def check_for(self, check_id: int) -> tuple[AccountCheck, AccountView]:
        """A check and its account (for showing the checklist)."""
        async with self.database.session() as session:
            check = await session.get(AccountCheck, check_id)
            if check is None:
                raise AccountError("I can't find that check.")
            account = await session.get(OfficialAccount, check.account_id)
            assert account is not None
            return check, await load_view(session, account)

    async def run_due(self, *, limit: int = 100) -> int:
        """Due checks, check reminders and escalations, and request reminders; returns how
        many messages were queued. Called from the worker's reminder loop."""
        now = self.clock.now()
        done = 0
        async with self.database.transaction() as session:
            due_checks = await session.scalars(
                select(OfficialAccount)
                .where(OfficialAccount.state == "approved", OfficialAccount.next_check_at <= now)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            for account in list(due_checks):
                checker = await self._holder(session, account.academy_id, "social_media_checker")
                check = AccountCheck(
                    account_id=account.id,
                    checker_person_id=checker.id if checker else None,
                    checker_name=checker.name if checker else "trust administrators",
                    due_at=now,
                    state="open",
                    answers={},
                    reminders_sent=0,
                    escalated=False,
                    next_reminder_at=now + self.settings.check_grace,
                )
                session.add(check)
                account.next_check_at = None  # the next is set when this one is recorded
                await session.flush()
                await self._tell(session, checker, "account.check", account, now, check_id=check.id)
                audit.record(
                    session,
                    action="account_check_sent",
                    actor="system",
                    at=now,
                    data={"account_id": account.id, "check_id": check.id},
                )
                done += 1
            open_checks = await session.scalars(
                select(AccountCheck)
                .where(AccountCheck.state == "open", AccountCheck.next_reminder_at <= now)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            for check in list(open_checks):
                checked = await session.get(OfficialAccount, check.account_id)
                assert checked is not None
                account = checked
                if check.reminders_sent < self.settings.check_reminders:
                    check.reminders_sent += 1
                    check.next_reminder_at = now + self.settings.check_grace
                    checker = (
                        await session.get(Person, check.checker_person_id)
                        if check.checker_person_id
                        else None
                    )
                    await self._tell(
                        session,
                        checker,
                        "account.check_reminder",
                        account,
                        now,
                        check_id=check.id,
                        reminder=check.reminders_sent,
                    )
                    action = "account_check_reminded"
                else:
                    check.escalated = True
                    check.next_reminder_at = None
                    head = await self._holder(session, account.academy_id, "headteacher")
                    to = None if head is None or head.id == check.checker_person_id else head
                    await self._tell(
                        session, to, "account.check_overdue", account, now, check_id=check.id
                    )
                    action = "account_check_overdue"
                audit.record(
                    session,
                    action=action,
                    actor="system",
                    at=now,
                    data={"account_id": account.id, "check_id": check.id},
                )
                done += 1
            waiting = await session.scalars(
                select(OfficialAccount)
                .where(
                    OfficialAccount.state == "requested",
                    OfficialAccount.next_request_reminder_at <= now,
                )
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            for account in list(waiting):
                account.request_reminders += 1
                account.next_request_reminder_at = (
                    now + self.settings.request_remind_after
                    if account.request_reminders < self.settings.request_reminders
                    else None
                )
                approver = await self._holder(session, account.academy_id, "senior_leader")
                await self._tell(
                    session,
                    approver,
                    "account.request_reminder",
                    account,
                    now,
                    reminder=account.request_reminders,
                )
                audit.record(
                    session,
                    action="account_request_reminded",
                    actor="system",
                    at=now,
                    data={"account_id": account.id, "reminder": account.request_reminders},
                )
                done += 1
        return done


REGISTER_COLUMNS = (
    "id",
    "academy",
    "platform",
    "handle",
    "purpose",
    "pupils_use",
    "official_email",
    "state",
    "administrators",
    "requested_by",
    "requested_at",
    "decided_by",
    "decided_at",
    "decision_reason",
    "flagged",
    "last_check_at",
    "next_check_at",
)


def register_csv(views: list[AccountView]) -> str:
    """One row per account; times in UTC ISO 8601."""

    def iso(when: datetime | None) -> str:
        return when.isoformat() if when else ""

    return to_csv(
        REGISTER_COLUMNS,
        (
            [
                v.id,
                v.academy_name,
                v.platform,
                v.handle,
                v.purpose,
                "yes" if v.pupils_use else "no",
                v.official_email,
                v.state,
                "; ".join(v.administrators),
                v.requested_by_name,
                iso(v.requested_at),
                v.decided_by_name or "",
                iso(v.decided_at),
                v.decision_reason or "",
                (v.flag_reason or "") if v.flagged else "",
                iso(v.last_check_at),
                iso(v.next_check_at),
            ]
            for v in views
        ),
    )


async def run_due_accounts(database: Database, clock: Clock, platforms: Collection[str]) -> int:
    """The worker's reminder loop entry point (default settings)."""
    return await AccountService(database, clock=clock, platforms=platforms).run_due()
