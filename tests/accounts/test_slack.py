"""Official accounts on Slack over real signed HTTP (SQLite and PostgreSQL): the request
from a policy answer's button (modal), the policy's conditions explained, Approve and Decline
(with a reason, in a modal) on the senior leader's DM, the Headteacher's notification, a
check done from the checklist DM, an overdue check escalated, and an administrator leaving."""

from __future__ import annotations

from typing import Any

from bot.clock import FakeClock
from tests.campaigns.test_slack import Slack, button, shown, slack
from tests.parity.drivers.slack import dm_channel
from tests.slack.conftest import DSL, HEAD, REPORTER
from tests.slack.fake_slack import Call
from tests.slack.test_report_flow import submission

__all__ = ["slack"]

ADMIN = "U04AMORGAN9"  # Alison Morgan, trust administrator
REQUEST = {
    "academy": "oakfield",
    "platform": "instagram",
    "handle": "https://www.instagram.com/oakfield_y6",
    "purpose": "Year 6 class news for parents",
    "pupils_use": "no",
    "official_email": "y6@oakfield.example.org",
    "administrators": ["okhan", "tcooper"],
    "code_of_behaviour": "yes",
    "about_page": "yes",
}


def dms(calls: list[Call], user: str) -> list[Call]:
    return [
        c for c in calls if c.method == "chat.postMessage" and c.args["channel"] == dm_channel(user)
    ]


async def open_request_form(slack: Slack) -> dict[str, Any]:
    """Tom asks about a class account and presses "Request an official account"."""
    calls = await slack.command(REPORTER, "can i set up an instagram account for my class")
    (answer,) = [c for c in calls if c.method == "respond"]
    calls = await slack.press(
        REPORTER, button(answer, "Request an official account"), ephemeral=True
    )
    (opened,) = [c for c in calls if c.method == "views.open"]
    return dict(opened.args["view"])


async def send_request(slack: Slack, answers: dict[str, Any]) -> str:
    view = await open_request_form(slack)
    await slack.client.interactive_json(submission(REPORTER, view, answers))
    calls = await slack.settled()
    return " ".join(shown(c)["all"] for c in calls if c.method.startswith("chat.post"))


async def test_request_approved_declined_checked_overdue_and_a_leaver(
    slack: Slack, clock: FakeClock
) -> None:
    view = await open_request_form(slack)
    admins = next(b for b in view["blocks"] if b.get("block_id") == "administrators")
    assert admins["element"]["type"] == "checkboxes"
    assert [o["text"]["text"] for o in admins["element"]["options"]][-1] == (
        "Tom Cooper (Oakfield Primary Academy)"
    )

    # conditions missed: explained, nothing sent
    text = await send_request(
        slack, {**REQUEST, "official_email": "me@gmail.com", "administrators": ["tcooper"]}
    )
    assert "This request can't be sent yet" in text and "At least two members of staff" in text
    assert "official academy email account, not a personal one" in text
    assert await slack.worker.run_once() == 0

    # a good one: Jane (Headteacher; no senior leader named) approves from her DM
    text = await send_request(slack, REQUEST)
    assert "Your request 1 has been sent for approval" in text
    assert await slack.worker.run_once() == 1
    (ask,) = dms(await slack.settled(), HEAD)
    assert [b["text"]["text"] for b in shown(ask)["buttons"]] == ["Approve", "Decline"]
    assert "Administrators: Omar Khan, Tom Cooper" in shown(ask)["all"]
    calls = await slack.press(HEAD, button(ask, "Approve"), channel=dm_channel(HEAD))
    (done,) = [c for c in calls if c.method == "respond"]
    assert done.args["replace_original"] is True and "Approved" in done.args["text"]
    assert await slack.worker.run_once() == 3
    calls = await slack.settled()
    (told,) = dms(calls, HEAD)
    assert "the URL and identity of academy accounts are notified to you" in shown(told)["all"]
    assert "https://www.instagram.com/oakfield_y6" in shown(told)["all"]
    assert dms(calls, REPORTER) and dms(calls, DSL)

    # another, declined with a reason typed in a modal
    await send_request(slack, {**REQUEST, "handle": "@oakfield_dance", "purpose": "Dance club"})
    await slack.worker.run_once()
    (ask,) = dms(await slack.settled(), HEAD)
    calls = await slack.press(HEAD, button(ask, "Decline"), channel=dm_channel(HEAD))
    (modal,) = [c for c in calls if c.method == "views.open"]
    await slack.client.interactive_json(
        submission(HEAD, modal.args["view"], {"reason": "Use the main school account"})
    )
    calls = await slack.settled()
    assert any("Declined. The requester has been told why." in shown(c)["all"] for c in calls)
    await slack.worker.run_once()
    (declined,) = dms(await slack.settled(), REPORTER)
    assert "Reason: Use the main school account" in shown(declined)["all"]

    # the regular check, done from the checklist DM (Jane is the nominated person by default)
    clock.advance(days=90)
    assert await slack.bot.accounts.service.run_due() == 1
    await slack.worker.run_once()
    (check,) = dms(await slack.settled(), HEAD)
    calls = await slack.press(HEAD, button(check, "Record the check"), channel=dm_channel(HEAD))
    (modal,) = [c for c in calls if c.method == "views.open"]
    yes = {
        "two_admins": "yes",
        "about_links": "yes",
        "professional": "yes",
        "abuse_recorded": "yes",
    }
    await slack.client.interactive_json(submission(HEAD, modal.args["view"], yes))
    calls = await slack.settled()
    assert any("Check recorded: all fine" in shown(c)["all"] for c in calls)

    # the next check is not done: reminded twice, then it goes up (Jane is the checker and
    # the Headteacher, so to the trust administrator)
    clock.advance(days=90)
    await slack.bot.accounts.service.run_due()
    for _ in range(2):
        clock.advance(days=7)
        assert await slack.bot.accounts.service.run_due() == 1
    clock.advance(days=7)
    assert await slack.bot.accounts.service.run_due() == 1
    while await slack.worker.run_once():  # one message to each person per round
        pass
    calls = await slack.settled()
    assert len(dms(calls, HEAD)) == 3  # the check and two reminders
    (overdue,) = dms(calls, ADMIN)
    assert "Overdue: Jane Smith has not recorded the regular check" in shown(overdue)["all"]

    # Omar leaves: the account is flagged and Jane told
    _name, flagged = await slack.bot.accounts.service.person_left("okhan")
    assert [v.id for v in flagged] == [1]
    await slack.worker.run_once()
    (flag,) = dms(await slack.settled(), HEAD)
    assert "Omar Khan has left; it now has 1 administrator (Tom Cooper)" in shown(flag)["all"]
