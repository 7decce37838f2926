"""The one entry point every adapter calls: :class:`PolicyBot`.

It routes a person's intents (typed text, button presses, form submissions) to policy Q&A,
the report dialog or incident actions, and keeps conversation state in the database so any
process can take the next message and a restart loses nothing. It speaks only in neutral
:class:`~bot.messages.Reply` objects; adapters render them.
"""

from __future__ import annotations

import enum
import json
import logging
import re
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process

from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.dialogs import DialogContext, ReportDialog, Turn
from bot.incidents.errors import IncidentError
from bot.incidents.notifications import URGENCY_LABELS
from bot.incidents.service import IncidentService
from bot.incidents.types import IncidentDetails, IncidentSummary
from bot.messages import Action, Actor, Choice, FormField, Message, Reply
from bot.qa.answer import Answer
from bot.qa.engine import AnswerEngine, Previous
from bot.qa.render import answer_reply
from bot.qa.unanswered import log_unanswered
from bot.store.conversations import ConversationState, ConversationStore
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.trust.config import load_trust_config
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
    "  help            this message"
)

#: how long after a question a message may go on from it ("and if she's 20?")
CARRY_ON_WITHIN = timedelta(minutes=30)


class Unknown(enum.Enum):
    """The stored Q&A state has not been read (a button press does not need it)."""

    UNKNOWN = "unknown"


UNKNOWN = Unknown.UNKNOWN

