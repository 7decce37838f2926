"""Block Kit rendering of the core's neutral messages, and parsing of Slack form state back.

Pure functions only (no I/O), so every rule here is easy to test:

* the core's text (which may quote what people typed) is shown literally: in ``plain_text``
  sections (:func:`text_sections`), so ``*bold*`` stays ``*bold*``, and as a message's
  top-level ``text`` (notifications, fallback) escaped by :func:`message_text`, so nobody can
  inject ``<!channel>``, ``<@U…>`` pings or disguised ``<http://x|y>`` links; our own
  ``mrkdwn`` goes through :func:`escape` too;
* Slack's size limits (section text 3,000, button label 75, button value 2,000, modal title
  24 characters, 100 blocks) are respected by splitting or shortening, never by failing;
* a :class:`~bot.messages.Choice` becomes a button whose ``action_id`` is
  ``"<action>#<n>"`` so the listener can recover the core's action name;
* a :class:`~bot.messages.FormField` becomes an input block whose ``block_id`` is the field
  name and whose ``action_id`` is ``"form.<name>"``.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.messages import Choice, Citation, FormField, Reply
from bot.qa.render import CITATIONS_HEADING, answer_words, choice_groups, verdict_words

SECTION_LIMIT = 3000
BUTTON_LABEL_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
MODAL_TITLE_LIMIT = 24
HEADER_LIMIT = 150
MAX_BLOCKS = 50  # messages allow 50, modals 100; keep to the smaller
PRIVATE_METADATA_LIMIT = 3000
FORM_ACTION_PREFIX = "form."

#: the emoji before each verdict's words (the words are the core's, see :func:`verdict_line`)
VERDICT_EMOJI: dict[str, str] = {
    "allowed": ":white_check_mark:",
    "not_allowed": ":no_entry:",
    "conditional": ":grey_question:",
    "information": ":information_source:",
    "no_match": ":mag:",
}

YES_NO_OPTIONS: tuple[tuple[str, str], ...] = (("Yes", "yes"), ("No", "no"))


def escape(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so user text is shown literally in ``mrkdwn``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in an ellipsis when cut."""
    if limit < 200:
        text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _chunks(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split ``text`` into pieces of at most ``limit`` characters, at line breaks if possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n ")
    if text:
        pieces.append(text)
    return pieces


def plain(text: str, limit: int | None = None) -> dict[str, Any]:
    """A ``plain_text`` object (Slack shows it literally; emoji shortcodes allowed)."""
    return {"type": "plain_text", "text": shorten(text, limit) if limit else text, "emoji": True}


def message_text(text: str) -> str:
    """A message's top-level ``text`` (notifications, screen readers, fallback): literal,
    with Slack's control characters escaped so no mention, ping or link is made."""
    return escape(text)


def text_sections(text: str) -> list[dict[str, Any]]:
    """Section blocks showing ``text`` exactly as written (``plain_text``, no emoji codes),
    split at Slack's limit."""
    return [
        {"type": "section", "text": {"type": "plain_text", "text": piece, "emoji": False}}
        for piece in _chunks(text)
        if piece.strip()
    ]


def mrkdwn_sections(text: str, *, escaped: bool = False) -> list[dict[str, Any]]:
    """Section blocks for ``text``: our own ``mrkdwn`` when ``escaped`` (the caller escaped
    any text in it), else shown literally (:func:`text_sections`)."""
    if not escaped:
        return text_sections(text)
    body = text
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
        for piece in _chunks(body)
        if piece.strip()
    ]


def quote(text: str) -> str:
    """``text`` escaped and shown as a ``mrkdwn`` quote block."""
    return "\n".join("&gt; " + line if line else "&gt;" for line in escape(text).splitlines())


def action_id(choice: Choice, index: int) -> str:
    """The Block Kit ``action_id`` of a choice: its core action plus a unique suffix."""
    return f"{choice.action}#{index}"


def core_action(slack_action_id: str) -> str:
    """The core's action name from a button's ``action_id`` (inverse of :func:`action_id`)."""
    return slack_action_id.split("#", 1)[0]


def button(choice: Choice, index: int) -> dict[str, Any]:
    """One button. A ``danger`` button asks for confirmation before it acts."""
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(choice.label, BUTTON_LABEL_LIMIT),
        "action_id": action_id(choice, index),
        "value": choice.value[:BUTTON_VALUE_LIMIT],
    }
    if choice.style:
        element["style"] = choice.style
    if choice.url:  # opens in the browser (Slack still sends an action, acknowledged only)
        element["url"] = choice.url
    if choice.style == "danger":
        element["confirm"] = {
            "title": plain("Are you sure?"),
            "text": {"type": "mrkdwn", "text": f"*{escape(choice.label)}*: this cannot be undone."},
            "confirm": plain(shorten(choice.label, 30)),
            "deny": plain("Go back"),
            "style": "danger",
        }
    return element


