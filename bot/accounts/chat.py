"""Official accounts in chat: commands and buttons as neutral replies (every platform).

Commands: ``request account`` (the request form; a draft is kept if something is missing),
``accounts`` (the register), ``accounts export`` (CSV), ``account N`` (one account) and
``account N add admin PERSON``. Buttons: ``account.request``, ``account.approve``,
``account.decline`` (asks for the reason), ``account.check`` (the checklist form),
``account.view``.
"""

from __future__ import annotations

import logging
import re

from bot.accounts.form import check_spec, form_fields, read_answers, spec, unmet_conditions
from bot.accounts.notifications import details
from bot.accounts.service import CHECK_QUESTIONS, AccountError, AccountService, AccountView
from bot.messages import Action, Actor, Choice, FormField, Message, Reply
from bot.store.conversations import ConversationStore
from policy_kb.schema import KnowledgeBase

_REQUEST = re.compile(
    r"^/?(request (an? )?(official )?(school )?account|new (official )?account|"
    r"request an official (school )?account)$"
)
_REGISTER = re.compile(r"^/?(accounts|account register|official accounts|accounts register)$")
_EXPORT = re.compile(r"^/?(accounts|account register) (export|csv)$")
_ONE = re.compile(r"^/?account #?(\d+)(?: add (?:admin|administrator) (.+))?$", re.I)
_DECIDE = re.compile(r"^/?(approve|decline) (?:account |request )?#?(\d+)\s*(.*)$", re.I | re.S)
_CHECK = re.compile(r"^/?check account #?(\d+)$")
REQUEST_LABEL = "Request an official account"
log = logging.getLogger(__name__)
_YES = {"yes", "y", "true"}


def _error(text: str) -> list[Reply]:
    return [Reply(text=text, kind="error")]


def _draft_key(actor: Actor) -> str:
    return f"account_request:{actor.key}"


