"""Render the core's neutral :class:`~bot.messages.Reply` as an Adaptive Card 1.5 (Teams).

Pure functions: no SDK, no I/O. Every button is an ``Action.Submit`` whose data carries a
``pb`` object (``{"action": ..., "value": ...}``); Teams merges the card's input values into
the same object, keyed by input id (= form field name), so a submission comes back as one
dict that :func:`parse_submit` splits again. Every card has ``fallbackText`` = the reply's
complete plain text, and :func:`plain_text` renders the same reply for clients without cards.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.messages import Choice, FormField, Reply
from bot.qa.render import CITATIONS_HEADING, answer_words, choice_groups, verdict_words

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
DATA_KEY = "pb"  # the key of our own data in every Action.Submit payload

# Internal card actions (never sent to the core): the report form's steps.
FORM_CONTINUE = "teams.form.continue"
FORM_SUBMIT = "teams.form.submit"
FORM_EDIT = "teams.form.edit"
FORM_CANCEL = "teams.form.cancel"
FIELDS_SUBMIT = "teams.fields.submit"  # a reply with fields, answered inline

#: each verdict's emoji and colour (the words are the core's, see :func:`verdict_block`)
VERDICT_STYLES: dict[str, tuple[str, str]] = {
    "allowed": ("✅", "good"),
    "not_allowed": ("⛔", "attention"),
    "conditional": ("⚠️", "warning"),
    "information": ("ℹ️", "accent"),
    "no_match": ("❔", "default"),
}
YES_NO = (("Yes", "yes"), ("No", "no"))


@dataclass(frozen=True)
class Submission:
    """A parsed ``Action.Submit`` payload: our action/value plus the card's input values."""

    action: str
    value: str
    inputs: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)  # answers carried between form steps


