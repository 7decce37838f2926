"""The messages official accounts send through the outbox, built at delivery time from the
account as it is then (a request decided before its reminder goes out shows the decision,
without buttons).

Kinds: ``account.request`` / ``account.request_reminder`` (to the senior leader: Approve /
Decline), ``account.approved`` (to the Headteacher: the URL and identity, the policy's
notification; to the requester and administrators), ``account.declined`` (to the requester,
with the reason), ``account.check`` / ``account.check_reminder`` (the checklist, to the
nominated person), ``account.check_overdue`` (to the Headteacher) and ``account.flagged``
(to the Headteacher: fewer than two administrators, or a check found a problem).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts.service import CHECK_QUESTIONS, AccountView, load_view
from bot.messages import Choice, Reply
from bot.store.models import OutboxMessage
from bot.store.models_head import AccountCheck, OfficialAccount

KINDS: tuple[str, ...] = (
    "account.request",
    "account.request_reminder",
    "account.approved",
    "account.declined",
    "account.check",
    "account.check_reminder",
    "account.check_overdue",
    "account.flagged",
)


def details(v: AccountView) -> list[str]:
    """The facts of an account, one per line."""
    return [
        f"Academy: {v.academy_name}",
        f"Platform: {v.platform}",
        f"Address (URL or handle): {v.handle}",
        f"Linked to: {v.official_email}",
        f"Purpose: {v.purpose}",
        f"Pupils will use it: {'yes' if v.pupils_use else 'no'}",
        f"Administrators: {', '.join(v.administrators) or 'none'}",
        f"Requested by {v.requested_by_name} on {v.requested_at:%d %b %Y}",
    ]


def decision_choices(account_id: int) -> list[Choice]:
    """Approve / Decline, for the senior leader."""
    value = str(account_id)
    return [
        Choice("Approve", value, "account.approve", style="primary"),
        Choice("Decline", value, "account.decline", style="danger"),
    ]


def check_choices(check_id: int) -> list[Choice]:
    """The button that opens the checklist form."""
    return [Choice("Record the check", str(check_id), "account.check", style="primary")]


async def render(session: AsyncSession, row: OutboxMessage) -> Reply:
    """The reply for an ``account.*`` outbox row."""
    from bot.notifier import RenderError

    payload = row.payload or {}
    account = await session.get(
        OfficialAccount, int(payload.get("account_id", 0)), populate_existing=True
    )
    if account is None:
        raise RenderError(f"outbox row {row.id}: its official account no longer exists")
    v = await load_view(session, account)
    data = {"notification": row.kind, "account_id": v.id, "state": v.state}
    kind = row.kind
    if kind in {"account.request", "account.request_reminder"}:
        waiting = v.state == "requested"
        lead = (
            f"Reminder {payload.get('reminder', 1)}: this request is still waiting for your "
            "decision."
            if kind == "account.request_reminder"
            else "A member of staff asks to set up an official school social-media account. "
            "It meets the policy's conditions (two administrators, an official email, a code "
            "of behaviour and the About-page links). Please approve or decline it."
        )
        if not waiting:
            lead = f"This request has been {v.state} by {v.decided_by_name}."
        typed = f"(Or type \u201capprove {v.id}\u201d / \u201cdecline {v.id} REASON\u201d.)"
        return Reply(
            text="\n".join([lead, "", *details(v), *([typed] if waiting else [])]),
            kind="notice",
            title=f"Official account request {v.id}: {v.platform} {v.handle}",
            choices=decision_choices(v.id) if waiting else [],
            data=data,
        )
    if kind == "account.approved":
        if payload.get("to") == "headteacher":
            lead = (
                f"For your records as Principal/Headteacher (the policy asks that the URL and "
                f"identity of academy accounts are notified to you before pupils have access): "
                f"{v.decided_by_name} approved this official account. It is in the register."
            )
        else:
            lead = f"The official account request was approved by {v.decided_by_name}."
            if v.pupils_use:
                lead += (
                    " The Principal/Headteacher has been told its address, so pupils may now "
                    "be given access."
                )
        return Reply(
            text="\n".join([lead, "", *details(v)]),
            kind="notice",
            title=f"Official account approved: {v.platform} {v.handle}",
            data=data,
        )
    if kind == "account.declined":
        return Reply(
            text=f"Your request for the {v.platform} account {v.handle} was declined by "
            f"{v.decided_by_name}. Reason: {v.decision_reason}\nPlease do not set it up (or "
            "take it down if it exists). You can make a new request that answers the reason.",
            kind="notice",
            title=f"Official account request declined: {v.platform} {v.handle}",
            data=data,
        )
    if kind in {"account.check", "account.check_reminder", "account.check_overdue"}:
        check = await session.get(
            AccountCheck, int(payload.get("check_id", 0)), populate_existing=True
        )
        if check is None:
            raise RenderError(f"outbox row {row.id}: its check no longer exists")
        done = check.state == "done"
        if kind == "account.check":
            lead = (
                "It is time for the regular check of this official account (the policy: the "
                "academy's professional use of social media should be checked regularly by the "
                "nominated responsible person). Please look at it and answer:"
            )
        elif kind == "account.check_reminder":
            lead = (
                f"Reminder {payload.get('reminder', 1)}: the check of this official account "
                f"has been due since {check.due_at:%d %b %Y}. Please answer:"
            )
        else:
            lead = (
                f"Overdue: {check.checker_name} has not recorded the regular check of this "
                f"official account, due since {check.due_at:%d %b %Y}, after reminders. "
                "Please make sure it is done; you can record it yourself:"
            )
        questions = [f"  \u2022 {q}" for _key, q in CHECK_QUESTIONS]
        if done:
            lead = f"This check was recorded by {check.completed_by_name}."
            questions = []
        return Reply(
            text="\n".join(
                [lead, *questions, "", *details(v)]
                + ([] if done else [f"(Or type \u201ccheck account {v.id}\u201d.)"])
            ),
            kind="notice",
            title=f"{'Overdue check' if kind == 'account.check_overdue' else 'Check'}: "
            f"{v.platform} {v.handle}",
            choices=[] if done else check_choices(check.id),
            data={**data, "check_id": check.id},
        )
    if kind == "account.flagged":
        return Reply(
            text="\n".join(
                [
                    "This official account needs your attention: "
                    + (v.flag_reason or "see the register"),
                    "",
                    *details(v),
                    "",
                    f"To add an administrator, type \u201caccount {v.id} add admin NAME\u201d.",
                ]
            ),
            kind="notice",
            title=f"Official account needs attention: {v.platform} {v.handle}",
            data=data,
        )
    raise RenderError(f"unknown notification kind {row.kind!r}")
