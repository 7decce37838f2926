"""The one entry point every adapter calls: :class:`PolicyBot`.

It routes a person's intents (typed text, button presses, form submissions) to policy Q&A,
the report dialog or incident actions, and keeps conversation state in the database so any
process can take the next message and a restart loses nothing. It speaks only in neutral
:class:`~bot.messages.Reply` objects; adapters render them.
"""

from __future__ import annotations

import asyncio
import contextvars
import enum
import json
import logging
import re
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy.exc import DBAPIError

from bot import shared_chat
from bot.accounts.chat import AccountChat
from bot.accounts.service import AccountService
from bot.campaigns.audience import AudienceSource
from bot.campaigns.chat import CampaignChat
from bot.campaigns.service import CampaignService
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.dialogs import DialogContext, ReportDialog, Turn
from bot.dialogs.parsing import normalise
from bot.incidents.errors import IncidentError
from bot.incidents.listing import details_text, listing, summary_line
from bot.incidents.references import normalise_reference
from bot.incidents.service import IncidentService, SubmitProgress
from bot.incidents.types import ReportSubmission, SubmitResult
from bot.messages import Action, Actor, Choice, FormField, Message, Reply
from bot.qa.answer import Answer
from bot.qa.engine import AnswerEngine, Previous
from bot.qa.render import answer_reply
from bot.qa.unanswered import log_unanswered, printable
from bot.reports.chronology import download_choice
from bot.reports.questions import CountFailed, Topic, count_questions
from bot.store.conversations import ConversationState, ConversationStore
from bot.store.db import Database, Executor
from bot.store.migrate import upgrade
from bot.trust.config import load_trust_config
from bot.trust.contacts import academy_contacts, asks_who, contacts_for, contacts_text
from bot.trust.directory import import_trust_config
from bot.trust.form_defaults import FormDefaults

log = logging.getLogger(__name__)

EXAMPLE_QUESTIONS = (
    "can i add a yr 11 kid on snap",
    "is it ok to post sports day pics on the school fb page",
    "who do I tell if a pupil DMs me",
    "an ex-pupil wants to follow me on instagram",
    "can I use the school logo on my own blog",
)

HELP_TEXT = (
    "I answer questions about the trust's Social Media Policy and take reports of "
    "social-media misuse.\n\n"
    "Ask me anything in your own words, for example:\n"
    + "\n".join(f"  \u2022 {q}" for q in EXAMPLE_QUESTIONS)
    + "\nand go on from an answer: \u201cand if she\u2019s 20?\u201d\n\nCommands:\n"
    "  report          report an incident (you can stop and come back to it)\n"
    "  my reports      the status of reports you have made\n"
    "  incidents       incidents sent to you (Headteachers, DSLs, governors)\n"
    "  ack REF | view REF | note REF TEXT | close REF OUTCOME   act on an incident\n"
    "                  (as its reporter, note REF TEXT adds information to your report)\n"
    "  who is the DSL  your academy's safeguarding lead, deputy and Headteacher\n"
    "  campaign start | campaigns   \u201cread and understood\u201d campaigns (Headteachers)\n"
    "  request account | accounts   official school accounts: request one, the register\n"
    "  help            this message"
)

#: what each incident command needs, for someone who typed it without a reference
COMMAND_HELP: dict[str, str] = {
    "ack": "To acknowledge a report, type \u201cack\u201d and its reference, for example "
    "\u201cack SM-2026-0042\u201d.",
    "view": "To read a report, type \u201cview\u201d and its reference, for example "
    "\u201cview SM-2026-0042\u201d.",
    "note": "To add a note, type \u201cnote\u201d, the reference and your note, for example "
    "\u201cnote SM-2026-0042 Spoke to the parent\u201d.",
    "close": "To close a report, type \u201cclose\u201d, the reference and the outcome, for "
    "example \u201cclose SM-2026-0042 Post removed, parent spoken to\u201d.",
}
_VERBS = {"ack": "ack", "acknowledge": "ack", "view": "view", "show": "view"}
_VERBS |= {"note": "note", "close": "close"}

