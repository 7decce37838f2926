"""Message shortcut "Report this message": the report form, pre-filled with the message's
text and a link to it."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.kwargs_injection.async_args import AsyncArgs

from adapters.slack.identity import actor_from_body
from adapters.slack.listeners.views import open_report_form
from adapters.slack.replies import Origin
from adapters.slack.runtime import SlackRuntime
from adapters.slack.typed_text import typed_text

log = logging.getLogger(__name__)

REPORT_MESSAGE = "report_message"
#: the permalink must not use up the trigger's three seconds
PERMALINK_TIMEOUT = 1.0
#: the dialog's "What you saw" limit
SEEN_LIMIT = 2000


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    """Add the "Report this message" shortcut."""

    async def report_message(args: AsyncArgs) -> None:
        await args.ack()
        actor = actor_from_body(args.body)
        origin = Origin.from_payload(args.body, actor.user_id)
        message = args.body.get("message") or {}
        prefill: dict[str, Any] = {}
        raw = str(message.get("text") or "")
        text = await typed_text(args.client, raw, rt.names, args.context.bot_user_id)
        if text:
            prefill["seen"] = text[:SEEN_LIMIT]
        if origin.channel and message.get("ts"):
            try:
                found = await asyncio.wait_for(
                    args.client.chat_getPermalink(channel=origin.channel, message_ts=message["ts"]),
                    PERMALINK_TIMEOUT,
                )
                prefill["link"] = found["permalink"]
            except Exception as exc:  # the form still opens, just without the link
                log.warning("no permalink for the reported message: %s", type(exc).__name__)
        await open_report_form(rt, args.client, origin, actor, prefill, respond=args.respond)

    app.shortcut(REPORT_MESSAGE)(rt.track(report_message, urgent=True))
