"""Official accounts on Teams over real HTTP into ``/api/messages`` (SQLite and PostgreSQL):
the request card, Approve and Decline (reason on a card) from the senior leader's card, the
Headteacher told, a check done from the checklist card, an overdue check escalated and an
administrator leaving."""

from __future__ import annotations

from typing import Any

from bot.clock import FakeClock
from bot.trust.directory import find_person, set_role
from tests.campaigns.test_teams import button, flat, harness
from tests.teams.conftest import JANE, LEENA, OMAR, TOM, TeamsHarness
from tests.teams.fake_connector import Call

__all__ = ["harness"]

REQUEST = {
    "academy": "oakfield",
    "platform": "youtube",
    "handle": "https://www.youtube.com/@oakfieldmusic",
    "purpose": "Music department performances",
    "pupils_use": "yes",
    "official_email": "music@oakfield.example.org",
    "administrators": "okhan,tcooper",
    "code_of_behaviour": "yes",
    "about_page": "yes",
}


def last(h: TeamsHarness, aad: str) -> Call:
    return h.connector.sent(f"a:1on1-{aad}")[-1]


async def request(h: TeamsHarness, answers: dict[str, Any]) -> Call:
    await h.post(TOM, text="request account")
    form = last(h, TOM)
    assert "Request an official school account" in form.text
    await h.submit(TOM, button(form, "Send the request"), reply_to=form.created_id, **answers)
    return last(h, TOM)


async def test_request_approved_declined_checked_overdue_and_a_leaver(
    harness: TeamsHarness, clock: FakeClock
) -> None:
    h = harness
    await h.install_for(JANE, TOM, OMAR, LEENA)
    async with h.bot.database.transaction() as session:  # Leena does the checks
        leena = await find_person(session, "leena")
        assert leena is not None
        await set_role(session, "oakfield", "social_media_checker", leena, now=clock.now())

    refused = await request(h, {**REQUEST, "code_of_behaviour": "no"})
    assert "This request can't be sent yet" in flat(refused.text)
    assert "A code of behaviour for its users" in flat(refused.text)

    sent = await request(h, REQUEST)
    assert "Your request 1 has been sent for approval" in flat(sent.text)
    await h.worker.run_once()
    ask = last(h, JANE)
    await h.submit(JANE, button(ask, "Approve"), reply_to=ask.created_id)
    assert "Approved. It is in the register" in flat(h.connector.updates()[-1].text)
    await h.worker.run_once()
    assert "the URL and identity of academy accounts are notified to you" in flat(
        last(h, JANE).text
    )
    assert "pupils may now be given access" in flat(last(h, TOM).text)
    assert "approved by Jane Smith" in flat(last(h, OMAR).text)

    await request(h, {**REQUEST, "handle": "@oakfield_band", "purpose": "Band"})
    await h.worker.run_once()
    ask = last(h, JANE)
    await h.submit(JANE, button(ask, "Decline"), reply_to=ask.created_id)
    reason_card = last(h, JANE)
    assert "Reason for declining" in reason_card.text
    await h.submit(
        JANE,
        button(reason_card, "Decline"),
        reply_to=reason_card.created_id,
        reason="One music account is enough",
    )
    await h.worker.run_once()
    assert "Reason: One music account is enough" in flat(last(h, TOM).text)

    # a check done by Leena on the checklist card
    clock.advance(days=90)
    await h.bot.accounts.service.run_due()
    await h.worker.run_once()
    check = last(h, LEENA)
    assert "time for the regular check" in flat(check.text)
    await h.submit(LEENA, button(check, "Record the check"), reply_to=check.created_id)
    form = last(h, LEENA)
    await h.submit(
        LEENA,
        button(form, "Record the check"),
        reply_to=form.created_id,
        two_admins="yes",
        about_links="yes",
        professional="no",
        abuse_recorded="yes",
    )
    assert "It found problems, so the account is flagged" in flat(last(h, LEENA).text)
    await h.worker.run_once()
    assert "Is its content professional: no" in flat(last(h, JANE).text)

    # the next check is overdue: Leena reminded twice, then Jane
    clock.advance(days=90)
    await h.bot.accounts.service.run_due()
    for _ in range(3):
        clock.advance(days=7)
        await h.bot.accounts.service.run_due()
    while await h.worker.run_once():  # every message due (a worker takes 8 at a time)
        pass
    assert "Overdue: Leena Patel has not recorded the regular check" in flat(last(h, JANE).text)
    assert "Reminder 2: the check of this official account" in flat(last(h, LEENA).text)

    # Omar leaves: flagged, Jane told
    await h.bot.accounts.service.person_left("okhan")
    await h.worker.run_once()
    assert "Omar Khan has left; it now has 1 administrator" in flat(last(h, JANE).text)
    await h.post(JANE, text="accounts")
    register = flat(last(h, JANE).text)
    assert "1: Oakfield Primary Academy, YouTube https://www.youtube.com/@oakfieldmusic" in register
    assert "administrators: Tom Cooper" in register and "2: Oakfield Primary Academy" in register
