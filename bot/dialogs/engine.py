"""The step-by-step report conversation: pure functions of (context, state, input) -> Turn.

The state is a JSON-serialisable dict the caller stores between messages; the engine does no
I/O and reads the time only from :class:`DialogContext`. Invalid answers are re-asked with a
specific hint, and never endlessly: after ``max_attempts`` failures a choice is offered
plainly (one more try), an optional question is skipped, otherwise the report is paused with
every answer kept. Nothing is thrown away without an explicit confirmation: "cancel" asks
first, and only "yes" (or "cancel" again, or the "Yes, discard it" button) discards.
An answer is only ever stored for the step that was shown.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from bot.dialogs.answers import (
    Resolved,
    active_notices,
    prompt_for,
    rejects_links,
    resolve,
    step_options,
)
from bot.dialogs.context import DialogContext
from bot.dialogs.definition import DialogDefinition, Option, Step, load_definition
from bot.dialogs.errors import InvalidAnswer
from bot.dialogs.form import form_fields, form_notices, step_field
from bot.dialogs.parsing import match_option, normalise, parse_answer
from bot.dialogs.submission import build_submission, missing_errors
from bot.dialogs.summary import confirmation_reply, display_value, edit_menu_reply, notice_reply
from bot.incidents.types import ReportSubmission
from bot.messages import Choice, FormField, Reply

STATE_VERSION = 1
CONFIRM = "confirm"
EDIT = "edit"

CANCEL_WORDS = frozenset({"cancel", "stop", "quit", "exit", "abort", "cancel report"})
BACK_WORDS = frozenset({"back", "go back", "previous", "undo"})
HELP_WORDS = frozenset({"help", "what can i say", "commands"})
SKIP_WORDS = frozenset({"skip", "pass", "skip it", "skip this", "skip this question"})
PAUSE_WORDS = frozenset({"pause", "later", "come back later", "save for later"})
RESUME_WORDS = frozenset({"resume", "continue", "carry on", "go on", "yes", "y", "ok", "okay"})
KEEP_WORDS = frozenset({"keep", "keep it", "same", "unchanged", "no change", "leave it"})
DISCARD_WORDS = frozenset(
    {"yes", "y", "yeah", "yep", "ok", "okay", "discard", "discard it", "yes discard it"}
    | {"yes discard", "yes cancel", "cancel", "cancel it", "delete", "delete it", "throw it away"}
    | CANCEL_WORDS
)
SUBMIT_WORDS = frozenset(
    {"submit", "send", "send it", "submit it", "submit report", "yes", "y", "yeah", "yep"}
    | {"confirm", "ok", "okay", "correct", "done", "yes submit", "looks good", "thats right"}
)
EDIT_WORDS = frozenset({"change", "edit", "no", "n", "amend", "change an answer", "change answer"})
_CHANGE = re.compile(r"^(?:change|edit|amend)\s+(?:my\s+|the\s+)?(.+)$")


@dataclass
class Turn:
    """The outcome of one step: the new state to store, what to say, and any submission."""

    state: dict[str, Any]
    replies: list[Reply] = field(default_factory=list)
    submission: ReportSubmission | None = None
    cancelled: bool = False

    @property
    def over(self) -> bool:
        """Whether the dialog has finished (submitted or cancelled)."""
        return self.state.get("status") in ("submitted", "cancelled")


class _State(BaseModel):
    """The stored dialog state, validated whenever it is read back."""

    v: int = STATE_VERSION
    dialog: str
    status: Literal["active", "paused", "cancelled", "submitted"] = "active"
    step: str = ""
    answers: dict[str, Any] = {}
    prefilled: list[str] = []
    notices: list[str] = []
    attempts: int = 0
    editing: bool = False
    #: names this report's submission: sending it again returns the same stored report
    key: str = Field(default_factory=lambda: uuid.uuid4().hex)
    confirm_cancel: bool = False
    asked: list[str] = []  # steps whose question has been shown


class ReportDialog:
    """The guided incident-report dialog over a :class:`DialogDefinition`."""

    def __init__(self, definition: DialogDefinition) -> None:
        self.definition = definition

    @classmethod
    def load(cls, path: Path | None = None) -> ReportDialog:
        """Load a dialog definition (the bundled ``report.yaml`` by default)."""
        return cls(load_definition(path))

    # -- chat mode -------------------------------------------------------------------------

    def start(self, ctx: DialogContext, prefill: Mapping[str, Any] | None = None) -> Turn:
        """A new dialog; valid ``prefill`` answers (keyed by step name) are not asked again.

        Unknown keys and values that do not parse are ignored (those steps are asked).
        """
        st = _State(dialog=self.definition.id)
        if prefill:
            known = {k: v for k, v in prefill.items() if self.definition.has_step(k)}
            res = resolve(self.definition, ctx, known)
            st.answers = {**res.answers, **res.pending}
            st.prefilled = [k for k in known if k in st.answers]
        lead = [Reply(text=self.definition.text("intro"), kind="dialog", title=self.title)]
        return self._advance(ctx, st, lead)

    def resume_prompt(self, ctx: DialogContext, state: Mapping[str, Any]) -> Turn:
        """Show again where the reporter left off (also un-pauses a paused report)."""
        st = self._read(state)
        if st is None or st.status in ("cancelled", "submitted"):
            return self.start(ctx)
        st.status = "active"
        st.attempts = 0
        st.confirm_cancel = False
        return self._current(ctx, st, [Reply(text=self.definition.text("resume"), kind="dialog")])

    def reshow(self, ctx: DialogContext, state: Mapping[str, Any]) -> Turn:
        """The current question (or summary) again, nothing changed."""
        st = self._read(state)
        if st is None or st.status in ("cancelled", "submitted"):
            return self.start(ctx)
        return self._current(ctx, st, [])

    def paused(self, state: Mapping[str, Any]) -> dict[str, Any]:
        """``state`` paused (the person left mid-report): the next message is not taken as
        an answer until they type "resume"."""
        st = self._read(state)
        if st is None or st.status not in ("active", "paused"):
            return dict(state)
        st.status = "paused"
        st.attempts = 0
        st.confirm_cancel = False
        return st.model_dump(mode="json")

    def paused_notice(self) -> Reply:
        """The reminder that a report is paused, with Resume and Cancel."""
        return self._paused_reply("paused_reminder")

    def field_labels(self) -> dict[str, str]:
        """Each step's name -> its label (how a stored report's details are headed)."""
        return {s.name: s.label for s in self.definition.steps}

    def handle_text(self, ctx: DialogContext, state: Mapping[str, Any], text: str) -> Turn:
        """A typed answer or command: back, cancel, change [answer], skip, help, pause, submit."""
        st = self._read(state)
        if st is None:
            return self._restart(ctx)
        if st.status in ("cancelled", "submitted"):
            return self.start(ctx)
        word = normalise(text)
        if st.confirm_cancel:
            return self._cancel_answer(ctx, st, word in DISCARD_WORDS)
        if word in CANCEL_WORDS:
            return self._ask_cancel(ctx, st)
        if st.status == "paused":
            if word in RESUME_WORDS:
                return self.resume_prompt(ctx, st.model_dump(mode="json"))
            return self._paused(st, reminder=True)
        if word in HELP_WORDS:
            return self._current(ctx, st, [Reply(text=self.definition.text("help"), kind="help")])
        if word in PAUSE_WORDS:
            return self._paused(st)
        if word in BACK_WORDS:
            return self._back(ctx, st)
        if word in KEEP_WORDS and st.step in st.answers:
            return self._answer(ctx, st, st.answers[st.step])
        if st.step == CONFIRM:
            return self._confirm_text(ctx, st, word)
        if st.step == EDIT:
            return self._edit_choice(ctx, st, text)
        if word in EDIT_WORDS - {"no", "n"}:
            if self._editable_answers(ctx, st):
                return self._edit_menu(ctx, st)
            return self._current(ctx, st, [self._nothing_to_change()])
        if (m := _CHANGE.match(word)) and (target := self._edit_target(ctx, st, m.group(1))):
            return self._edit(ctx, st, target)
        if word in SKIP_WORDS or not word:  # an empty reply skips an optional question
            return self._skip(ctx, st)
        return self._answer(ctx, st, text)

    def handle_action(
        self, ctx: DialogContext, state: Mapping[str, Any], action: str, value: str
    ) -> Turn:
        """A button press: ``dialog.answer`` (value ``step:value`` or plain), ``dialog.back``,
        ``dialog.keep``, ``dialog.cancel`` (asks first), ``dialog.discard`` / ``dialog.carry_on``
        (the answers to that question), ``dialog.edit`` (value = step name, or "" for the
        list), ``dialog.submit``, ``dialog.skip``, ``dialog.help``, ``dialog.resume``."""
        st = self._read(state)
        if st is None:
            return self._restart(ctx)
        if st.status in ("cancelled", "submitted"):
            return self.start(ctx)
        if action == "dialog.discard" and st.confirm_cancel:
            return self._cancel(ctx, st)
        if action == "dialog.carry_on" and st.confirm_cancel:
            return self._cancel_answer(ctx, st, False)
        if action in ("dialog.cancel", "dialog.discard"):
            return self._ask_cancel(ctx, st)
        st.confirm_cancel = False
        if action == "dialog.resume" or st.status == "paused":
            was_paused = st.status == "paused"
            st.status = "active"
            st.attempts = 0
            # an answer button pressed on a paused report resumes it and shows where it is:
            # the press is not taken as an answer (the person may be looking at an old card)
            if action == "dialog.resume" or (was_paused and action == "dialog.answer"):
                return self.resume_prompt(ctx, st.model_dump(mode="json"))
        if action == "dialog.keep" and st.step == value and st.step in st.answers:
            return self._answer(ctx, st, st.answers[st.step])
        if action == "dialog.back":
            return self._back(ctx, st)
        if action == "dialog.help":
            return self._current(ctx, st, [Reply(text=self.definition.text("help"), kind="help")])
        if action == "dialog.skip" and st.step not in (CONFIRM, EDIT):
            return self._skip(ctx, st)
        if action == "dialog.edit":
            target = value if value and self._editable(ctx, st, value) else None
            if target:
                return self._edit(ctx, st, target)
            if self._editable_answers(ctx, st):
                return self._edit_menu(ctx, st)
            return self._current(ctx, st, [self._nothing_to_change()])
        if action == "dialog.submit" and st.step == CONFIRM:
            return self._submit(ctx, st)
        if action == "dialog.answer" and st.step not in (CONFIRM, EDIT):
            step_name, colon, rest = value.partition(":")
            if colon and self.definition.has_step(step_name):
                if step_name != st.step:
                    return self._stale(ctx, st)
                value = rest
            return self._answer(ctx, st, value)
        return self._stale(ctx, st)

    def handle_form(
        self, ctx: DialogContext, state: Mapping[str, Any], form: Mapping[str, Any]
    ) -> Turn:
        """A submitted whole form: re-show it with errors by field, or go to confirmation."""
        st = self._read(state) if state else None
        if st is None or st.status in ("cancelled", "submitted"):
            st = _State(dialog=self.definition.id)
        merged = {**st.answers, **form}
        errors = self.validate_form(ctx, merged)
        res = resolve(self.definition, ctx, merged)
        st.answers = {**res.answers, **res.pending}
        st.status = "active"
        if errors:
            reply = Reply(
                text=self.definition.text("form_incomplete"),
                kind="dialog",
                title=self.title,
                fields=self.form_fields(ctx, merged, errors),
                data={"dialog": self.definition.id, "form_errors": errors},
            )
            return self._turn(st, [*form_notices(self.definition, ctx, merged), reply])
        return self._advance(ctx, st, [])

    # -- form mode -------------------------------------------------------------------------

    def form_fields(
        self,
        ctx: DialogContext,
        answers: Mapping[str, Any],
        errors: Mapping[str, str] | None = None,
    ) -> list[FormField]:
        """The visible fields given the answers so far, values pre-filled, errors attached."""
        return form_fields(self.definition, ctx, answers, errors)

    def form_notices(self, ctx: DialogContext, answers: Mapping[str, Any]) -> list[Reply]:
        """Safety guidance replies that apply to these answers (show them with the form)."""
        return form_notices(self.definition, ctx, answers)

    def validate_form(self, ctx: DialogContext, answers: Mapping[str, Any]) -> dict[str, str]:
        """Field name -> specific error, for every visible field that is missing or invalid."""
        return missing_errors(self.definition, ctx, answers)

    def confirmation(self, ctx: DialogContext, answers: Mapping[str, Any]) -> Reply:
        """The form's confirmation step: the summary of everything, with safety guidance,
        and instructions naming the form's own Send / Change / Cancel buttons."""
        return confirmation_reply(self.definition, ctx, answers, form=True)

    def to_submission(self, ctx: DialogContext, answers: Mapping[str, Any]) -> ReportSubmission:
        """The :class:`ReportSubmission` for complete answers (IncompleteReport otherwise)."""
        return build_submission(self.definition, ctx, answers)

    @staticmethod
    def status(state: Mapping[str, Any] | None) -> str:
        """``active``, ``paused``, ``cancelled``, ``submitted``, or ``none`` for no dialog."""
        return str(state.get("status", "none")) if state else "none"

    @property
    def title(self) -> str:
        """The dialog's title."""
        return self.definition.title

    # -- internals -------------------------------------------------------------------------

    def _read(self, state: Mapping[str, Any]) -> _State | None:
        try:
            st = _State.model_validate(dict(state))
        except ValidationError:
            return None
        if st.dialog != self.definition.id or st.v != STATE_VERSION:
            return None
        return st

    def _turn(
        self,
        st: _State,
        replies: list[Reply],
        submission: ReportSubmission | None = None,
        cancelled: bool = False,
    ) -> Turn:
        return Turn(st.model_dump(mode="json"), replies, submission, cancelled)

    def _restart(self, ctx: DialogContext) -> Turn:
        turn = self.start(ctx)
        turn.replies.insert(0, Reply(text=self.definition.text("restarted"), kind="notice"))
        return turn

    def _resolve(self, ctx: DialogContext, st: _State) -> Resolved:
        return resolve(self.definition, ctx, st.answers)

    def _advance(
        self, ctx: DialogContext, st: _State, lead: list[Reply], after: str | None = None
    ) -> Turn:
        """Tidy the answers, show any new safety notice, then ask the next question: the
        step following ``after`` (the one just answered, going forward again after "back"),
        or the first unanswered one."""
        res = self._resolve(ctx, st)
        st.answers = {**res.answers, **res.pending}
        st.prefilled = [p for p in st.prefilled if p in st.answers]
        defn = self.definition
        replies = list(lead)
        for signal in defn.signals:
            if signal.id in res.signals and signal.id not in st.notices:
                replies.append(
                    Reply(
                        text=signal.message,
                        kind="notice",
                        data={"dialog": defn.id, "signal": signal.id, "important": True},
                    )
                )
        notices = active_notices(defn, ctx, res.effective)
        replies += [notice_reply(defn, n, ctx) for n in notices if n.id not in st.notices]
        st.notices = [n.id for n in notices] + list(res.signals)
        st.attempts = 0
        editing, st.editing = st.editing, False
        following = self._following(st, res, after) if after else None
        if following or res.missing:
            st.step = following or res.missing[0]
            # questions a change brought up lead back to the summary, like the change itself
            st.editing = editing and not following
            replies.append(self._question(ctx, st, res))
        else:
            st.step = CONFIRM
            replies.append(confirmation_reply(self.definition, ctx, st.answers))
        return self._turn(st, replies)

    def _following(self, st: _State, res: Resolved, after: str) -> str | None:
        """After answering ``after``: an unanswered step before it if one has appeared, else
        the next step after it that is unanswered or was asked before, so going back and
        forward again never jumps over answers the person has not seen since (answers they
        were never asked, pre-filled or set by a signal, are not walked through)."""
        order = [s.name for s in self.definition.steps]
        if after not in order:
            return None
        here = order.index(after)
        earlier = [n for n in res.missing if order.index(n) < here]
        if earlier:
            return earlier[0]
        later = [
            s.name
            for s in res.visible
            if order.index(s.name) > here
            and s.name not in st.prefilled
            and (s.name in res.missing or s.name in st.asked)
        ]
        return later[0] if later else None

    def _current(self, ctx: DialogContext, st: _State, lead: list[Reply]) -> Turn:
        """Show the current question, confirmation or edit list again."""
        res = self._resolve(ctx, st)
        if st.step == CONFIRM and not res.missing:
            return self._turn(st, [*lead, confirmation_reply(self.definition, ctx, st.answers)])
        if st.step == EDIT:
            return self._turn(st, [*lead, edit_menu_reply(self.definition, ctx, res)])
        if res.is_visible(st.step) and (st.editing or st.step in res.missing):
            return self._turn(st, [*lead, self._question(ctx, st, res)])
        return self._advance(ctx, st, lead)

    def _question(
        self,
        ctx: DialogContext,
        st: _State,
        res: Resolved,
        error: str | None = None,
        plain: bool = False,
    ) -> Reply:
        defn = self.definition
        step = defn.step(st.step)
        if step.name not in st.asked:
            st.asked.append(step.name)
        options = step_options(step, res.effective, ctx)
        prompt, hint = prompt_for(step, res.effective, ctx)
        listing = "\n".join(f"{i}. {o.label}" for i, o in enumerate(options, start=1))
        parts = [error] if error else []
        if plain:
            parts += [defn.text("plain_choices"), listing or "1. Yes\n2. No"]
        else:
            parts += [prompt, hint or ""]
            if step.kind in ("choice", "multi_choice"):
                parts.append(listing)
            if step.name in st.answers:
                current = display_value(defn, step, st.answers[step.name], ctx, res.effective)
                parts.append(defn.text("current_answer", value=current))
        parts.append(defn.text("footer"))
        choices: list[Choice] = []
        if step.name in st.answers and not plain:
            choices.append(Choice(defn.text("keep_label"), step.name, "dialog.keep", "primary"))
        if step.kind == "yes_no":
            choices += [
                Choice("Yes", f"{step.name}:yes", "dialog.answer"),
                Choice("No", f"{step.name}:no", "dialog.answer"),
            ]
        elif step.kind == "choice":
            choices += [Choice(o.label, f"{step.name}:{o.value}", "dialog.answer") for o in options]
        if not step.required:
            choices.append(Choice(defn.text("skip_label"), "skip", "dialog.skip"))
        if st.editing or self._previous(ctx, st, res) is not None:
            choices.append(Choice(defn.text("back_label"), "back", "dialog.back"))
        choices.append(Choice(defn.text("cancel_label"), "cancel", "dialog.cancel", style="danger"))
        current_value = st.answers.get(step.name)
        return Reply(
            text="\n\n".join(p for p in parts if p),
            kind="dialog",
            title=self.title,
            choices=choices,
            fields=[step_field(defn, ctx, step, res.effective, current_value, error)],
            data={"dialog": defn.id, "step": step.name, "attempts": st.attempts},
        )

    def _answer(self, ctx: DialogContext, st: _State, raw: str) -> Turn:
        res = self._resolve(ctx, st)
        if not res.is_visible(st.step):
            return self._advance(ctx, st, [])
        step = self.definition.step(st.step)
        try:
            value = parse_answer(
                step,
                raw,
                step_options(step, res.effective, ctx),
                self.definition,
                ctx.today,
                reject_links=rejects_links(step, res.effective, ctx),
            )
        except InvalidAnswer as exc:
            return self._failed(ctx, st, res, step, exc.hint)
        st.answers[step.name] = value
        if step.name in st.prefilled:
            st.prefilled.remove(step.name)
        return self._advance(ctx, st, [], after=None if st.editing else step.name)

    def _failed(self, ctx: DialogContext, st: _State, res: Resolved, step: Step, hint: str) -> Turn:
        """Re-ask with the hint; past the limit offer plain choices, skip, or pause."""
        st.attempts += 1
        limit = self.definition.max_attempts
        if st.attempts < limit:
            return self._turn(st, [self._question(ctx, st, res, error=hint)])
        if not step.required:
            st.answers[step.name] = None
            lead = [Reply(text=self.definition.text("skipped_optional"), kind="dialog")]
            return self._advance(ctx, st, lead)
        choice_like = step.kind in ("choice", "yes_no", "multi_choice")
        if choice_like and st.attempts == limit:
            return self._turn(st, [self._question(ctx, st, res, error=hint, plain=True)])
        return self._paused(st)

    def _skip(self, ctx: DialogContext, st: _State) -> Turn:
        res = self._resolve(ctx, st)
        if not res.is_visible(st.step):
            return self._current(ctx, st, [])
        step = self.definition.step(st.step)
        if step.required:
            return self._failed(ctx, st, res, step, self.definition.text("skip_not_allowed"))
        st.answers[step.name] = None
        lead = [Reply(text=self.definition.text("skipped_optional"), kind="dialog")]
        return self._advance(ctx, st, lead, after=None if st.editing else step.name)

    def _previous(self, ctx: DialogContext, st: _State, res: Resolved) -> str | None:
        """The asked (not pre-filled) step just before the current one, in dialog order."""
        names = [s.name for s in res.visible if s.name in st.answers]
        names = [n for n in names if n not in st.prefilled]
        if st.step in (CONFIRM, EDIT):
            return names[-1] if names else None
        order = [s.name for s in self.definition.steps]
        here = order.index(st.step) if st.step in order else len(order)
        earlier = [n for n in names if order.index(n) < here]
        return earlier[-1] if earlier else None

    def _back(self, ctx: DialogContext, st: _State) -> Turn:
        res = self._resolve(ctx, st)
        if st.editing or st.step == EDIT:
            return self._advance(ctx, st, [])
        previous = self._previous(ctx, st, res)
        if previous is None:
            lead = [Reply(text=self.definition.text("first_step"), kind="dialog")]
            return self._current(ctx, st, lead)
        st.step = previous
        st.attempts = 0
        return self._turn(st, [self._question(ctx, st, res)])

    def _confirm_text(self, ctx: DialogContext, st: _State, word: str) -> Turn:
        if word in SUBMIT_WORDS:
            return self._submit(ctx, st)
        if word in EDIT_WORDS:
            return self._edit_menu(ctx, st)
        if (m := _CHANGE.match(word)) and (target := self._edit_target(ctx, st, m.group(1))):
            return self._edit(ctx, st, target)
        st.attempts += 1
        if st.attempts > self.definition.max_attempts:
            return self._paused(st)
        lead = [Reply(text=self.definition.text("confirm_not_understood"), kind="dialog")]
        return self._current(ctx, st, lead)

    def _editable_answers(self, ctx: DialogContext, st: _State) -> bool:
        """Whether any answer has been given that could be changed."""
        res = self._resolve(ctx, st)
        return any(s.name in res.answers for s in res.visible)

    def _nothing_to_change(self) -> Reply:
        return Reply(text=self.definition.text("nothing_to_change"), kind="dialog")

    def _editable_options(self, ctx: DialogContext, st: _State) -> list[Option]:
        res = self._resolve(ctx, st)
        return [Option(value=s.name, label=s.label) for s in res.visible]

    def _editable(self, ctx: DialogContext, st: _State, name: str) -> bool:
        return any(o.value == name for o in self._editable_options(ctx, st))

    def _edit_target(self, ctx: DialogContext, st: _State, text: str) -> str | None:
        if len(text.split()) > 4:  # a sentence starting "change ..." is an answer, not a command
            return None
        option = match_option(text, self._editable_options(ctx, st), 86)
        return option.value if option else None

    def _edit_menu(self, ctx: DialogContext, st: _State) -> Turn:
        st.step = EDIT
        st.attempts = 0
        return self._turn(st, [edit_menu_reply(self.definition, ctx, self._resolve(ctx, st))])

    def _edit_choice(self, ctx: DialogContext, st: _State, text: str) -> Turn:
        word = normalise(text)
        m = _CHANGE.match(word)
        target = self._edit_target(ctx, st, m.group(1) if m else word)
        if target:
            return self._edit(ctx, st, target)
        st.attempts += 1
        if st.attempts > self.definition.max_attempts:
            return self._paused(st)
        lead = [Reply(text=self.definition.text("edit_not_found"), kind="dialog")]
        return self._turn(
            st, [*lead, edit_menu_reply(self.definition, ctx, self._resolve(ctx, st))]
        )

    def _edit(self, ctx: DialogContext, st: _State, name: str) -> Turn:
        st.step = name
        st.editing = True
        st.attempts = 0
        return self._turn(st, [self._question(ctx, st, self._resolve(ctx, st))])

    def _stale(self, ctx: DialogContext, st: _State) -> Turn:
        return self._current(ctx, st, [Reply(text=self.definition.text("stale_button"))])

    def _paused(self, st: _State, reminder: bool = False) -> Turn:
        st.status = "paused"
        st.attempts = 0
        reply = self._paused_reply("paused_reminder" if reminder else "paused")
        reply.data["step"] = st.step
        return self._turn(st, [reply])

    def _paused_reply(self, key: str) -> Reply:
        defn = self.definition
        return Reply(
            text=defn.text(key),
            kind="dialog",
            title=self.title,
            choices=[
                Choice(defn.text("resume_label"), "resume", "dialog.resume", style="primary"),
                Choice(defn.text("cancel_label"), "cancel", "dialog.cancel", style="danger"),
            ],
            data={"dialog": defn.id, "paused": True},
        )

    def _ask_cancel(self, ctx: DialogContext, st: _State) -> Turn:
        """Ask before throwing the report away (nothing is discarded on one word)."""
        st.confirm_cancel = True
        defn = self.definition
        reply = Reply(
            text=defn.text("cancel_confirm"),
            kind="dialog",
            title=self.title,
            choices=[
                Choice(defn.text("cancel_confirm_yes_label"), "", "dialog.discard", "danger"),
                Choice(defn.text("cancel_confirm_no_label"), "", "dialog.carry_on", "primary"),
            ],
            data={"dialog": defn.id, "step": st.step, "confirm_cancel": True},
        )
        return self._turn(st, [reply])

    def _cancel_answer(self, ctx: DialogContext, st: _State, discard: bool) -> Turn:
        """The answer to "throw this report away?": discard, or carry on where it was."""
        if discard:
            return self._cancel(ctx, st)
        st.confirm_cancel = False
        if st.status == "paused":
            return self._paused(st, reminder=True)
        return self._current(ctx, st, [Reply(text=self.definition.text("cancel_kept"))])

    def _cancel(self, ctx: DialogContext, st: _State) -> Turn:
        res = self._resolve(ctx, st)
        text = self.definition.text("cancelled")
        if active_notices(self.definition, ctx, res.effective):
            text += " " + self.definition.text("cancelled_safeguarding")
        over = _State(dialog=self.definition.id, status="cancelled", step="")
        reply = Reply(text=text, kind="dialog", data={"dialog": self.definition.id})
        return self._turn(over, [reply], cancelled=True)

    def _submit(self, ctx: DialogContext, st: _State) -> Turn:
        res = self._resolve(ctx, st)
        if res.missing:
            return self._advance(ctx, st, [])
        submission = build_submission(self.definition, ctx, st.answers)
        st.status = "submitted"
        st.step = ""
        return self._turn(st, [], submission=submission)
