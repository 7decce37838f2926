"""The Teams activity handler: one place where Bot Framework activities meet the core.

- message text (1:1 chat, or an @mention in a channel) -> ``PolicyBot.handle(Message)``;
  "report" opens the report form card (cards clients) or the step-by-step dialog (plain text);
  in a channel or group chat nothing private is taken: the message is ``shared`` and a report
  gets a pointer to the person's private chat with the bot instead;
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
from datetime import timedelta
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes, ChannelAccount
from microsoft_agents.hosting.core import ActivityHandler, ChannelServiceAdapter, TurnContext

from adapters import report_form
from adapters.teams import cards
from adapters.teams.audience import TeamsAudience, base_conversation_id, team_of
from adapters.teams.identity import UnknownTeamsUser, actor_from_account
from adapters.teams.outgoing import card_activity, reply_activity, supports_cards
from adapters.teams.references import ReferenceStore
from bot import shared_chat
from bot.app import PolicyBot
from bot.dialogs import DialogDefinition
from bot.messages import Action, Actor, Choice, Message, Reply

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<at>([^<]*)</at>", re.IGNORECASE)
_REPORT_WORDS = re.compile(r"^/?(report|report an incident|new report)\s*[.!]?$", re.IGNORECASE)
_ASK = re.compile(r"^ask\b[:\s]*", re.IGNORECASE)
CHOICES_PREFIX = "teams-choices:"
#: a card carries which safeguarding notices were already sent as their own message
NOTICES_SENT = "notices_sent"
#: conversation-store key prefix: the welcome was sent (Teams announces an install twice)
WELCOMED_PREFIX = "teams-welcomed:"
#: an install announced again within this time is the same install (no second welcome)
WELCOME_AGAIN_AFTER = timedelta(minutes=10)
SHARED_TYPES = frozenset({"channel", "groupChat"})
PRIVATE_CHAT_LINK = "https://teams.microsoft.com/l/chat/0/0?users={bot_id}"
OPEN_PRIVATE_CHAT = "Open my private chat"
STALE_CARD = "Sorry, I could not read that card. Type “help” to see what I can do."


def _turn_context(context: Any) -> TurnContext:
    assert isinstance(context, TurnContext)
    return context


class TeamsHandler(ActivityHandler):
    """Routes Teams activities to :class:`~bot.app.PolicyBot` and renders its replies."""

    def __init__(
        self,
        bot: PolicyBot,
        references: ReferenceStore,
        *,
        app_id: str | None = None,
        adapter: ChannelServiceAdapter | None = None,
    ) -> None:
        self.bot = bot
        self.references = references
        self.store = references.store
        #: the bot's Microsoft App ID (to open a proactive turn in someone's private chat)
        self.app_id = app_id or ""
        #: the SDK adapter, for a proactive turn in someone's private chat
        self.adapter = adapter

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
            await self._on_text(context, actor, typed_text(activity))

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
        shared = _is_shared(context.activity)
        if _REPORT_WORDS.match(text) and shared:
            await self._point_to_private_chat(context, actor)
            return
        if use_cards and _REPORT_WORDS.match(text):
            await self._open_form(context, actor, {})
            return
        if not use_cards and not shared:
            picked = await self._numbered_choice(context, actor, text)
            if picked is not None:
                await self._run_action(context, actor, picked, {})
                return
        conversation_id = context.activity.conversation.id if context.activity.conversation else ""
        message = Message(actor, text, conversation_id, shared=shared, forms=use_cards)
        replies = await self.bot.handle(message)
        await self._send(context, replies)

    async def _numbered_choice(
        self, context: TurnContext, actor: Actor, text: str
    ) -> Choice | None:
        """Plain-text clients answer buttons by number; map "2" back to the second button."""
        if not (text.isdecimal() and text.isascii()):
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
            await self._form_continue(context, actor, sub.inputs, shown, sub.state)
        elif sub.action == cards.FORM_EDIT:
            answers = dict(sub.state.get("answers") or {})
            await self._show_form(context, actor, answers, update=True, state=sub.state)
        elif sub.action == cards.FORM_SUBMIT:
            await self._form_submit(context, actor, sub.state)
        elif sub.action == cards.FORM_CANCEL:
            said = sub.state.get("safeguarding")
            text = report_form.cancelled(self.defn, said if isinstance(said, bool) else None)
            await self._update_or_send(context, Activity(type=ActivityTypes.message, text=text))
        elif sub.action == "report.start" and _is_shared(context.activity):
            await self._point_to_private_chat(context, actor)
        elif sub.action == "report.start" and supports_cards(context.activity.channel_id):
            await self._open_form(context, actor, _json_object(sub.value))
        else:
            await self._run_action(context, actor, Choice("", sub.value, sub.action), sub.inputs)

    async def _run_action(
        self, context: TurnContext, actor: Actor, choice: Choice, form: Mapping[str, Any]
    ) -> None:
        conversation_id = context.activity.conversation.id if context.activity.conversation else ""
        forms = supports_cards(context.activity.channel_id)  # a form is a card's inputs
        intent = Action(actor, choice.action, choice.value, conversation_id, dict(form), forms)
        await self._send(context, await self.bot.handle(intent))

    async def _point_to_private_chat(self, context: TurnContext, actor: Actor) -> None:
        """A report asked for in a channel: the form goes to the person's private chat with
        the bot (when Teams has told us of it), and the channel gets only a pointer."""
        sent = await self._form_in_private_chat(actor)
        text = shared_chat.PRIVATE_FORM_SENT if sent else shared_chat.PRIVATE_CHAT_NEEDED
        link = private_chat_link(context.activity)
        actions = [{"type": "Action.OpenUrl", "title": OPEN_PRIVATE_CHAT, "url": link}]
        if not supports_cards(context.activity.channel_id) or not link:
            await context.send_activity(text + (f"\n\n{link}" if link else ""))
            return
        content = cards.card(cards.layout(text), actions, fallback=f"{text}\n\n{link}")
        await context.send_activity(card_activity(content, summary=text))

    async def _form_in_private_chat(self, actor: Actor) -> bool:
        """Send the report form to ``actor``'s 1:1 chat with the bot; False if not known."""
        ref = await self.references.get(actor.user_id)
        if ref is None or not ref.conversation_id or ref.blocked:
            return False
        adapter = self.adapter
        if adapter is None:
            return False

        async def send_form(private: TurnContext) -> None:
            await self._open_form(private, actor, {})

        continuation = ref.conversation_reference().get_continuation_activity()
        try:
            await adapter.continue_conversation(self.app_id, continuation, send_form)
        except Exception as exc:  # the pointer still tells them where to go
            log.warning("could not send the form to a private chat: %s", type(exc).__name__)
            return False
        return True

    # -- report form --------------------------------------------------------------------------
    @property
    def defn(self) -> DialogDefinition:
        """The report dialog's definition: the form's wording comes from it."""
        return self.bot.dialog.definition

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
        state: Mapping[str, Any] | None = None,
    ) -> None:
        """Show the form for ``answers``; safeguarding guidance that has just come to apply
        is first sent as its own message (once per form)."""
        defn = self.defn
        fields = await self.bot.report_form(actor, answers)
        for form_field in fields:
            if errors and form_field.name in errors:
                form_field.error = report_form.form_error(defn, errors[form_field.name])
        notes = report_form.guidance(defn, fields)
        sent = [str(n) for n in (state or {}).get(NOTICES_SENT) or []]
        for note in notes:
            if note.active and note.id not in sent:
                guidance = cards.FormGuidance(note.title, note.text, True)
                await context.send_activity(
                    card_activity(cards.notice_card(guidance), summary=note.title)
                )
                sent.append(note.id)
        items = [
            cards.FormItem(
                f,
                hint=report_form.field_hint(defn, f),
                other=(
                    report_form.other_option_label(defn),
                    report_form.other_field_label(defn, f.label),
                )
                if report_form.accepts_other(defn, f.name)
                else None,
            )
            for f in fields
        ]
        content = cards.report_form_card(
            items,
            title=report_form.title(defn),
            intro=report_form.intro(defn),
            guidance=(
                defn.text("form_guidance_title"),
                [cards.FormGuidance(n.title, n.text, n.active) for n in notes],
            ),
            today=self.bot.clock.now().date(),
            state={NOTICES_SENT: sent, "safeguarding": any(n.active for n in notes)}
            if update or answers
            else {NOTICES_SENT: sent},
        )
        activity = card_activity(content, summary=report_form.title(defn))
        if update:
            await self._update_or_send(context, activity)
        else:
            await context.send_activity(activity)

    async def _form_continue(
        self,
        context: TurnContext,
        actor: Actor,
        inputs: dict[str, Any],
        shown: list[str],
        state: Mapping[str, Any],
    ) -> None:
        """New questions after a changed answer, or errors: re-render; else confirm."""
        answers = report_form.merge_other(self.defn, inputs)
        for name in shown:  # a blank input may be left out of the submission
            answers.setdefault(name, "")
        fields = await self.bot.report_form(actor, answers)
        if any(f.name not in shown for f in fields):
            await self._show_form(context, actor, answers, update=True, state=state)
            return
        errors = await self.bot.validate_report_form(actor, answers)
        if errors:
            await self._show_form(context, actor, answers, errors=errors, update=True, state=state)
            return
        confirmation = await self.bot.report_confirmation(actor, answers)
        visible = {f.name: answers.get(f.name) for f in fields}
        carried = {
            NOTICES_SENT: list(state.get(NOTICES_SENT) or []),
            "safeguarding": report_form.any_active(self.defn, fields),
        }
        content = cards.confirmation_card(
            confirmation, visible, form_id=uuid.uuid4().hex, state=carried
        )
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
        """Say hello once per install: Teams announces one install twice (an
        installationUpdate and a conversationUpdate)."""
        try:
            actor = actor_from_account(context.activity.from_property)
        except UnknownTeamsUser:
            return
        conversation = context.activity.conversation.id if context.activity.conversation else ""
        key = f"{WELCOMED_PREFIX}{actor.user_id}:{conversation}"
        stored = await self.store.get(key)
        now = self.references.clock.now()
        if stored is not None and now - stored.updated_at < WELCOME_AGAIN_AFTER:
            return
        await self.store.put(key, {})
        await self._send(context, [await self.bot.home(actor)])

    async def _send(self, context: TurnContext, replies: list[Reply]) -> None:
        """Render and send replies; ``replace_previous`` updates the card the action came from."""
        use_cards = supports_cards(context.activity.channel_id)
        last_choices: list[Choice] = []
        for reply in replies:
            activity = self._activity(context, reply, use_cards)
            if reply.replace_previous and use_cards and context.activity.reply_to_id:
                await self._update_or_send(context, activity)
            else:
                await context.send_activity(activity)
            last_choices = list(reply.choices)
        if not use_cards:
            await self._remember_choices(context, last_choices)

    def _activity(self, context: TurnContext, reply: Reply, use_cards: bool) -> Activity:
        """A reply's activity; in a channel, "Report privately" opens the private chat."""
        link = private_chat_link(context.activity)
        if reply.data.get("pointer") == "report" and link and _is_shared(context.activity):
            label = reply.choices[0].label if reply.choices else OPEN_PRIVATE_CHAT
            if not use_cards:
                return Activity(type=ActivityTypes.message, text=f"{reply.text}\n\n{link}")
            content = cards.card(
                cards.layout(reply.text),
                [{"type": "Action.OpenUrl", "title": label, "url": link}],
                fallback=f"{reply.text}\n\n{link}",
            )
            return card_activity(content, summary=reply.text)
        return reply_activity(reply, use_cards=use_cards)

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


def typed_text(activity: Activity) -> str:
    """The message as the person typed it: the bot's own @mention dropped, anyone else's
    kept as ``@Name`` (a colleague named in a message does not disappear)."""
    bot_name = (activity.recipient.name or "") if activity.recipient else ""

    def one(m: re.Match[str]) -> str:
        name = m.group(1).strip()
        return "" if not name or name == bot_name else f"@{name}"

    return " ".join(_MENTION.sub(one, activity.text or "").split(" ")).strip()


def _is_shared(activity: Activity) -> bool:
    """A channel or group chat: others read what is said there."""
    conversation = activity.conversation
    if conversation is None:
        return False
    return bool(conversation.is_group) or conversation.conversation_type in SHARED_TYPES


def private_chat_link(activity: Activity) -> str | None:
    """A Teams deep link that opens the person's private chat with the bot."""
    bot_id = activity.recipient.id if activity.recipient else None
    return PRIVATE_CHAT_LINK.format(bot_id=bot_id) if bot_id else None


def _is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    return conversation is not None and conversation.conversation_type in (None, "personal")


def _json_object(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value or "{}")
    except ValueError:
        return {}
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}