def buttons(choices: Sequence[Choice], *, first: int = 0) -> list[dict[str, Any]]:
    """Actions blocks holding the buttons (at most 25 per block); ``first`` is the first
    one's position among all the reply's buttons (so ``action_id``s stay unique)."""
    return [
        {
            "type": "actions",
            "elements": [
                button(c, first + start + i) for i, c in enumerate(choices[start : start + 25])
            ],
        }
        for start in range(0, len(choices), 25)
    ]


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def verdict_line(reply: Reply) -> str:
    """``:no_entry: *Not allowed*``: the verdict's emoji and the core's words for it."""
    emoji = VERDICT_EMOJI.get(reply.verdict or "", "")
    return f"{emoji} *{escape(verdict_words(reply))}*".strip()


def citation_blocks(citations: Sequence[Citation]) -> list[dict[str, Any]]:
    """The policy's own words, once: a heading, then each quote under its section name."""
    if not citations:
        return []
    blocks: list[dict[str, Any]] = [{"type": "divider"}, _section(f"*{CITATIONS_HEADING}*")]
    for citation in citations:
        name = f"Policy: _{escape(shorten(citation.section, 200))}_"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": name}]})
        blocks.extend(mrkdwn_sections(quote(citation.text), escaped=True))
    return blocks


def reply_blocks(reply: Reply, *, include_fields: bool = True) -> list[dict[str, Any]]:
    """Block Kit for a reply, each piece once.

    A policy answer: the verdict line, the plain-English answer, the policy's own words
    with their section, then the buttons, each run under the heading the core gives it
    (the follow-up question, "Did you mean:"). Any other reply: its title as a header,
    its text, any form fields, then its buttons.
    """
    blocks: list[dict[str, Any]] = []
    if reply.verdict:
        blocks.append(_section(verdict_line(reply)))
    elif reply.title:
        blocks.append({"type": "header", "text": plain(reply.title, HEADER_LIMIT)})
    blocks.extend(mrkdwn_sections(answer_words(reply)))
    blocks.extend(citation_blocks(reply.citations))
    if include_fields and reply.fields:
        blocks.extend(input_blocks(reply.fields))
    for group in choice_groups(reply):
        if group.heading:
            blocks.append(_section(f"*{shorten(escape(group.heading), SECTION_LIMIT - 2)}*"))
        blocks.extend(buttons(group.choices, first=group.start))
    return _cap(blocks)


def _cap(blocks: list[dict[str, Any]], limit: int = MAX_BLOCKS) -> list[dict[str, Any]]:
    """Keep within Slack's block limit, always keeping the trailing buttons."""
    if len(blocks) <= limit:
        return blocks
    tail = [b for b in blocks if b["type"] in {"actions", "input"}]
    head = [b for b in blocks if b["type"] not in {"actions", "input"}]
    return head[: max(limit - len(tail), 1)] + tail[: limit - 1]


def _option(label: str, value: str) -> dict[str, Any]:
    return {"text": plain(label, BUTTON_LABEL_LIMIT), "value": value[:150]}


def _initial(field: FormField, answers: Mapping[str, Any] | None) -> Any:
    value = field.value
    if value is None and answers is not None:
        value = answers.get(field.name)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def form_field_element(field: FormField, answers: Mapping[str, Any] | None = None) -> dict:
    """The interactive element of one input block, with its current value filled in."""
    element: dict[str, Any]
    initial = _initial(field, answers)
    kind = field.kind
    aid = FORM_ACTION_PREFIX + field.name
    if kind in {"text", "textarea", "url"}:
        element = {
            "type": "url_text_input" if kind == "url" else "plain_text_input",
            "action_id": aid,
        }
        if kind == "textarea":
            element["multiline"] = True
        if field.max_length and kind != "url":
            element["max_length"] = min(field.max_length, 3000)
        if isinstance(initial, str) and initial:
            element["initial_value"] = initial
    elif kind == "date":
        element = {"type": "datepicker", "action_id": aid}
        if isinstance(initial, str) and initial:
            element["initial_date"] = initial[:10]
    elif kind == "multi_choice":
        options = [_option(o.label, o.value) for o in field.options]
        element = {
            "type": "checkboxes" if len(options) <= 10 else "multi_static_select",
            "action_id": aid,
            "options": options,
        }
        chosen = [initial] if isinstance(initial, str) else list(initial or [])
        selected = [o for o in options if o["value"] in chosen]
        if selected:
            element["initial_options"] = selected
    else:  # choice, yes_no
        pairs = (
            list(YES_NO_OPTIONS)
            if kind == "yes_no" and not field.options
            else [(o.label, o.value) for o in field.options]
        )
        options = [_option(label, value) for label, value in pairs]
        element = {
            "type": "radio_buttons" if len(options) <= 5 else "static_select",
            "action_id": aid,
            "options": options,
        }
        selected = [o for o in options if o["value"] == initial]
        if selected:
            element["initial_option"] = selected[0]
    if field.placeholder and element["type"] not in {"radio_buttons", "checkboxes"}:
        element["placeholder"] = plain(field.placeholder, 150)
    return element


