"""Showing the core's replies in Slack, where the person asked.

:class:`Origin` records where a request came from (channel, thread, the message a button
sat on, whether that message was ephemeral, the ``response_url`` and ``trigger_id``);
:func:`show` then follows the core's rendering rules:

* ``replace_previous`` -> update the message the action came from, in place;
* a reply with ``fields`` and a ``trigger_id`` -> a modal form (see :func:`form_modal_for`);
* ``private`` in a shared channel -> ephemeral (only the asker sees it);
* otherwise -> a message in the DM or thread.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import form_modal, pack_metadata, reply_blocks
from bot.messages import Reply

log = logging.getLogger(__name__)

#: callback_id of a modal that sends its answers back with the action that asked for them
ACTION_FORM = "action.form"
#: reply kinds posted publicly in a thread when someone @mentions the bot
PUBLIC_KINDS = frozenset({"answer", "help"})


@dataclass
class Origin:
    """Where a Slack request came from."""

    user_id: str
    channel: str | None = None
    thread_ts: str | None = None
    message_ts: str | None = None
    ephemeral: bool = False
    response_url: str | None = None
    trigger_id: str | None = None
    mention: bool = False

    @property
    def is_dm(self) -> bool:
        """The request came from the person's DM with the bot."""
        return bool(self.channel and self.channel.startswith("D"))

    @property
    def conversation_id(self) -> str:
        """The core's conversation key: one per person per channel (or App Home)."""
        return f"slack:{self.channel or 'home'}:{self.user_id}"

    @classmethod
    def from_payload(cls, body: Mapping[str, Any], user_id: str) -> Origin:
        """From a slash command, block action, view submission or shortcut payload."""
        container = body.get("container") or {}
        channel = body.get("channel") or {}
        message = body.get("message") or {}
        channel_id = (
            body.get("channel_id")
            or (channel.get("id") if isinstance(channel, Mapping) else None)
            or container.get("channel_id")
        )
        return cls(
            user_id=user_id,
            channel=channel_id,
            thread_ts=message.get("thread_ts") or container.get("thread_ts"),
            message_ts=container.get("message_ts") or message.get("ts"),
            ephemeral=bool(container.get("is_ephemeral")),
            response_url=body.get("response_url"),
            trigger_id=body.get("trigger_id"),
        )


def form_modal_for(reply: Reply, action: str, value: str, origin: Origin) -> dict[str, Any]:
    """A modal asking ``reply.fields``; submitting it re-sends ``action`` with the answers."""
    meta = (
        pack_metadata({"a": action, "v": value, "c": origin.channel, "t": origin.message_ts}) or ""
    )
    submit = "Close incident" if action == "incident.close" else "Save"
    return form_modal(
        reply.title or "Policy assistant",
        reply.fields,
        callback_id=ACTION_FORM,
        intro=reply.text,
        submit=submit,
        private_metadata=meta,
    )


async def show(
    client: AsyncWebClient,
    origin: Origin,
    replies: Sequence[Reply],
    *,
    respond: AsyncRespond | None = None,
    action: str = "",
    value: str = "",
) -> None:
    """Show each reply where ``origin`` says the person is."""
    trigger_id = origin.trigger_id
    for reply in replies:
        if reply.fields and trigger_id and action:
            await client.views_open(
                trigger_id=trigger_id, view=form_modal_for(reply, action, value, origin)
            )
            trigger_id = None  # a trigger opens one modal only
            continue
        await post(client, origin, reply, respond=respond)


async def post(
    client: AsyncWebClient,
    origin: Origin,
    reply: Reply,
    *,
    respond: AsyncRespond | None = None,
) -> None:
    """Post or update one reply as a message."""
    blocks = reply_blocks(reply, include_fields=False)
    usable_respond = respond if respond is not None and respond.response_url else None
    if reply.replace_previous:
        if usable_respond is not None:
            await usable_respond(text=reply.text, blocks=blocks, replace_original=True)
            return
        if origin.channel and origin.message_ts and not origin.ephemeral:
            await client.chat_update(
                channel=origin.channel, ts=origin.message_ts, text=reply.text, blocks=blocks
            )
            return
    thread = origin.thread_ts or (origin.message_ts if origin.mention else None)
    public_in_thread = origin.mention and reply.kind in PUBLIC_KINDS
    from_command = origin.message_ts is None or origin.ephemeral
    if reply.private and not public_in_thread:
        if usable_respond is not None and (not origin.is_dm or from_command):
            await usable_respond(
                text=reply.text, blocks=blocks, response_type="ephemeral", replace_original=False
            )
            return
        if origin.channel and not origin.is_dm:
            await client.chat_postEphemeral(
                channel=origin.channel,
                user=origin.user_id,
                text=reply.text,
                blocks=blocks,
                thread_ts=thread,
            )
            return
    await client.chat_postMessage(
        channel=origin.channel or origin.user_id, text=reply.text, blocks=blocks, thread_ts=thread
    )
