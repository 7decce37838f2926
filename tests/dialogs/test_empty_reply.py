"""An empty reply skips an optional question and re-asks a required one with a hint."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.dialogs import DialogContext, ReportDialog


def test_empty_reply_skips_optional_and_is_refused_for_required() -> None:
    dialog = ReportDialog.load()
    ctx = DialogContext([("oak", "Oakfield")], "oak", datetime(2026, 11, 24, 9, tzinfo=UTC))
    turn = dialog.start(ctx, {"category": "disparaging_post"})
    state = turn.state
    for _ in range(20):
        step = state["step"]
        if step == "link":
            after = dialog.handle_text(ctx, state, "   ")
            assert after.state["step"] != "link"
            assert "left that blank" in after.replies[0].text
            return
        if step == "immediate_risk":
            empty = dialog.handle_text(ctx, state, "")
            assert empty.state["step"] == "immediate_risk"
            assert "can’t be skipped" in empty.replies[0].text
        answers = {
            "immediate_risk": "no",
            "child_involved": "no",
            "staff_involved": "no",
            "concerns_headteacher": "no",
            "platform": "facebook",
        }
        state = dialog.handle_text(ctx, state, answers[step]).state
    raise AssertionError("never reached the link question")
