"""What an outbox message says, built when it is sent by the owner of its kind.

Incident alerts, receipts and dead letters: :mod:`bot.incidents.notifications`; "read and
understood" campaigns: :mod:`bot.campaigns.notifications`; official accounts:
:mod:`bot.accounts.notifications`; governors' reports: :mod:`bot.reports.delivery`.
Delivery depends on them; none of them depends on delivery.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.accounts.notifications import render as render_account
from bot.campaigns.notifications import render as render_campaign
from bot.incidents.notifications import render as render_incident
from bot.messages import Reply
from bot.notifier import RenderError
from bot.reports import delivery as reports
from bot.store.models import OutboxMessage


async def render(session: AsyncSession, row: OutboxMessage) -> Reply:
    """The reply for ``row``; :class:`RenderError` when it cannot be built."""
    if row.kind.startswith("campaign."):
        return await render_campaign(session, row)
    if row.kind.startswith("account."):
        return await render_account(session, row)
    if row.kind.startswith("governors."):
        try:
            return await reports.render(session, row)
        except reports.NotRenderable as exc:
            raise RenderError(str(exc)) from exc
    return await render_incident(session, row)