#: a report left this long in the middle of a question is paused: the next message is not
#: taken as its answer (the person has moved on, or restarted the chat)
REPORT_IDLE = timedelta(minutes=60)
#: how old the names of an academy's DSL etc. in the dialog's guidance may be
CONTACTS_MAX_AGE = timedelta(minutes=1)
#: how long a "reply with the text" prompt for a note or an outcome waits for the reply
PENDING_TEXT_FOR = timedelta(minutes=10)
RESUME_WORDS = frozenset({"resume", "continue", "carry on", "resume report", "continue report"})
DISCARD_WORDS = frozenset({"cancel", "discard", "cancel report", "discard report", "delete"})
NEVERMIND_WORDS = frozenset({"cancel", "stop", "never mind", "nevermind", "no", "quit"})

#: False while the message being answered may carry incident text (a paused report, a
#: reference): then a question the policy does not cover is NOT written to the review log
_MAY_LOG_UNANSWERED: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "may_log_unanswered", default=True
)

#: how long after a question a message may go on from it ("and if she's 20?")
CARRY_ON_WITHIN = timedelta(minutes=30)


class Unknown(enum.Enum):
    """The stored Q&A state has not been read (a button press does not need it)."""

    UNKNOWN = "unknown"


UNKNOWN = Unknown.UNKNOWN

_REPORT_WORDS = re.compile(r"^/?(?:report|report an incident|new report|start report)\s*[.!]?$")
_REF = r"(SM[-\s]?\d{4}[-\s]?\d{1,6})"
_INCIDENT_CMD = re.compile(
    rf"^/?(ack|acknowledge|view|show|note|close)\s+{_REF}\b[\s:,.-]*(.*)$", re.S | re.I
)
#: an incident command with no usable reference: "ack", "view 42", "close sm-2026"
_INCIDENT_SLIP = re.compile(
    r"^/?(ack|acknowledge|view|show|note|close)(\s+(sm\b.*|[\w-]*\d[\w-]*))?\s*[.!?]?$", re.I
)
_ANY_REF = re.compile(r"\bSM[-\s]?\d{4}[-\s]?\d{1,6}\b", re.I)


def _key(kind: str, actor: Actor, conversation_id: str = "") -> str:
    return f"{kind}:{actor.key}:{conversation_id}" if conversation_id else f"{kind}:{actor.key}"


