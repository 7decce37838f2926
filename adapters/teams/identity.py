"""Teams user -> :class:`~bot.messages.Actor`, by Azure AD object id, never by name."""

from __future__ import annotations

from typing import Any

from bot.messages import Actor

PLATFORM = "teams"


class UnknownTeamsUser(ValueError):
    """The activity does not say who sent it (no Azure AD object id)."""


def actor_from_account(account: Any) -> Actor:
    """The actor for a Bot Framework ``ChannelAccount`` (``from`` of an activity).

    Teams sends ``aadObjectId`` for every signed-in user; that is the identity trust people
    are mapped by. The display name is kept for greetings only.
    """
    aad = getattr(account, "aad_object_id", None) if account is not None else None
    if not aad:
        raise UnknownTeamsUser(
            "Sorry, I could not tell who you are: Teams did not send your Microsoft account id."
        )
    return Actor(
        platform=PLATFORM, user_id=str(aad), display_name=getattr(account, "name", "") or ""
    )
