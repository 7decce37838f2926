"""Block Kit rendering: escaping, limits, verdicts, citations, buttons, forms, state parsing."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from adapters.slack import blocks as bk
from adapters.slack import report_modal as rm
from adapters.slack.replies import Origin, form_modal_for
from bot.dialogs import DialogContext, ReportDialog
from bot.messages import Choice, Citation, FormField, Reply
from bot.qa.engine import AnswerEngine
from bot.qa.render import answer_reply

NASTY = "<!channel> hello <@U0BOSS> see <http://evil.example|your bank> & more"


def test_escape_neutralises_pings_and_disguised_links() -> None:
    out = bk.escape(NASTY)
    assert "<" not in out and ">" not in out
    assert out.startswith("&lt;!channel&gt;") and "&amp; more" in out


def test_all_user_text_is_escaped_in_every_mrkdwn_place() -> None:
    reply = Reply(
        text=NASTY,
        title=NASTY,
        verdict="allowed",
        citations=[Citation("r", NASTY, NASTY)],
        choices=[Choice(NASTY, "v", "qa.suggest")],
        data={"choice_headings": {"qa.suggest": NASTY}},
    )
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(bk.reply_blocks(reply))
    assert len(found) >= 5  # verdict, answer, quote, section name, heading over the buttons
    rendered = "\n".join(found)
    assert "<!channel>" not in rendered and "<@U0BOSS>" not in rendered
    assert "<http://evil" not in rendered


def test_policy_answer_has_verdict_line_answer_and_quoted_policy_words() -> None:
    reply = Reply(
        text="No. Do not accept pupils as friends.",
        kind="answer",
        verdict="not_allowed",
        citations=[Citation("inappropriate.friend-pupils", "Personal use", "Accepting pupils.")],
    )
    blocks = bk.reply_blocks(reply)
    assert blocks[0]["text"]["text"] == ":no_entry: *Not allowed*"
    assert blocks[1]["text"]["text"] == "No. Do not accept pupils as friends."
    assert [b["type"] for b in blocks[2:]] == ["divider", "section", "context", "section"]
    assert blocks[3]["text"]["text"] == "*What the policy says*"
    assert blocks[4]["elements"][0]["text"] == "Policy: _Personal use_"
    assert blocks[5]["text"]["text"] == "&gt; Accepting pupils."


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    """Every piece of text a person sees in ``blocks``, in order (buttons included)."""
    out: list[str] = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for el in block.get("elements", []):
            out.append(el["text"]["text"] if isinstance(el["text"], dict) else el["text"])
    return out


@functools.cache
def _engine() -> AnswerEngine:
    return AnswerEngine.from_file()


def test_core_answer_shows_each_piece_once_in_order() -> None:
    answer = _engine().answer("can we post sports day pics on the school fb page")
    assert answer.follow_up is not None and len(answer.citations) == 1
    blocks = bk.reply_blocks(answer_reply(answer))
    texts = _texts(blocks)
    everything = "\n".join(texts)
    quote = answer.citations[0].text
    assert "header" not in [b["type"] for b in blocks]
    assert everything.count("It depends") == 2  # the verdict line, and the answer's own words
    assert texts[0] == ":grey_question: *It depends*"
    assert texts[1] == bk.escape(answer.answer)
    assert everything.count(quote[:40]) == 1  # the policy's words once
    assert everything.count(answer.follow_up.question) == 1
    assert texts[2:] == [
        "*What the policy says*",
        f"Policy: _{answer.citations[0].section}_",
        bk.quote(quote),
        f"*{answer.follow_up.question}*",
        *[o.label for o in answer.follow_up.options],
    ]
    assert blocks[-1]["type"] == "actions"


def test_did_you_mean_topics_come_under_the_cores_heading() -> None:
    answer = _engine().answer("staff")
    blocks = bk.reply_blocks(answer_reply(answer))
    texts = _texts(blocks)
    assert texts[0] == ":mag: *Not covered by the policy*"
    assert texts[2:] == ["*Did you mean:*", *[s.topic for s in answer.suggestions]]
    ids = [el["action_id"] for b in blocks if b["type"] == "actions" for el in b["elements"]]
    assert len(set(ids)) == len(ids) == len(answer.suggestions)


def test_long_text_is_split_within_slack_limits() -> None:
    reply = Reply(text=("word " * 2000).strip())
    sections = bk.reply_blocks(reply)
    assert len(sections) >= 4
    assert all(len(s["text"]["text"]) <= bk.SECTION_LIMIT for s in sections)


def test_buttons_carry_core_action_and_danger_asks_for_confirmation() -> None:
    choices = [
        Choice("Acknowledge", "SM-2026-0001", "incident.ack", "primary"),
        Choice("Close", "SM-2026-0001", "incident.close", "danger"),
    ]
    (actions,) = bk.buttons(choices)
    first, second = actions["elements"]
    assert bk.core_action(first["action_id"]) == "incident.ack"
    assert first["action_id"] != second["action_id"]
    assert "confirm" in second and "confirm" not in first
    many = bk.buttons([Choice(f"b{i}", str(i), "qa.suggest") for i in range(30)])
    assert [len(b["elements"]) for b in many] == [25, 5]


def test_labels_and_modal_titles_are_shortened_not_rejected() -> None:
    (actions,) = bk.buttons([Choice("x" * 200, "v", "qa.fact")])
    assert len(actions["elements"][0]["text"]["text"]) == bk.BUTTON_LABEL_LIMIT
    view = bk.modal("Close the incident – SM-2026-0042", [], callback_id="c", submit="Close it")
    assert len(view["title"]["text"]) <= bk.MODAL_TITLE_LIMIT


def test_form_fields_become_input_blocks_and_state_parses_back() -> None:
    fields = [
        FormField("seen", "What you saw", "textarea", max_length=2000, hint="In words only"),
        FormField("link", "Link", "url", required=False),
        FormField("when", "When", "date"),
        FormField("child_involved", "A child is involved", "yes_no"),
        FormField(
            "actions_taken",
            "What you have done",
            "multi_choice",
            options=[Choice("Blocked", "blocked", "x"), Choice("Nothing yet", "nothing", "x")],
        ),
    ]
    blocks = bk.input_blocks(fields, {"seen": "A post", "child_involved": True})
    by_name = {b["block_id"]: b for b in blocks}
    assert by_name["seen"]["element"]["multiline"] is True
    assert by_name["seen"]["element"]["initial_value"] == "A post"
    assert by_name["link"]["optional"] is True
    assert by_name["child_involved"]["element"]["initial_option"]["value"] == "yes"
    assert by_name["child_involved"]["dispatch_action"] is True
    assert by_name["when"]["element"]["type"] == "datepicker"
    state = {
        "seen": {"form.seen": {"type": "plain_text_input", "value": "hi"}},
        "when": {"form.when": {"type": "datepicker", "selected_date": "2026-11-23"}},
        "child_involved": {
            "form.child_involved": {"type": "radio_buttons", "selected_option": {"value": "no"}}
        },
        "actions_taken": {
            "form.actions_taken": {"type": "checkboxes", "selected_options": [{"value": "blocked"}]}
        },
    }
    assert bk.parse_state(state) == {
        "seen": "hi",
        "when": "2026-11-23",
        "child_involved": "no",
        "actions_taken": ["blocked"],
    }


def test_metadata_round_trips_and_compresses_long_answers() -> None:
    small = {"answers": {"seen": "short"}}
    assert bk.unpack_metadata(bk.pack_metadata(small) or "") == small
    big = {"answers": {"seen": "The same sentence again. " * 200}}
    packed = bk.pack_metadata(big)
    assert packed is not None and packed.startswith("z:") and len(packed) <= 3000
    assert bk.unpack_metadata(packed) == big
    assert bk.unpack_metadata("not json") == {}


def test_report_confirmation_modal_tells_you_to_press_its_own_buttons() -> None:
    ctx = DialogContext(academies=[("north", "North")], default_academy=None, now=datetime.now())
    answers = {"category": "other", "seen": "A post", "urgency": "routine"}
    reply = ReportDialog.load().confirmation(ctx, answers)
    view = rm.confirmation_view(reply, answers)
    assert view is not None
    text = "\n".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    (change,) = next(b for b in view["blocks"] if b["type"] == "actions")["elements"]
    labels = [view["submit"]["text"], change["text"]["text"], view["close"]["text"]]
    assert labels == ["Send report", "Change answers", "Cancel"]
    assert all(f"press “{label}”" in text for label in labels)
    assert "Type" not in text and "change 3" not in text


def test_a_modal_form_says_what_it_is_for_and_is_sent_with_its_own_button() -> None:
    """An incident note keeps its small-form wording; any other form (a campaign, an account
    request) shows the core's words and is sent with the reply's own button, never as an
    "Incident" with a "Save" button."""
    origin = Origin(user_id="U04JSMITH01", channel="D04JSMITH01", message_ts="1.2")
    campaign = Reply(
        text="Each person will get a private message summarising the policy.",
        title="Start a campaign",
        fields=[FormField("reminders", "How many reminders at most?", required=False)],
        choices=[Choice("Start campaign", '{"conv": "x"}', "campaign.start", "primary")],
    )
    view = form_modal_for(campaign, "campaign.start", '{"conv": "x"}', origin)
    intro = view["blocks"][0]["text"]["text"]
    assert intro == "Each person will get a private message summarising the policy."
    assert view["submit"]["text"] == "Start campaign"
    note = Reply(
        text="Add a note for SM-2026-0001: reply with the text.",
        title="Add a note \u2013 SM-2026-0001",
        fields=[FormField("note", "Your note", kind="textarea")],
        choices=[Choice("Save note", "SM-2026-0001", "incident.note", "primary")],
        data={"reference": "SM-2026-0001"},
    )
    view = form_modal_for(note, "incident.note", "SM-2026-0001", origin)
    assert view["blocks"][0]["text"]["text"].startswith("Incident SM-2026-0001. Type it below")
    assert view["submit"]["text"] == "Save"
