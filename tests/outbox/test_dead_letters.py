"""Dead letters an admin can act on: listed with their reference, retried by id, by report or
all at once, and every trust admin alerted (through the real worker, console and email)."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from adapters.console.notifier import ConsoleNotifier
from adapters.email.notifier import EmailNotifier
from bot.cli import main
from bot.clock import FakeClock, SystemClock
from bot.config import load_settings
from bot.delivery.worker import OutboxWorker
from bot.incidents.notifications import render
from bot.notifier import Delivery, DeliveryError
from bot.outbox.dead import alert_admins_of_dead_letter
from bot.store.db import Database
from bot.store.models import AuditEvent, OutboxMessage
from bot.trust.config import TrustConfig
from tests.conftest import EXAMPLE_TRUST
from tests.email.smtp_server import FakeSmtpServer
from tests.incidents.helpers import TOM, outbox_rows, service, submission


class DeadSlack:
    """Slack that says the member does not exist (a permanent error); with ``only``, just for
    that member (the others get their messages)."""

    platform = "slack"

    def __init__(self, only: str | None = None) -> None:
        self.only = only

    async def deliver(self, delivery: Delivery) -> str | None:
        if self.only is None or delivery.recipient.address == self.only:
            raise DeliveryError("Slack said user_not_found", permanent=True)
        return f"ts-{delivery.id}"


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    for name in ("TRUST_CONFIG", "POLICY_KB", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


async def _two_dead_reports(url: str) -> list[str]:
    database = Database(url)
    try:
        clock = FakeClock(SystemClock().now())
        refs = []
        for _ in range(2):
            refs.append((await service(database, clock).submit(TOM, submission())).reference)
        worker = OutboxWorker(database, {"slack": DeadSlack(only="U04JSMITH01")}, clock)
        while await worker.run_once():  # Jane's two alerts die; what follows is delivered
            pass
        return refs
    finally:
        await database.dispose()


async def _states(url: str) -> dict[int, str]:
    database = Database(url)
    try:
        async with database.session() as session:
            rows = await session.execute(select(OutboxMessage.id, OutboxMessage.state))
            return {i: s for i, s in rows}
    finally:
        await database.dispose()


def test_dead_letters_listed_with_reference_and_retried_by_report_or_all(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "admin", "import-config", str(EXAMPLE_TRUST))[0] == 0
    first, second = asyncio.run(_two_dead_reports(db_url))

    code, out, _ = run(capsys, "admin", "outbox", "--dead")
    assert code == 0 and "2 dead" in out
    dead_lines = [line for line in out.splitlines() if line.startswith("#")]
    assert len(dead_lines) == 2
    for ref in (first, second):
        [line] = [d for d in dead_lines if ref in d]
        assert "escalation" in line and "to Jane Smith on slack (attempts 1)" in line
    assert out.count("last error: Slack said user_not_found") == 2
    assert "policybot admin retry REFERENCE" in out

    code, out, _ = run(capsys, "admin", "retry", first.lower())
    assert code == 0 and f"1 dead message(s) of {first} will be delivered again" in out
    states = asyncio.run(_states(db_url))
    assert sorted(states.values()).count("dead") == 1
    code, out, _ = run(capsys, "admin", "retry", first)
    assert code == 0 and f"No dead messages of {first}" in out

    code, out, _ = run(capsys, "admin", "retry", "--all-dead")
    assert code == 0 and "1 dead message(s) will be delivered again" in out
    assert "dead" not in asyncio.run(_states(db_url)).values()
    code, out, _ = run(capsys, "admin", "outbox", "--dead")
    assert code == 0 and "No messages in state dead." in out

    code, _, err = run(capsys, "admin", "retry", "SM-2026-9999")
    assert code == 1 and "no report with reference SM-2026-9999" in err
    code, _, err = run(capsys, "admin", "retry")
    assert code == 1 and "--all-dead" in err
    code, _, err = run(capsys, "admin", "retry", "7", "--all-dead")
    assert code == 1
    code, _, err = run(capsys, "admin", "retry", "banana")
    assert code == 1 and "neither an outbox message id" in err and "Traceback" not in err
    code, _, err = run(capsys, "admin", "retry", "99999")
    assert code == 1 and "#99999 was not found" in err


async def test_retries_are_audited(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    result = await service(database, fake_clock).submit(TOM, submission())
    await OutboxWorker(database, {"slack": DeadSlack()}, fake_clock).run_once()
    from bot.outbox import outbox

    async with database.transaction() as session:
        ids = await outbox.retry_dead_of_incident(
            session, result.reference, now=fake_clock.now(), actor="cli:admin"
        )
    assert ids and len(ids) == 1
    async with database.session() as session:
        audited = await session.scalar(
            select(AuditEvent).where(AuditEvent.action == "outbox_retry")
        )
    assert audited is not None and audited.outbox_id == ids[0]
    assert audited.data == {"previous_state": "dead"}


@pytest.mark.timeout(60)
async def test_a_dead_letter_alerts_every_trust_admin_on_each_platform(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    result = await service(database, fake_clock).submit(TOM, submission())
    await OutboxWorker(database, {"slack": DeadSlack()}, fake_clock).run_once()
    [dead] = [r for r in await outbox_rows(database) if r.state == "dead"]

    async with database.transaction() as session:
        row = await session.get(OutboxMessage, dead.id)
        assert row is not None
        queued = await alert_admins_of_dead_letter(
            session, row, fake_clock.now(), platforms=("console", "email")
        )
        await session.flush()
        queued_ids = {q.id for q in queued}
        assert [(q.platform, q.address) for q in queued] == [
            ("console", "alison"),
            ("email", "alison.morgan@northbridge.example.org"),
        ]
        assert {q.incident_id for q in queued} == {dead.incident_id}
        assert all(q.kind == "dead_letter" and q.recipient_name == "Alison Morgan" for q in queued)
        every = await alert_admins_of_dead_letter(session, row, fake_clock.now())
        assert sorted(q.platform for q in every) == ["console", "slack", "teams"]
        for extra in every:
            session.expunge(extra)

    smtp = FakeSmtpServer()
    smtp.start()
    try:
        settings = load_settings(
            {"SMTP_URL": smtp.url(), "SMTP_FROM": "policybot@northbridge.example.org"}
        )
        assert settings.smtp is not None
        console = io.StringIO()
        worker = OutboxWorker(
            database,
            {"console": ConsoleNotifier(console), "email": EmailNotifier(settings.smtp)},
            fake_clock,
        )
        assert await worker.run_once() == 2  # the two alerts (the receipt waits for deliveries)
    finally:
        smtp.stop()
    [mail] = smtp.messages
    for text in (console.getvalue(), mail.bodies(), str(mail.message["Subject"])):
        assert result.reference in text
        assert "SECRET" not in text
    for text in (console.getvalue(), mail.bodies()):
        assert (
            f"could not deliver an incident alert about incident {result.reference} "
            "to Jane Smith in Slack (gave up after 1 attempt(s))"
        ) in " ".join(text.split())
        assert "Slack said user_not_found" in text
        assert f"policybot admin retry {result.reference}" in text
    # (the worker that found the row dead had already alerted Alison on Slack, the one
    # platform it delivers on; that alert waits for a Slack worker)
    alerts = [r for r in await outbox_rows(database, "dead_letter") if r.id in queued_ids]
    assert [r.state for r in alerts] == ["delivered", "delivered"]


async def test_dead_letter_alerts_do_not_loop_and_need_no_incident(
    database: Database, trust: TrustConfig, fake_clock: FakeClock
) -> None:
    async with database.transaction() as session:
        stray = OutboxMessage(
            kind="state_change",
            platform="slack",
            address="U0GONE",
            recipient_name="Former Teacher",
            payload={},
            state="dead",
            attempts=10,
            last_error="Slack said account_inactive",
            next_attempt_at=fake_clock.now(),
            created_at=fake_clock.now(),
        )
        session.add(stray)
        await session.flush()
        [alert] = await alert_admins_of_dead_letter(
            session, stray, fake_clock.now(), platforms=("console",)
        )
        await session.flush()
        reply = await render(session, alert)
        assert "to Former Teacher in Slack (gave up after 10 attempt(s))" in reply.text
        assert f"policybot admin retry {stray.id}" in reply.text and not reply.choices
        alert.state = "dead"
        assert await alert_admins_of_dead_letter(session, alert, fake_clock.now()) == []
