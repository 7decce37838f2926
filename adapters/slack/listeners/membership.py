"""Channel membership: someone who leaves a channel is dropped from the outstanding list of
the campaigns that asked that channel's members."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_bolt.kwargs_injection.async_args import AsyncArgs

from adapters.slack.runtime import SlackRuntime


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    """Add the ``member_left_channel`` handler."""

    async def member_left(args: AsyncArgs) -> None:
        event = args.event or {}
        channel, user = event.get("channel"), event.get("user")
        if isinstance(channel, str) and isinstance(user, str):
            await rt.bot.campaigns.service.member_left("slack", channel, user)

    app.event("member_left_channel")(rt.track(member_left))
