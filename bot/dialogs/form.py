"""Whole-form mode: the dialog as one form (a Slack modal, a Teams Adaptive Card).

Fields follow the answers given so far: conditional fields appear and disappear as earlier
answers change. Safety guidance travels in the trigger field's hint (always as a short line,
in full once it applies) and as notice replies from :func:`form_notices`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.dialogs.answers import active_notices, notice_text, prompt_for, resolve, step_options
from bot.dialogs.context import DialogContext
from bot.dialogs.definition import DialogDefinition, Step
from bot.dialogs.summary import notice_reply
from bot.messages import Choice, FormField, Reply


def field_value(step: Step, value: Any) -> str | list[str] | None:
    """A normalised answer as a form field value ("yes"/"no" for yes/no fields)."""
    if value is None:
        return None
    if step.kind == "yes_no":
        return "yes" if value else "no"
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value)


def step_field(
    defn: DialogDefinition,
    ctx: DialogContext,
    step: Step,
    values: Mapping[str, Any],
    value: Any = None,
    error: str | None = None,
) -> FormField:
    """One step as a form field, options and wording resolved for these answers.

    Option values are the plain answer values (a form submits them keyed by field name).
    """
    _, hint = prompt_for(step, values, ctx)
    extra = [
        (
            notice_text(n, ctx)
            if n.id in {a.id for a in active_notices(defn, ctx, values)}
            else n.short
        )
        for n in defn.notices
        if n.field == step.name
    ]
    hint_text = " ".join(p for p in [hint, *extra] if p) or None
    if step.kind == "yes_no":
        options = [
            Choice("Yes", "yes", "dialog.answer"),
            Choice("No", "no", "dialog.answer"),
        ]
    else:
        options = [
            Choice(o.label, o.value, "dialog.answer") for o in step_options(step, values, ctx)
        ]
    return FormField(
        name=step.name,
        label=step.label,
        kind=step.kind,
        required=step.required,
        options=options,
        hint=hint_text,
        placeholder=step.placeholder,
        max_length=step.max_length,
        value=field_value(step, value),
        error=error,
    )


def form_fields(
    defn: DialogDefinition,
    ctx: DialogContext,
    answers: Mapping[str, Any],
    errors: Mapping[str, str] | None = None,
) -> list[FormField]:
    """The visible fields for these answers, pre-filled; ``errors`` are attached by name."""
    res = resolve(defn, ctx, answers)
    fields = []
    for step in res.visible:
        value = res.answers.get(step.name)
        if value is None and step.name in res.errors:
            raw = answers.get(step.name)
            value = raw if isinstance(raw, str | list) else None
        error = (errors or {}).get(step.name)
        fields.append(step_field(defn, ctx, step, res.effective, value, error))
    return fields


def form_notices(
    defn: DialogDefinition, ctx: DialogContext, answers: Mapping[str, Any]
) -> list[Reply]:
    """The safety notices that apply to these answers, as replies to show with the form,
    led by why a signal in a typed answer changed the report (if one did)."""
    res = resolve(defn, ctx, answers)
    why = [
        Reply(text=s.message, kind="notice", data={"dialog": defn.id, "signal": s.id})
        for s in defn.signals
        if s.id in res.signals
    ]
    return why + [notice_reply(defn, n, ctx) for n in active_notices(defn, ctx, res.effective)]
