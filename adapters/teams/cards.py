"""Render the core's neutral :class:`~bot.messages.Reply` as an Adaptive Card 1.5 (Teams).

Pure functions: no SDK, no I/O. Two rules make cards read well in a real Teams client:

* **literal text**: everything the core says (which may quote what people typed) goes in
  ``RichTextBlock``/``TextRun`` elements, which Teams never reads as Markdown, so
  ``_jo_smith_09_`` keeps its underscores and ``[this post](https://evil.example)`` shows
  its address; ``TextBlock`` (Markdown) is used only for our own fixed words;
* **structure, not text layout**: Teams runs single line breaks and aligned columns
  together, so :func:`layout` turns the core's lines into separate blocks: a run of
  ``Label: value`` lines becomes a fact table, ``•`` lines a list, each paragraph its own
  block; an *Immediate* or *Urgent* incident gets a coloured banner at the top.

Every button is an ``Action.Submit`` whose data carries a
``pb`` object (``{"action": ..., "value": ...}``); Teams merges the card's input values into
the same object, keyed by input id (= form field name), so a submission comes back as one
dict that :func:`parse_submit` splits again. Every card has ``fallbackText`` = the reply's
complete plain text, and :func:`plain_text` renders the same reply for clients without cards.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
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

#: each verdict's emoji and text colour (the words are the core's, see :func:`verdict_block`).
#: Only colours readable on a white card are used (measured in the Agents Playground:
#: attention red 5.4:1, accent blue 5.4:1); Teams' green is 2.1:1 and its amber ~1.5:1,
#: so "Allowed" and "It depends" are in the default colour and the emoji carries the colour
VERDICT_STYLES: dict[str, tuple[str, str]] = {
    "allowed": ("✅", "default"),
    "not_allowed": ("⛔", "attention"),
    "conditional": ("⚠️", "default"),
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


def literal(text: str, **style: Any) -> dict[str, Any]:
    """``text`` shown exactly as written (a ``TextRun`` is never read as Markdown).

    ``style``: ``weight``, ``color``, ``size``, ``isSubtle``, ``italic`` (on the run) and
    ``spacing`` (on the block).
    """
    spacing = style.pop("spacing", None)
    run: dict[str, Any] = {"type": "TextRun", "text": text, **style}
    block: dict[str, Any] = {"type": "RichTextBlock", "inlines": [run]}
    if spacing:
        block["spacing"] = spacing
    return block


#: a ``Label: value`` line of the core's text (short label, no sentence before the colon)
_FACT = re.compile(r"^([A-Z][\w ’'()/,-]{0,40}):[ \t]+(\S.*)$")
#: a fact's label has at most this many words ("A member of staff is involved"); a longer
#: one is a sentence with a colon in it ("A child may be at immediate risk of harm: act now.")
FACT_LABEL_WORDS = 6
_BULLET = re.compile(r"^\s*[•\-*][ \t]+(.*)$")
#: a line of a space-aligned table ("  report          report an incident")
_COLUMNS = re.compile(r"^[ \t]*(\S(?:.*?\S)?)[ \t]{2,}(\S.*)$")
#: a line the core marks as safety guidance
_IMPORTANT = re.compile(r"^(Important|Warning):")
#: characters Teams' Markdown might read in a FactSet (which is Markdown, unlike a TextRun)
_MARKDOWN = re.compile(r"[*_`~\[\]<>#&\\]|^\s*\d+\.|^\s*[-+]")
#: a list item that starts with an incident reference ("SM-2026-0042 – ...")
_REFERENCE_ITEM = re.compile(r"^([A-Z]{2,}-\d{4}-\d+)( – .*)$")
URGENCY_LINE = re.compile(r"^Urgency:\s*(.+)$", re.MULTILINE)
#: urgency word -> (banner style, banner words)
URGENCY_BANNERS: dict[str, tuple[str, str]] = {
    "immediate": ("attention", "🚨 IMMEDIATE: a child may be at risk now. Act on this at once."),
    "urgent": ("warning", "⏰ URGENT: needs action today."),
}
#: a list item longer than this wraps at Teams' narrowest card width (~460 px): items are
#: then spaced apart so each stands on its own
LONG_ITEM = 60


def fact_table(facts: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """``Label: value`` pairs as a table: a ``FactSet`` when no text could be read as
    Markdown, else two literal columns per row (same look, nothing interpreted), weighted
    alike in every row so the values line up."""
    if not any(_MARKDOWN.search(t) or _MARKDOWN.search(v) for t, v in facts):
        return {
            "type": "FactSet",
            "facts": [{"title": t, "value": v} for t, v in facts],
            "spacing": "Small",
        }
    rows = [
        {
            "type": "ColumnSet",
            "spacing": "Small",
            "columns": [
                {"type": "Column", "width": 2, "items": [literal(t, weight="Bolder")]},
                {"type": "Column", "width": 3, "items": [literal(v)]},
            ],
        }
        for t, v in facts
    ]
    return {"type": "Container", "spacing": "Small", "items": rows}


def list_item(text: str, *, spacing: str, **style: Any) -> dict[str, Any]:
    """One list item with a hanging indent (the bullet in its own column, so wrapped lines
    start under the text, not under the bullet); a leading incident reference in bold."""
    ref = _REFERENCE_ITEM.match(text) if not style else None
    if ref:
        runs = [
            {"type": "TextRun", "text": ref.group(1), "weight": "Bolder"},
            {"type": "TextRun", "text": ref.group(2)},
        ]
        body: dict[str, Any] = {"type": "RichTextBlock", "inlines": runs}
    else:
        body = literal(text, **style)
    return {
        "type": "ColumnSet",
        "spacing": spacing,
        "columns": [
            {"type": "Column", "width": "auto", "items": [literal("•", **style)]},
            {"type": "Column", "width": "stretch", "items": [body]},
        ],
    }


def _is_fact(line: str) -> bool:
    m = _FACT.match(line) if not line[:1].isspace() and not _IMPORTANT.match(line) else None
    return m is not None and len(m.group(1).split()) <= FACT_LABEL_WORDS


def layout(text: str, **style: Any) -> list[dict[str, Any]]:
    """The core's text as card structure: each paragraph apart, ``Label: value`` runs (two
    or more lines) as a fact table (an indented line under a row continues its value),
    ``•``/``-`` lines as list items with a hanging indent (the line introducing a list, ending
    in a colon, in bold), other lines each their own literal block. ``style`` applies to
    the text runs."""
    out: list[dict[str, Any]] = []
    for para in re.split(r"\n[ \t]*\n", text.strip("\n")):
        lines = [line.rstrip() for line in para.split("\n") if line.strip()]
        prev = ""  # what came before in this paragraph: "", "text", "list" or "table"
        i = 0
        while i < len(lines):
            # a paragraph stands apart; a table or list stands apart from the text around it
            spacing = "Medium" if not prev and out else "None"
            facts, j = _table(lines, i)
            if len(facts) >= 2:
                table = fact_table(facts)
                table["spacing"] = "Small" if out and spacing == "None" else spacing
                out.append(table)
                i, prev = j, "table"
                continue
            bullet = _BULLET.match(lines[i])
            if bullet:
                long = any(len(b) > LONG_ITEM for b in _run_of_bullets(lines, i))
                if prev == "table" or (prev == "list" and long):
                    spacing = "Small"
                out.append(list_item(bullet.group(1), spacing=spacing, **style))
                i, prev = i + 1, "list"
                continue
            line = lines[i].strip()
            if prev in {"list", "table"}:
                spacing = "Small"
            # a line introducing a list or table (not the message's first line, its lead)
            heads_list = (
                bool(out)
                and line.endswith(":")
                and (
                    (i + 1 < len(lines) and bool(_BULLET.match(lines[i + 1])))
                    or len(_table(lines, i + 1)[0]) >= 2
                )
            )
            if _IMPORTANT.match(line) and not style:
                out.append(literal(line, spacing=spacing, weight="Bolder", color="attention"))
            elif heads_list and not style:
                heading_spacing = "Small" if spacing == "None" and prev else spacing
                out.append(literal(line, spacing=heading_spacing, weight="Bolder"))
            else:
                out.append(literal(line, spacing=spacing, **style))
            i, prev = i + 1, "text"
    return out


def _run_of_bullets(lines: Sequence[str], i: int) -> list[str]:
    """The texts of the list items from ``lines[i]`` on, up to the first other line."""
    run: list[str] = []
    for line in lines[i:]:
        m = _BULLET.match(line)
        if not m:
            break
        run.append(m.group(1))
    return run


#: a line of a numbered summary ("3. Where: Instagram"), or a bullet among such lines
#: ("•  Academy: Oakfield (set automatically)")
_SUMMARY = re.compile(r"^\s*(\d+\.|•)\s+(.+)$")


def _summary(lines: Sequence[str], i: int) -> tuple[list[tuple[str, str]], int]:
    """A numbered summary of answers from ``lines[i]`` ("1. Label: value" lines, with
    "• Label: value" lines among them) as facts, each label keeping its number or bullet
    (the same words as in Slack and the console)."""
    j = i
    facts: list[tuple[str, str]] = []
    numbered = False
    while j < len(lines):
        m = _SUMMARY.match(lines[j])
        if not m or not _is_fact(m.group(2)):
            break
        numbered = numbered or m.group(1) != "•"
        fact = _FACT.match(m.group(2))
        assert fact is not None
        facts.append((f"{m.group(1)} {fact.group(1)}", fact.group(2)))
        j += 1
    return (facts, j) if numbered else ([], i)


def _table(lines: Sequence[str], i: int) -> tuple[list[tuple[str, str]], int]:
    """The ``Label: value`` run, numbered summary or space-aligned table starting at
    ``lines[i]`` (its rows, and the index after it); an indented line that is not a row
    continues the row above."""
    facts, j = _summary(lines, i)
    if len(facts) >= 2:
        return facts, j
    j = i
    facts = []
    while j < len(lines) and _is_fact(lines[j]):
        m = _FACT.match(lines[j])
        assert m is not None
        facts.append((m.group(1), m.group(2)))
        j += 1
    if len(facts) >= 2:
        return facts, j
    j, facts = i, []
    while j < len(lines) and not _BULLET.match(lines[j]):
        m = _COLUMNS.match(lines[j])
        if m:
            facts.append((m.group(1), m.group(2)))
        elif facts and lines[j][:1].isspace():  # a continuation of the row above
            title, value = facts[-1]
            facts[-1] = (title, f"{value} {lines[j].strip()}")
        else:
            break
        j += 1
    return facts, j


def urgency_banner(text: str) -> dict[str, Any] | None:
    """A coloured banner for an *Immediate* or *Urgent* incident (from its ``Urgency:``
    line), so it stands out from a routine one at a glance; None otherwise."""
    m = URGENCY_LINE.search(text)
    word = m.group(1).split(":", 1)[0].strip().lower() if m else ""
    if word not in URGENCY_BANNERS:
        return None
    style, words = URGENCY_BANNERS[word]
    return {
        "type": "Container",
        "style": style,
        "bleed": True,
        "items": [literal(words, weight="Bolder", size="Medium")],
    }


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
    """The verdict line at the top of a policy answer: emoji and the core's words."""
    emoji, colour = VERDICT_STYLES.get(reply.verdict or "", ("", "default"))
    line = f"{emoji} {verdict_words(reply)}".strip()
    return literal(line, weight="Bolder", size="Medium", color=colour)


