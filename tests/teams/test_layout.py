"""How the core's text is laid out on a Teams card, as seen in the Microsoft 365 Agents
Playground at Teams' narrowest card (460 px): nothing runs together, is cut off or is too
faint to read. Every card built here also passes Microsoft's ``adaptivecards`` parser."""

from __future__ import annotations

from typing import Any

from adapters.teams import cards
from bot.app import HELP_TEXT
from bot.messages import Choice, FormField, Reply
from tests.teams.card_schema import assert_valid_cards
from tests.teams.card_text import texts, walk

SUMMARY = (
    "Please check your answers before sending.\n\n"
    "1. Child at immediate risk: No\n"
    "•  Academy: Oakfield Primary Academy (set automatically)\n"
    "2. What you saw: Pupil _jo_smith_09_ sent [this](https://evil.example)\n"
    "3. Urgency: Routine\n\n"
    "If everything is right, press “Send report”."
)
HANDLER_CHOICES = [
    Choice("Acknowledge", "SM-2026-0001", "incident.ack", "primary"),
    Choice("Add a note", "SM-2026-0001", "incident.note"),
    Choice("View details", "SM-2026-0001", "incident.view"),
    Choice("Close with outcome", "SM-2026-0001", "incident.close", "danger"),
]


def _of_type(elements: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [el for el in walk(elements) if el.get("type") == kind]


def test_help_commands_are_one_table_with_the_indented_line_in_its_row() -> None:
    body = cards.layout(HELP_TEXT)
    shown = [line for block in texts(body) for line in block.split("\n")]
    acting = next(line for line in shown if line.startswith("ack REF"))
    assert acting.endswith(
        "act on an incident (as its reporter, note REF TEXT adds information to your report)"
    )
    assert not any(line.startswith("(as its reporter") for line in shown)
    assert "help: this message" in shown  # the table goes on after the indented line
    assert_valid_cards([cards.card(body, [], "help")])


def test_a_line_introducing_a_list_or_table_is_bold_and_list_items_hang() -> None:
    body = cards.layout(HELP_TEXT)
    heads = [
        b
        for b in body
        if b["type"] == "RichTextBlock"
        and b["inlines"][0]["text"]
        in {
            "Ask me anything in your own words, for example:",
            "Commands:",
        }
    ]
    assert len(heads) == 2 and all(h["inlines"][0].get("weight") == "Bolder" for h in heads)
    items = [b for b in body if b["type"] == "ColumnSet"]
    assert items and all(
        [c["width"] for c in item["columns"]] == ["auto", "stretch"] for item in items
    )
    assert "•  can i add a yr 11 kid on snap" in texts(body)


def test_a_sentence_with_a_colon_is_not_a_fact_row() -> None:
    text = (
        "A child may be at immediate risk of harm: act now.\n"
        "Reference: SM-2026-0002\n"
        "Academy: Oakfield Primary Academy\n"
        "A member of staff is involved: No"
    )
    body = cards.layout(text)
    assert body[0]["type"] == "RichTextBlock"
    [facts] = _of_type(body, "FactSet")
    assert [f["title"] for f in facts["facts"]] == [
        "Reference",
        "Academy",
        "A member of staff is involved",
    ]
    assert facts["spacing"] == "Small"  # stands apart from the sentence above


def test_a_numbered_summary_is_a_table_with_its_numbers_and_user_text_literal() -> None:
    body = cards.layout(SUMMARY)
    assert not _of_type(body, "FactSet")  # "_" and "[...]" must not meet Markdown
    rows = [texts([row]) for row in _of_type(body, "ColumnSet")]
    assert rows == [
        ["1. Child at immediate risk: No"],
        ["• Academy: Oakfield Primary Academy (set automatically)"],
        ["2. What you saw: Pupil _jo_smith_09_ sent [this](https://evil.example)"],
        ["3. Urgency: Routine"],
    ]
    widths = {tuple(c["width"] for c in row["columns"]) for row in _of_type(body, "ColumnSet")}
    assert widths == {(2, 3)}  # the same weights in every row: the values line up
    assert_valid_cards([cards.card(body, [], SUMMARY)])


def test_incident_lists_show_each_reference_in_bold_apart() -> None:
    text = (
        "Your reports:\n"
        "•  SM-2026-0002 – IMMEDIATE, CHILD AT IMMEDIATE RISK – Inappropriate communication "
        "involving a child, Oakfield Primary Academy: open (updated 02 Dec 12:37)\n"
        "•  SM-2026-0001 – routine – Contact from a pupil, Oakfield: closed"
    )
    body = cards.layout(text)
    items = [b for b in body if b["type"] == "ColumnSet"]
    runs = [item["columns"][1]["items"][0]["inlines"] for item in items]
    assert [r[0]["text"] for r in runs] == ["SM-2026-0002", "SM-2026-0001"]
    assert all(r[0]["weight"] == "Bolder" and "weight" not in r[1] for r in runs)
    assert items[1]["spacing"] == "Small"  # long items stand apart
    assert_valid_cards([cards.card(body, [], text)])


def test_text_after_a_list_stands_apart() -> None:
    body = cards.layout("Who has been told:\n•  Jane Smith: received it\nYou will get a message.")
    assert body[-1]["type"] == "RichTextBlock" and body[-1]["spacing"] == "Small"


def test_handler_buttons_come_in_rows_that_fit_the_narrowest_card() -> None:
    reply = Reply("New incident report SM-2026-0001", kind="incident", choices=HANDLER_CHOICES)
    card = cards.reply_card(reply)
    rows = [el["actions"] for el in card["body"] if el["type"] == "ActionSet"]
    assert [[a["title"] for a in row] for row in rows] == [
        ["Acknowledge", "Add a note"],
        ["View details", "Close with outcome"],
    ]
    assert "actions" not in card
    for row in rows:
        width = sum(cards.button_width(a) for a in row) + cards.GAP_PX * (len(row) - 1)
        assert width <= cards.ROW_WIDTH_PX
    assert_valid_cards([card])


def test_buttons_that_fit_one_row_stay_the_cards_own() -> None:
    reply = Reply(
        "Approve it?", choices=[Choice("Approve", "1", "a.ok"), Choice("Decline", "1", "a.no")]
    )
    card = cards.reply_card(reply)
    assert [a["title"] for a in card["actions"]] == ["Approve", "Decline"]
    assert not [el for el in card["body"] if el["type"] == "ActionSet"]


def test_the_width_estimate_matches_what_the_playground_showed() -> None:
    # measured: Acknowledge 126 px, Add a note 107 px, View details 117 px; the four did
    # not fit one 414 px row and "Close with outcome" went to a second row
    measured = {"Acknowledge": 126, "Add a note": 107, "View details": 117}
    for title, px in measured.items():
        assert abs(cards.button_width({"title": title}) - px) <= 10
    four = [{"title": c.label} for c in HANDLER_CHOICES]
    assert len(cards.action_rows(four)) == 2


def test_verdict_colours_are_only_readable_ones() -> None:
    # the Playground's green was 2.1:1 on white and amber ~1.5:1; red and blue 5.4:1
    colours = {colour for _emoji, colour in cards.VERDICT_STYLES.values()}
    assert colours <= {"default", "attention", "accent"}
    allowed = cards.verdict_block(Reply("Yes.", verdict="allowed"))
    assert allowed["inlines"][0]["color"] == "default"


def test_form_guidance_heading_is_dark_on_its_tint() -> None:
    note = cards.FormGuidance("A child may be in danger", "Call 999 now.", False)
    box = cards.guidance_container("Before anything else", [note])
    assert box["style"] == "attention"
    assert "color" not in box["items"][0]["inlines"][0]  # red on the tint was 3.6:1


def test_a_hint_comes_under_its_own_field() -> None:
    field = FormField("days", "Remind every how many days?", hint="1 to 30; leave empty for 2")
    elements = cards.field_elements(field, hint=field.hint)
    assert elements[0]["id"] == "days"
    assert texts(elements[1:]) == ["1 to 30; leave empty for 2"]


def test_a_form_of_several_questions_is_not_told_to_type_in_the_box() -> None:
    fields = [
        FormField(
            "academy",
            "Academy",
            kind="choice",
            options=[Choice("Oakfield", "academy:oak", "dialog.answer")],
        ),
        FormField("days", "Remind every how many days?"),
    ]
    start = Choice("Start campaign", "", "campaign.start", "primary")
    words = "Choose the academy and how often to remind, then press “Start campaign”."
    card = cards.reply_card(Reply(words, title="Start", fields=fields), submit=start)
    shown = texts(card["body"])
    assert words in shown and not any("Type it in the box" in t for t in shown)
    one = cards.reply_card(
        Reply("Reply with the text.", fields=[FormField("note", "Your note", kind="textarea")]),
        submit=Choice("Save note", "SM-1", "incident.note"),
    )
    assert "Type it in the box below, then press “Save note”." in texts(one["body"])
    assert_valid_cards([card, one])
