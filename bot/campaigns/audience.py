"""The port through which a campaign reads who is in a chat channel or team.

The core never imports a chat SDK: each adapter that can list a group's members registers an
:class:`AudienceSource` (``PolicyBot.audiences[platform]``); the console has none, so its
campaigns go to the people in the trust file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Group:
    """A channel (Slack) or team (Teams) whose members a campaign asks."""

    platform: str
    ref: str  # Slack channel id, Teams conversation id
    label: str  # how people see it: "this channel (C0STAFF01)"


class AudienceError(Exception):
    """The members could not be read; the message says why, for the person who asked."""


class AudienceSource(Protocol):
    """Reads the members of a group on one platform."""

    platform: str

    def group_of(self, conversation_id: str) -> Group | None:
        """The group a conversation is in, or None for a one-to-one chat with the bot."""
        ...

    async def members(self, group: Group) -> list[str]:
        """The platform user ids of the group's people (the bot itself left out)."""
        ...