def citation_blocks(reply: Reply) -> list[dict[str, Any]]:
    """The policy's own words, quoted, each under its section name."""
    if not reply.citations:
        return []
    items: list[dict[str, Any]] = [literal(CITATIONS_HEADING, weight="Bolder", spacing="Medium")]
    for cite in reply.citations:
        items.append(literal(cite.section, isSubtle=True, size="Small", spacing="Small"))
        items.append(literal(f"“{cite.text}”", spacing="None"))
    return [{"type": "Container", "style": "emphasis", "items": items, "bleed": False}]


def field_elements(
    form_field: FormField,
    *,
    hint: str | None = None,
    today: date | None = None,
    other: tuple[str, str] | None = None,
) -> list[dict[str, Any]]:
    """One form field as Adaptive Card input(s), with label, isRequired and errorMessage.

    ``hint`` replaces the field's own hint (None: no hint); ``today`` is the latest date a
    date field allows; ``other`` = (option label, text label) adds an "Other" choice and a
    text input beside it for a step that accepts any answer.
    """
    elements: list[dict[str, Any]] = []
    base: dict[str, Any] = {
        "id": form_field.name,
        "label": form_field.label,
        "isRequired": form_field.required,
        "errorMessage": form_field.error or _required_message(form_field),
    }
    kind = form_field.kind
    value = form_field.value
    typed_other: str | None = None
    if kind in {"choice", "multi_choice", "yes_no"}:
        options = (
            [{"title": t, "value": v} for t, v in YES_NO]
            if kind == "yes_no"
            else [
                {"title": o.label, "value": option_value(form_field, o)} for o in form_field.options
            ]
        )
        if other is not None:
            known = {o["value"] for o in options}
            if isinstance(value, str) and value and value not in known:
                typed_other, value = value, OTHER_VALUE
            options.append({"title": other[0], "value": OTHER_VALUE})
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
            element["value"] = str(value)[:10]
        if today is not None:
            element["max"] = today.isoformat()
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
    if other is not None:
        text_input: dict[str, Any] = {
            "type": "Input.Text",
            "id": form_field.name + OTHER_SUFFIX,
            "label": other[1],
            "maxLength": form_field.max_length or 200,
        }
        if typed_other:
            text_input["value"] = typed_other
        elements.append(text_input)
    if hint:  # under its own input (above the label it read as the previous field's)
        elements.append(literal(hint, isSubtle=True, size="Small", spacing="Small"))
    if form_field.error:
        elements.append(literal(f"⚠️ {form_field.error}", color="attention", spacing="None"))
    return elements


