"""Campaigns in chat: the commands and buttons, as neutral replies (every platform).

Commands: ``campaign start`` (a form: academy, audience, reminder interval and count),
``campaigns`` (the list), ``campaign N`` (who has and has not confirmed, per academy),
``campaign export N`` (CSV) and ``campaign end N``. Buttons: ``campaign.*``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot import shared_chat
from bot.campaigns.audience import AudienceError, AudienceSource, Group
from bot.campaigns.notifications import CONFIRM_LABEL, campaign_choices
from bot.campaigns.service import (
    MAX_REMINDERS,
    CampaignError,
    CampaignService,
    CampaignView,
    interval_words,
)
from bot.messages import Action, Actor, Choice, FormField, Message, Reply

_START = re.compile(
    r"^/?(campaign start|start (a )?campaign|new campaign|start a read and understood campaign)$"
)
_LIST = re.compile(r"^/?(campaigns|campaign status|my campaigns|campaign list)$")
_CONFIRM = re.compile(
    r"^/?(?:i have )?(?:read and understood|confirm(?: campaign)?)(?: #?(\d+))?[.!]?$"
)
_ONE = re.compile(r"^/?campaign (?:(status|show|export|csv|end|stop) )?#?(\d+)$")

DEFAULT_REMIND_DAYS = 2
DEFAULT_REMINDERS = 3
FORM_TITLE = "Start a \u201cread and understood\u201d campaign"


def _error(text: str) -> list[Reply]:
    return [Reply(text=text, kind="error")]


def pick(value: Any, options: list[Choice]) -> str | None:
    """A choice typed or picked: its value, its number (console) or its label."""
    text = str(value or "").strip()
    if not text:
        return None
    if text.isdigit() and 1 <= int(text) <= len(options) and text not in {o.value for o in options}:
        return options[int(text) - 1].value
    for option in options:
        if text.lower() in (option.value.lower(), option.label.lower()):
            return option.value
    return None


def _whole_number(text: Any, default: int, lo: int, hi: int, what: str) -> int:
    raw = str(text or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise CampaignError(f"{what} must be a whole number from {lo} to {hi}.")
    return int(raw)


class CampaignChat:
    """Turns campaign commands and buttons into service calls and replies."""

    def __init__(self, service: CampaignService, audiences: Mapping[str, AudienceSource]) -> None:
        self.service = service
        self.audiences = audiences  # the bot's live registry: adapters add to it on install

    async def on_message(self, msg: Message, low: str) -> list[Reply] | None:
        """Replies if ``low`` (the lower-cased text) is a campaign command, else None."""
        try:
            if _START.match(low):
                return [await self._start_form(msg.actor, msg.conversation_id)]
            if _LIST.match(low):
                return [await self._list(msg.actor)]
            m = _CONFIRM.match(low)
            if m:
                number = int(m.group(1)) if m.group(1) else None
                number = number or await self.service.latest_for(msg.actor)
                replies = await self.on_action(
                    Action(msg.actor, "campaign.confirm", str(number), msg.conversation_id)
                )
                for reply in replies:  # typed: a new message, not an update of a card
                    reply.replace_previous = False
                return replies
            m = _ONE.match(low)
            if m:
                verb, number = m.group(1) or "status", int(m.group(2))
                return await self._one(msg.actor, verb, number)
        except CampaignError as exc:
            return _error(str(exc))
        return None

    async def on_shared_message(self, msg: Message, low: str) -> list[Reply] | None:
        """Replies to a campaign command said in a channel or team, else None: starting one
        is done there (it is aimed at that channel's members and shows nothing private); the
        list, a campaign's completion list and the rest get the private pointer."""
        if _START.match(low):
            return await self.on_message(msg, low)
        if _LIST.match(low) or _ONE.match(low):
            return [shared_chat.pointer(low)]
        return None

    async def on_action(self, act: Action) -> list[Reply]:
        """A ``campaign.*`` button or form."""
        verb = act.action.split(".", 1)[1]
        try:
            if verb == "start":
                if not act.form:
                    return [await self._start_form(act.actor, _json(act.value).get("conv", ""))]
                return await self._start(act)
            number = int(act.value) if act.value.strip().isdigit() else 0
            if verb == "confirm":
                done = await self.service.confirm(act.actor, number)
                when = f"{done.confirmed_at:%d %b %Y at %H:%M} UTC"
                text = (
                    f"You already confirmed this on {when}. Thank you."
                    if done.already
                    else f"Thank you. I have recorded that you have read and understood the "
                    f"{done.policy_title.removeprefix('Please read: ')} ({when})."
                )
                return [
                    Reply(
                        text=text,
                        kind="notice",
                        title="Read and understood",
                        replace_previous=True,
                        data={"campaign_id": done.campaign_id, "version": done.version},
                    )
                ]
            if verb == "question":
                await self.service.question(act.actor, number)
                return [
                    Reply(
                        text="Of course. Ask me your question about the policy in your own "
                        "words, for example \u201ccan I accept a friend request from an "
                        "ex-pupil?\u201d or \u201cwho do I tell if a pupil messages me?\u201d. "
                        f"When you are happy, press \u201c{CONFIRM_LABEL}\u201d.",
                        kind="notice",
                        choices=campaign_choices(number)[:1],
                        data={"campaign_id": number, "qa": True},
                    )
                ]
            if verb in {"view", "export", "end"}:
                return await self._one(act.actor, verb, number)
        except CampaignError as exc:
            return _error(str(exc))
        return _error("Sorry, I didn't understand that campaign button.")

    # --- starting ----------------------------------------------------------------------------

    def _group(self, actor: Actor, conversation_id: str) -> Group | None:
        source = self.audiences.get(actor.platform)
        return source.group_of(conversation_id) if source and conversation_id else None

    async def _start_form(self, actor: Actor, conversation_id: str) -> Reply:
        scopes = await self.service.scopes(actor)
        if not scopes:
            raise CampaignError(
                "Only a Principal/Headteacher (for their academy) or a trust administrator "
                "can start a campaign."
            )
        group = self._group(actor, conversation_id)
        audiences = _audience_options(group)
        where = (
            f" You can ask the members of {group.label}, or everyone in the staff list."
            if group
            else " To ask the members of a channel or team, type \u201ccampaign start\u201d there."
        )
        fields = [
            FormField(
                "scope",
                "Academy",
                kind="choice",
                options=[Choice(name, ident, "") for ident, name in scopes],
                value=scopes[0][0] if len(scopes) == 1 else None,
            ),
            FormField(
                "audience", "Who to ask", kind="choice", options=audiences, value=audiences[0].value
            ),
            FormField(
                "remind_days",
                "Remind those who have not confirmed every how many days?",
                required=False,
                placeholder=str(DEFAULT_REMIND_DAYS),
                hint=f"1 to 30; leave empty for {DEFAULT_REMIND_DAYS}",
                max_length=2,
            ),
            FormField(
                "reminders",
                "How many reminders at most?",
                required=False,
                placeholder=str(DEFAULT_REMINDERS),
                hint=f"0 to {MAX_REMINDERS}; leave empty for {DEFAULT_REMINDERS}",
                max_length=2,
            ),
        ]
        return Reply(
            text=f"Each person will get a private message summarising the policy (version "
            f"{self.service.version}) with \u201c{CONFIRM_LABEL}\u201d and \u201cI have a "
            f"question\u201d buttons.{where}",
            kind="notice",
            title=FORM_TITLE,
            fields=fields,
            choices=[
                Choice(
                    "Start campaign",
                    json.dumps({"conv": conversation_id}),
                    "campaign.start",
                    style="primary",
                )
            ],
        )

    async def _start(self, act: Action) -> list[Reply]:
        form = act.form
        conv = str(_json(act.value).get("conv", "") or act.conversation_id)
        scopes = await self.service.scopes(act.actor)
        scope = pick(form.get("scope"), [Choice(n, i, "") for i, n in scopes])
        if scope is None:
            names = ", ".join(n for _, n in scopes)
            raise CampaignError(f"Please pick the academy: one of {names}.")
        group = self._group(act.actor, conv)
        audience = pick(form.get("audience") or "trust_file", _audience_options(group))
        if audience is None:
            raise CampaignError("Please say who to ask: the channel's members or the staff list.")
        days = _whole_number(
            form.get("remind_days"), DEFAULT_REMIND_DAYS, 1, 30, "Days between reminders"
        )
        count = _whole_number(
            form.get("reminders"), DEFAULT_REMINDERS, 0, MAX_REMINDERS, "Reminders"
        )
        members: list[str] = []
        if audience == "group":
            source = self.audiences.get(act.actor.platform)
            if group is None or source is None:
                raise CampaignError(
                    "I can only read the members of a channel or team from there: type "
                    "\u201ccampaign start\u201d in the channel, or ask everyone in the staff list."
                )
            try:
                members = await source.members(group)
            except AudienceError as exc:
                raise CampaignError(str(exc)) from exc
        result = await self.service.start(
            act.actor,
            scope=scope,
            group=group if audience == "group" else None,
            member_ids=members,
            remind_every_hours=days * 24,
            max_reminders=count,
        )
        lines = [
            f"Campaign {result.campaign_id} has started: {result.asked} "
            f"{'person is' if result.asked == 1 else 'people are'} being sent the policy summary "
            f"(version {result.version}) to confirm: {result.audience_label}."
        ]
        if result.already_confirmed:
            lines.append(
                f"{result.already_confirmed} had already confirmed version {result.version}, "
                "so they are not asked again."
            )
        if result.unreachable:
            lines.append(
                "I cannot message these people (no chat account on a platform I can use), so "
                "please ask them yourself: " + ", ".join(result.unreachable) + "."
            )
        if result.not_in_directory:
            lines.append(
                f"{result.not_in_directory} of them are not in the trust's staff list; they are "
                "asked too and listed by their chat id."
            )
        reminders = (
            f"Reminders go every {interval_words(days * 24)} to anyone who has not confirmed, "
            f"up to {count} times."
            if count
            else "No reminders will be sent."
        )
        lines.append(reminders)
        lines.append(f"Type \u201ccampaign {result.campaign_id}\u201d to see who has confirmed.")
        return [
            Reply(
                text="\n".join(lines),
                kind="notice",
                title=f"Campaign {result.campaign_id} started",
                choices=[Choice("Who has confirmed", str(result.campaign_id), "campaign.view")],
                data={"campaign_id": result.campaign_id, "asked": result.asked},
            )
        ]

    # --- the Headteacher's view ------------------------------------------------------------

    async def _list(self, actor: Actor) -> Reply:
        views = await self.service.list(actor)
        if not views:
            return Reply(
                text="There are no campaigns you can see. "
                "Type \u201ccampaign start\u201d to start one.",
                kind="notice",
            )
        lines = ["Campaigns:"]
        choices = []
        for v in views[:10]:
            asked = len(v.members) - v.count("dropped")
            lines.append(
                f"  \u2022 {v.id}: {v.academy_name}, version {v.version}, {v.state}: "
                f"{v.count('confirmed')} of {asked} confirmed (started {v.started_at:%d %b %Y})"
            )
            choices.append(Choice(f"Campaign {v.id}", str(v.id), "campaign.view"))
        return Reply(text="\n".join(lines), kind="notice", title="Campaigns", choices=choices[:5])

    async def _one(self, actor: Actor, verb: str, number: int) -> list[Reply]:
        if verb in {"export", "csv"}:
            csv_text = await self.service.export_csv(actor, number)
            rows = csv_text.count("\n") - 1
            return [
                Reply(
                    text=f"Campaign {number} as CSV ({rows} people; to save it as a file: "
                    f"policybot campaigns export {number} --out campaign-{number}.csv):"
                    f"\n```\n{csv_text}```",
                    kind="notice",
                    title=f"Campaign {number} (CSV)",
                    data={"campaign_id": number, "csv": csv_text},
                )
            ]
        if verb in {"end", "stop"}:
            view = await self.service.end(actor, number)
            return [
                Reply(
                    text=f"Campaign {number} has ended: no more reminders. "
                    f"{view.count('confirmed')} confirmed; their confirmations stay recorded.",
                    kind="notice",
                )
            ]
        return [status_reply(await self.service.view(actor, number))]


def status_reply(view: CampaignView) -> Reply:
    """Who has and has not confirmed, per academy."""
    asked = len(view.members) - view.count("dropped")
    reminders = (
        f"reminders every {interval_words(view.remind_every_hours)}, up to {view.max_reminders}"
        if view.max_reminders
        else "no reminders"
    )
    lines = [
        f"Asked: {view.audience_label}. Started by {view.started_by_name} on "
        f"{view.started_at:%d %b %Y}; {reminders}. State: {view.state}.",
        f"Confirmed: {view.count('confirmed')} of {asked}.",
    ]
    groups: dict[str, list[Any]] = {}
    for m in view.members:
        if m.state == "dropped":
            continue
        key = (
            view.academy_names.get(m.academy_id, m.academy_id)
            if m.academy_id
            else ("Trust-wide staff" if m.in_directory else "Not in the trust's staff list")
        )
        groups.setdefault(key, []).append(m)
    for name in sorted(groups):
        people = groups[name]
        done = [m for m in people if m.state == "confirmed"]
        waiting = [m for m in people if m.state == "outstanding"]
        lines.append("")
        lines.append(f"{name}: {len(done)} of {len(people)} confirmed")
        if waiting:
            lines.append(
                "  Not yet confirmed: "
                + ", ".join(
                    m.name
                    + ("" if m.reachable else " (cannot be messaged)")
                    + (f" (reminded {m.reminders_sent}\u00d7)" if m.reminders_sent else "")
                    for m in waiting
                )
            )
        if done:
            lines.append(
                "  Confirmed: "
                + ", ".join(
                    f"{m.name} ({m.confirmed_at:%d %b %H:%M})" if m.confirmed_at else m.name
                    for m in done
                )
            )
    dropped = [m for m in view.members if m.state == "dropped"]
    if dropped:
        lines.append("")
        lines.append(
            "No longer asked (left the channel, team or trust): "
            + ", ".join(m.name for m in dropped)
        )
    choices = [Choice("Export CSV", str(view.id), "campaign.export")]
    if view.state == "active":
        choices.append(Choice("End campaign", str(view.id), "campaign.end", style="danger"))
    return Reply(
        text="\n".join(lines),
        kind="notice",
        title=f"Campaign {view.id}: {view.academy_name}, policy version {view.version}",
        choices=choices,
        data={
            "campaign_id": view.id,
            "confirmed": [m.name for m in view.members if m.state == "confirmed"],
            "outstanding": [m.name for m in view.members if m.state == "outstanding"],
            "dropped": [m.name for m in dropped],
        },
    )


def _audience_options(group: Group | None) -> list[Choice]:
    options = [Choice("Everyone at the academy in the trust\u2019s staff list", "trust_file", "")]
    if group is not None:
        options.insert(0, Choice(f"The members of {group.label}", "group", ""))
    return options


def _json(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
