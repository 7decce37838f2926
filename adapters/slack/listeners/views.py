"""Modals: the report form (live conditional fields, field errors, confirmation, receipt)
and the small forms incident buttons ask for (a note, the outcome when closing)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.kwargs_injection.async_args import AsyncArgs
from slack_sdk.web.async_client import AsyncWebClient

from adapters import report_form
from adapters.slack import report_modal as rm
from adapters.slack.blocks import (
    message_text,
    modal,
    mrkdwn_sections,
    parse_state,
    reply_blocks,
    unpack_metadata,
)
from adapters.slack.identity import actor_from_body
from adapters.slack.replies import ACTION_FORM, Origin, open_modal, post
from adapters.slack.runtime import SlackRuntime, mark_saved
from bot.dialogs import DialogDefinition
from bot.messages import Action, Actor, Choice, Reply

log = logging.getLogger(__name__)

EMPTY_FIELD = "Please write something here before saving."
OUTCOME_VIEW = "action.done"


def outcome_view(replies: list[Reply]) -> dict[str, Any]:
    """The small form's modal after it was sent: what the core said (saved, or why not)."""
    failed = any(r.kind == "error" for r in replies)
    blocks = [b for r in replies for b in reply_blocks(Reply(text=r.text, kind=r.kind))]
    title = "Not saved" if failed else "Saved"
    return modal(title, blocks or mrkdwn_sections("Done."), callback_id=OUTCOME_VIEW, close="Close")


async def open_report_form(
    rt: SlackRuntime,
    client: AsyncWebClient,
    origin: Origin,
    actor: Actor,
    prefill: Mapping[str, Any],
    *,
    respond: AsyncRespond | None = None,
) -> None:
    """Open the report form in a modal, pre-filled with ``prefill``.

    Should the trigger expire first, a button that opens it (prefill kept) is posted instead.
    """
    fields = await rt.bot.report_form(actor, prefill)
    again = Choice("Report an incident", rm.prefill_value(prefill), "report.start", "primary")
    view = rm.form_view(fields, prefill, rt.bot.dialog.definition)
    await open_modal(client, origin, view, again=again, respond=respond)


