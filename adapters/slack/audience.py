"""Who is in a Slack channel, for "read and understood" campaigns (``conversations.members``)."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.notifier import error_code
from bot.campaigns.audience import AudienceError, Group

log = logging.getLogger(__name__)

PLATFORM = "slack"
#: pages of ``conversations.members`` read at most (200 members each)
MAX_PAGES = 50
_ERRORS = {
    "not_in_channel": "I am not a member of that channel: add me to it first (/invite @policybot).",
    "channel_not_found": "I can't see that channel: add me to it first (/invite @policybot).",
    "missing_scope": "The Slack app needs the channels:read and groups:read permissions to "
    "read a channel's members; please ask whoever installed it to add them.",
}


class SlackAudience:
    """Reads a channel's members through the Web API (the bot itself left out)."""

    platform = PLATFORM

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._bot_user: str | None = None

    def group_of(self, conversation_id: str) -> Group | None:
        """``slack:C0STAFF01:U123`` -> the channel; a DM or App Home is no group."""
        parts = conversation_id.split(":")
        if len(parts) != 3 or parts[0] != PLATFORM or parts[1][:1] not in {"C", "G"}:
            return None
        return Group(PLATFORM, parts[1], f"the Slack channel {parts[1]}")

    async def members(self, group: Group) -> list[str]:
        """Every member's user id, following the pagination cursor."""
        found: list[str] = []
        cursor: str | None = None
        try:
            if self._bot_user is None:
                self._bot_user = str((await self.client.auth_test()).get("user_id") or "")
            for _ in range(MAX_PAGES):
                page = await self.client.conversations_members(
                    channel=group.ref, cursor=cursor, limit=200
                )
                found.extend(str(m) for m in page.get("members") or [])
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if not cursor:
                    break
        except SlackApiError as exc:
            code = error_code(exc)
            log.warning("conversations.members failed (%s)", code)
            raise AudienceError(
                _ERRORS.get(code, f"Slack would not list the channel's members ({code}).")
            ) from exc
        return [m for m in dict.fromkeys(found) if m != self._bot_user]