def submit_data(
    action: str, value: str = "", state: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The ``data`` of an ``Action.Submit`` button."""
    pb: dict[str, Any] = {"action": action, "value": value}
    if state:
        pb["state"] = dict(state)
    return {DATA_KEY: pb}


def parse_submit(value: Mapping[str, Any] | None) -> Submission | None:
    """Split an incoming ``activity.value`` from one of our cards; ``None`` if it is not ours."""
    if not isinstance(value, Mapping):
        return None
    pb = value.get(DATA_KEY)
    if not isinstance(pb, Mapping) or not isinstance(pb.get("action"), str):
        return None
    inputs = {k: _input_value(v) for k, v in value.items() if k not in {DATA_KEY, "msteams"}}
    state = pb.get("state")
    return Submission(
        action=str(pb["action"]),
        value=str(pb.get("value") or ""),
        inputs=inputs,
        state=dict(state) if isinstance(state, Mapping) else {},
    )


def _input_value(raw: Any) -> Any:
    return raw.strip() if isinstance(raw, str) else raw


def _text(text: str, **extra: Any) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "TextBlock", "text": text, "wrap": True}
    block.update(extra)
    return block


def _button(choice: Choice) -> dict[str, Any]:
    if choice.url:
        return {"type": "Action.OpenUrl", "title": choice.label, "url": choice.url}
    action: dict[str, Any] = {
        "type": "Action.Submit",
        "title": choice.label,
        "data": submit_data(choice.action, choice.value),
    }
    if choice.style == "primary":
        action["style"] = "positive"
    elif choice.style == "danger":
        action["style"] = "destructive"
    return action


def verdict_block(reply: Reply) -> dict[str, Any]:
    """The coloured verdict line at the top of a policy answer: emoji and the core's words."""
    emoji, colour = VERDICT_STYLES.get(reply.verdict or "", ("", "default"))
    line = f"{emoji} {verdict_words(reply)}".strip()
    return _text(line, weight="Bolder", size="Medium", color=colour)


def citation_blocks(reply: Reply) -> list[dict[str, Any]]:
    """The policy's own words, quoted, each under its section name."""
    if not reply.citations:
        return []
    items: list[dict[str, Any]] = [_text(CITATIONS_HEADING, weight="Bolder", spacing="Medium")]
    for cite in reply.citations:
        items.append(_text(cite.section, isSubtle=True, size="Small", spacing="Small"))
        items.append(_text(f"“{cite.text}”", fontType="Default", spacing="None"))
    return [{"type": "Container", "style": "emphasis", "items": items, "bleed": False}]


def field_elements(form_field: FormField) -> list[dict[str, Any]]:
    """One form field as Adaptive Card input(s), with label, isRequired and errorMessage."""
    elements: list[dict[str, Any]] = []
    if form_field.hint:
        elements.append(_text(form_field.hint, isSubtle=True, size="Small", spacing="Medium"))
    base: dict[str, Any] = {
        "id": form_field.name,
        "label": form_field.label,
        "isRequired": form_field.required,
        "errorMessage": form_field.error or _required_message(form_field),
    }
    kind = form_field.kind
    value = form_field.value
    if kind in {"choice", "multi_choice", "yes_no"}:
        options = (
            [{"title": t, "value": v} for t, v in YES_NO]
            if kind == "yes_no"
            else [
                {"title": o.label, "value": option_value(form_field, o)} for o in form_field.options
            ]
        )
        element = {**base, "type": "Input.ChoiceSet", "choices": options}
        element["style"] = "expanded" if len(options) <= 4 else "compact"
        if kind == "multi_choice":
            element["isMultiSelect"] = True
        if value:
            element["value"] = ",".join(value) if isinstance(value, list) else str(value)
        if form_field.placeholder:
            element["placeholder"] = form_field.placeholder
    elif kind == "date":
        element = {**base, "type": "Input.Date"}
        if value:
            element["value"] = str(value)
    else:
        element = {**base, "type": "Input.Text"}
        if kind == "textarea":
            element["isMultiline"] = True
        if kind == "url":
            element["style"] = "Url"
        if form_field.placeholder:
            element["placeholder"] = form_field.placeholder
        if form_field.max_length:
            element["maxLength"] = form_field.max_length
        if value:
            element["value"] = ", ".join(value) if isinstance(value, list) else str(value)
    elements.append(element)
    if form_field.error:
        elements.append(_text(f"⚠️ {form_field.error}", color="attention", spacing="None"))
    return elements


def option_value(form_field: FormField, option: Choice) -> str:
    """An option's bare value (the core's form options are ``"<field>:<value>"``)."""
    prefix = f"{form_field.name}:"
    return option.value[len(prefix) :] if option.value.startswith(prefix) else option.value


def _required_message(form_field: FormField) -> str:
    if form_field.kind in {"choice", "multi_choice", "yes_no"}:
        return f"Please choose an answer for “{form_field.label}”."
    return f"Please fill in “{form_field.label}”."


def card(
    body: list[dict[str, Any]], actions: list[dict[str, Any]], fallback: str
) -> dict[str, Any]:
    """Wrap body and actions in an Adaptive Card 1.5 document."""
    doc: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "fallbackText": fallback,
        "body": body,
        "msteams": {"width": "Full"},
    }
    if actions:
        doc["actions"] = actions
    return doc


def reply_card(reply: Reply, *, submit: Choice | None = None) -> dict[str, Any]:
    """A reply as an Adaptive Card, each piece once: the verdict line (or title), the answer,
    the policy's own words with their section, any inputs, then the buttons.

    Buttons the core gives a heading (a follow-up question, "Did you mean:") are shown
    under it, in an ``ActionSet`` in the body; the buttons after the last heading (or all
    of them, when there is none) are the card's own actions at the bottom. ``submit`` is
    the button that sends a reply's ``fields`` back (the action that asked for them); a
    reply with fields and no ``submit`` uses its own choices as submit buttons.
    """
    body: list[dict[str, Any]] = []
    if reply.verdict:
        body.append(verdict_block(reply))
    elif reply.title:
        body.append(_text(reply.title, weight="Bolder", size="Medium"))
    color = "attention" if reply.kind == "error" else "default"
    body.append(_text(answer_words(reply), color=color, spacing="Small"))
    body.extend(citation_blocks(reply))
    for form_field in reply.fields:
        body.extend(field_elements(form_field))
    groups = choice_groups(reply)
    headed = max((i for i, g in enumerate(groups) if g.heading), default=-1) + 1
    for group in groups[:headed]:
        if group.heading:
            body.append(_text(group.heading, weight="Bolder", spacing="Medium"))
        body.append({"type": "ActionSet", "actions": [_button(c) for c in group.choices]})
    actions = [_button(c) for group in groups[headed:] for c in group.choices]
    if reply.fields and submit is not None:
        actions.insert(0, _button(submit))
    return card(body, actions, fallback=plain_text(reply))


