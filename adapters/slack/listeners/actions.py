"""Buttons: follow-up facts and "did you mean" (answer updated in place), "Report an
incident" (opens the form pre-filled), dialog steps, and incident Acknowledge / Add note /
View details / Close."""

from __future__ import annotations

import json
import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.kwargs_injection.async_args import AsyncArgs

from adapters.slack.blocks import core_action, message_text, reply_modal
from adapters.slack.identity import actor_from_body
from adapters.slack.listeners.views import open_report_form
from adapters.slack.replies import Origin, open_modal, show
from adapters.slack.runtime import SlackRuntime, mark_saved
from bot.messages import Action, Choice

#: buttons whose action the core understands (see bot/messages.py Choice)
CORE_ACTIONS = re.compile(r"^(qa|dialog|incident|campaign|account|report\.start)[.#]")
#: buttons whose press the core saves at once (a later failure must not say "try again")
SAVING_ACTIONS = frozenset({"incident.ack"})
#: the callback_id of the read-only incident details modal
DETAILS_VIEW = "incident.details"


def _prefill(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value) if value else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    """Add the button handler."""

    async def core_button(args: AsyncArgs) -> None:
        await args.ack()
        actor = actor_from_body(args.body)
        origin = Origin.from_payload(args.body, actor.user_id)
        pressed = (args.body.get("actions") or [{}])[0]
        action = core_action(str(pressed.get("action_id", "")))
        value = await rt.buttons.resolve(str(pressed.get("value") or ""))
        if action == "report.start" and origin.trigger_id:
            await open_report_form(
                rt, args.client, origin, actor, _prefill(value), respond=args.respond
            )
            return
        # with a trigger the form opens as a modal: nothing typed later is taken for it
        intent = Action(actor, action, value, origin.conversation_id, forms=bool(origin.trigger_id))
        replies = [await rt.buttons.fit(r) for r in await rt.bot.handle(intent)]
        if action in SAVING_ACTIONS and replies and replies[0].kind != "error":
            mark_saved(args, message_text(replies[0].text))
        if action == "incident.view" and origin.trigger_id and replies:
            details = replies[0]
            view = reply_modal(details, callback_id=DETAILS_VIEW, title="Incident details")
            again = Choice("View details", value, action)
            await open_modal(args.client, origin, view, again=again, respond=args.respond)
            replies = replies[1:]
        await show(args.client, origin, replies, respond=args.respond, action=action, value=value)

    app.action(CORE_ACTIONS)(rt.track(core_button, urgent=True))

    async def link_button(args: AsyncArgs) -> None:
        await args.ack()  # a link button: the browser opened it; nothing else to do

    app.action(re.compile(r"^link\.open#"))(link_button)