def _state(body: Mapping[str, Any], defn: DialogDefinition) -> dict[str, Any]:
    """The form's answers; an "Other" choice is replaced by the text typed beside it."""
    raw = parse_state(((body.get("view") or {}).get("state") or {}).get("values") or {})
    return report_form.merge_other(defn, raw)


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    """Add the modal listeners."""

    async def report_field_changed(args: AsyncArgs) -> None:
        """A choice in the form changed: show or hide the fields that depend on it."""
        await args.ack()
        view = args.body.get("view") or {}
        if view.get("callback_id") != rm.REPORT_FORM:
            return
        actor = actor_from_body(args.body)
        fields = await rt.bot.report_form(
            actor, _answers_for(_state(args.body, rt.bot.dialog.definition))
        )
        if [f.name for f in fields] == rm.field_names(view):
            return
        await args.client.views_update(
            view_id=view["id"],
            hash=view.get("hash"),
            view=rm.form_view(
                fields, _state(args.body, rt.bot.dialog.definition), rt.bot.dialog.definition
            ),
        )

    async def report_submitted(args: AsyncArgs) -> None:
        """The form's Next: field errors in place, else the confirmation step."""
        actor = actor_from_body(args.body)
        raw = _state(args.body, rt.bot.dialog.definition)
        fields = await rt.bot.report_form(actor, _answers_for(raw))
        answers = rm.coerce_answers(fields, raw)
        errors = await rt.bot.validate_report_form(actor, answers)
        shown = set(rm.field_names(args.body.get("view") or {}))
        if errors:
            if set(errors) <= shown:
                defn = rt.bot.dialog.definition
                worded = {k: report_form.form_error(defn, v) or v for k, v in errors.items()}
                await args.ack(response_action="errors", errors=worded)
                return
            # A field the person has not seen yet needs an answer: show the form again.
            for field in fields:
                field.error = errors.get(field.name)
            again = rm.form_view(fields, raw, rt.bot.dialog.definition)
            await args.ack(response_action="update", view=again)
            return
        confirmation = await rt.bot.report_confirmation(actor, answers)
        view = rm.confirmation_view(confirmation, answers)
        if view is None:
            target = rm.longest_text_field(fields, answers) or next(iter(shown), "")
            await args.ack(response_action="errors", errors={target: rm.TOO_LONG})
            return
        await args.ack(response_action="update", view=view)

    async def report_confirmed(args: AsyncArgs) -> None:
        """Send report: store it, THEN answer Slack with the receipt (or, if it could not be
        stored in time, with "not saved" and the answers kept for Try again)."""
        view = args.body.get("view") or {}
        actor = actor_from_body(args.body)
        answers = unpack_metadata(view.get("private_metadata", "")).get("answers") or {}
        try:
            replies = await rt.bot.submit_report_form(actor, answers, key=rm.submission_key(view))
        except Exception as exc:  # nothing was committed: the core's transaction rolled back
            log.error("report submission failed: %s", type(exc).__name__, exc_info=True)
            replies = [rt.bot.not_saved(form=True)]
        first = replies[0]
        if first.data.get("not_saved"):
            await args.ack(
                response_action="update",
                view=rm.failed_view(view.get("private_metadata", ""), first.text),
            )
            return
        errors = first.data.get("errors") if first.kind == "error" else None
        if errors:  # the answers no longer pass (e.g. the trust set-up changed): back to the form
            fields = await rt.bot.report_form(actor, answers)
            for field in fields:
                field.error = errors.get(field.name)
            await args.ack(response_action="update", view=rm.form_view(fields, answers))
            return
        await args.ack(response_action="update", view=rm.receipt_view(replies))

    async def report_edit(args: AsyncArgs) -> None:
        """ "Change answers" on the confirmation step: back to the form, answers kept."""
        await args.ack()
        view = args.body.get("view") or {}
        answers = unpack_metadata(view.get("private_metadata", "")).get("answers") or {}
        actor = actor_from_body(args.body)
        fields = await rt.bot.report_form(actor, answers)
        await args.client.views_update(
            view_id=view["id"],
            hash=view.get("hash"),
            view=rm.form_view(fields, answers, rt.bot.dialog.definition),
        )

    async def action_form_submitted(args: AsyncArgs) -> None:
        """A note or a closing outcome: saved through the core before the modal closes, and
        the modal then shows what happened, so the person sees the truth even when Slack's
        Web API is down (a DM confirmation is only a courtesy)."""
        view = args.body.get("view") or {}
        meta = unpack_metadata(view.get("private_metadata", ""))
        form = {
            k: v
            for k, v in _state(args.body, rt.bot.dialog.definition).items()
            if v not in (None, "", [])
        }
        actor = actor_from_body(args.body)
        origin = Origin(user_id=actor.user_id, channel=meta.get("c"), message_ts=meta.get("t"))
        action = Action(
            actor, str(meta.get("a", "")), str(meta.get("v", "")), origin.conversation_id, form
        )
        replies = await rt.bot.handle(action)
        asking = next((r for r in replies if r.fields), None)
        if asking is not None:  # still missing something: say so on the field
            name = asking.fields[0].name
            await args.ack(response_action="errors", errors={name: EMPTY_FIELD})
            return
        await args.ack(response_action="update", view=outcome_view(replies))
        if replies and replies[0].kind != "error":
            mark_saved(args, message_text(replies[0].text))
        for reply in replies:
            try:
                await post(args.client, origin, reply)
            except Exception as exc:  # shown in the modal already
                log.warning("could not post the confirmation: %s", type(exc).__name__)

    app.action(re.compile(r"^form\."))(rt.track(report_field_changed, urgent=True))
    app.action(rm.REPORT_EDIT)(rt.track(report_edit, urgent=True))
    app.view(rm.REPORT_FORM)(rt.track(report_submitted, urgent=True))
    app.view(rm.REPORT_CONFIRM)(rt.track(report_confirmed, urgent=True))
    app.view(ACTION_FORM)(rt.track(action_form_submitted, urgent=True))


def _answers_for(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Raw form state as answers for choosing which fields to show (yes/no as booleans)."""
    return {
        k: (v == "yes" if isinstance(v, str) and v in {"yes", "no"} else v)
        for k, v in raw.items()
        if v
    }
