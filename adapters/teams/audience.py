"""Who is in a Teams team, for "read and understood" campaigns (the connector's
``GET /v3/conversations/{id}/members``).

A campaign started in a team's channel asks the team's members: the group is the team (its
id from ``channelData.team``, which is also its General channel's conversation id), so a
member removed from the team (``conversationUpdate`` with ``membersRemoved``) is recognised.
The service URL of each team is remembered from the activities the bot receives.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import aiohttp
from microsoft_agents.activity import Activity, ConversationReference
from microsoft_agents.hosting.core import ChannelServiceAdapter, ConnectorClientBase, TurnContext

from bot.campaigns.audience import AudienceError, Group

log = logging.getLogger(__name__)

PLATFORM = "teams"


def base_conversation_id(conversation_id: str) -> str:
    """A channel conversation id without its thread suffix (``;messageid=...``)."""
    return conversation_id.split(";", 1)[0]


def _team(activity: Activity, key: str) -> str | None:
    data = activity.channel_data
    team = data.get("team") if isinstance(data, Mapping) else getattr(data, "team", None)
    if isinstance(team, Mapping):
        return str(team.get(key) or "") or None
    return str(getattr(team, key, "") or "") or None


def team_of(activity: Activity) -> str | None:
    """The team an activity comes from (``channelData.team.id``), if any."""
    return _team(activity, "id")


class TeamsAudience:
    """Reads a team's members through the connector (Azure AD object ids)."""

    platform = PLATFORM

    def __init__(self, adapter: ChannelServiceAdapter, app_id: str | None) -> None:
        self.adapter = adapter
        self.app_id = app_id or ""
        self._team_of: dict[str, str] = {}  # conversation id -> team id
        self._service_url: dict[str, str] = {}  # team id -> service URL
        self._team_name: dict[str, str] = {}  # team id -> its name (``channelData.team.name``)

    def seen(self, activity: Activity) -> None:
        """Remember the team and service URL of a team conversation the bot is in."""
        conversation = activity.conversation
        if conversation is None or not conversation.id or "@thread" not in conversation.id:
            return
        if conversation.conversation_type == "personal":
            return
        base = base_conversation_id(conversation.id)
        team = team_of(activity) or base
        self._team_of[base] = team
        name = _team(activity, "name")
        if name:
            self._team_name[team] = name
        if activity.service_url:
            self._service_url[team] = activity.service_url

    def group_of(self, conversation_id: str) -> Group | None:
        """The team (or group chat) a conversation is in; None for a 1:1 chat. Its label
        names the team when Teams said its name, as it is read later in a 1:1 chat too
        ("Asked: the Teams team Staff Room")."""
        team = self._team_of.get(base_conversation_id(conversation_id))
        if not team:
            return None
        name = self._team_name.get(team)
        return Group(PLATFORM, team, f"the Teams team {name}" if name else "this Teams team")

    async def members(self, group: Group) -> list[str]:
        """Every member's Azure AD object id."""
        service_url = self._service_url.get(group.ref)
        if not service_url:
            raise AudienceError("Please type \u201ccampaign start\u201d again in the team.")
        reference = ConversationReference.model_validate(
            {
                "bot": {"id": self.app_id or "policybot"},
                "conversation": {"id": group.ref, "isGroup": True},
                "channelId": "msteams",
                "serviceUrl": service_url,
            }
        )
        found: dict[str, Any] = {}

        async def callback(context: TurnContext) -> None:
            try:
                connector = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
                if connector is None:
                    raise AudienceError("no connector client in the proactive turn")
                found["members"] = await connector.conversations.get_conversation_members(group.ref)
            except Exception as exc:  # re-raised below, outside the SDK's pipeline
                found["error"] = exc

        await self.adapter.continue_conversation(
            self.app_id, reference.get_continuation_activity(), callback
        )
        error = found.get("error")
        if isinstance(error, aiohttp.ClientResponseError) and error.status in (403, 404):
            raise AudienceError(
                "Teams would not list the team's members: is the app installed in it?"
            )
        if error is not None:
            log.warning("reading a team's members failed (%s)", type(error).__name__)
            raise AudienceError(
                "Teams would not list the team's members just now; please try again."
            )
        return [str(m.aad_object_id) for m in found.get("members") or [] if m.aad_object_id]
