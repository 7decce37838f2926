"""Slash commands: ``/policy <question>`` (private answer) and ``/report`` (the form)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_bolt.kwargs_injection.async_args import AsyncArgs

from adapters.slack.identity import actor_from_body
from adapters.slack.listeners.views import open_report_form
from adapters.slack.replies import Origin, show
from adapters.slack.runtime import SlackRuntime
from adapters.slack.typed_text import typed_text
from bot.messages import Message


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    """Add the ``/policy`` and ``/report`` handlers."""

    async def policy_command(args: AsyncArgs) -> None:
        await args.ack()
        actor = actor_from_body(args.body)
        origin = Origin.from_payload(args.body, actor.user_id)
        raw = str(args.body.get("text") or "")
        question = await typed_text(args.client, raw, rt.names, args.context.bot_user_id)
        async with rt.answering():
            # not ``shared``: a slash command and its (ephemeral) answers are seen by no one else
            message = Message(actor, question or "/help", origin.conversation_id)
            replies = [await rt.buttons.fit(r) for r in await rt.bot.handle(message)]
        await show(args.client, origin, replies, respond=args.respond)

    async def report_command(args: AsyncArgs) -> None:
        await args.ack()
        actor = actor_from_body(args.body)
        origin = Origin.from_payload(args.body, actor.user_id)
        await open_report_form(rt, args.client, origin, actor, {}, respond=args.respond)

    app.command("/policy")(rt.track(policy_command))
    app.command("/report")(rt.track(report_command, urgent=True))