_REPORT_WORDS = re.compile(r"^/?(?:report|report an incident|new report|start report)\s*[.!]?$")
_REF = r"([A-Za-z]{2}-\d{4}-\d{3,})"
_INCIDENT_CMD = re.compile(rf"^/?(ack|acknowledge|view|show|note|close)\s+{_REF}\s*(.*)$", re.S)


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
    ) -> None:
        self.engine = engine
        self.database = database
        self.incidents = incidents
        self.dialog = dialog or ReportDialog.load()
        self.clock = clock or SystemClock()
        self.conversations = ConversationStore(database, clock=self.clock)
        #: academies and home academies for report forms (read at most once a minute)
        self.form_defaults = FormDefaults(database, clock=self.clock)

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
        return cls(engine=engine, database=database, incidents=incidents, clock=clock)

    async def close(self) -> None:
        """Release the database connections."""
        await self.database.dispose()

    # -- intents --------------------------------------------------------------------------
    async def handle(self, intent: Message | Action) -> list[Reply]:
        """Answer one intent; never raises for a person's bad input (returns a friendly reply)."""
        try:
            if isinstance(intent, Message):
                return await self._on_message(intent)
            return await self._on_action(intent)
        except IncidentError as exc:
            return [Reply(text=str(exc), kind="error")]

    async def _on_message(self, msg: Message) -> list[Reply]:
        text = (msg.text or "").strip()
        low = re.sub(r"\s+", " ", text.lower())
        report_key = _key("report", msg.actor)
        qa_key = _key("qa", msg.actor, msg.conversation_id)
        stored = await self.conversations.get_many(report_key, qa_key)
        draft = stored[report_key].state if report_key in stored else None
        if low in {"help", "/help", "?", "menu", "/start", "start"}:
            return [Reply(text=HELP_TEXT, kind="help")]
        if draft is not None and draft.get("status", "active") == "active":
            turn = self.dialog.handle_text(await self._ctx(msg.actor), draft, text)
            return await self._after_turn(msg.actor, turn)
        if _REPORT_WORDS.match(low):
            return await self._start_report(msg.actor, {}, draft)
        if low in {"my reports", "/my-reports", "/status", "status", "my report"}:
            return [await self._reporter_status(msg.actor)]
        if low in {"incidents", "/incidents", "my incidents", "open incidents"}:
            return [await self._handler_queue(msg.actor)]
        m = _INCIDENT_CMD.match(text)
        if m:
            return await self._incident_command(
                msg, m.group(1).lower(), m.group(2).upper(), m.group(3)
            )
        qa = stored.get(qa_key)
        if qa is not None and qa.state.get("options"):
            value = _pick_option(text, qa.state["options"])
            if value is not None:
                facts = {**qa.state["facts"], qa.state["fact"]: value}
                return await self._answer(msg, qa.state["q"], facts)
        return await self._answer(msg, text, {}, stored=qa)

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
                return [
                    Reply(
                        text="That report is no longer open. Type 'report' to start a new one.",
                        kind="notice",
                    )
                ]
            turn = self.dialog.handle_action(await self._ctx(act.actor), draft, name, value)
            return await self._after_turn(act.actor, turn)
        if name.startswith("incident."):
            return await self._incident_action(act.actor, name.split(".", 1)[1], value, act.form)
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
        await self._remember(_key("qa", msg.actor, msg.conversation_id), answers[-1], stored)
        return [answer_reply(a, replace_previous=replace and i == 0) for i, a in enumerate(answers)]

    async def _remember(
        self, key: str, answer: Answer, stored: ConversationState | Unknown | None
    ) -> None:
        """Keep what a later message may go on from: the follow-up ``answer`` asks, or its
        question if the answer depends on facts. An answer that does not clears any earlier
        state; a message not understood leaves it as it was."""
        if answer.verdict == "no_match":
            return  # not understood: what the person may go on from is unchanged
        entry = self.engine.entry(answer.rule_ids[0]) if len(answer.rule_ids) == 1 else None
        if entry is None or not entry.facts:
            if stored is not None:
                await self.conversations.delete(key)
            return
        follow_up = answer.follow_up
        await self.conversations.put(
            key,
            {
                "q": answer.question,
                "rule": entry.id,
                "facts": dict(answer.facts),
                "fact": follow_up.fact if follow_up else None,
                "options": [[o.label, o.value] for o in follow_up.options] if follow_up else [],
            },
        )

    # -- report dialog ---------------------------------------------------------------------
    async def _ctx(self, actor: Actor) -> DialogContext:
        directory = await self.form_defaults.view()
        return DialogContext(
            academies=directory.academies,
            default_academy=directory.home_academy.get((actor.platform, actor.user_id)),
            now=self.clock.now(),
        )

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
            notice = Reply(
                text="You have an unfinished report; carrying on where you left off. "
                "Type 'cancel' to throw it away and start again.",
                kind="dialog",
            )
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
            result = await self.incidents.submit(actor, turn.submission)
            await self.conversations.delete(key)
            return [*replies, _receipt_reply(result)]
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

    async def submit_report_form(self, actor: Actor, answers: Mapping[str, Any]) -> list[Reply]:
        """Validate and store a report from a form; the receipt, or the field errors."""
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
        result = await self.incidents.submit(actor, self.dialog.to_submission(ctx, answers))
        await self.conversations.delete(_key("report", actor))
        return [_receipt_reply(result)]

    # -- incidents ---------------------------------------------------------------------------
    async def _incident_command(self, msg: Message, verb: str, ref: str, rest: str) -> list[Reply]:
        rest = rest.strip()
        if verb in {"ack", "acknowledge"}:
            return await self._incident_action(msg.actor, "ack", ref, {})
        if verb in {"view", "show"}:
            return await self._incident_action(msg.actor, "view", ref, {})
        if verb == "note":
            return await self._incident_action(
                msg.actor, "note", ref, {"note": rest} if rest else {}
            )
        return await self._incident_action(
            msg.actor, "close", ref, {"outcome": rest} if rest else {}
        )

    async def _incident_action(
        self, actor: Actor, verb: str, ref: str, form: Mapping[str, Any]
    ) -> list[Reply]:
        if verb == "ack":
            view = await self.incidents.acknowledge(actor, ref)
            return [
                Reply(
                    text=f"Thank you. You have acknowledged {view.reference}.",
                    kind="incident",
                    data={"reference": ref},
                )
            ]
        if verb == "view":
            details = await self.incidents.view_details(actor, ref)
            return [
                Reply(
                    text=_details_text(details),
                    kind="incident",
                    title=f"Report {ref}",
                    data={"reference": ref},
                )
            ]
        if verb == "note":
            note = str(form.get("note") or "").strip()
            if not note:
                return [
                    _form_reply(
                        ref,
                        "note",
                        "Add a note",
                        "Your note (seen only by the people handling this report)",
                        "Save note",
                    )
                ]
            view = await self.incidents.add_note(actor, ref, note)
            return [
                Reply(
                    text=f"Your note has been added to {view.reference}.",
                    kind="incident",
                    data={"reference": ref},
                )
            ]
        if verb == "close":
            outcome = str(form.get("outcome") or "").strip()
            if not outcome:
                return [
                    _form_reply(
                        ref,
                        "outcome",
                        "Close the incident",
                        "Outcome: what was done and decided",
                        "Close incident",
                        danger=True,
                    )
                ]
            view = await self.incidents.close(actor, ref, outcome)
            return [
                Reply(
                    text=f"{view.reference} is now closed. The reporter has been told.",
                    kind="incident",
                    data={"reference": ref},
                )
            ]
        return [Reply(text="Sorry, I didn't understand that incident action.", kind="error")]

    async def _reporter_status(self, actor: Actor) -> Reply:
        items = await self.incidents.reporter_status(actor)
        if not items:
            return Reply(
                text="You have not made any reports yet. Type 'report' to make one.", kind="notice"
            )
        return Reply(text=_listing("Your reports", items), kind="notice")

    async def _handler_queue(self, actor: Actor) -> Reply:
        items = await self.incidents.handler_queue(actor)
        if not items:
            return Reply(text="No incidents have been sent to you.", kind="notice")
        return Reply(text=_listing("Incidents sent to you", items), kind="notice")

    async def home(self, actor: Actor) -> Reply:
        """What the bot does, example questions, own reports; a handler's open incidents."""
        parts = [HELP_TEXT]
        mine = await self.incidents.reporter_status(actor)
        if mine:
            parts.append(_listing("Your reports", mine))
        queue = await self.incidents.handler_queue(actor)
        if queue:
            parts.append(_listing("Incidents sent to you", queue))
        return Reply(
            text="\n\n".join(parts),
            kind="help",
            choices=[Choice("Report an incident", "{}", "report.start", "primary")],
            data={
                "reports": [_summary_line(s) for s in mine],
                "queue": [_summary_line(s) for s in queue],
            },
        )