def report_form_card(
    fields: Sequence[FormField], *, title: str = "Report an incident", intro: str | None = None
) -> dict[str, Any]:
    """The whole report dialog as one card form; "Continue" re-renders or confirms."""
    body: list[dict[str, Any]] = [_text(title, weight="Bolder", size="Medium")]
    body.append(
        _text(
            intro
            or "Answer the questions below. More questions may appear after you press "
            "Continue, depending on your answers. Nothing is sent until you confirm.",
            isSubtle=True,
            spacing="Small",
        )
    )
    for form_field in fields:
        body.extend(field_elements(form_field))
    actions = [
        {
            "type": "Action.Submit",
            "title": "Continue",
            "style": "positive",
            "data": submit_data(FORM_CONTINUE, state={"shown": [f.name for f in fields]}),
        },
        {
            "type": "Action.Submit",
            "title": "Cancel",
            "associatedInputs": "none",
            "data": submit_data(FORM_CANCEL),
        },
    ]
    lines = [title, *(f"- {f.label}" for f in fields)]
    return card(body, actions, fallback="\n".join(lines))


def confirmation_card(reply: Reply, answers: Mapping[str, Any], *, form_id: str) -> dict[str, Any]:
    """The confirmation step: the core's summary, then Send / Change / Cancel.

    The buttons are labelled as the core's form-mode choices name them, so they match the
    summary's instructions. The answers ride in the buttons' data (nothing kept in memory);
    ``form_id`` lets the handler send one report exactly once even if Send is pressed twice.
    """
    labels = {c.action: c.label for c in reply.choices}
    body: list[dict[str, Any]] = [_text(reply.title or "Check your report", weight="Bolder")]
    body.append(_text(reply.text, spacing="Small"))
    state = {"answers": dict(answers), "form_id": form_id}
    actions = [
        {
            "type": "Action.Submit",
            "title": labels.get("dialog.submit", "Send report"),
            "style": "positive",
            "data": submit_data(FORM_SUBMIT, state=state),
        },
        {
            "type": "Action.Submit",
            "title": labels.get("dialog.edit", "Change answers"),
            "data": submit_data(FORM_EDIT, state={"answers": dict(answers)}),
        },
        {
            "type": "Action.Submit",
            "title": labels.get("dialog.cancel", "Cancel"),
            "data": submit_data(FORM_CANCEL),
        },
    ]
    return card(body, actions, fallback=reply.text)


def plain_text(reply: Reply, *, numbered: bool = True) -> str:
    """The reply for a client without cards: its complete text, then numbered choices.

    ``Reply.text`` already holds the verdict, answer and quoted policy words; buttons become
    a numbered list the person answers by typing the number.
    """
    parts = [reply.text]
    if reply.choices and numbered:
        lines = [f"{i}. {c.label}" for i, c in enumerate(reply.choices, start=1)]
        missing = [line for line in lines if line not in reply.text]  # the core may list them
        if missing:
            intro = (
                "Or reply with a number:" if len(missing) < len(lines) else "Reply with a number:"
            )
            parts.append(intro + "\n" + "\n".join(missing))
    return "\n\n".join(p for p in parts if p)


def attachment(content: dict[str, Any]) -> dict[str, Any]:
    """An activity attachment carrying an Adaptive Card."""
    return {"contentType": CARD_CONTENT_TYPE, "content": content}