class PolicyBot:
    """Policy answers, report dialogs and incident actions for one trust."""

    def __init__(
        self,
        *,
        engine: AnswerEngine,
        database: Database,
        incidents: IncidentService,
        dialog: ReportDialog | None = None,
        clock: Clock | None = None,
        submit_timeout: timedelta = timedelta(milliseconds=2500),
        policy_url: str | None = None,
    ) -> None:
        self.engine = engine
        self.database = database
        self.incidents = incidents
        self.dialog = dialog or ReportDialog.load()
        self.clock = clock or SystemClock()
        self.submit_timeout = submit_timeout
        self.conversations = ConversationStore(database, clock=self.clock)
        #: academies and home academies for report forms (read at most once a minute)
        self.form_defaults = FormDefaults(database, clock=self.clock)
        #: academy id -> (when read, role -> name), for guidance naming the DSL
        self._contacts: dict[str, tuple[datetime, dict[str, str]]] = {}
        #: who is in a channel/team, per platform: adapters register theirs on install
        self.audiences: dict[str, AudienceSource] = {}
        self.campaigns = CampaignChat(
            CampaignService(
                database,
                clock=self.clock,
                kb=engine.kb,
                platforms=incidents.platforms,
                policy_url=policy_url,
            ),
            self.audiences,
        )
        self.accounts = AccountChat(
            AccountService(database, clock=self.clock, platforms=incidents.platforms),
            engine.kb,
            self.conversations,
        )

    @classmethod
    async def create(
        cls,
        settings: Settings,
        *,
        platforms: Collection[str],
        clock: Clock | None = None,
        migrate: bool = True,
    ) -> PolicyBot:
        """Load the KB, open the database (running migrations) and the trust set-up."""
        clock = clock or SystemClock()
        engine = AnswerEngine.from_file(settings.policy_kb, on_unanswered=_log_one_unanswered)
        database = Database(settings.database_url)
        if migrate:
            await upgrade(database)
        if settings.trust_config is not None:
            config = load_trust_config(settings.trust_config)
            async with database.transaction() as session:
                await import_trust_config(session, config, now=clock.now(), platforms=platforms)
        incidents = IncidentService(
            database,
            clock=clock,
            platforms=platforms,
            reminder_after=timedelta(minutes=settings.reminder_minutes),
            escalate_after=timedelta(minutes=settings.reminder_minutes * 2),
        )
        return cls(
            engine=engine,
            database=database,
            incidents=incidents,
            clock=clock,
            submit_timeout=timedelta(milliseconds=settings.submit_timeout_ms),
            # the policy page `policybot serve` has (adapters/server/policy_page.py), where
            # people can reach it (PUBLIC_URL set)
            policy_url=f"{settings.public_url}/policy" if settings.public_url else None,
        )

    async def close(self) -> None:
        """Release the database connections."""
        await self.database.dispose()

    # -- intents --------------------------------------------------------------------------
    async def handle(self, intent: Message | Action) -> list[Reply]:
        """Answer one intent; never raises for a person's bad input (returns a friendly reply)."""
        try:
            if isinstance(intent, Message):
                text = printable(intent.text or "")
                if text != intent.text:
                    intent = Message(intent.actor, text, intent.conversation_id)
                return await self._on_message(intent)
            return await self._on_action(intent)
        except IncidentError as exc:
            return [Reply(text=str(exc), kind="error")]

    async def _on_message(self, msg: Message) -> list[Reply]:
        text = (msg.text or "").strip()
        low = re.sub(r"\s+", " ", text.lower())
        report_key = _key("report", msg.actor)
        qa_key = _key("qa", msg.actor, msg.conversation_id)
        text_key = _key("incident_text", msg.actor, msg.conversation_id)
        stored = await self.conversations.get_many(report_key, qa_key, text_key)
        now = self.clock.now()
        if low in {"help", "/help", "?", "menu", "/start", "start"}:
            return [Reply(text=HELP_TEXT, kind="help")]
        if msg.shared:  # a channel: nothing private is taken or shown (bot/shared_chat.py)
            if shared_chat.private_request(text):
                return [shared_chat.pointer(text)]
            if (head := await self.campaigns.on_shared_message(msg, low)) is not None:
                return head
            return await self._answer(msg, text, {}, stored=stored.get(qa_key))
        pending = stored.get(text_key)
        if pending is not None and now - pending.updated_at <= PENDING_TEXT_FOR:
            command = await self._command(msg, text, low)
            if command is not None:  # they moved on: the note is not asked for any more
                await self.forget_pending_text(msg.actor, msg.conversation_id)
                return command
            # the note or outcome the last message asked for: never a policy question
            return await self._pending_text(msg, pending.state, text)
        row = stored.get(report_key)
        draft = row.state if row is not None else None
        if draft is not None and draft.get("status", "active") == "active":
            idle = row is not None and now - row.updated_at > REPORT_IDLE
            if idle and not draft.get("confirm_cancel"):
                draft = self.dialog.paused(draft)
                await self.conversations.put(report_key, draft)
            else:
                command = await self._command(msg, text, low)
                if command is not None:  # a command typed mid-report is not its answer
                    return [*command, *await self._reshow(msg.actor, draft)]
                turn = self.dialog.handle_text(await self._ctx(msg.actor), draft, text)
                return await self._after_turn(msg.actor, turn)
        if draft is not None and draft.get("status") == "paused":
            word = normalise(text)
            if word in RESUME_WORDS:
                turn = self.dialog.resume_prompt(await self._ctx(msg.actor), draft)
                return await self._after_turn(msg.actor, turn)
            if _REPORT_WORDS.match(low):
                return await self._start_report(msg.actor, {}, draft)
            if draft.get("confirm_cancel") or word in DISCARD_WORDS:
                turn = self.dialog.handle_text(await self._ctx(msg.actor), draft, text)
                return await self._after_turn(msg.actor, turn)
            # anything else is answered as usual (never as the report's answer, and never
            # logged as unanswered: it may be about the report), then the report is mentioned
            token = _MAY_LOG_UNANSWERED.set(False)
            try:
                replies = await self._command(msg, text, low) or await self._answer(
                    msg, text, {}, stored=stored.get(qa_key)
                )
            finally:
                _MAY_LOG_UNANSWERED.reset(token)
            return [*replies, self.dialog.paused_notice()]
        if _REPORT_WORDS.match(low):
            return await self._start_report(msg.actor, {}, draft)
        if (head := await self.campaigns.on_message(msg, low)) is not None:
            return head
        if (head := await self.accounts.on_message(msg, low)) is not None:
            return head
        command = await self._command(msg, text, low)
        if command is not None:
            return command
        qa = stored.get(qa_key)
        if qa is not None and qa.state.get("options"):
            value = _pick_option(text, qa.state["options"])
            if value is not None:
                facts = {**qa.state["facts"], qa.state["fact"]: value}
                return await self._answer(msg, qa.state["q"], facts)
        token = _MAY_LOG_UNANSWERED.set(not _ANY_REF.search(text))
        try:
            return await self._answer(msg, text, {}, stored=qa)
        finally:
            _MAY_LOG_UNANSWERED.reset(token)

    async def _command(self, msg: Message, text: str, low: str) -> list[Reply] | None:
        """A chat command (my reports, incidents, an incident action, who is the DSL), or
        None when the text is not one."""
        if low in {"my reports", "/my-reports", "/status", "status", "my report"}:
            return [await self._reporter_status(msg.actor)]
        if low in {"incidents", "/incidents", "my incidents", "open incidents"}:
            return [await self._handler_queue(msg.actor)]
        m = _INCIDENT_CMD.match(text)
        if m:
            ref = normalise_reference(m.group(2)) or m.group(2).upper()
            return await self._incident_command(msg, _VERBS[m.group(1).lower()], ref, m.group(3))
        slip = _INCIDENT_SLIP.match(text)
        if slip:
            verb = _VERBS[slip.group(1).lower()]
            return [
                Reply(
                    text=f"{COMMAND_HELP[verb]} Type \u201cincidents\u201d to see the reports "
                    "sent to you, or \u201cmy reports\u201d for the ones you made.",
                    kind="help",
                )
            ]
        if asks_who(text):
            return [await self._who_is(msg.actor)]
        return None

    async def _who_is(self, actor: Actor) -> Reply:
        async with self.database.session() as session:
            found = await contacts_for(session, actor.platform, actor.user_id)
        return Reply(text=contacts_text(found), kind="notice", data={"contacts": True})

    async def _reshow(self, actor: Actor, draft: dict[str, Any]) -> list[Reply]:
        """The report's current question again, after a command typed in the middle of it."""
        turn = self.dialog.reshow(await self._ctx(actor), draft)
        return await self._after_turn(actor, turn)

    async def pause_report(self, actor: Actor) -> Reply | None:
        """Pause the person's report in progress (they are leaving): what to tell them, or
        None when no report was in progress."""
        key = _key("report", actor)
        draft = await self._draft(actor)
        if draft is None or draft.get("status", "active") != "active":
            return None
        await self.conversations.put(key, self.dialog.paused(draft))
        return Reply(text=self.dialog.definition.text("chat_left_paused"), kind="dialog")

    async def unfinished_report(self, actor: Actor) -> Reply | None:
        """A reminder of a paused or unfinished report (shown when a chat starts), or None."""
        draft = await self._draft(actor)
        if draft is None or draft.get("status", "active") not in ("active", "paused"):
            return None
        return self.dialog.paused_notice()

    async def forget_pending_text(self, actor: Actor, conversation_id: str) -> None:
        """Drop a waiting "reply with the note" prompt (the person gave up on it)."""
        await self.conversations.delete(_key("incident_text", actor, conversation_id))

    async def _pending_text(self, msg: Message, state: Mapping[str, Any], text: str) -> list[Reply]:
        """The reply to "Add a note for REF: reply with the text" (or the outcome)."""
        await self.forget_pending_text(msg.actor, msg.conversation_id)
        verb, ref = str(state.get("verb")), str(state.get("ref"))
        if normalise(text) in NEVERMIND_WORDS or not text.strip():
            what = "note was added to" if verb == "note" else "change was made to"
            return [Reply(text=f"OK: no {what} {ref}.", kind="notice")]
        field = "note" if verb == "note" else "outcome"
        return await self._incident_action(msg.actor, verb, ref, {field: text}, msg.conversation_id)

    async def _on_action(self, act: Action) -> list[Reply]:
        name, value = act.action, act.value
        if name == "qa.fact":
            data = _json(value)
            return await self._answer(
                Message(act.actor, str(data.get("q", "")), act.conversation_id),
                str(data.get("q", "")),
                {str(k): str(v) for k, v in dict(data.get("facts") or {}).items()},
                replace=True,
            )
        if name == "qa.suggest":
            data = _json(value)
            rule = str(data.get("rule", ""))
            if rule not in {e.id for e in self.engine.kb.entries}:
                return [
                    Reply(
                        text="Sorry, I no longer know that topic. Please ask again.", kind="error"
                    )
                ]
            answer = self.engine.answer_rule(str(data.get("q", "")), rule)
            await self._remember(_key("qa", act.actor, act.conversation_id), answer, UNKNOWN)
            return [answer_reply(answer, replace_previous=True)]
        if name == "report.start":
            prefill = {str(k): v for k, v in _json(value).items()}
            return await self._start_report(act.actor, prefill, await self._draft(act.actor))
        if name.startswith("dialog."):
            draft = await self._draft(act.actor)
            if draft is None:
                text = self.dialog.definition.text("chat_no_open_report")
                return [Reply(text=text, kind="notice")]
            turn = self.dialog.handle_action(await self._ctx(act.actor), draft, name, value)
            return await self._after_turn(act.actor, turn)
        if name == "link.open":  # a link button pressed where it cannot open (the console)
            return [Reply(text=f"Open this link in your browser: {value}", kind="notice")]
        if name.startswith("incident."):
            return await self._incident_action(
                act.actor,
                name.split(".", 1)[1],
                value,
                act.form,
                act.conversation_id,
                typed_reply=not act.forms,
            )
        if name.startswith("campaign."):
            return await self.campaigns.on_action(act)
        if name.startswith("account."):
            return await self.accounts.on_action(act)
        return [
            Reply(
                text="Sorry, I didn't understand that button. Type 'help' to see what I can do.",
                kind="error",
            )
        ]

    # -- policy Q&A ------------------------------------------------------------------------
    async def _answer(
        self,
        msg: Message,
        question: str,
        facts: Mapping[str, str],
        *,
        replace: bool = False,
        stored: ConversationState | Unknown | None = UNKNOWN,
    ) -> list[Reply]:
        """Answer ``question`` in ``msg``'s conversation, whose Q&A state (``stored``, if
        already read) is the follow-up asked last, or the last question while it is fresh
        enough for "and if she's 20?" to go on from it."""
        previous = _previous(stored, self.clock.now()) if stored is not UNKNOWN else None
        # a message that asks two things answered from different rules gets two answers
        answers: list[Answer] = self.engine.answer_asks(question, facts, previous=previous)
        # a new question, not the answer to a follow-up: count its topics
        topics: list[Topic] = (
            [] if facts else [(a.rule_ids[0] if a.rule_ids else None, a.verdict) for a in answers]
        )
        key = _key("qa", msg.actor, msg.conversation_id)
        await self._remember(key, answers[-1], stored, topics)
        return [answer_reply(a, replace_previous=replace and i == 0) for i, a in enumerate(answers)]

    async def _remember(
        self,
        key: str,
        answer: Answer,
        stored: ConversationState | Unknown | None,
        topics: Sequence[Topic] = (),
    ) -> None:
        """Keep what a later message may go on from, and count ``topics``, in one commit.

        What is kept: the follow-up ``answer`` asks, or its question if the answer depends
        on facts. An answer that does not clears any earlier state; a message not understood
        leaves it as it was. A failure to count never loses the state (nor the answer)."""
        write = self._qa_state_write(key, answer, stored)
        if write is None and not topics:
            return
        now = self.clock.now()
        try:
            async with self.database.write() as connection:
                if write is not None:
                    await write(connection)
                await count_questions(connection, topics, now)
        except CountFailed:
            log.warning("could not count a question by topic", exc_info=True)
            if write is not None:
                async with self.database.write() as connection:
                    await write(connection)

    def _qa_state_write(
        self, key: str, answer: Answer, stored: ConversationState | Unknown | None
    ) -> Callable[[Executor], Awaitable[object]] | None:
        """How ``answer`` changes the Q&A state under ``key`` (None: it stays as it is)."""
        if answer.verdict == "no_match":
            return None  # not understood: what the person may go on from is unchanged
        entry = self.engine.entry(answer.rule_ids[0]) if len(answer.rule_ids) == 1 else None
        if entry is None or not entry.facts:
            if stored is None:
                return None
            return lambda session: self.conversations.delete_in(session, key)
        follow_up = answer.follow_up
        state = {
            "q": answer.question,
            "rule": entry.id,
            "facts": dict(answer.facts),
            "fact": follow_up.fact if follow_up else None,
            "options": [[o.label, o.value] for o in follow_up.options] if follow_up else [],
        }
        return lambda session: self.conversations.upsert_in(session, key, state)

    # -- report dialog ---------------------------------------------------------------------
    async def _ctx(self, actor: Actor) -> DialogContext:
        directory = await self.form_defaults.view()
        home = directory.home_academy.get((actor.platform, actor.user_id))
        contacts = await self._academy_contacts(home) if home else {}
        return DialogContext(
            academies=directory.academies,
            default_academy=home,
            now=self.clock.now(),
            contacts=contacts,
        )

    async def _academy_contacts(self, academy_id: str) -> dict[str, str]:
        """Role -> name at one academy, read again when older than a minute."""
        now = self.clock.now()
        cached = self._contacts.get(academy_id)
        if cached is not None and now - cached[0] <= CONTACTS_MAX_AGE:
            return cached[1]
        async with self.database.session() as session:
            found = await academy_contacts(session, academy_id)
        names = {c.role: c.name for c in found.contacts} if found is not None else {}
        self._contacts[academy_id] = (now, names)
        return names

    async def _draft(self, actor: Actor) -> dict[str, Any] | None:
        stored = await self.conversations.get(_key("report", actor))
        return stored.state if stored else None

    async def _start_report(
        self, actor: Actor, prefill: dict[str, Any], draft: dict[str, Any] | None
    ) -> list[Reply]:
        ctx = await self._ctx(actor)
        if draft is not None and not prefill:
            draft = {**draft, "status": "active"}
            turn = self.dialog.resume_prompt(ctx, draft)
            notice = Reply(text=self.dialog.definition.text("chat_unfinished"), kind="dialog")
            replies = await self._after_turn(actor, turn)
            return [notice, *replies]
        return await self._after_turn(actor, self.dialog.start(ctx, prefill))

    async def _after_turn(self, actor: Actor, turn: Turn) -> list[Reply]:
        key = _key("report", actor)
        replies = list(turn.replies)
        if turn.cancelled:
            await self.conversations.delete(key)
            return replies
        if turn.submission is not None:
            # the draft is removed in the report's own transaction; if the report cannot be
            # saved, the draft as it was (at the confirmation step) is what remains
            sid = str(turn.state.get("key") or "")
            receipt = await self._submit(
                actor,
                turn.submission,
                key=f"chat:{sid}" if sid else None,
                draft_key=key,
                form=False,
            )
            if receipt.data.get("not_saved"):
                return [receipt]
            return [*replies, receipt]
        await self.conversations.put(key, turn.state)
        return replies

    # form mode (Slack modal / Teams card)
    async def report_form(self, actor: Actor, answers: Mapping[str, Any]) -> list[FormField]:
        """The whole report dialog as form fields, following ``answers`` so far."""
        return self.dialog.form_fields(await self._ctx(actor), answers)

    async def validate_report_form(
        self, actor: Actor, answers: Mapping[str, Any]
    ) -> dict[str, str]:
        """Field name -> a specific error ({} when the form is valid)."""
        return self.dialog.validate_form(await self._ctx(actor), answers)

    async def report_confirmation(self, actor: Actor, answers: Mapping[str, Any]) -> Reply:
        """Everything the reporter entered, with Submit / Change / Cancel."""
        return self.dialog.confirmation(await self._ctx(actor), answers)

    async def submit_report_form(
        self, actor: Actor, answers: Mapping[str, Any], *, key: str | None = None
    ) -> list[Reply]:
        """Validate and store a report from a form; the receipt, the field errors, or (the
        database not answering in time) a "not saved" reply, ``data["not_saved"]``.

        ``key`` names the form instance: sending it again returns the same report."""
        ctx = await self._ctx(actor)
        errors = self.dialog.validate_form(ctx, answers)
        if errors:
            lines = "\n".join(f"  \u2022 {e}" for e in errors.values())
            return [
                Reply(
                    text=f"Please check your report:\n{lines}",
                    kind="error",
                    data={"errors": errors},
                )
            ]
        submission = self.dialog.to_submission(ctx, answers)
        return [
            await self._submit(
                actor, submission, key=key, draft_key=_key("report", actor), form=True
            )
        ]

    async def _submit(
        self,
        actor: Actor,
        submission: ReportSubmission,
        *,
        key: str | None,
        draft_key: str | None,
        form: bool,
    ) -> Reply:
        """Store a report within ``submit_timeout``: its receipt once it is committed; a reply
        saying it was NOT saved when it certainly was not (it failed before COMMIT); or, when
        the database failed while committing and cannot say, a reply saying so honestly."""
        progress = SubmitProgress()
        try:
            result = await asyncio.wait_for(
                self.incidents.submit(
                    actor, submission, key=key, draft_key=draft_key, progress=progress
                ),
                self.submit_timeout.total_seconds(),
            )
        except (TimeoutError, DBAPIError, OSError) as exc:
            log.error(
                "report could not be stored (%s, %s COMMIT)",
                type(exc).__name__,
                "during" if progress.committing else "before",
            )
            if not progress.committing:
                return self.not_saved(form=form)
            stored = await self._stored_meanwhile(key)
            if stored is None:
                return self.not_saved(form=form, maybe=True)
            result = stored
        return _receipt_reply(result)

    def not_saved(self, *, form: bool, maybe: bool = False) -> Reply:
        """The reply for a report that was not stored (``maybe``: that could not be
        confirmed), worded for a form's Try again button or for chat."""
        text = self.dialog.definition.text
        retry = text("retry_form" if form else "retry_chat")
        message = text("not_confirmed" if maybe else "not_saved", retry=retry)
        return Reply(text=message, kind="error", data={"not_saved": True})

    async def _stored_meanwhile(self, key: str | None) -> SubmitResult | None:
        """The report under ``key`` if it committed as time ran out (looked for briefly)."""
        if key is None:
            return None
        try:
            return await asyncio.wait_for(self.incidents.submitted(key), 1.0)
        except (TimeoutError, DBAPIError, OSError):
            return None

    # -- incidents ---------------------------------------------------------------------------
    async def _incident_command(self, msg: Message, verb: str, ref: str, rest: str) -> list[Reply]:
        rest = rest.strip()
        form: dict[str, str] = {}
        if rest and verb in ("note", "close"):
            form = {"note" if verb == "note" else "outcome": rest}
        return await self._incident_action(
            msg.actor, verb, ref, form, msg.conversation_id, typed_reply=not msg.forms
        )

    async def _incident_action(
        self,
        actor: Actor,
        verb: str,
        ref: str,
        form: Mapping[str, Any],
        conversation_id: str = "",
        *,
        typed_reply: bool = True,
    ) -> list[Reply]:
        """Do ``verb`` to the report; with no text for a note or outcome, ask for it (once
        permitted) and, with ``typed_reply`` (the surface shows no form of its own), take the
        next message in that chat (``conversation_id``), within :data:`PENDING_TEXT_FOR` and
        unless it is a command, as that text."""
        if verb == "ack":
            view = await self.incidents.acknowledge(actor, ref)
            return [
                Reply(
                    text=f"Thank you. You have acknowledged {view.reference}.",
                    kind="incident",
                    data={"reference": view.reference},
                )
            ]
        if verb == "view":
            details = await self.incidents.view_details(actor, ref)
            return [
                Reply(
                    text=details_text(details, self.dialog.field_labels()),
                    kind="incident",
                    title=f"Report {details.reference}",
                    choices=await download_choice(
                        self.database, actor, details.reference, self.clock.now()
                    ),
                    data={"reference": details.reference},
                )
            ]
        if verb not in ("note", "close"):
            return [Reply(text="Sorry, I didn't understand that incident action.", kind="error")]
        field = "note" if verb == "note" else "outcome"
        text = str(form.get(field) or "").strip()
        if not text:
            # ask for the text only once it would be accepted
            summary = await self.incidents.may(actor, ref, verb)
            reference = summary.reference
            if conversation_id and typed_reply:
                await self.conversations.put(
                    _key("incident_text", actor, conversation_id), {"verb": verb, "ref": reference}
                )
            elif conversation_id:  # a form of its own: an older "reply with the text" is void
                await self.forget_pending_text(actor, conversation_id)
            if verb == "note":
                return [
                    _form_reply(
                        reference,
                        "note",
                        "Add a note",
                        "Your note (seen only by the people handling this report)",
                        "Save note",
                    )
                ]
            return [
                _form_reply(
                    reference,
                    "outcome",
                    "Close the incident",
                    "Outcome: what was done and decided",
                    "Close incident",
                    danger=True,
                )
            ]
        if conversation_id:
            await self.forget_pending_text(actor, conversation_id)
        if verb == "note":
            view = await self.incidents.add_note(actor, ref, text)
            return [
                Reply(
                    text=f"Your note has been added to {view.reference}.",
                    kind="incident",
                    data={"reference": view.reference},
                )
            ]
        view = await self.incidents.close(actor, ref, text)
        return [
            Reply(
                text=f"{view.reference} is now closed. The reporter has been told.",
                kind="incident",
                data={"reference": view.reference},
            )
        ]

    async def _reporter_status(self, actor: Actor) -> Reply:
        items = await self.incidents.reporter_status(actor)
        if not items:
            return Reply(
                text="You have not made any reports yet. Type 'report' to make one.", kind="notice"
            )
        return Reply(text=listing("Your reports", items), kind="notice")

    async def _handler_queue(self, actor: Actor) -> Reply:
        items = await self.incidents.handler_queue(actor)
        if not items:
            return Reply(text="No incidents have been sent to you.", kind="notice")
        return Reply(text=listing("Incidents sent to you", items), kind="notice")

    async def home(self, actor: Actor) -> Reply:
        """What the bot does, example questions, own reports; a handler's open incidents."""
        parts = [HELP_TEXT]
        mine = await self.incidents.reporter_status(actor)
        if mine:
            parts.append(listing("Your reports", mine))
        queue = await self.incidents.handler_queue(actor)
        if queue:
            parts.append(listing("Incidents sent to you", queue))
        return Reply(
            text="\n\n".join(parts),
            kind="help",
            choices=[Choice("Report an incident", "{}", "report.start", "primary")],
            data={
                "reports": [summary_line(s) for s in mine],
                "queue": [summary_line(s) for s in queue],
            },
        )


