"""The report dialog's wording for a form (Slack modal, Teams card), read from ``report.yaml``.

The dialog definition owns every sentence: chat wording ("type 'skip'", "reply with its
number") for chat, and ``form_*`` messages for forms. This module picks the form's: its
title, intro, the safeguarding guidance shown above everything else (in full once it
applies), the cancel message, the "Other" choice of a step that accepts any answer, and the
form version of a hint the core worded for chat.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.dialogs import DialogDefinition
from bot.messages import FormField

#: the option value meaning "none of these: see the text field below"
OTHER = "__other__"
OTHER_SUFFIX = "_other"
#: chat hints a form words differently (``form_<key>`` in report.yaml)
FORM_HINTS: tuple[str, ...] = (
    "hint_choice",
    "hint_yes_no",
    "hint_multi_choice",
    "hint_url",
    "hint_when_link",
)


@dataclass(frozen=True)
class Guidance:
    """One safeguarding notice as a form shows it: always visible, in full once it applies."""

    id: str
    title: str
    text: str
    active: bool


def title(defn: DialogDefinition) -> str:
    """The form's title."""
    return defn.text("form_title")


def intro(defn: DialogDefinition) -> str:
    """The form's intro (form wording: "press Send report")."""
    return defn.text("form_intro")


def guidance(defn: DialogDefinition, fields: Sequence[FormField]) -> list[Guidance]:
    """The safeguarding guidance for the top of the form, in the dialog's order.

    A notice applies when the core put its full text in its field's hint (the core decides,
    from the answers, including implied ones such as an *Immediate* urgency).
    The full text is the core's, as filled in for this reporter (``{dsl}`` names their DSL);
    before it applies, the notice's form line (worded to stand above its question).
    """
    hints = {f.name: f.hint or "" for f in fields}
    out = []
    for notice in defn.notices:
        found = _filled(notice.text).search(hints.get(notice.field, ""))
        if found is not None:
            out.append(Guidance(notice.id, notice.title, found.group(0), True))
        else:
            line = notice.form_short or notice.short
            out.append(Guidance(notice.id, notice.title, line, False))
    return out


def field_hint(defn: DialogDefinition, form_field: FormField) -> str | None:
    """A field's hint without the safeguarding lines (shown at the top of the form instead)
    and without chat-only hints (a date picker needs no "today, yesterday, 20/11")."""
    if form_field.kind == "date":
        return None
    hint = form_field.hint or ""
    for notice in defn.notices:
        hint = _filled(notice.text).sub("", hint).replace(notice.short, "")
    return " ".join(hint.split()) or None


def cancelled(defn: DialogDefinition, safeguarding: bool | None) -> str:
    """What cancelling the form says. ``safeguarding``: the answers last sent back gave a
    safeguarding answer. A form's Cancel does not send what is in it now (a Yes ticked
    since may be unseen), so without one it still asks to tell the DSL if it was about a
    child's safety."""
    text = defn.text("form_cancelled")
    if safeguarding:
        return f"{text} {defn.text('cancelled_safeguarding')}"
    return f"{text} {defn.text('form_cancelled_unknown')}"


def any_active(defn: DialogDefinition, fields: Sequence[FormField]) -> bool:
    """Whether any safeguarding notice applies to the answers behind ``fields``."""
    return any(g.active for g in guidance(defn, fields))


def form_error(defn: DialogDefinition, error: str | None) -> str | None:
    """A field error in form wording: a chat hint ("reply with its number") becomes its
    ``form_`` version."""
    if not error:
        return error
    for key in FORM_HINTS:
        if error == defn.messages.get(key) and f"form_{key}" in defn.messages:
            return defn.text(f"form_{key}")
    return error


def accepts_other(defn: DialogDefinition, name: str) -> bool:
    """Whether the step ``name`` accepts an answer outside its options."""
    return defn.has_step(name) and defn.step(name).allow_other


def other_option_label(defn: DialogDefinition) -> str:
    """The label of the "Other" option."""
    return defn.text("form_other_option")


def other_field_label(defn: DialogDefinition, label: str) -> str:
    """The label of the text field for an "Other" answer."""
    return defn.text("form_other_label", label=label)


def other_value(form_field: FormField) -> str | None:
    """The typed "Other" answer a field holds (its value is not one of its options)."""
    value = form_field.value
    if not isinstance(value, str) or not value:
        return None
    return None if value in {o.value for o in form_field.options} else value


def merge_other(defn: DialogDefinition, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Form answers with each "Other" choice replaced by the text typed beside it."""
    out = {k: v for k, v in answers.items() if not k.endswith(OTHER_SUFFIX)}
    for name, value in answers.items():
        if not name.endswith(OTHER_SUFFIX):
            continue
        step = name[: -len(OTHER_SUFFIX)]
        if accepts_other(defn, step) and out.get(step) in (OTHER, None, ""):
            typed = str(value or "").strip()
            out[step] = typed or out.get(step)
    for name, value in list(out.items()):
        if value == OTHER:
            out[name] = ""  # "Other" chosen but nothing typed: the core says it is missing
    return out


@functools.lru_cache(maxsize=64)
def _filled(template: str) -> re.Pattern[str]:
    """A notice's text as the core fills it in (``{dsl}`` becomes the academy's DSL's name,
    or nothing), as a pattern to find it in a field's hint (built once per notice: every
    form asks it for every field)."""
    parts = re.split(r"\{[a-z_]+\}", template)
    return re.compile(".{0,200}?".join(re.escape(p) for p in parts))
