"""The confirmation summary: every answer (asked, pre-filled or implied) before submitting."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.dialogs.answers import Resolved, active_notices, notice_text, resolve, step_options
from bot.dialogs.context import DialogContext
from bot.dialogs.definition import DialogDefinition, Notice, Step
from bot.dialogs.when import format_when
from bot.messages import Choice, Reply


@dataclass(frozen=True)
class SummaryLine:
    """One line of the summary; ``number`` is set for answers the reporter can change."""

    name: str
    label: str
    value: str
    number: int | None


def display_value(
    defn: DialogDefinition,
    step: Step,
    value: Any,
    ctx: DialogContext,
    values: Mapping[str, Any] | None = None,
) -> str:
    """A normalised value as the reporter should read it."""
    if value is None or value == [] or value == "":
        return defn.text("not_given")
    if step.kind == "yes_no":
        return "Yes" if value else "No"
    if step.kind in ("choice", "multi_choice"):
        labels = {o.value: o.label for o in step_options(step, values or {}, ctx)}
        labels.update({o.value: o.label for o in step.options})
        items = value if isinstance(value, list) else [value]
        return "; ".join(labels.get(str(v), str(v)) for v in items)
    if step.kind == "date":
        return format_when(str(value))
    return str(value)


def summary_lines(defn: DialogDefinition, ctx: DialogContext, res: Resolved) -> list[SummaryLine]:
    """The summary in step order; implied values are shown but not numbered."""
    lines: list[SummaryLine] = []
    number = 0
    for step in defn.steps:
        if res.is_visible(step.name):
            number += 1
            value = display_value(defn, step, res.answers.get(step.name), ctx, res.effective)
            lines.append(SummaryLine(step.name, step.label, value, number))
        elif step.name in res.implied and res.implied[step.name] is not None:
            shown = display_value(defn, step, res.implied[step.name], ctx, res.effective)
            value = f"{shown} ({defn.text('set_automatically')})"
            lines.append(SummaryLine(step.name, step.label, value, None))
    return lines


def notice_reply(defn: DialogDefinition, notice: Notice, ctx: DialogContext) -> Reply:
    """A safety notice as its own message."""
    return Reply(
        text=f"{notice.title}\n{notice_text(notice, ctx)}",
        kind="notice",
        title=notice.title,
        data={"dialog": defn.id, "notice": notice.id, "important": True},
    )


def confirm_prompt(defn: DialogDefinition, *, form: bool = False) -> str:
    """How to send, change or cancel from the confirmation step.

    In chat the reporter types ("submit", "change 3"); on a form (Slack modal, Teams card)
    they press the form's own buttons, named exactly as :func:`confirm_choices` labels them.
    """
    if not form:
        return defn.text("confirm_prompt")
    submit, change, cancel = (c.label for c in confirm_choices(defn, form=True))
    return defn.text("confirm_form_prompt", submit=submit, change=change, cancel=cancel)


def confirm_choices(defn: DialogDefinition, *, form: bool = False) -> list[Choice]:
    """Submit / Change / Cancel, labelled for chat buttons or for a form's buttons."""
    submit, change = (
        ("form_submit_label", "form_change_label") if form else ("submit_label", "change_label")
    )
    return [
        Choice(defn.text(submit), "submit", "dialog.submit", style="primary"),
        Choice(defn.text(change), "", "dialog.edit"),
        Choice(defn.text("cancel_label"), "cancel", "dialog.cancel", style="danger"),
    ]


def confirmation_reply(
    defn: DialogDefinition, ctx: DialogContext, answers: Mapping[str, Any], *, form: bool = False
) -> Reply:
    """Everything the reporter said, any safety guidance, and Submit / Change / Cancel.

    ``form`` is for a form's confirmation step (Slack modal, Teams card): the choices carry
    the form's button labels and the instructions say to press them; otherwise (chat) the
    instructions are the typed commands. ``data["prompt"]`` is that instruction paragraph
    (the last of ``text``) and ``data["prompt_for"]`` says which one it is.
    """
    res = resolve(defn, ctx, answers)
    notices = active_notices(defn, ctx, res.effective)
    lines = summary_lines(defn, ctx, res)
    prompt = confirm_prompt(defn, form=form)
    parts = [f"Important: {n.title}. {notice_text(n, ctx)}" for n in notices]
    parts.append(defn.text("confirm_intro"))
    parts.append(
        "\n".join(
            f"{line.number}. {line.label}: {line.value}"
            if line.number is not None
            else f"• {line.label}: {line.value}"
            for line in lines
        )
    )
    parts.append(prompt)
    return Reply(
        text="\n\n".join(parts),
        kind="dialog",
        title=defn.text("confirm_title"),
        choices=confirm_choices(defn, form=form),
        data={
            "dialog": defn.id,
            "step": "confirm",
            "notices": [n.id for n in notices],
            "summary": [
                {"name": ln.name, "label": ln.label, "value": ln.value, "number": ln.number}
                for ln in lines
            ],
            "prompt": prompt,
            "prompt_for": "form" if form else "chat",
        },
    )


def edit_menu_reply(defn: DialogDefinition, ctx: DialogContext, res: Resolved) -> Reply:
    """The numbered list of answers given so far that can be changed, as text and buttons."""
    lines = [
        ln
        for ln in summary_lines(defn, ctx, res)
        if ln.number is not None and ln.name in res.answers
    ]
    listing = "\n".join(f"{ln.number}. {ln.label}: {ln.value}" for ln in lines)
    return Reply(
        text=f"{defn.text('edit_prompt')}\n\n{listing}\n\n{defn.text('footer')}",
        kind="dialog",
        title=defn.text("change_label"),
        choices=[Choice(ln.label, ln.name, "dialog.edit") for ln in lines]
        + [
            Choice(defn.text("back_label"), "back", "dialog.back"),
            Choice(defn.text("cancel_label"), "cancel", "dialog.cancel", style="danger"),
        ],
        data={"dialog": defn.id, "step": "edit"},
    )
