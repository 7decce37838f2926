"""The Teams activity handler: one place where Bot Framework activities meet the core.

- message text (1:1 chat, or an @mention in a channel) -> ``PolicyBot.handle(Message)``;
  "report" opens the report form card (cards clients) or the step-by-step dialog (plain text);
- ``Action.Submit`` card data -> ``PolicyBot.handle(Action)``, or a step of the report form
  (re-rendered when a changed answer brings new questions or errors, then a confirmation step);
- conversationUpdate / installationUpdate -> the person's conversation reference is stored
  so the outbox can reach them later; the app being removed is recorded for admins.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes, ChannelAccount
from microsoft_agents.hosting.core import ActivityHandler, TurnContext

from adapters.teams import cards
from adapters.teams.audience import TeamsAudience, base_conversation_id, team_of
from adapters.teams.identity import UnknownTeamsUser, actor_from_account
from adapters.teams.outgoing import card_activity, reply_activity, supports_cards
from adapters.teams.references import ReferenceStore
from bot.app import PolicyBot
from bot.messages import Action, Actor, Choice, Message, Reply

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<at>[^<]*</at>", re.IGNORECASE)
_REPORT_WORDS = re.compile(r"^/?(report|report an incident|new report)\s*[.!]?$", re.IGNORECASE)
_ASK = re.compile(r"^ask\b[:\s]*", re.IGNORECASE)
CHOICES_PREFIX = "teams-choices:"
FORM_CANCELLED = (
    "Report cancelled. Nothing was sent. Type “report” whenever you want to start again."
)
STALE_CARD = "Sorry, I could not read that card. Type “help” to see what I can do."


def _turn_context(context: Any) -> TurnContext:
    assert isinstance(context, TurnContext)
    return context


class TeamsHandler(ActivityHandler):
    """Routes Teams activities to :class:`~bot.app.PolicyBot` and renders its replies."""

    def __init__(self, bot: PolicyBot, references: ReferenceStore) -> None:
        self.bot = bot
        self.references = references
        self.store = references.store

    # -- SDK entry points -----------------------------------------------------------------
    async def on_turn(self, turn_context: Any) -> None:
        """Remember who spoke (for proactive messages), then dispatch by activity type."""
        context = _turn_context(turn_context)
        activity = context.activity
        if activity.type != ActivityTypes.installation_update or activity.action not in (
            "remove",
            "remove-upgrade",
        ):
            await self.references.capture(activity)
        audience = self.bot.audiences.get("teams")
        if isinstance(audience, TeamsAudience):
            audience.seen(activity)  # campaigns: which team this conversation is in
        await super().on_turn(context)

    async def on_message_activity(self, turn_context: Any) -> None:
        """Typed text or a card submission."""
        context = _turn_context(turn_context)
        activity = context.activity
        try:
            actor = actor_from_account(activity.from_property)
        except UnknownTeamsUser as exc:
            await context.send_activity(str(exc))
            return
        submission = cards.parse_submit(
            activity.value if isinstance(activity.value, Mapping) else None
        )
        if submission is not None:
            await self._on_submit(context, actor, submission)
        elif activity.value is not None and not (activity.text or "").strip():
            await context.send_activity(STALE_CARD)
        else:
            await self._on_text(context, actor, _MENTION.sub("", activity.text or "").strip())

    async def on_members_added_activity(
        self, members_added: list[ChannelAccount], turn_context: Any
    ) -> None:
        """Store a reference for every person added (e.g. the bot installed in a team)."""
        context = _turn_context(turn_context)
        activity = context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        bot_added = False
        conversation = activity.conversation.id if activity.conversation else ""
        team = team_of(activity) or (
            base_conversation_id(conversation or "") if "@thread" in (conversation or "") else None
        )
        for member in members_added:
            if member.id == bot_id:
                bot_added = True
            else:
                await self.references.capture_member(activity, member)
                if team and member.aad_object_id:  # campaigns asking this team ask them too
                    await self.bot.campaigns.service.member_joined(
                        "teams", team, member.aad_object_id
                    )
        if bot_added and _is_personal(activity) and activity.from_property:
            await self._welcome(context)

    async def on_members_removed_activity(
        self, members_removed: list[ChannelAccount], turn_context: Any
    ) -> None:
        """People removed from a team are dropped from its campaigns' outstanding lists."""
        activity = _turn_context(turn_context).activity
        conversation = activity.conversation.id if activity.conversation else ""
        team = team_of(activity) or base_conversation_id(conversation or "")
        for member in members_removed:
            if member.aad_object_id and team:
                await self.bot.campaigns.service.member_left("teams", team, member.aad_object_id)

    async def on_installation_update_add(self, turn_context: Any) -> None:
        """The app was installed: say hello in a 1:1 chat."""
        context = _turn_context(turn_context)
        if _is_personal(context.activity):
            await self._welcome(context)

    async def on_installation_update_remove(self, turn_context: Any) -> None:
        """The app was removed by this person: record why they cannot be reached."""
        activity = _turn_context(turn_context).activity
        sender = activity.from_property
        if sender is not None and sender.aad_object_id and _is_personal(activity):
            day = self.references.clock.now().strftime("%d %b %Y")
            await self.references.mark_blocked(
                sender.aad_object_id, f"they removed the policybot app in Teams on {day}"
            )

    # -- text -----------------------------------------------------------------------------
    async def _on_text(self, context: TurnContext, actor: Actor, text: str) -> None:
        use_cards = supports_cards(context.activity.channel_id)
        text = _ASK.sub("", text).strip()  # the manifest's "ask" command prefixes the question
        if not text:
            await self._send(context, [await self.bot.home(actor)])
            return
        if use_cards and _REPORT_WORDS.match(text):
            await self._open_form(context, actor, {})
            return
        if not use_cards:
            picked = await self._numbered_choice(context, actor, text)
            if picked is not None:
                await self._run_action(context, actor, picked, {})
                return
        conversation_id = context.activity.conversation.id if context.activity.conversation else ""
        replies = await self.bot.handle(Message(actor, text, conversation_id))
        await self._send(context, replies)

    async def _numbered_choice(
        self, context: TurnContext, actor: Actor, text: str
    ) -> Choice | None:
        """Plain-text clients answer buttons by number; map "2" back to the second button."""
        if not text.isdigit():
            return None
        stored = await self.store.get(self._choices_key(context, actor))
        options = stored.state.get("choices", []) if stored else []
        index = int(text) - 1
        if not 0 <= index < len(options):
            return None
        label, value, action = options[index]
        return Choice(label, value, action)

    def _choices_key(self, context: TurnContext, actor: Actor) -> str:
        conversation = context.activity.conversation.id if context.activity.conversation else ""
        return f"{CHOICES_PREFIX}{actor.user_id}:{conversation}"

    # -- card submissions ---------------------------------------------------------------------
    async def _on_submit(self, context: TurnContext, actor: Actor, sub: cards.Submission) -> None:
        if sub.action == cards.FORM_CONTINUE:
            shown = [str(name) for name in sub.state.get("shown") or sub.inputs]
            await self._form_continue(context, actor, sub.inputs, shown)
        elif sub.action == cards.FORM_EDIT:
            await self._show_form(context, actor, dict(sub.state.get("answers") or {}), update=True)
        elif sub.action == cards.FORM_SUBMIT:
            await self._form_submit(context, actor, sub.state)
        elif sub.action == cards.FORM_CANCEL:
            await self._update_or_send(
                context, Activity(type=ActivityTypes.message, text=FORM_CANCELLED)
            )
        elif sub.action == "report.start" and supports_cards(context.activity.channel_id):
            await self._open_form(context, actor, _json_object(sub.value))
        else:
            await self._run_action(context, actor, Choice("", sub.value, sub.action), sub.inputs)

    async def _run_action(
        self, context: TurnContext, actor: Actor, choice: Choice, form: Mapping[str, Any]
    ) -> None:
        conversation_id = context.activity.conversation.id if context.activity.conversation else ""
        intent = Action(actor, choice.action, choice.value, conversation_id, dict(form))
        await self._send(context, await self.bot.handle(intent))

    # -- report form --------------------------------------------------------------------------
    async def _open_form(self, context: TurnContext, actor: Actor, prefill: dict[str, Any]) -> None:
        await self._show_form(context, actor, prefill, update=False)

    async def _show_form(
        self,
        context: TurnContext,
        actor: Actor,
        answers: Mapping[str, Any],
        *,
        errors: Mapping[str, str] | None = None,
        update: bool,
    ) -> None:
        fields = await self.bot.report_form(actor, answers)
        for form_field in fields:
            if errors and form_field.name in errors:
                form_field.error = errors[form_field.name]
        activity = card_activity(cards.report_form_card(fields), summary="Report an incident")
        if update:
            await self._update_or_send(context, activity)
        else:
            await context.send_activity(activity)

    async def _form_continue(
        self, context: TurnContext, actor: Actor, answers: dict[str, Any], shown: list[str]
    ) -> None:
        """New questions after a changed answer, or errors: re-render; else confirm."""
        answers = dict(answers)
        for name in shown:  # a blank input may be left out of the submission
            answers.setdefault(name, "")
        fields = await self.bot.report_form(actor, answers)
        if any(f.name not in shown for f in fields):
            await self._show_form(context, actor, answers, update=True)
            return
        errors = await self.bot.validate_report_form(actor, answers)
        if errors:
            await self._show_form(context, actor, answers, errors=errors, update=True)
            return
        confirmation = await self.bot.report_confirmation(actor, answers)
        visible = {f.name: answers.get(f.name) for f in fields}
        content = cards.confirmation_card(confirmation, visible, form_id=uuid.uuid4().hex)
        await self._update_or_send(context, card_activity(content, summary="Check your report"))

    async def _form_submit(
        self, context: TurnContext, actor: Actor, state: Mapping[str, Any]
    ) -> None:
        """Send report: store it, then answer. The card's ``form_id`` is the submission key,
        so pressing Send again (a double click, a resend after a timeout) shows the same
        report's receipt instead of storing a second one."""
        answers = dict(state.get("answers") or {})
        form_id = str(state.get("form_id") or "")
        replies = await self.bot.submit_report_form(
            actor, answers, key=f"teams:{form_id}" if form_id else None
        )
        first, *rest = replies
        if first.data.get("not_saved"):  # the card stays as it is, so Send can be pressed again
            await context.send_activity(reply_activity(first))
            return
        errors = first.data.get("errors") if first.kind == "error" else None
        if errors:
            await self._show_form(context, actor, answers, errors=errors, update=True)
            return
        await self._update_or_send(context, reply_activity(first))
        await self._send(context, rest)

    # -- output -------------------------------------------------------------------------------
    async def _welcome(self, context: TurnContext) -> None:
        try:
            actor = actor_from_account(context.activity.from_property)
        except UnknownTeamsUser:
            return
        await self._send(context, [await self.bot.home(actor)])

    async def _send(self, context: TurnContext, replies: list[Reply]) -> None:
        """Render and send replies; ``replace_previous`` updates the card the action came from."""
        use_cards = supports_cards(context.activity.channel_id)
        last_choices: list[Choice] = []
        for reply in replies:
            activity = reply_activity(reply, use_cards=use_cards)
            if reply.replace_previous and use_cards and context.activity.reply_to_id:
                await self._update_or_send(context, activity)
            else:
                await context.send_activity(activity)
            last_choices = list(reply.choices)
        if not use_cards:
            await self._remember_choices(context, last_choices)

    async def _remember_choices(self, context: TurnContext, choices: list[Choice]) -> None:
        try:
            actor = actor_from_account(context.activity.from_property)
        except UnknownTeamsUser:
            return
        key = self._choices_key(context, actor)
        if choices:
            await self.store.put(key, {"choices": [[c.label, c.value, c.action] for c in choices]})
        else:
            await self.store.delete(key)

    async def _update_or_send(self, context: TurnContext, activity: Activity) -> None:
        """Replace the card the person acted on (Teams: ``replyToId``), else send anew."""
        target = context.activity.reply_to_id
        if target:
            activity.id = target
            await context.update_activity(activity)
        else:
            await context.send_activity(activity)


def _is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    return conversation is not None and conversation.conversation_type in (None, "personal")


def _json_object(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value or "{}")
    except ValueError:
        return {}
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}
