"""Outbox delivery: retries with backoff, dead letters, concurrency, in-place updates."""

from __future__ import annotations

import asyncio
import io
import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from adapters.console.notifier import ConsoleNotifier
from bot.clock import FakeClock
from bot.delivery.worker import OutboxWorker
from bot.incidents.service import IncidentService
from bot.notifier import Delivery, DeliveryError, Recipient
from bot.outbox.outbox import enqueue
from bot.store.db import Database
from bot.store.models import AuditEvent
from tests.incidents.helpers import JANE, TOM, outbox_rows, service, submission


class FlakyNotifier:
    """Fails ``failures`` times (with an optional retry_after), then succeeds."""

    def __init__(
        self,
        platform: str,
        failures: int = 0,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
    ) -> None:
        self.platform = platform
        self.failures = failures
        self.permanent = permanent
        self.retry_after = retry_after
        self.calls = 0
        self.delivered: list[Delivery] = []

    async def deliver(self, delivery: Delivery) -> str | None:
        self.calls += 1
        if self.permanent:
            raise DeliveryError("user_not_found", permanent=True)
        if self.calls <= self.failures:
            raise DeliveryError("rate limited", retry_after=self.retry_after)
        self.delivered.append(delivery)
        return f"ts-{delivery.id}-{len(self.delivered)}"


@pytest.mark.usefixtures("trust")
async def test_fails_five_times_then_delivers_exactly_once(
    database: Database, fake_clock: FakeClock
) -> None:
    await service(database, fake_clock).submit(TOM, submission())  # 1 slack row (Jane)
    slack = FlakyNotifier("slack", failures=5, retry_after=30)
    console = FlakyNotifier("console")
    worker = OutboxWorker(
        database, {"slack": slack, "console": console}, fake_clock, rng=random.Random(1)
    )
    assert await worker.run_once() == 1
    assert slack.calls == 1 and console.delivered == []  # no receipt until Jane has it
    for attempt in range(2, 7):
        assert await worker.run_once() == 0  # backoff: nothing due yet
        row = (await outbox_rows(database, "escalation"))[0]
        wait = row.next_attempt_at - fake_clock.now()
        assert wait >= timedelta(seconds=30)  # retry_after honoured
        fake_clock.advance(wait)
        assert await worker.run_once() == 1
        assert slack.calls == attempt
    assert len(slack.delivered) == 1
    for _ in range(3):
        fake_clock.advance(hours=2)
        await worker.run_once()
    assert len(slack.delivered) == 1
    (receipt,) = console.delivered  # Tom is told once Jane has received it
    assert "Jane Smith (Principal/Headteacher): received it on Slack" in receipt.reply.text
    row = (await outbox_rows(database, "escalation"))[0]
    assert row.state == "delivered" and row.attempts == 6 and row.message_ref == f"ts-{row.id}-1"
    async with database.session() as session:
        attempts = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "delivery_attempt", AuditEvent.outbox_id == row.id)
        )
    assert attempts == 6


def test_backoff_grows_and_is_capped() -> None:
    worker = OutboxWorker(None, {}, FakeClock(), base_delay=5, max_delay=60)  # type: ignore[arg-type]
    delays = [worker.backoff(n) for n in range(1, 10)]
    assert 2.5 <= delays[0] <= 5 and 5 <= delays[1] <= 10
    assert all(d <= 60 for d in delays)
    assert worker.backoff(1, retry_after=120) == 120


