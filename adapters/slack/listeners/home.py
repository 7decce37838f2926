"""App Home: what the bot does, example questions, the person's own reports and their
status; for Principals/Headteachers and DSLs, their open incidents."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_bolt.kwargs_injection.async_args import AsyncArgs

from adapters.slack.blocks import home_view
from adapters.slack.identity import actor_for
from adapters.slack.runtime import SlackRuntime


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    """Add the App Home handler."""

    async def home_opened(args: AsyncArgs) -> None:
        await args.ack()
        event = args.event or {}
        if event.get("tab", "home") != "home":
            return
        actor = actor_for(str(event.get("user", "")))
        reply = await rt.bot.home(actor)
        await args.client.views_publish(user_id=actor.user_id, view=home_view(reply))

    app.event("app_home_opened")(rt.track(home_opened))