def input_blocks(
    fields: Iterable[FormField], answers: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Input blocks for form fields. Choice fields dispatch an action when changed so
    conditional fields can be shown or hidden at once."""
    blocks: list[dict[str, Any]] = []
    for field in fields:
        element = form_field_element(field, answers)
        block: dict[str, Any] = {
            "type": "input",
            "block_id": field.name,
            "label": plain(field.label, 2000),
            "optional": not field.required,
            "element": element,
        }
        if element["type"] in {"radio_buttons", "static_select", "checkboxes"}:
            block["dispatch_action"] = True
        hint = field.hint or ""
        if field.error:
            hint = f"⚠️ {field.error}" + (f" {hint}" if hint else "")
        if hint:
            block["hint"] = plain(hint, 2000)
        blocks.append(block)
    return blocks


def parse_state(state_values: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """Answers from a view's ``state.values``: field name -> str, list of str, or None."""
    answers: dict[str, Any] = {}
    for block_id, actions in state_values.items():
        for aid, state in actions.items():
            if not aid.startswith(FORM_ACTION_PREFIX):
                continue
            kind = state.get("type")
            value: Any
            if kind in {"checkboxes", "multi_static_select"}:
                value = [o["value"] for o in state.get("selected_options") or []]
            elif kind in {"radio_buttons", "static_select"}:
                option = state.get("selected_option")
                value = option["value"] if option else None
            elif kind == "datepicker":
                value = state.get("selected_date")
            else:
                value = state.get("value")
            answers[block_id] = value
    return answers


def modal(
    title: str,
    blocks: list[dict[str, Any]],
    *,
    callback_id: str,
    submit: str | None = None,
    close: str = "Cancel",
    private_metadata: str = "",
) -> dict[str, Any]:
    """A modal view. Titles and button labels are shortened to Slack's 24 characters."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, MODAL_TITLE_LIMIT),
        "close": plain(close, MODAL_TITLE_LIMIT),
        "blocks": _cap(blocks, 100),
        "private_metadata": private_metadata,
    }
    if submit:
        view["submit"] = plain(submit, MODAL_TITLE_LIMIT)
    return view


def form_modal(
    title: str,
    fields: Sequence[FormField],
    *,
    callback_id: str,
    answers: Mapping[str, Any] | None = None,
    intro: str | None = None,
    submit: str = "Next",
    private_metadata: str = "",
) -> dict[str, Any]:
    """A modal holding a form: optional intro text, then one input block per field."""
    blocks = mrkdwn_sections(intro) if intro else []
    blocks.extend(input_blocks(fields, answers))
    return modal(
        title, blocks, callback_id=callback_id, submit=submit, private_metadata=private_metadata
    )


def reply_modal(
    reply: Reply,
    *,
    callback_id: str,
    title: str | None = None,
    submit: str | None = None,
    close: str = "Close",
    private_metadata: str = "",
) -> dict[str, Any]:
    """A modal that shows a reply (details, a confirmation, a receipt)."""
    body = Reply(**{**reply.__dict__, "title": None})
    return modal(
        title or reply.title or "Policy assistant",
        reply_blocks(body),
        callback_id=callback_id,
        submit=submit,
        close=close,
        private_metadata=private_metadata,
    )


def home_view(reply: Reply) -> dict[str, Any]:
    """The App Home tab for a reply."""
    return {"type": "home", "blocks": reply_blocks(reply, include_fields=False)[:100]}


def pack_metadata(data: Mapping[str, Any]) -> str | None:
    """``data`` as a ``private_metadata`` string (compressed when long), or None if even the
    compressed form exceeds Slack's 3,000 characters."""
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    if len(raw) <= PRIVATE_METADATA_LIMIT and not raw.startswith("z:"):
        return raw
    packed = "z:" + base64.b64encode(zlib.compress(raw.encode(), 9)).decode()
    return packed if len(packed) <= PRIVATE_METADATA_LIMIT else None


def unpack_metadata(text: str) -> dict[str, Any]:
    """Inverse of :func:`pack_metadata`; ``{}`` for empty or unreadable metadata."""
    if not text:
        return {}
    try:
        if text.startswith("z:"):
            text = zlib.decompress(base64.b64decode(text[2:])).decode()
        data = json.loads(text)
    except (ValueError, zlib.error):
        return {}
    return data if isinstance(data, dict) else {}
