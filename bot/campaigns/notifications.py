"""The messages a campaign sends through the outbox, built at delivery time.

Kinds: ``campaign.ask`` (the summary with **I have read and understood** and **I have a
question**) and ``campaign.reminder`` (the same, saying which reminder it is). A person who
has confirmed by the time a message goes out is thanked instead of asked again.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.campaigns.summary import summary_text
from bot.messages import Choice, Reply
from bot.store.models import OutboxMessage
from bot.store.models_head import Campaign, CampaignMember

KINDS: tuple[str, ...] = ("campaign.ask", "campaign.reminder", "campaign.report")
CONFIRM_LABEL = "I have read and understood"
QUESTION_LABEL = "I have a question"


def campaign_choices(campaign_id: int) -> list[Choice]:
    """The two buttons on every campaign message."""
    value = str(campaign_id)
    return [
        Choice(CONFIRM_LABEL, value, "campaign.confirm", style="primary"),
        Choice(QUESTION_LABEL, value, "campaign.question"),
    ]


async def render(session: AsyncSession, row: OutboxMessage) -> Reply:
    """The reply for a ``campaign.*`` outbox row."""
    from bot.notifier import RenderError

    payload = row.payload or {}
    campaign = await session.get(Campaign, int(payload.get("campaign_id", 0)))
    if row.kind == "campaign.report" and campaign is not None:
        return await _report(session, campaign)
    member = await session.get(
        CampaignMember, int(payload.get("member_id", 0)), populate_existing=True
    )
    if campaign is None or member is None:
        raise RenderError(f"outbox row {row.id}: its campaign no longer exists")
    if row.kind not in KINDS:
        raise RenderError(f"unknown notification kind {row.kind!r}")
    summary = campaign.summary
    data = {"notification": row.kind, "campaign_id": campaign.id, "version": campaign.kb_version}
    if member.state == "confirmed" and member.confirmed_at is not None:
        return Reply(
            text=f"Thank you: you confirmed on {member.confirmed_at:%d %b %Y} that you have "
            f"read and understood the {summary['title'].removeprefix('Please read: ')}.",
            kind="notice",
            title="Already confirmed",
            data=data,
        )
    text = summary_text(summary)
    title = str(summary["title"])
    if row.kind == "campaign.reminder":
        n = int(payload.get("reminder", 1))
        text = (
            f"Reminder {n} of {campaign.max_reminders}: you have not yet confirmed that you "
            f"have read and understood this.\n\n{text}"
        )
        title = f"Reminder: {title}"
    return Reply(
        text=text, kind="notice", title=title, choices=campaign_choices(campaign.id), data=data
    )


async def _report(session: AsyncSession, campaign: Campaign) -> Reply:
    """To the starter: everyone has confirmed, or who has not after the last reminder."""
    members = list(
        await session.scalars(
            select(CampaignMember)
            .where(CampaignMember.campaign_id == campaign.id)
            .order_by(CampaignMember.name)
        )
    )
    confirmed = [m for m in members if m.state == "confirmed"]
    waiting = [m for m in members if m.state == "outstanding"]
    asked = len(confirmed) + len(waiting)
    version = f"version {campaign.kb_version}"
    if not waiting:
        text = (
            f"Everyone asked in campaign {campaign.id} ({campaign.academy_name}) has confirmed "
            f"they have read and understood the policy, {version}: {len(confirmed)} of {asked}."
        )
        title = f"Campaign {campaign.id}: everyone has confirmed"
    else:
        text = (
            f"The reminders of campaign {campaign.id} ({campaign.academy_name}, {version}) "
            f"have finished: {len(confirmed)} of {asked} have confirmed. Not yet confirmed: "
            + ", ".join(m.name for m in waiting)
            + ". They can still confirm from their message; you may want to speak to them."
        )
        title = f"Campaign {campaign.id}: {len(waiting)} not yet confirmed"
    value = str(campaign.id)
    return Reply(
        text=text,
        kind="notice",
        title=title,
        choices=[
            Choice("Who has confirmed", value, "campaign.view"),
            Choice("Export CSV", value, "campaign.export"),
        ],
        data={"notification": "campaign.report", "campaign_id": campaign.id},
    )
