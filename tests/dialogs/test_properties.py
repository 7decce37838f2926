"""Property-based tests of the dialog engine (hypothesis): whatever a person types or presses
(option numbers, button words, free text, nothing, far too much, undecodable bytes, commands,
questions, buttons from earlier questions), the dialog

- never raises;
- never cancels without an explicit confirmation just before (the "throw this report
  away?" question, answered "yes" or with its "Yes, discard it" button);
- never stores an answer to a step other than the one shown (only answers a safeguarding
  signal sets may change alongside it, and answers that no longer apply may be dropped);
- always lets a paused report be resumed, or discarded, with the words it tells them to type.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.dialogs import DialogContext, ReportDialog, Turn
from bot.messages import Reply

DIALOG = ReportDialog.load()
CTX = DialogContext(
    academies=[("north", "North Academy"), ("south", "South Academy")],
    default_academy=None,
    now=datetime(2026, 11, 24, 10, 30),
    contacts={"dsl": "Omar Khan"},
)
SIGNAL_SETS = {k for s in DIALOG.definition.signals for k in s.sets}
SIGNAL_IDS = {s.id for s in DIALOG.definition.signals}

WORDS = [
    "back", "cancel", "skip", "keep", "change", "change 3", "change when", "submit", "send",
    "yes", "no", "y", "n", "resume", "pause", "help", "edit", "discard", "carry on", "stop",
    "quit", "ok", "continue", "later", "my reports", "incidents", "report", "none",
]  # fmt: skip
ANSWERS = [
    "1", "2", "3", "4", "5", "6", "7", "0", "99", "1, 3", "2 and 4", "1,2,3,4,5",
    "north", "south", "other", "facebook", "snap", "https://example.com/p/1", "yesterday",
    "20/11", "last week", "urgent", "routine", "immediate", "blocked", "screenshot",
    "A parent posted a rude comment about a teacher on the school page.",
    "A nude image of a Year 9 pupil is being shared on Snapchat.",
    "sexting between two pupils in year 10",
    "can i add a yr 11 kid on snap", "who is the dsl",
]  # fmt: skip
ODD = ["", "   ", "\n", "x" * 5000, "\udcff\udcfe", "caf\udce9", "🙂" * 50, "\x00", "‽"]

typed = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(ANSWERS),
    st.sampled_from(ODD),
    st.integers(min_value=-3, max_value=40).map(str),
    st.text(max_size=80),
)
ACTIONS = [
    "dialog.answer", "dialog.back", "dialog.keep", "dialog.cancel", "dialog.discard",
    "dialog.carry_on", "dialog.edit", "dialog.submit", "dialog.skip", "dialog.help",
    "dialog.resume", "dialog.unknown",
]  # fmt: skip
stale = st.tuples(
    st.sampled_from(ACTIONS),
    st.one_of(
        st.sampled_from(["", "yes", "no", "immediate_risk:yes", "category:other", "when"]),
        st.text(max_size=20),
    ),
)
# ("say", text) | ("press", index into the buttons shown) | ("stale", (action, value))
inputs = st.lists(
    st.one_of(
        st.tuples(st.just("say"), typed),
        st.tuples(st.just("press"), st.integers(min_value=0, max_value=12)),
        st.tuples(st.just("stale"), stale),
    ),
    max_size=40,
)


def _roundtrip(state: dict[str, Any]) -> dict[str, Any]:
    """The state as the app stores it (JSON in the database)."""
    return json.loads(json.dumps(state))


def _shown_buttons(replies: list[Reply]) -> list[tuple[str, str]]:
    return [(c.action, c.value) for r in replies for c in r.choices]


def _asked_to_confirm(state: dict[str, Any], replies: list[Reply]) -> bool:
    return bool(state.get("confirm_cancel")) and any(r.data.get("confirm_cancel") for r in replies)


def _check_answers_changed_only_for_the_shown_step(
    before: dict[str, Any], after: dict[str, Any]
) -> None:
    if after.get("status") in ("cancelled", "submitted"):
        return
    shown = before.get("step")
    old, new = before.get("answers", {}), after.get("answers", {})
    changed = {k for k, v in new.items() if k not in old or old[k] != v}
    allowed = {shown} if before.get("status") == "active" else set()
    if SIGNAL_IDS & set(after.get("notices", [])):
        allowed |= SIGNAL_SETS
    assert changed <= allowed, (shown, changed, before.get("status"))


def _run(steps: list[tuple[str, Any]]) -> tuple[Turn, list[Reply]]:
    turn = DIALOG.start(CTX)
    replies = list(turn.replies)
    for kind, value in steps:
        before = _roundtrip(turn.state)
        if kind == "say":
            turn = DIALOG.handle_text(CTX, before, value)
            said_discard = True
        elif kind == "press":
            buttons = _shown_buttons(replies)
            if not buttons:
                continue
            action, payload = buttons[value % len(buttons)]
            turn = DIALOG.handle_action(CTX, before, action, payload)
            said_discard = action in ("dialog.discard", "dialog.cancel")
        else:
            action, payload = value
            turn = DIALOG.handle_action(CTX, before, action, payload)
            said_discard = action in ("dialog.discard", "dialog.cancel")
        if turn.cancelled:
            assert _asked_to_confirm(before, replies) and said_discard, (kind, value)
        _check_answers_changed_only_for_the_shown_step(before, turn.state)
        for reply in turn.replies:
            assert isinstance(reply.text, str) and reply.text.strip()
        replies = list(turn.replies)
        if turn.over:
            turn = DIALOG.start(CTX)
            replies = list(turn.replies)
    return turn, replies


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs)
def test_any_input_never_raises_never_cancels_unasked_never_misfiles(
    steps: list[tuple[str, Any]],
) -> None:
    _run(steps)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs, st.sampled_from(["resume", "cancel"]))
def test_a_paused_report_resumes_or_is_discarded_with_the_words_it_gives(
    steps: list[tuple[str, Any]], choice: str
) -> None:
    turn, _ = _run(steps)
    paused_state = DIALOG.paused(_roundtrip(turn.state))
    notice = DIALOG.paused_notice()
    assert f"“{choice}”" in notice.text  # the words it tells them to type
    answers = paused_state.get("answers", {})
    after = DIALOG.handle_text(CTX, paused_state, choice)
    if choice == "resume":
        assert after.state["status"] == "active"
        assert after.state["answers"] == answers
        assert not after.cancelled
    else:
        assert not after.cancelled  # asks first...
        asked = after.replies[-1].text
        assert "“yes”" in asked
        done = DIALOG.handle_text(CTX, _roundtrip(after.state), "yes")  # ...as it says
        assert done.cancelled and done.state["status"] == "cancelled"
