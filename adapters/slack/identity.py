"""Slack user id -> :class:`~bot.messages.Actor`.

People are identified by their Slack member id (``U…``/``W…``), never by display name: names
can be changed by anyone and are not unique. A payload's ``username``/``user_name`` is a name
the person chose, so it is never carried: someone not in the trust directory is shown to
handlers by member ID.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.messages import Actor

PLATFORM = "slack"
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


class UnknownSlackUser(ValueError):
    """A payload did not carry a usable Slack user id."""


def actor_for(user_id: str, display_name: str = "") -> Actor:
    """The actor for a Slack user id (checked to look like one)."""
    if not _USER_ID.match(user_id or ""):
        raise UnknownSlackUser("payload has no valid Slack user id")
    return Actor(platform=PLATFORM, user_id=user_id, display_name=display_name[:80])


def actor_from_body(body: Mapping[str, Any]) -> Actor:
    """The acting user of any Slack payload: slash command, event, action, view or shortcut."""
    user = body.get("user")
    if isinstance(user, Mapping):
        return actor_for(str(user.get("id", "")))
    if isinstance(user, str):
        return actor_for(user)
    if "user_id" in body:  # slash commands
        return actor_for(str(body["user_id"]))
    event = body.get("event")
    if isinstance(event, Mapping) and isinstance(event.get("user"), str):
        return actor_for(event["user"])
    raise UnknownSlackUser("payload has no Slack user")
