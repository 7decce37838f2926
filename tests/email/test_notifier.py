"""Email alerts through the real outbox worker to a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from adapters.email.notifier import EmailNotifier
from adapters.notifiers import build_notifiers
from bot.clock import FakeClock
from bot.config import SmtpSettings, load_settings
from bot.delivery.worker import OutboxWorker
from bot.emails import email_recipient
from bot.notifier import Recipient
from bot.outbox.outbox import enqueue
from bot.store.db import Database
from bot.store.models import OutboxMessage, Person
from bot.trust.config import TrustConfig
from tests.email.smtp_server import FakeSmtpServer, free_port
from tests.incidents.helpers import TOM, service, submission

SENDER = "policybot <policybot@northbridge.example.org>"
OMAR = "omar.khan@oakfield.example.org"


def smtp_settings(
    server: FakeSmtpServer, user: str | None = None, pw: str | None = None
) -> SmtpSettings:
    settings = load_settings({"SMTP_URL": server.url(user, pw), "SMTP_FROM": SENDER})
    assert settings.smtp is not None
    return settings.smtp


async def queue_email_alert(database: Database, clock: FakeClock, **overrides: object) -> int:
    """A stored child-involved report, plus an email escalation to Omar Khan (the DSL)."""
    result = await service(database, clock).submit(
        TOM, submission(child_involved=True, urgency="immediate", **overrides)
    )
    async with database.transaction() as session:
        omar = await session.scalar(select(Person).where(Person.key == "okhan"))
        assert omar is not None
        recipient = email_recipient(omar)
        assert recipient == Recipient("email", OMAR, "Omar Khan", omar.id)
        incident_id = await session.scalar(
            select(OutboxMessage.incident_id).where(OutboxMessage.kind == "escalation")
        )
        row = enqueue(
            session,
            kind="escalation",
            recipient=recipient,
            now=clock.now(),
            incident_id=incident_id,
            payload={"roles": ["Designated Safeguarding Lead"], "reason": "routed"},
        )
        await session.flush()
        assert result.reference
        return row.id


async def row_of(database: Database, outbox_id: int) -> OutboxMessage:
    async with database.session() as session:
        row = await session.get(OutboxMessage, outbox_id)
        assert row is not None
        return row


async def test_alert_email_carries_the_alert_and_never_the_details(
    database: Database, trust: TrustConfig, fake_clock: FakeClock, smtp_server: FakeSmtpServer
) -> None:
    outbox_id = await queue_email_alert(database, fake_clock)
    worker = OutboxWorker(
        database, {"email": EmailNotifier(smtp_settings(smtp_server))}, fake_clock
    )
    assert await worker.run_once() == 1

    [mail] = smtp_server.messages
    assert mail.rcpt_tos == [OMAR]
    msg = mail.message
    assert msg["To"] == f"Omar Khan <{OMAR}>"
    assert msg["From"] == SENDER
    assert msg["Message-ID"] == f"<policybot-outbox-{outbox_id}@northbridge.example.org>"
    assert msg["Subject"].startswith("IMMEDIATE: New incident report SM-2026-")
    assert msg.get_content_type() == "multipart/alternative"
    types = [p.get_content_type() for p in msg.iter_parts()]
    assert types == ["text/plain", "text/html"]
    body = mail.bodies()
    for expected in (
        "Reference: SM-2026-",
        "Academy: Oakfield Primary Academy",
        "Category:",
        "Urgency: Immediate",
        "Child or young person involved: Yes",
        "State: Open: not yet acknowledged",
        "You are told as: Designated Safeguarding Lead",
        "What to do: open policybot",
        "Acknowledge",
    ):
        assert body.count(expected) == 2, expected  # in the plain text and in the HTML
    for text in (msg.as_string(), body, str(msg["Subject"])):  # encoded and decoded
        assert "SECRET" not in text and "Facebook" not in text

    row = await row_of(database, outbox_id)
    assert row.state == "delivered" and row.message_ref == msg["Message-ID"]


async def test_a_resend_carries_the_same_message_id(
    database: Database, trust: TrustConfig, fake_clock: FakeClock, smtp_server: FakeSmtpServer
) -> None:
    outbox_id = await queue_email_alert(database, fake_clock)
    notifier = EmailNotifier(smtp_settings(smtp_server))
    async with database.session() as session:
        row = await session.get(OutboxMessage, outbox_id)
        assert row is not None
        from bot.incidents.notifications import render
        from bot.notifier import Delivery

        reply = await render(session, row)
        recipient = Recipient("email", OMAR, "Omar Khan", row.person_id)
    first = await notifier.deliver(Delivery(outbox_id, recipient, reply))
    second = await notifier.deliver(Delivery(outbox_id, recipient, reply))
    assert first == second
    assert [m.message["Message-ID"] for m in smtp_server.messages] == [first, first]
    update = await notifier.deliver(Delivery(outbox_id + 1, recipient, reply, update_ref=first))
    assert update != first
    assert smtp_server.messages[-1].message["In-Reply-To"] == first


async def test_refused_mailbox_is_a_dead_letter_and_a_busy_one_is_retried(
    database: Database, trust: TrustConfig, fake_clock: FakeClock, smtp_server: FakeSmtpServer
) -> None:
    notifier = EmailNotifier(smtp_settings(smtp_server))
    worker = OutboxWorker(database, {"email": notifier}, fake_clock)

    smtp_server.refuse(OMAR, 550)
    dead_id = await queue_email_alert(database, fake_clock)
    await worker.run_once()
    dead = await row_of(database, dead_id)
    assert dead.state == "dead" and dead.attempts == 1
    assert dead.last_error is not None and "550" in dead.last_error

    smtp_server.refuse(OMAR, 450)
    busy_id = await queue_email_alert(database, fake_clock)
    await worker.run_once()
    busy = await row_of(database, busy_id)
    assert busy.state == "pending" and busy.attempts == 1
    assert busy.last_error is not None and "450" in busy.last_error
    assert [m for m in smtp_server.messages if OMAR in m.rcpt_tos] == []
    # the dead letter alerted the trust administrator (Alison Morgan, by email here), and
    # the report went on to the next person on the chain
    others = [m.rcpt_tos for m in smtp_server.messages if OMAR not in m.rcpt_tos]
    assert ["alison.morgan@northbridge.example.org"] in others

    smtp_server.refused.clear()
    fake_clock.advance(seconds=3600)
    await worker.run_once()
    assert (await row_of(database, busy_id)).state == "delivered"
    assert [m.rcpt_tos for m in smtp_server.messages if OMAR in m.rcpt_tos] == [[OMAR]]


async def test_a_mail_server_that_is_down_is_retried(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    down = SmtpSettings(
        host="127.0.0.1", port=free_port(), from_address=SENDER, start_tls=False, timeout=5
    )
    outbox_id = await queue_email_alert(database, fake_clock)
    await OutboxWorker(database, {"email": EmailNotifier(down)}, fake_clock).run_once()
    row = await row_of(database, outbox_id)
    assert row.state == "pending" and row.attempts == 1
    assert row.last_error is not None and "could not be reached" in row.last_error


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
async def test_login_is_used_and_a_wrong_password_is_retried_not_lost(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    server = FakeSmtpServer(users={"policybot": "s3cret/pw"})
    server.start()
    try:
        good = EmailNotifier(smtp_settings(server, "policybot", "s3cret%2Fpw"))
        bad = EmailNotifier(smtp_settings(server, "policybot", "wrong"))
        first = await queue_email_alert(database, fake_clock)
        await OutboxWorker(database, {"email": bad}, fake_clock).run_once()
        row = await row_of(database, first)
        assert row.state == "pending" and "did not accept the login" in (row.last_error or "")
        assert "wrong" not in (row.last_error or "")
        fake_clock.advance(seconds=3600)
        await OutboxWorker(database, {"email": good}, fake_clock).run_once()
        assert (await row_of(database, first)).state == "delivered"
        assert [m.login for m in server.messages] == ["policybot"]
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("email", "expected"),
    [("a.b@school.org", True), ("", False), (None, False), ("not an address", False)],
)
def test_email_recipient(email: str | None, expected: bool) -> None:
    person = Person(id=7, key="x", name="Ann Lee", email=email)
    recipient = email_recipient(person)
    assert (recipient is not None) == expected
    if recipient is not None:
        assert recipient == Recipient("email", "a.b@school.org", "Ann Lee", 7)


def test_notifiers_include_email_only_when_smtp_is_set() -> None:
    smtp = {"SMTP_URL": "smtp://mail.example.org", "SMTP_FROM": SENDER}
    alone = build_notifiers(load_settings(smtp)).get("email")
    assert isinstance(alone, EmailNotifier) and alone.open_in == "the console (policybot chat)"
    slack = {**smtp, "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}
    with_slack = build_notifiers(load_settings(slack)).get("email")
    assert isinstance(with_slack, EmailNotifier) and with_slack.open_in == "Slack"
    assert "email" not in build_notifiers(load_settings({}))