class AccountChat:
    """Turns account commands and buttons into service calls and replies."""

    def __init__(
        self, service: AccountService, kb: KnowledgeBase, conversations: ConversationStore
    ) -> None:
        try:
            check_spec(kb)
        except ValueError as exc:  # another trust's KB: conditions still apply, unquoted
            log.warning("official accounts: %s", exc)
        self.service = service
        self.kb = kb
        self.conversations = conversations

    async def on_message(self, msg: Message, low: str) -> list[Reply] | None:
        """Replies if ``low`` is an account command, else None."""
        try:
            if _REQUEST.match(low):
                return [await self._form(msg.actor)]
            if _EXPORT.match(low):
                return [await self._export(msg.actor)]
            if _REGISTER.match(low):
                return [await self._register(msg.actor)]
            m = _ONE.match(msg.text.strip())
            if m:
                if m.group(2):
                    who = m.group(2).strip()
                    view = await self.service.add_administrator(msg.actor, int(m.group(1)), who)
                    return [account_reply(view, lead=f"{who} now administers it.")]
                return [account_reply(await self.service.view(msg.actor, int(m.group(1))))]
            m = _DECIDE.match(msg.text.strip())
            if m:
                verb, number, reason = m.group(1).lower(), m.group(2), m.group(3).strip()
                form = {"reason": reason} if reason else {}
                replies = await self.on_action(
                    Action(msg.actor, f"account.{verb}", number, msg.conversation_id, form)
                )
                for reply in replies:  # typed: a new message, not an update of a card
                    reply.replace_previous = False
                return replies
            m = _CHECK.match(low)
            if m:
                check_id = await self.service.open_check(msg.actor, int(m.group(1)))
                return await self._check(
                    Action(msg.actor, "account.check", str(check_id), msg.conversation_id), check_id
                )
        except AccountError as exc:
            return _error(str(exc))
        return None

    async def on_action(self, act: Action) -> list[Reply]:
        """An ``account.*`` button or form."""
        verb = act.action.split(".", 1)[1]
        number = int(act.value) if act.value.strip().isdigit() else 0
        try:
            if verb == "request":
                return await (self._submit(act) if act.form else self._open(act.actor))
            if verb == "approve":
                view = await self.service.decide(act.actor, number, approve=True)
                return [
                    account_reply(
                        view,
                        lead="Approved. It is in the register; the Principal/Headteacher has "
                        "been told its address and identity, and the requester and "
                        "administrators have been told.",
                        replace=True,
                    )
                ]
            if verb == "decline":
                reason = str(act.form.get("reason") or "").strip()
                if not reason:
                    return [
                        Reply(
                            text=f"Decline request {number}: give the reason for declining "
                            "(the requester is told it).",
                            kind="notice",
                            title=f"Decline request {number}",
                            fields=[
                                FormField(
                                    "reason",
                                    "Reason for declining",
                                    kind="textarea",
                                    max_length=1000,
                                )
                            ],
                            choices=[Choice("Decline", str(number), "account.decline", "danger")],
                        )
                    ]
                view = await self.service.decide(act.actor, number, approve=False, reason=reason)
                return [account_reply(view, lead="Declined. The requester has been told why.")]
            if verb == "check":
                return await self._check(act, number)
            if verb == "view":
                return [account_reply(await self.service.view(act.actor, number))]
        except AccountError as exc:
            return _error(str(exc))
        return _error("Sorry, I didn't understand that account button.")

    # --- the request ---------------------------------------------------------------------------

    async def _form(self, actor: Actor) -> Reply:
        ctx = await self.service.form_context(actor)
        stored = await self.conversations.get(_draft_key(actor))
        draft = dict(stored.state) if stored else {}
        return Reply(
            text=" ".join(str(spec()["intro"]).split())
            + (" Your earlier answers are filled in." if draft else ""),
            kind="notice",
            title=str(spec()["title"]),
            fields=form_fields(ctx, draft),
            choices=[Choice("Send the request", "", "account.request", style="primary")],
        )

    async def _open(self, actor: Actor) -> list[Reply]:
        return [await self._form(actor)]

    async def _submit(self, act: Action) -> list[Reply]:
        ctx = await self.service.form_context(act.actor)
        values, errors = read_answers(ctx, dict(act.form))
        await self.conversations.put(_draft_key(act.actor), {k: v for k, v in act.form.items()})
        if errors:
            listed = "\n".join(f"  \u2022 {e}" for e in errors.values())
            return [
                Reply(
                    text=f"Please check these answers:\n{listed}\nNothing has been sent yet.",
                    kind="error",
                    choices=[Choice("Change the request", "", "account.request", "primary")],
                    data={"errors": errors},
                )
            ]
        unmet = unmet_conditions(ctx, values, self.kb)
        if unmet:
            lines: list[str] = []
            for u in unmet:
                lines.append(f"  \u2022 {u['explain']}")
                if u["policy"]:
                    lines.append(f"    The policy: \u201c{u['policy']}\u201d")
            return [
                Reply(
                    text="This request can't be sent yet, because the policy needs these for "
                    "every official account:\n"
                    + "\n".join(lines)
                    + "\nNothing has been sent; your answers are kept. Change them when these are "
                    "in place.",
                    kind="error",
                    title="Not sent: the policy's conditions",
                    choices=[Choice("Change the request", "", "account.request", "primary")],
                    data={"unmet": [u["field"] for u in unmet]},
                )
            ]
        view = await self.service.submit(act.actor, values)
        await self.conversations.delete(_draft_key(act.actor))
        note = spec().get("notes", {}).get("pupils_use") if view.pupils_use else None
        lead = (
            f"Your request {view.id} has been sent for approval. You will be told the decision."
            + (f" {note}" if note else "")
        )
        return [account_reply(view, lead=lead)]

    # --- register and checks -----------------------------------------------------------------

    async def _register(self, actor: Actor) -> Reply:
        views = await self.service.register(actor)
        if not views:
            return Reply(
                text="There are no official accounts in the register you can see. Type "
                "\u201crequest account\u201d to ask for one.",
                kind="notice",
                choices=[Choice(REQUEST_LABEL, "", "account.request")],
            )
        lines = ["Official school accounts:"]
        for v in views:
            flag = f" \u26a0 {v.flag_reason}" if v.flagged else ""
            checked = (
                f"last checked {v.last_check_at:%d %b %Y}" if v.last_check_at else "not yet checked"
            )
            decided = f"{v.state} by {v.decided_by_name}" if v.decided_by_name else v.state
            lines.append(
                f"  \u2022 {v.id}: {v.academy_name}, {v.platform} {v.handle}: {decided}; "
                f"administrators: {', '.join(v.administrators) or 'none'}; {checked}.{flag}"
            )
        return Reply(
            text="\n".join(lines),
            kind="notice",
            title="Official accounts register",
            choices=[Choice(f"Account {v.id}", str(v.id), "account.view") for v in views[:5]],
            data={"accounts": [v.id for v in views]},
        )

    async def _export(self, actor: Actor) -> Reply:
        text = await self.service.export_csv(actor)
        return Reply(
            text=f"The register as CSV (to save it as a file: policybot accounts export --out "
            f"accounts.csv):\n```\n{text}```",
            kind="notice",
            title="Official accounts register (CSV)",
            data={"csv": text},
        )

    async def _check(self, act: Action, check_id: int) -> list[Reply]:
        check, view = await self.service.check_for(check_id)
        if not act.form:
            fields = [FormField(key, q, kind="yes_no") for key, q in CHECK_QUESTIONS]
            fields.append(
                FormField(
                    "notes",
                    "Anything to note (optional)",
                    kind="textarea",
                    required=False,
                    max_length=1000,
                )
            )
            return [
                Reply(
                    text=f"The check of {view.platform} {view.handle} ({view.academy_name}).",
                    kind="notice",
                    title=f"Check: {view.platform} {view.handle}",
                    fields=fields,
                    choices=[Choice("Record the check", str(check.id), "account.check", "primary")],
                )
            ]
        answers: dict[str, bool] = {}
        missing = []
        for key, question in CHECK_QUESTIONS:
            raw = str(act.form.get(key) or "").strip().lower()
            if raw not in _YES and raw not in {"no", "n", "false"}:
                missing.append(question)
            answers[key] = raw in _YES
        if missing:
            return _error("Please answer yes or no to: " + " ".join(missing))
        view, problems = await self.service.record_check(
            act.actor, check_id, answers, str(act.form.get("notes") or "").strip()
        )
        lead = (
            f"Check recorded: all fine. The next one is due on {view.next_check_at:%d %b %Y}."
            if not problems and view.next_check_at
            else "Check recorded. It found problems, so the account is flagged and the "
            "Principal/Headteacher has been told: " + "; ".join(problems)
        )
        return [account_reply(view, lead=lead)]


def account_reply(view: AccountView, *, lead: str = "", replace: bool = False) -> Reply:
    """One account: its facts, state, approval and checks."""
    state = view.state + (
        f" by {view.decided_by_name} on {view.decided_at:%d %b %Y}" if view.decided_at else ""
    )
    lines = [lead, ""] if lead else []
    lines += [f"State: {state}", *details(view)]
    if view.decision_reason:
        lines.append(f"Reason: {view.decision_reason}")
    if view.state == "approved":
        lines.append(
            f"Last checked: {view.last_check_at:%d %b %Y}"
            if view.last_check_at
            else "Not yet checked"
        )
    if view.flagged:
        lines.append(f"\u26a0 Needs attention: {view.flag_reason}")
    return Reply(
        text="\n".join(lines),
        kind="notice",
        title=f"Official account {view.id}: {view.platform} {view.handle}",
        replace_previous=replace,
        data={"account_id": view.id, "state": view.state, "flagged": view.flagged},
    )
