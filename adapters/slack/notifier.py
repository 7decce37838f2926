"""The Slack notifier: how the outbox worker reaches people in Slack.

A new message is a DM (``conversations.open`` + ``chat.postMessage``); an update edits the
message sent before (``chat.update``) using the stored ref ``"channel:ts"``. Every failure
becomes a :class:`~bot.notifier.DeliveryError` so the outbox retries it: HTTP 429 carries
Slack's ``Retry-After``; errors no retry can fix (unknown or deactivated user) are permanent.
Nothing about the message itself is logged or put in an error (Slack echoes the message back
in its responses, so the raw error text is never used).
"""

from __future__ import annotations

import logging

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import reply_blocks
from bot.notifier import Delivery, DeliveryError

log = logging.getLogger(__name__)

#: Slack error codes that no retry can fix: the message is dead-lettered at once.
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "channel_not_found",
        "account_inactive",
        "user_disabled",
        "is_archived",
        "not_in_channel",
        "cannot_dm_bot",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "missing_scope",
        "invalid_blocks",
        "msg_too_long",
    }
)
#: chat.update errors that mean "post a fresh message instead".
GONE_ERRORS = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})


def error_code(exc: SlackApiError) -> str:
    """Slack's error code for a failed call (``http_<status>`` when the body has none)."""
    data = exc.response.data if isinstance(exc.response.data, dict) else {}
    return str(data.get("error") or f"http_{exc.response.status_code}")


def _retry_after(exc: SlackApiError) -> float:
    headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
    raw = headers.get("retry-after")
    try:
        return max(float(raw), 1.0) if raw is not None else 30.0
    except (TypeError, ValueError):
        return 30.0


class SlackNotifier:
    """Delivers outbox messages to Slack users by user id."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def deliver(self, delivery: Delivery) -> str | None:
        """Send (or update in place) and return the message ref ``"channel:ts"``."""
        try:
            if delivery.update_ref:
                ref = await self._update(delivery, delivery.update_ref)
                if ref is not None:
                    return ref
            return await self._post(delivery)
        except SlackApiError as exc:
            raise self._delivery_error(delivery, exc) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            log.warning("slack delivery %s: network error %s", delivery.id, type(exc).__name__)
            raise DeliveryError(f"Slack could not be reached ({type(exc).__name__})") from None

    async def _post(self, delivery: Delivery) -> str:
        opened = await self.client.conversations_open(users=delivery.recipient.address)
        channel = str(opened["channel"]["id"])
        reply = delivery.reply
        posted = await self.client.chat_postMessage(
            channel=channel, text=reply.text, blocks=reply_blocks(reply, include_fields=False)
        )
        return f"{posted.get('channel') or channel}:{posted['ts']}"

    async def _update(self, delivery: Delivery, ref: str) -> str | None:
        channel, _, ts = ref.partition(":")
        if not channel or not ts:
            return None
        reply = delivery.reply
        try:
            updated = await self.client.chat_update(
                channel=channel, ts=ts, text=reply.text, blocks=reply_blocks(reply)
            )
        except SlackApiError as exc:
            if error_code(exc) in GONE_ERRORS:
                log.info("slack delivery %s: message to update is gone; posting anew", delivery.id)
                return None
            raise
        return f"{updated.get('channel') or channel}:{updated.get('ts') or ts}"

    def _delivery_error(self, delivery: Delivery, exc: SlackApiError) -> DeliveryError:
        code = error_code(exc)
        if exc.response.status_code == 429 or code == "ratelimited":
            wait = _retry_after(exc)
            log.warning("slack delivery %s: rate limited, retry after %.0fs", delivery.id, wait)
            return DeliveryError("Slack rate limit reached", retry_after=wait)
        permanent = code in PERMANENT_ERRORS
        log.warning(
            "slack delivery %s failed: %s (status %s, permanent=%s)",
            delivery.id,
            code,
            exc.response.status_code,
            permanent,
        )
        return DeliveryError(f"Slack said {code}", permanent=permanent)