def _form_reply(
    ref: str, name: str, title: str, label: str, submit: str, *, danger: bool = False
) -> Reply:
    action = "incident.note" if name == "note" else "incident.close"
    return Reply(
        text=f"{title} for {ref}: reply with the text (or \u201ccancel\u201d).",
        kind="incident",
        title=f"{title} \u2013 {ref}",
        fields=[FormField(name=name, label=label, kind="textarea", max_length=3000)],
        choices=[Choice(submit, ref, action, "danger" if danger else "primary")],
        data={"reference": ref},
    )


def _receipt_reply(result: SubmitResult) -> Reply:
    return Reply(
        text=result.as_text(),
        kind="incident",
        title=f"Report {result.reference} saved",
        data={"reference": result.reference},
    )


def _previous(stored: ConversationState | None, now: datetime) -> Previous | None:
    """The question a new message may go on from: the last one, if recent."""
    if stored is None or "rule" not in stored.state or now - stored.updated_at > CARRY_ON_WITHIN:
        return None
    state = stored.state
    return Previous(str(state["q"]), str(state["rule"]), dict(state.get("facts") or {}))


def _pick_option(text: str, options: list[list[str]]) -> str | None:
    """Which follow-up option a typed reply picks: its number, value or (close to) its label."""
    t = text.strip().lower().rstrip(".!")
    if not t:
        return None
    if t.isdecimal() and 1 <= int(t) <= len(options):
        return options[int(t) - 1][1]
    yes = {"yes", "y", "yeah", "yep", "yup", "correct", "we do", "i do", "they are", "true"}
    no = {"no", "n", "nope", "nah", "we don't", "i don't", "not yet", "false", "they aren't"}
    values = [v for _, v in options]
    if t in yes and "yes" in values:
        return "yes"
    if t in no and "no" in values:
        return "no"
    for label, value in options:
        if t in (label.lower(), value.lower()):
            return value
    hit = process.extractOne(
        t, [label.lower() for label, _ in options], scorer=fuzz.WRatio, score_cutoff=80
    )
    return options[hit[2]][1] if hit else None


def _json(value: str) -> dict[str, Any]:
    try:
        data = json.loads(value or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _log_one_unanswered(answer: Answer) -> None:
    if not _MAY_LOG_UNANSWERED.get():
        log.info("question not covered by the policy (not logged: it may be about a report)")
        return
    log.info("question not covered by the policy (logged for review)")
    log_unanswered([answer])
