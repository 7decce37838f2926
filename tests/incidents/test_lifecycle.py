"""States, access, audit, reminders and escalation."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.incidents.errors import InvalidInput, InvalidTransition, NotEntitled, NotFound
from bot.incidents.notifications import render
from bot.store.db import Database
from tests.incidents.helpers import (
    ALISON,
    JANE,
    LEENA,
    OMAR,
    SARAH,
    STRANGER,
    TOM,
    audit_actions,
    outbox_rows,
    service,
    submission,
)

pytestmark = pytest.mark.usefixtures("trust")


async def test_open_ack_close_and_reporter_told(database: Database, fake_clock: FakeClock) -> None:
    svc = service(database, fake_clock)
    result = await svc.submit(TOM, submission())
    view = await svc.acknowledge(JANE, result.reference)
    assert view.state == "acknowledged" and view.acknowledged_by == "Jane Smith"
    with pytest.raises(InvalidTransition, match="already acknowledged"):
        await svc.acknowledge(JANE, result.reference)
    with pytest.raises(InvalidInput, match="outcome"):
        await svc.close(JANE, result.reference, "   ")
    view = await svc.close(JANE, "sm-2026-1", "Post removed; parent spoken to.")
    assert view.state == "closed" and view.outcome == "Post removed; parent spoken to."
    with pytest.raises(InvalidTransition, match="already closed"):
        await svc.close(JANE, result.reference, "again")
    with pytest.raises(InvalidTransition):
        await svc.acknowledge(JANE, result.reference)
    changes = await outbox_rows(database, "state_change")
    assert [(r.address, r.payload["state"]) for r in changes] == [
        ("tom", "acknowledged"),
        ("tom", "closed"),
    ]
    actions = await audit_actions(database, result.incident_id)
    assert actions[:2] == ["submitted", "routed"]
    assert "acknowledged" in actions and "closed" in actions


async def test_close_straight_from_open(database: Database, fake_clock: FakeClock) -> None:
    svc = service(database, fake_clock)
    ref = (await svc.submit(TOM, submission())).reference
    view = await svc.close(JANE, ref, "Dealt with at once")
    assert view.state == "closed" and view.acknowledged_by == "Jane Smith"


async def test_state_change_updates_handler_card_in_place(
    database: Database, fake_clock: FakeClock
) -> None:
    svc = service(database, fake_clock)
    ref = (await svc.submit(TOM, submission())).reference
    await svc.acknowledge(JANE, ref)
    cards = await outbox_rows(database, "escalation")
    assert len(cards) == 2 and cards[0].thread_key == cards[1].thread_key
    async with database.session() as session:
        reply = await render(session, cards[1])
    assert reply.replace_previous and "Acknowledged by Jane Smith" in reply.text
    assert [c.action for c in reply.choices] == ["incident.note", "incident.view", "incident.close"]


async def test_notifications_never_carry_details(database: Database, fake_clock: FakeClock) -> None:
    svc = service(database, fake_clock)
    ref = (await svc.submit(TOM, submission(child_involved=True))).reference
    await svc.acknowledge(OMAR, ref)
    fake_clock.advance(minutes=5)
    async with database.session() as session:
        for row in await outbox_rows(database):
            reply = await render(session, row)
            assert "SECRET" not in reply.text and "SECRET" not in str(reply.data)
            if row.kind == "escalation":
                assert ref in reply.text and "Oakfield Primary Academy" in reply.text
                assert "Child or young person involved: Yes" in reply.text
                assert {c.value for c in reply.choices} == {ref}


async def test_unentitled_refused_and_audited(database: Database, fake_clock: FakeClock) -> None:
    svc = service(database, fake_clock)
    result = await svc.submit(TOM, submission())
    with pytest.raises(NotEntitled, match="only the people it was sent to can read its details"):
        await svc.view_details(TOM, result.reference)  # the reporter is told what they can do
    missing = "There is no report SM-2026-0999 that you can see. Please check the reference."
    with pytest.raises(NotFound) as info:
        await svc.view_details(SARAH, "SM-2026-0999")
    assert str(info.value) == missing
    for actor in (SARAH, OMAR, STRANGER):  # other academy, not routed, unknown
        # word for word what a reference that does not exist gets: nothing gives it away
        with pytest.raises(NotEntitled) as refused:
            await svc.view_details(actor, result.reference)
        assert str(refused.value) == missing.replace("SM-2026-0999", result.reference)
    with pytest.raises(NotEntitled):
        await svc.acknowledge(SARAH, result.reference)
    actions = await audit_actions(database, result.incident_id)
    assert actions.count("refused") == 5
    assert "details_viewed" not in actions


async def test_each_details_view_audited(database: Database, fake_clock: FakeClock) -> None:
    svc = service(database, fake_clock)
    result = await svc.submit(TOM, submission())
    await svc.add_note(JANE, result.reference, "Called the parent")
    details = await svc.view_details(JANE, result.reference)
    assert details.summary.startswith("A parent posted")
    assert details.details["platform"] == "Facebook"
    assert [n.text for n in details.notes] == ["Called the parent"]
    await svc.view_details(ALISON, result.reference)  # trust admin
    actions = await audit_actions(database, result.incident_id)
    assert actions.count("details_viewed") == 2
    assert "note_added" in actions


async def test_reporter_sees_only_own_reports(database: Database, fake_clock: FakeClock) -> None:
    svc = service(database, fake_clock)
    mine = await svc.submit(TOM, submission())
    await svc.submit(OMAR, submission())
    assert [s.reference for s in await svc.reporter_status(TOM)] == [mine.reference]
    assert await svc.handler_queue(TOM) == []
    queue = await svc.handler_queue(JANE)
    assert len(queue) == 2
    assert len(await svc.handler_queue(ALISON)) == 2
    assert await svc.handler_queue(SARAH) == []


async def test_queue_lists_open_first(database: Database, fake_clock: FakeClock) -> None:
    svc = service(database, fake_clock)
    first = await svc.submit(TOM, submission())
    fake_clock.advance(minutes=1)
    second = await svc.submit(TOM, submission())
    await svc.acknowledge(JANE, second.reference)
    assert [s.reference for s in await svc.handler_queue(JANE)] == [
        first.reference,
        second.reference,
    ]


async def test_unknown_reference(database: Database, fake_clock: FakeClock) -> None:
    svc = service(database, fake_clock)
    with pytest.raises(NotFound, match="SM-2026-0999"):
        await svc.acknowledge(JANE, "SM-2026-0999")
    with pytest.raises(NotFound, match="not a report reference"):
        await svc.view_details(JANE, "hello")


async def test_reminder_then_escalation_chain(database: Database, fake_clock: FakeClock) -> None:
    svc = service(database, fake_clock)
    result = await svc.submit(TOM, submission(child_involved=True, concerns_headteacher=True))
    # routed: Chair (Robert), DSL (Omar), deputy (Leena); chain then: trust admin (Alison)
    assert await svc.run_due_reminders() == 0
    fake_clock.advance(minutes=59)
    assert await svc.run_due_reminders() == 0
    fake_clock.advance(minutes=1)
    assert await svc.run_due_reminders() == 1
    reminders = await outbox_rows(database, "reminder")
    assert {r.address for r in reminders} == {"robert", "U04OKHAN002", "U04LPATEL03"}
    assert await svc.run_due_reminders() == 0  # not twice
    fake_clock.advance(minutes=60)
    assert await svc.run_due_reminders() == 1
    rows = await outbox_rows(database, "escalation")
    escalated = [r for r in rows if r.payload["reason"] == "escalated"]
    assert [r.address for r in escalated] == ["U04AMORGAN9"]
    assert "U04JSMITH01" not in {r.address for r in await outbox_rows(database)}  # never Jane
    await svc.view_details(ALISON, result.reference)  # now entitled
    actions = await audit_actions(database, result.incident_id)
    assert actions.count("reminder_sent") == 1 and "escalated" in actions
    await svc.acknowledge(ALISON, result.reference)
    fake_clock.advance(hours=10)
    assert await svc.run_due_reminders() == 0


async def test_escalation_goes_dsl_deputy_head_chair(
    database: Database, fake_clock: FakeClock
) -> None:
    svc = service(database, fake_clock)
    await svc.submit(TOM, submission())  # to Jane only
    told = []
    for _ in range(4):
        fake_clock.advance(minutes=120)
        await svc.run_due_reminders()
        rows = await outbox_rows(database, "escalation")
        told = [r.recipient_name for r in rows if r.payload["reason"] == "escalated"]
    assert told == ["Omar Khan", "Leena Patel", "Robert Hughes", "Alison Morgan"]
    fake_clock.advance(minutes=120)
    await svc.run_due_reminders()  # nobody left: everyone reminded again
    assert len(await outbox_rows(database, "reminder")) >= 5
    view = await svc.close(LEENA, "SM-2026-0001", "Handled by the deputy DSL")
    assert view.state == "closed" and view.closed_by == "Leena Patel"
    assert {p.name for p in view.routed_to} >= {"Jane Smith", "Robert Hughes"}


async def test_reporter_adds_to_their_own_open_report(
    database: Database, fake_clock: FakeClock
) -> None:
    svc = service(database, fake_clock)
    result = await svc.submit(TOM, submission(child_involved=True))
    assert (await svc.may(TOM, result.reference, "note")).reference == result.reference
    await svc.add_note(TOM, result.reference, "I remembered: it was posted at 9pm.")
    details = await svc.view_details(JANE, result.reference)
    assert [(n.author, n.text) for n in details.notes] == [
        ("Tom Cooper (reporter)", "I remembered: it was posted at 9pm.")
    ]
    told = await outbox_rows(database, "reporter_note")
    assert {r.address for r in told} == {"U04JSMITH01", "U04OKHAN002", "U04LPATEL03"}
    async with database.session() as session:
        row = told[0]
        reply = await render(session, row)
    assert "added more information" in reply.text and "9pm" not in reply.text
    assert "reporter_note_added" in await audit_actions(database, result.incident_id)
    # not once it is closed, and never for someone else's report
    await svc.close(JANE, result.reference, "Dealt with")
    with pytest.raises(NotEntitled):
        await svc.add_note(TOM, result.reference, "one more thing")
    with pytest.raises(NotEntitled, match="only the people it was sent to can add notes"):
        await svc.may(TOM, result.reference, "note")
    with pytest.raises(NotEntitled, match="There is no report"):
        await svc.may(SARAH, result.reference, "note")


async def test_flags_shown_in_listings_and_alerts(
    database: Database, fake_clock: FakeClock
) -> None:
    svc = service(database, fake_clock)
    await svc.submit(
        TOM,
        submission(
            child_involved=True,
            sexual_imagery=True,
            urgency="immediate",
            details={"immediate_risk": True},
        ),
    )
    [item] = await svc.handler_queue(JANE)
    assert item.sexual_imagery and item.immediate_risk and item.urgency == "immediate"
    async with database.session() as session:
        reply = await render(session, (await outbox_rows(database, "escalation"))[0])
    assert reply.title.startswith("CHILD AT IMMEDIATE RISK / SEXUAL IMAGES OF A CHILD:")
    assert "Urgency: Immediate" in reply.text
    assert "SECRET" not in reply.text