@pytest.mark.usefixtures("trust")
async def test_permanent_failure_dead_letters_and_admin_sees_it(
    database: Database, fake_clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    await service(database, fake_clock).submit(TOM, submission())
    worker = OutboxWorker(
        database,
        {"slack": FlakyNotifier("slack", permanent=True), "console": FlakyNotifier("console")},
        fake_clock,
    )
    await worker.run_once()
    row = (await outbox_rows(database, "escalation"))[0]
    assert row.state == "dead" and row.last_error == "user_not_found"
    from bot.commands import admin  # noqa: F401  (CLI output below)
    from bot.outbox.outbox import counts_by_state, list_messages, retry

    async with database.session() as session:
        assert (await counts_by_state(session))["dead"] == 1
        assert [r.id for r in await list_messages(session, state="dead")] == [row.id]
    async with database.transaction() as session:
        assert await retry(session, row.id, now=fake_clock.now(), actor="test")
    assert (await outbox_rows(database, "escalation"))[0].state == "pending"


@pytest.mark.usefixtures("trust")
async def test_too_many_attempts_dead_letters(database: Database, fake_clock: FakeClock) -> None:
    await service(database, fake_clock).submit(TOM, submission())
    notifier = FlakyNotifier("slack", failures=99)
    worker = OutboxWorker(database, {"slack": notifier}, fake_clock, max_attempts=3)
    for _ in range(3):
        await worker.run_once()
        fake_clock.advance(hours=1)
    row = (await outbox_rows(database, "escalation"))[0]  # Jane's alert
    assert row.attempts == 3 and row.state == "dead" and row.last_error == "rate limited"


async def test_row_that_cannot_render_is_dead(database: Database, fake_clock: FakeClock) -> None:
    async with database.transaction() as session:
        enqueue(session, kind="receipt", recipient=Recipient("console", "x"), now=fake_clock.now())
    notifier = FlakyNotifier("console")
    await OutboxWorker(database, {"console": notifier}, fake_clock).run_once()
    (row,) = await outbox_rows(database)
    assert notifier.calls == 0 and row.state == "dead" and "no incident" in (row.last_error or "")


@pytest.mark.usefixtures("trust")
async def test_update_uses_previous_message_ref(database: Database, fake_clock: FakeClock) -> None:
    svc = service(database, fake_clock)
    ref = (await svc.submit(TOM, submission())).reference
    slack = FlakyNotifier("slack")
    worker = OutboxWorker(
        database, {"slack": slack, "console": FlakyNotifier("console")}, fake_clock
    )
    await worker.run_once()
    await svc.acknowledge(JANE, ref)
    await worker.run_once()
    first, update = slack.delivered
    assert first.update_ref is None
    assert update.update_ref == f"ts-{first.id}-1"
    assert "Acknowledged by Jane Smith" in update.reply.text


@pytest.mark.usefixtures("trust")
async def test_console_notifier_prints_block(database: Database, fake_clock: FakeClock) -> None:
    console_only = IncidentService(
        database,
        clock=fake_clock,
        platforms=("console",),
        reminder_after=timedelta(hours=1),
        escalate_after=timedelta(hours=2),
    )
    await console_only.submit(TOM, submission(child_involved=True))
    stream = io.StringIO()
    worker = OutboxWorker(database, {"console": ConsoleNotifier(stream)}, fake_clock)
    while await worker.run_once():
        pass
    out = stream.getvalue()
    assert "To Omar Khan (Designated Safeguarding Lead)" in out and "SM-2026-0001" in out
    assert out.count("To Tom Cooper") == 1  # one receipt, after all three alerts landed
    assert "Omar Khan (Designated Safeguarding Lead): received it on the console" in out


class Counting:
    """Counts deliveries per outbox id; yields to let the other worker run."""

    def __init__(self, platform: str, sent: list[int]) -> None:
        self.platform = platform
        self.sent = sent

    async def deliver(self, delivery: Delivery) -> str | None:
        self.sent.append(delivery.id)
        await asyncio.sleep(0.001)
        return None


@pytest.mark.usefixtures("trust")
async def test_two_workers_never_double_send(database: Database, fake_clock: FakeClock) -> None:
    svc = service(database, fake_clock)
    await asyncio.gather(
        *(
            svc.submit(
                TOM, submission(child_involved=True, academy=("oakfield", "riverside")[n % 2])
            )
            for n in range(100)
        )
    )
    rows = await outbox_rows(database)
    # 300 alerts to six people (Head, DSL, deputy of two academies); each report brings a
    # receipt once its alerts land. One message at a time goes to each person.
    assert len(rows) == 300
    sent: list[int] = []
    plain_url = database.url.replace("+asyncpg", "").replace("+aiosqlite", "")
    other = Database(plain_url, schema=database.schema)  # its own pool, like another process
    try:
        workers = [
            OutboxWorker(
                db,
                {"slack": Counting("slack", sent), "console": Counting("console", sent)},
                fake_clock,
                concurrency=5,
            )
            for db in (database, other)
        ]
        counts = await asyncio.gather(*(_drain(w) for w in workers))
    finally:
        await other.dispose()
    assert all(c > 0 for c in counts)  # both really worked
    # every row exactly once: the 200 first ones and the receipt updates they caused
    after = await outbox_rows(database)
    assert {r.id for r in rows} <= {r.id for r in after}
    assert sorted(sent) == sorted(r.id for r in after)
    assert {r.state for r in after} == {"delivered"}


async def _drain(worker: OutboxWorker) -> int:
    total = 0
    while (n := await worker.run_once()) > 0:
        total += n
    return total