#: the "Other" option's value and its text input's id suffix (see adapters/report_form.py)
OTHER_VALUE = "__other__"
OTHER_SUFFIX = "_other"


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


#: what a small form (a note, a closing outcome) says above its box, instead of chat wording
FIELDS_INTRO = "Type it in the box below, then press “{button}”."

#: how wide a row of buttons may be, and a button's width, as measured in the Agents
#: Playground at Teams' narrowest card (460 px; 414 px inside its padding): about 8.3 px a
#: character of a bold title, plus 25 px of padding, and 8 px between buttons
ROW_WIDTH_PX = 414
CHAR_PX = 8.3
BUTTON_PAD_PX = 25
GAP_PX = 8


def button_width(action: Mapping[str, Any]) -> float:
    """The estimated width of a button in pixels."""
    return len(str(action.get("title", ""))) * CHAR_PX + BUTTON_PAD_PX


def action_rows(actions: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """``actions`` in rows that each fit the narrowest card, in order (one row if they fit:
    Teams cuts off the buttons that overflow a row)."""
    rows: list[list[dict[str, Any]]] = []
    width = 0.0
    for action in actions:
        wide = button_width(action)
        if not rows or width + GAP_PX + wide > ROW_WIDTH_PX:
            rows.append([])
            width = -GAP_PX
        rows[-1].append(action)
        width += GAP_PX + wide
    if len(rows) > 1:  # as many rows, evenly filled, if they fit (2 + 2 reads better than 3 + 1)
        per = -(-len(actions) // len(rows))
        even = [list(actions[i : i + per]) for i in range(0, len(actions), per)]
        if len(even) == len(rows) and all(_fits(row) for row in even):
            return even
    return rows


def _fits(row: Sequence[Mapping[str, Any]]) -> bool:
    return sum(button_width(a) for a in row) + GAP_PX * (len(row) - 1) <= ROW_WIDTH_PX


#: a button label longer than this is shown as a full-width tappable row (Teams cuts a
#: button's title at about 20-30 characters)
LONG_LABEL = 28


def choice_rows(choices: Sequence[Choice]) -> list[dict[str, Any]]:
    """Buttons whose labels are too long for a button: each a tappable row, wrapped."""
    return [
        {
            "type": "Container",
            "style": "emphasis",
            "spacing": "Small",
            "selectAction": _button(c),
            "items": [literal(f"› {c.label}", color="accent", weight="Bolder")],
        }
        for c in choices
    ]


def reply_card(
    reply: Reply, *, submit: Choice | None = None, intro: str | None = None
) -> dict[str, Any]:
    """A reply as an Adaptive Card, each piece once: an urgency banner (an *Immediate* or
    *Urgent* incident), the verdict line (or title), the answer laid out as structure, the
    policy's own words with their section, any inputs, then the buttons.

    Buttons the core gives a heading (a follow-up question, "Did you mean:") are shown
    under it, in an ``ActionSet`` in the body (as tappable rows when a label is too long
    for a button); the buttons after the last heading (or all of them, when there is none)
    are the card's own actions at the bottom. ``submit`` is the button that sends a reply's
    ``fields`` back (the action that asked for them); a reply with fields and no ``submit``
    uses its own choices as submit buttons. ``intro`` replaces the text of a reply with
    fields; an incident's note or outcome form has its own (its text is worded for chat:
    "reply with the text"), any other form shows the core's text.
    """
    body: list[dict[str, Any]] = []
    banner = urgency_banner(reply.text) if reply.kind == "incident" else None
    if banner is not None:
        body.append(banner)
    if reply.verdict:
        body.append(verdict_block(reply))
    elif reply.title:
        body.append(literal(reply.title, weight="Bolder", size="Medium"))
    color = "attention" if reply.kind == "error" else None
    button = submit or (reply.choices[0] if reply.choices else None)
    if reply.fields and intro is None and button and button.action.startswith("incident."):
        # a note or an outcome: the core's text says "reply with the text" (chat wording);
        # any other form (a campaign, an account request) keeps the core's words
        intro = FIELDS_INTRO.format(button=button.label)
    text = intro if reply.fields and intro is not None else answer_words(reply)
    blocks = layout(text, **({"color": color} if color else {}))
    if blocks and "spacing" not in blocks[0]:
        blocks[0]["spacing"] = "Small"
    body.extend(blocks)
    body.extend(citation_blocks(reply))
    for form_field in reply.fields:
        body.extend(field_elements(form_field, hint=form_field.hint))
    groups = choice_groups(reply)
    headed = max((i for i, g in enumerate(groups) if g.heading), default=-1) + 1
    for group in groups[:headed]:
        if group.heading:
            body.append(literal(group.heading, weight="Bolder", spacing="Medium"))
        if any(len(c.label) > LONG_LABEL for c in group.choices):
            body.extend(choice_rows(group.choices))
        else:
            body.append({"type": "ActionSet", "actions": [_button(c) for c in group.choices]})
    actions = [_button(c) for group in groups[headed:] for c in group.choices]
    if reply.fields and submit is not None:
        actions.insert(0, _button(submit))
    rows = action_rows(actions)
    if len(rows) > 1:  # too wide for one row: Teams would cut the last ones off
        body.extend({"type": "ActionSet", "actions": row} for row in rows)
        actions = []
    return card(body, actions, fallback=plain_text(reply))


@dataclass(frozen=True)
class FormGuidance:
    """Safeguarding guidance at the top of the report form (see adapters/report_form.py)."""

    title: str
    text: str
    active: bool


def guidance_container(heading: str, notes: Sequence[FormGuidance]) -> dict[str, Any]:
    """The safeguarding guidance, above everything else in the form, in the attention
    style: each notice's short line, or its full text (with its title) once it applies."""
    # dark words on the attention tint (red on it is only 3.6:1)
    items: list[dict[str, Any]] = [literal(heading, weight="Bolder", size="Medium")]
    for note in notes:
        if note.active:
            items.append(literal(note.title, weight="Bolder", size="Medium", spacing="Small"))
        items.append(
            literal(note.text, weight="Bolder" if note.active else None, spacing="Small")
            if note.active
            else literal(f"•  {note.text}", spacing="Small")
        )
    return {"type": "Container", "style": "attention", "bleed": True, "items": items}


def notice_card(note: FormGuidance) -> dict[str, Any]:
    """Safeguarding guidance sent as its own message the moment it applies."""
    body = [
        {
            "type": "Container",
            "style": "attention",
            "bleed": True,
            "items": [
                literal(f"🚨 {note.title}", weight="Bolder", size="Large"),
                literal(note.text, weight="Bolder", size="Medium", spacing="Small"),
            ],
        }
    ]
    return card(body, [], fallback=f"{note.title}\n\n{note.text}")


@dataclass(frozen=True)
class FormItem:
    """A report-form field with what the form shows around it."""

    field: FormField
    hint: str | None = None
    other: tuple[str, str] | None = None


def report_form_card(
    fields: Sequence[FormField | FormItem],
    *,
    title: str = "Report an incident",
    intro: str | None = None,
    guidance: tuple[str, Sequence[FormGuidance]] | None = None,
    today: date | None = None,
    state: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The whole report dialog as one card form; "Continue" re-renders or confirms.

    ``guidance`` (heading, notices) is shown first, before anything else; ``state`` rides
    along in the buttons (e.g. which notices were already sent as their own message).
    """
    shown = [f if isinstance(f, FormItem) else FormItem(f, f.hint) for f in fields]
    body: list[dict[str, Any]] = []
    if guidance is not None:
        body.append(guidance_container(*guidance))
    body.append(literal(title, weight="Bolder", size="Medium", spacing="Medium"))
    body.append(
        literal(
            intro
            or "Answer the questions below. More questions may appear after you press "
            "Continue, depending on your answers. Nothing is sent until you confirm.",
            isSubtle=True,
            spacing="Small",
        )
    )
    for item in shown:
        body.extend(field_elements(item.field, hint=item.hint, today=today, other=item.other))
    carried = dict(state or {})
    actions = [
        {
            "type": "Action.Submit",
            "title": "Continue",
            "style": "positive",
            "data": submit_data(
                FORM_CONTINUE, state={**carried, "shown": [i.field.name for i in shown]}
            ),
        },
        {
            "type": "Action.Submit",
            "title": "Cancel",
            "associatedInputs": "none",
            "data": submit_data(FORM_CANCEL, state=carried),
        },
    ]
    lines = [title, *(f"- {i.field.label}" for i in shown)]
    return card(body, actions, fallback="\n".join(lines))


def confirmation_card(
    reply: Reply,
    answers: Mapping[str, Any],
    *,
    form_id: str,
    state: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The confirmation step: the core's summary, then Send / Change / Cancel.

    The buttons are labelled as the core's form-mode choices name them, so they match the
    summary's instructions. The answers ride in the buttons' data (nothing kept in memory);
    ``form_id`` lets the handler send one report exactly once even if Send is pressed twice.
    """
    labels = {c.action: c.label for c in reply.choices}
    body: list[dict[str, Any]] = [
        literal(reply.title or "Check your report", weight="Bolder", size="Medium")
    ]
    body.extend(layout(reply.text))
    carried = dict(state or {})
    sent = {**carried, "answers": dict(answers), "form_id": form_id}
    actions = [
        {
            "type": "Action.Submit",
            "title": labels.get("dialog.submit", "Send report"),
            "style": "positive",
            "data": submit_data(FORM_SUBMIT, state=sent),
        },
        {
            "type": "Action.Submit",
            "title": labels.get("dialog.edit", "Change answers"),
            "data": submit_data(FORM_EDIT, state={**carried, "answers": dict(answers)}),
        },
        {
            "type": "Action.Submit",
            "title": labels.get("dialog.cancel", "Cancel"),
            "data": submit_data(FORM_CANCEL, state=carried),
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