def _form_reply(
    ref: str, name: str, title: str, label: str, submit: str, *, danger: bool = False
) -> Reply:
    action = "incident.note" if name == "note" else "incident.close"
    return Reply(
        text=f"{title} for {ref}: reply with the text.",
        kind="incident",
        title=f"{title} \u2013 {ref}",
        fields=[FormField(name=name, label=label, kind="textarea", max_length=3000)],
        choices=[Choice(submit, ref, action, "danger" if danger else "primary")],
        data={"reference": ref},
    )


def _listing(title: str, items: list[IncidentSummary]) -> str:
    return title + ":\n" + "\n".join(f"  \u2022 {_summary_line(s)}" for s in items)


def _summary_line(s: IncidentSummary) -> str:
    child = ", child involved" if s.child_involved else ""
    return (
        f"{s.reference} \u2013 {s.category_label}, {s.academy_name}{child}: {s.state}"
        f" (updated {s.updated_at:%d %b %H:%M})"
    )


def _details_text(d: IncidentDetails) -> str:
    lines = [
        f"Report {d.reference} \u2013 {d.category_label}",
        f"Academy: {d.academy_name}",
        f"Urgency: {URGENCY_LABELS.get(d.urgency, d.urgency)}",
        f"Child involved: {'yes' if d.child_involved else 'no'}",
        f"State: {d.state}" + (f" (outcome: {d.outcome})" if d.outcome else ""),
        f"Reported by: {d.reporter_name or 'unknown'} on {d.created_at:%d %b %Y %H:%M}",
        "",
        "What was seen:",
        d.summary,
    ]
    for key, value in d.details.items():
        if key.endswith("_label") or key == "academy_name" or value in (None, "", [], {}):
            continue
        label = d.details.get(f"{key}_label", value)
        if isinstance(label, bool):
            label = "yes" if label else "no"
        lines.append(f"{key.replace('_', ' ').capitalize()}: {label}")
    if d.sexual_imagery:
        lines.append("")
        lines.append(
            "This report involves sexual images of a child: do not view, copy, save or forward "
            "them. The Designated Safeguarding Lead leads on this."
        )
    if d.notes:
        lines += ["", "Notes:"]
        lines += [f"  {n.created_at:%d %b %H:%M} {n.author}: {n.text}" for n in d.notes]
    return "\n".join(lines)


def _receipt_reply(result: Any) -> Reply:
    return Reply(
        text=result.as_text(),
        kind="incident",
        title=f"Report {result.reference} received",
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
    if t.isdigit() and 1 <= int(t) <= len(options):
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
    log.info("question not covered by the policy (logged for review)")
    log_unanswered([answer])
