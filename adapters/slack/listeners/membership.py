"""Channel membership and campaigns that asked a channel's members: someone who joins is
asked too; someone who leaves is dropped from the outstanding list."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_bolt.kwargs_injection.async_args import AsyncArgs

from adapters.slack.runtime import SlackRuntime


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    """Add the ``member_joined_channel`` and ``member_left_channel`` handlers."""

    async def member_joined(args: AsyncArgs) -> None:
        event = args.event or {}
        channel, user = event.get("channel"), event.get("user")
        if isinstance(channel, str) and isinstance(user, str):
            await rt.bot.campaigns.service.member_joined("slack", channel, user)

    async def member_left(args: AsyncArgs) -> None:
        event = args.event or {}
        channel, user = event.get("channel"), event.get("user")
        if isinstance(channel, str) and isinstance(user, str):
            await rt.bot.campaigns.service.member_left("slack", channel, user)

    app.event("member_joined_channel")(rt.track(member_joined))
    app.event("member_left_channel")(rt.track(member_left))
