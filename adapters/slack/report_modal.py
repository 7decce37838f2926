"""The incident report as Slack modals: form -> confirmation -> sending -> receipt.

The form's fields come from the core dialog (:meth:`PolicyBot.report_form`); conditional
fields follow earlier answers. The answers travel between steps in the view's
``private_metadata`` (compressed when long), so no step depends on process memory.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from adapters import report_form
from adapters.slack.blocks import (
    BUTTON_LABEL_LIMIT,
    BUTTON_VALUE_LIMIT,
    FORM_ACTION_PREFIX,
    escape,
    input_blocks,
    modal,
    mrkdwn_sections,
    pack_metadata,
    plain,
    reply_blocks,
    unpack_metadata,
)
from bot.dialogs import DialogDefinition, load_definition
from bot.messages import Choice, FormField, Reply

REPORT_FORM = "report.form"
REPORT_CONFIRM = "report.confirm"
REPORT_DONE = "report.done"
#: the "change" button on the confirmation step ("Change answers")
REPORT_EDIT = "report.edit"

FORM_TITLE = "Report an incident"
TOO_LONG = (
    "This report is too long for a Slack form. Please shorten this answer a little "
    "(or use a direct message to the bot, which has no such limit)."
)


@functools.cache
def _bundled() -> DialogDefinition:
    return load_definition()


def guidance_blocks(defn: DialogDefinition, fields: Sequence[FormField]) -> list[dict[str, Any]]:
    """The safeguarding guidance, first in the form: each notice's short line, or its title
    and full text once it applies (from report.yaml)."""
    notes = report_form.guidance(defn, fields)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain(f"⚠️ {defn.text('form_guidance_title')}", 150)}
    ]
    for note in notes:
        if note.active:
            text = f":rotating_light: *{escape(note.title)}*\n*{escape(note.text)}*"
        else:
            text = f":warning: {escape(note.text)}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text}})
    blocks.append({"type": "divider"})
    return blocks


def form_fields_for(defn: DialogDefinition, fields: Sequence[FormField]) -> list[FormField]:
    """The fields as a form shows them: form wording for hints and errors, safeguarding lines
    moved to the top, and an "Other" option (with its text field) where any answer goes."""
    out: list[FormField] = []
    for f in fields:
        shown = FormField(**{**f.__dict__})
        shown.hint = report_form.field_hint(defn, f)
        shown.error = report_form.form_error(defn, f.error)
        typed = None
        if report_form.accepts_other(defn, f.name):
            typed = report_form.other_value(f)
            other = Choice(report_form.other_option_label(defn), report_form.OTHER, "dialog.answer")
            shown.options = [*f.options, other]
            shown.value = report_form.OTHER if typed else f.value
        out.append(shown)
        if report_form.accepts_other(defn, f.name):
            out.append(
                FormField(
                    name=f.name + report_form.OTHER_SUFFIX,
                    label=report_form.other_field_label(defn, f.label),
                    kind="text",
                    required=False,
                    max_length=f.max_length,
                    value=typed,
                )
            )
    return out


def form_view(
    fields: Sequence[FormField],
    answers: Mapping[str, Any],
    defn: DialogDefinition | None = None,
) -> dict[str, Any]:
    """The report form, with ``answers`` filled in: the safeguarding guidance first, then the
    intro and the fields, all worded for a form by the dialog definition (report.yaml)."""
    defn = defn or _bundled()
    shown = form_fields_for(defn, fields)
    blocks = guidance_blocks(defn, fields)
    blocks.extend(mrkdwn_sections(report_form.intro(defn)))
    blocks.extend(input_blocks(shown, answers))
    return modal(report_form.title(defn), blocks, callback_id=REPORT_FORM, submit="Next")


def prefill_value(prefill: Mapping[str, Any]) -> str:
    """``prefill`` as a "Report an incident" button's value (JSON within Slack's limit).

    Only a long quoted message ("seen", from "Report this message") is ever shortened.
    """

    def encoded(seen_chars: int | None) -> str:
        answers = dict(prefill)
        if seen_chars is not None:
            answers["seen"] = str(answers["seen"])[:seen_chars] + "…"
        return json.dumps(answers, ensure_ascii=False)

    value = encoded(None)
    if len(value) <= BUTTON_VALUE_LIMIT:
        return value
    if not prefill.get("seen"):
        return "{}"
    low, high = 0, len(str(prefill["seen"]))  # the longest cut of "seen" that fits
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (
            (middle, high) if len(encoded(middle)) <= BUTTON_VALUE_LIMIT else (low, middle - 1)
        )
    value = encoded(low)
    return value if len(value) <= BUTTON_VALUE_LIMIT else "{}"


def field_names(view: Mapping[str, Any]) -> list[str]:
    """The form fields a rendered view holds, in order."""
    return [
        str(b.get("block_id"))
        for b in view.get("blocks", [])
        if b.get("type") == "input"
        and str(b.get("element", {}).get("action_id", "")).startswith(FORM_ACTION_PREFIX)
    ]


def coerce_answers(fields: Sequence[FormField], answers: Mapping[str, Any]) -> dict[str, Any]:
    """Slack form values -> the core's answers for the fields shown: yes/no become booleans,
    a blank optional field is None (answered "skip"), hidden fields are left out."""
    out: dict[str, Any] = {}
    for field in fields:
        value = answers.get(field.name)
        if isinstance(value, str):
            value = value.strip() or None
        if value == []:
            value = None
        if field.kind == "yes_no" and value in {"yes", "no"}:
            value = value == "yes"
        if value is None and field.required:
            continue  # unanswered: the core says which answer is missing
        out[field.name] = value
    return out


def confirm_labels(reply: Reply) -> tuple[str, str, str]:
    """The confirmation step's Send / Change / Cancel labels, as the core's form-mode
    choices name them (its instructions tell the reporter to press exactly these)."""
    labels = {c.action: c.label for c in reply.choices}
    return (
        labels.get("dialog.submit", "Send report"),
        labels.get("dialog.edit", "Change answers"),
        labels.get("dialog.cancel", "Cancel"),
    )


def confirmation_view(reply: Reply, answers: Mapping[str, Any]) -> dict[str, Any] | None:
    """The confirmation step; None when the answers are too long to carry in the view.

    The modal's own submit and close buttons are the core's Send and Cancel; "change" is a
    button under the summary."""
    meta = pack_metadata({"answers": dict(answers), "k": uuid.uuid4().hex})
    if meta is None:
        return None
    submit, change, cancel = confirm_labels(reply)
    body = Reply(text=reply.text, kind=reply.kind, citations=reply.citations)
    blocks = reply_blocks(body)
    blocks.append(
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": plain(change, BUTTON_LABEL_LIMIT),
                    "action_id": REPORT_EDIT,
                    "value": "edit",
                }
            ],
        }
    )
    return modal(
        reply.title or "Check your report",
        blocks,
        callback_id=REPORT_CONFIRM,
        submit=submit,
        close=cancel,
        private_metadata=meta,
    )


def receipt_view(replies: Sequence[Reply]) -> dict[str, Any]:
    """The receipt: reference, who was told, any warning."""
    blocks: list[dict[str, Any]] = []
    for reply in replies:
        blocks.extend(reply_blocks(Reply(text=reply.text, kind=reply.kind), include_fields=False))
    title = next((r.title for r in replies if r.title), None) or "Report sent"
    return modal(title, blocks, callback_id=REPORT_DONE, close="Done")


def submission_key(view: Mapping[str, Any]) -> str:
    """The key "Send report" stores the report under: the same for every press on this
    confirmation (and on its "Try again"), so a retry never stores a second report."""
    meta = unpack_metadata(view.get("private_metadata", ""))
    return f"slack:{meta.get('k') or view.get('id') or ''}"


def failed_view(private_metadata: str, text: str) -> dict[str, Any]:
    """Saving failed: say so, keep the answers and offer to try again (same submission)."""
    return modal(
        FORM_TITLE,
        mrkdwn_sections(f":warning: {text}", escaped=True),
        callback_id=REPORT_CONFIRM,
        submit="Try again",
        close="Cancel",
        private_metadata=private_metadata,
    )


def longest_text_field(fields: Sequence[FormField], answers: Mapping[str, Any]) -> str | None:
    """The name of the field holding the longest text answer (where to show TOO_LONG)."""
    texts = [(len(str(answers.get(f.name) or "")), f.name) for f in fields]
    return max(texts)[1] if texts else None
