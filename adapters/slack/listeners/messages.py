"""Typed text: a DM to the bot, or an @mention in a channel; the answer goes in a thread.

The text reaches the core as the person typed it (:mod:`adapters.slack.typed_text`): the
bot's own @mention is dropped, colleagues' mentions are kept as their names. A mention in a
channel is marked ``shared``: the core answers policy questions there, and for anything
private (a report, incident commands) gives a private pointer; it never feeds a report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.kwargs_injection.async_args import AsyncArgs

from adapters.slack.identity import actor_for
from adapters.slack.replies import Origin, show
from adapters.slack.runtime import SlackRuntime
from adapters.slack.typed_text import typed_text
from bot.messages import Message

MAX_TEXT = 4000


def _is_person_message(event: Mapping[str, Any]) -> bool:
    """A new message a person typed (not an edit, a join notice, or another bot)."""
    return (
        not event.get("subtype")
        and not event.get("bot_id")
        and isinstance(event.get("user"), str)
        and isinstance(event.get("text"), str)
    )


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    """Add the DM and @mention handlers."""

    async def _answer(args: AsyncArgs, *, mention: bool) -> None:
        event = args.event or {}
        if not _is_person_message(event):
            return
        actor = actor_for(event["user"])
        typed = await typed_text(args.client, event["text"], rt.names, args.context.bot_user_id)
        text = typed[:MAX_TEXT]
        origin = Origin(
            user_id=actor.user_id,
            channel=event.get("channel"),
            thread_ts=event.get("thread_ts") or event.get("ts"),
            message_ts=event.get("ts"),
            mention=mention,
        )
        async with rt.answering():
            shared = not origin.is_dm
            message = Message(actor, text or "/help", origin.conversation_id, shared=shared)
            replies = [await rt.buttons.fit(r) for r in await rt.bot.handle(message)]
        await show(args.client, origin, replies)

    async def direct_message(args: AsyncArgs) -> None:
        await args.ack()
        if (args.event or {}).get("channel_type") == "im":
            await _answer(args, mention=False)

    async def app_mention(args: AsyncArgs) -> None:
        await args.ack()
        await _answer(args, mention=True)

    app.event("message")(rt.track(direct_message))
    app.event("app_mention")(rt.track(app_mention))
