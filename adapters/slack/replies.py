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
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack.blocks import form_modal, message_text, pack_metadata, reply_blocks
from adapters.slack.notifier import error_code
from bot.messages import Choice, Reply

log = logging.getLogger(__name__)

#: callback_id of a modal that sends its answers back with the action that asked for them
ACTION_FORM = "action.form"
#: reply kinds posted publicly in a thread when someone @mentions the bot
PUBLIC_KINDS = frozenset({"answer", "help"})
#: views.open errors meaning the trigger_id can no longer open anything (it lives 3 s)
SPENT_TRIGGER = frozenset({"expired_trigger_id", "invalid_trigger_id", "exchanged_trigger_id"})
FORM_TOO_SLOW = (
    "Slack took too long to open the form, so it didn’t appear. Nothing is lost: "
    "press the button to open it now."
)


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


#: the intro of a small form (a note, an outcome): the reference, then how to send it
SMALL_FORM_INTRO = "Incident {reference}. Type it below, then press “{submit}”."


def form_modal_for(reply: Reply, action: str, value: str, origin: Origin) -> dict[str, Any]:
    """A modal asking ``reply.fields``; submitting it re-sends ``action`` with the answers.

    A modal title holds 24 characters, so an incident's reference goes in the body, and the
    core's chat wording for a note or an outcome ("reply with the text") gives way to the
    form's own. Any other form (a campaign, an account request, a decline's reason, a check)
    keeps the core's words as its intro and is sent with the reply's own button."""
    meta = (
        pack_metadata({"a": action, "v": value, "c": origin.channel, "t": origin.message_ts}) or ""
    )
    title = (reply.title or "Policy assistant").split(" \u2013 ")[0]
    if action.startswith("incident."):
        submit = "Close incident" if action == "incident.close" else "Save"
        reference = str(reply.data.get("reference") or value)
        intro = SMALL_FORM_INTRO.format(reference=reference, submit=submit)
    else:
        submit = reply.choices[0].label if reply.choices else "Send"
        intro = reply.text
    return form_modal(
        title,
        reply.fields,
        callback_id=ACTION_FORM,
        intro=intro,
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
            again = Choice(reply.title or "Open the form", value, action, style="primary")
            view = form_modal_for(reply, action, value, origin)
            await open_modal(client, origin, view, again=again, respond=respond)
            trigger_id = None  # a trigger opens one modal only
            continue
        await post(client, origin, reply, respond=respond)


async def open_modal(
    client: AsyncWebClient,
    origin: Origin,
    view: dict[str, Any],
    *,
    again: Choice,
    respond: AsyncRespond | None = None,
) -> None:
    """Open ``view`` with the request's ``trigger_id``.

    If the trigger was spent first (Slack allows 3 s from the click or command), the person
    gets a private message with ``again``, a button that opens it with a fresh trigger.
    """
    try:
        await client.views_open(trigger_id=origin.trigger_id, view=view)
    except SlackApiError as exc:
        code = error_code(exc)
        if code not in SPENT_TRIGGER:
            raise
        log.warning("form not opened in time (%s); offered a button", code)
        notice = Reply(text=FORM_TOO_SLOW, kind="notice", choices=[again])
        await post(client, origin, notice, respond=respond)


async def post(
    client: AsyncWebClient,
    origin: Origin,
    reply: Reply,
    *,
    respond: AsyncRespond | None = None,
) -> None:
    """Post or update one reply as a message."""
    blocks = reply_blocks(reply, include_fields=False)
    text = message_text(reply.text)
    usable_respond = _response_url_client(client, respond)
    if reply.replace_previous:
        if usable_respond is not None:
            await _send(usable_respond, text=text, blocks=blocks, replace_original=True)
            return
        if origin.channel and origin.message_ts and not origin.ephemeral:
            await client.chat_update(
                channel=origin.channel, ts=origin.message_ts, text=text, blocks=blocks
            )
            return
    thread = origin.thread_ts or (origin.message_ts if origin.mention else None)
    public_in_thread = origin.mention and reply.kind in PUBLIC_KINDS
    from_command = origin.message_ts is None or origin.ephemeral
    if reply.private and not public_in_thread:
        if usable_respond is not None and (not origin.is_dm or from_command):
            await _send(
                usable_respond,
                text=text,
                blocks=blocks,
                response_type="ephemeral",
                replace_original=False,
            )
            return
        if origin.channel and not origin.is_dm:
            await client.chat_postEphemeral(
                channel=origin.channel,
                user=origin.user_id,
                text=text,
                blocks=blocks,
                thread_ts=thread,
            )
            return
    await client.chat_postMessage(
        channel=origin.channel or origin.user_id, text=text, blocks=blocks, thread_ts=thread
    )


def _response_url_client(
    client: AsyncWebClient, respond: AsyncRespond | None
) -> AsyncWebhookClient | None:
    """A client for the request's ``response_url`` on the Web API's connection pool.

    Bolt's own ``respond()`` opens a new HTTP session for every call; under a burst of
    questions that cost more than the answers.
    """
    if respond is None or not respond.response_url:
        return None
    return AsyncWebhookClient(
        url=respond.response_url,
        timeout=client.timeout,
        ssl=respond.ssl,
        proxy=respond.proxy,
        session=client.session,
    )


async def _send(webhook: AsyncWebhookClient, **message: Any) -> None:
    """Post ``message`` to a ``response_url``; Slack's refusal is logged (it never raises)."""
    response = await webhook.send(**message)
    if response.status_code != 200:
        log.warning("response_url refused the reply: HTTP %s", response.status_code)
