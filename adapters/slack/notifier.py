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
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import message_text, reply_blocks
from bot.delivery.pauses import Paused, Pauses
from bot.notifier import Delivery, DeliveryError

#: the message metadata event type that names the outbox row a message was posted for
METADATA_EVENT = "policybot_outbox"

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
    """Delivers outbox messages to Slack users by user id, each message once.

    Every new message carries message ``metadata`` naming its outbox row. When an earlier
    attempt may have got through (``Delivery.maybe_sent``: a timeout, or a worker that died
    mid-send), the DM's recent history (``conversations.history``) is searched for that
    metadata before posting again, so an alert is posted once. Rate limits and outages pause
    calls for every delivery in the process (:class:`~bot.delivery.pauses.Pauses`).
    """

    platform = "slack"
    #: how far back a DM's history is searched for a message that may have been sent
    HISTORY_LIMIT = 50

    def __init__(self, client: AsyncWebClient, *, pauses: Pauses | None = None) -> None:
        self.client = client
        self.pauses = pauses or Pauses()
        self._dm_channels: dict[str, str] = {}  # user id -> their DM channel with the bot

    async def deliver(self, delivery: Delivery) -> str | None:
        """Send (or update in place) and return the message ref ``"channel:ts"``."""
        method = "chat.update" if delivery.update_ref else "chat.postMessage"
        try:
            if delivery.update_ref:
                ref = await self._update(delivery, delivery.update_ref)
                if ref is not None:
                    return ref
                method = "chat.postMessage"
            return await self._post(delivery)
        except Paused as exc:
            raise DeliveryError(
                f"Slack is paused ({exc})", retry_after=exc.retry_after, attempted=False
            ) from None
        except SlackApiError as exc:
            raise self._delivery_error(delivery, exc) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            log.warning("slack delivery %s: network error %s", delivery.id, type(exc).__name__)
            raise DeliveryError(
                f"Slack could not be reached ({type(exc).__name__})",
                uncertain=method == "chat.postMessage",
            ) from None

    async def _call(self, method: str, **kwargs: Any) -> Any:
        """One Web API call, unless Slack or that method is paused; a 429 pauses the method."""
        probe = self.pauses.before(method)
        call = getattr(self.client, method.replace(".", "_"))
        try:
            response = await call(**kwargs)
        except SlackApiError as exc:
            status = exc.response.status_code
            if status >= 500:
                self.pauses.failed(_header_retry_after(exc))
            else:  # Slack answered: it is up
                self.pauses.succeeded()
                if status == 429 or error_code(exc) == "ratelimited":
                    self.pauses.rate_limited(method, _retry_after(exc))
            raise
        except (TimeoutError, aiohttp.ClientError, OSError):
            self.pauses.failed()
            raise
        except BaseException:
            if probe:
                self.pauses.released()
            raise
        self.pauses.succeeded()
        return response

    async def _dm_channel(self, user: str) -> str:
        channel = self._dm_channels.get(user)
        if channel is None:
            opened = await self._call("conversations.open", users=user)
            channel = self._dm_channels[user] = str(opened["channel"]["id"])
        return channel

    async def _post(self, delivery: Delivery) -> str:
        channel = await self._dm_channel(delivery.recipient.address)
        if delivery.maybe_sent:
            ts = await self._find_sent(channel, delivery.id)
            if ts is not None:
                log.info("slack delivery %s was already posted; not posting again", delivery.id)
                return f"{channel}:{ts}"
        reply = delivery.reply
        posted = await self._call(
            "chat.postMessage",
            channel=channel,
            text=message_text(reply.text),
            blocks=reply_blocks(reply, include_fields=False),
            metadata={"event_type": METADATA_EVENT, "event_payload": {"outbox_id": delivery.id}},
        )
        return f"{posted.get('channel') or channel}:{posted['ts']}"

    async def _find_sent(self, channel: str, outbox_id: int) -> str | None:
        """The ts of the message posted for ``outbox_id`` in ``channel``, if it was posted."""
        history = await self._call(
            "conversations.history",
            channel=channel,
            limit=self.HISTORY_LIMIT,
            include_all_metadata=True,
        )
        for message in history.get("messages") or []:
            meta = message.get("metadata") or {}
            payload = meta.get("event_payload") or {}
            if meta.get("event_type") == METADATA_EVENT and payload.get("outbox_id") == outbox_id:
                return str(message.get("ts"))
        return None

    async def _update(self, delivery: Delivery, ref: str) -> str | None:
        channel, _, ts = ref.partition(":")
        if not channel or not ts:
            return None
        reply = delivery.reply
        try:
            updated = await self._call(
                "chat.update",
                channel=channel,
                ts=ts,
                text=message_text(reply.text),
                blocks=reply_blocks(reply),
            )
        except SlackApiError as exc:
            if error_code(exc) in GONE_ERRORS:
                log.info("slack delivery %s: message to update is gone; posting anew", delivery.id)
                return None
            raise
        return f"{updated.get('channel') or channel}:{updated.get('ts') or ts}"

    def _delivery_error(self, delivery: Delivery, exc: SlackApiError) -> DeliveryError:
        code = error_code(exc)
        status = exc.response.status_code
        if status == 429 or code == "ratelimited":
            wait = _retry_after(exc)
            log.warning("slack delivery %s: rate limited, retry after %.0fs", delivery.id, wait)
            return DeliveryError("Slack rate limit reached", retry_after=wait)
        if status >= 500:  # _call has paused every call meanwhile
            log.warning("slack delivery %s: Slack answered %s; calls paused", delivery.id, status)
            return DeliveryError(f"Slack said {code}")
        permanent = code in PERMANENT_ERRORS
        log.warning(
            "slack delivery %s failed: %s (status %s, permanent=%s)",
            delivery.id,
            code,
            status,
            permanent,
        )
        return DeliveryError(f"Slack said {code}", permanent=permanent)


def _header_retry_after(exc: SlackApiError) -> float | None:
    headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
    try:
        return float(headers["retry-after"])
    except (KeyError, TypeError, ValueError):
        return None
