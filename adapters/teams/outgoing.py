"""Build the Bot Framework activity that carries one core :class:`~bot.messages.Reply`."""

from __future__ import annotations

from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes, Attachment

from adapters.teams import cards
from bot.messages import Choice, Reply

#: Channels known to render Adaptive Cards; anything else gets the plain-text fallback.
CARD_CHANNELS = frozenset({"msteams", "webchat", "directline", "emulator"})


def supports_cards(channel_id: object) -> bool:
    """Whether the channel of an activity shows Adaptive Cards."""
    base = str(channel_id or "").split(":", 1)[0]
    return base in CARD_CHANNELS


def card_activity(content: dict[str, Any], *, summary: str = "") -> Activity:
    """A message activity carrying one Adaptive Card."""
    activity = Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=cards.CARD_CONTENT_TYPE, content=content)],
    )
    if summary:
        activity.summary = summary[:200]
    return activity


def reply_activity(
    reply: Reply, *, use_cards: bool = True, submit: Choice | None = None
) -> Activity:
    """The activity for a reply: an Adaptive Card, or its complete plain text."""
    if not use_cards:
        return Activity(type=ActivityTypes.message, text=cards.plain_text(reply))
    return card_activity(cards.reply_card(reply, submit=submit), summary=reply.text)
