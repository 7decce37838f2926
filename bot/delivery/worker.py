"""The outbox worker: claims due messages one by one, delivers them concurrently, records outcomes.

- **Claims are per message**, each under a short lease (``lease``, 20 s by default) naming this
  worker, renewed every third of a lease while the message is being sent. A worker that dies
  stops renewing, so another takes its messages within one lease. A message is given back at
  once when anything goes wrong before its outcome is recorded. Claiming is safe with several
  workers: ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL, one ``BEGIN IMMEDIATE``
  transaction on SQLite.
- **Deliveries run concurrently**, at most ``concurrency`` at once, so one slow call holds
  nothing else; the worker claims more as each finishes. Messages to one person go one at
  a time, in the order they were written (a card's update never overtakes the card).
- **Each message once**: a message claimed again after its worker's lease ran out, or whose
  last attempt timed out, is marked ``maybe_sent``, and the notifier looks before sending it
  again where its platform allows (see :mod:`bot.notifier`).
- Failures are retried with exponential backoff and jitter (never sooner than a platform's
  ``retry_after``); a permanent error or ``max_attempts`` failed calls move the row to ``dead``.
  What follows a delivery or a dead letter (the reporter's receipt brought up to date, an
  unreachable person passed over) is written in the same transaction as the outcome
  (:mod:`bot.delivery.outcomes`). Every attempt is audited.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import and_, case, exists, or_, select, true, update
from sqlalchemy.orm import aliased

from bot.clock import Clock
from bot.config import Settings
from bot.delivery.outcomes import after_attempt
from bot.delivery.render import render
from bot.notifier import Delivery, DeliveryError, Notifier, Recipient, RenderError
from bot.store import audit
from bot.store.db import Database
from bot.store.models import OutboxMessage

log = logging.getLogger(__name__)


class OutboxWorker:
    """Delivers outbox rows for the platforms in ``notifiers``."""

    def __init__(
        self,
        database: Database,
        notifiers: Mapping[str, Notifier],
        clock: Clock,
        *,
        max_attempts: int = 10,
        base_delay: float = 5.0,
        max_delay: float = 3600.0,
        lease: timedelta = timedelta(seconds=20),
        concurrency: int = 8,
        poll_interval: float = 1.0,
        worker_id: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.database = database
        self.notifiers = dict(notifiers)
        self.clock = clock
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.lease = lease
        self.concurrency = max(1, concurrency)
        self.poll_interval = poll_interval
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:12]}"
        self.rng = rng or random.Random()
        self._held: set[int] = set()  # rows this worker is sending now (leases renewed)
        self._stop: asyncio.Event | None = None

    @classmethod
    def from_settings(
        cls,
        database: Database,
        notifiers: Mapping[str, Notifier],
        clock: Clock,
        settings: Settings,
    ) -> OutboxWorker:
        """A worker with the lease and concurrency the settings name."""
        return cls(
            database,
            notifiers,
            clock,
            lease=timedelta(seconds=settings.outbox_lease_seconds),
            concurrency=settings.outbox_concurrency,
        )

    # --- public -------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim up to ``concurrency`` due messages, deliver them concurrently, wait for all;
        returns how many were claimed."""
        if not self.notifiers:
            return 0
        ids = await self._claim(self.concurrency)
        if ids:
            renewing = asyncio.create_task(self._renew_leases())
            try:
                await asyncio.gather(*(self._deliver_one(i) for i in ids))
            finally:
                renewing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewing
        return len(ids)

    async def run_forever(self, stop_event: asyncio.Event) -> None:
        """Deliver until ``stop_event`` is set; deliveries in flight then finish."""
        self._stop = stop_event
        log.info("outbox worker %s started for %s", self.worker_id, ", ".join(self.notifiers))
        sending: set[asyncio.Task[None]] = set()
        renewing = asyncio.create_task(self._renew_leases())
        stopped = asyncio.create_task(stop_event.wait())
        try:
            while not stop_event.is_set():
                claimed: list[int] = []
                free = self.concurrency - len(sending)
                if free > 0 and self.notifiers:
                    try:
                        claimed = await self._claim(free)
                    except Exception:
                        log.exception("outbox worker %s: claiming failed; retrying", self.worker_id)
                for outbox_id in claimed:
                    task = asyncio.create_task(self._deliver_one(outbox_id))
                    sending.add(task)
                    task.add_done_callback(sending.discard)
                if claimed and len(sending) < self.concurrency:
                    continue  # there may be more due: claim again at once
                await asyncio.wait(
                    {*sending, stopped},
                    timeout=self.poll_interval,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            if sending:
                await asyncio.gather(*sending, return_exceptions=True)
        finally:
            stopped.cancel()
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        log.info("outbox worker %s stopped", self.worker_id)

    def backoff(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait after ``attempts`` failures: exponential with jitter, capped,
        never less than ``retry_after``."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(attempts - 1, 0)))
        delay = self.rng.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            delay = max(delay, float(retry_after))
        return delay

    # --- claiming and leases ------------------------------------------------------------

    async def _claim(self, limit: int) -> list[int]:
        """Take up to ``limit`` due rows: pending ones whose time has come, and rows whose
        sender's lease ran out (those are marked ``maybe_sent``: it may have got through)."""
        now = self.clock.now()
        due = or_(
            and_(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now),
            and_(OutboxMessage.state == "sending", OutboxMessage.lease_until < now),
        )
        other = aliased(OutboxMessage)
        same_person = and_(
            other.platform == OutboxMessage.platform, other.address == OutboxMessage.address
        )
        # one message at a time to each person, in order: none while another to them is
        # being sent, and not before an earlier one to them that is due too
        busy = exists().where(same_person, other.state == "sending", other.lease_until >= now)
        earlier = exists().where(
            same_person,
            other.id < OutboxMessage.id,
            other.state == "pending",
            other.next_attempt_at <= now,
        )
        stmt = (
            select(OutboxMessage.id)
            .where(due, OutboxMessage.platform.in_(list(self.notifiers)), ~busy, ~earlier)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if self.database.is_postgresql:
            stmt = stmt.with_for_update(skip_locked=True)
        async with self.database.transaction() as session:
            ids = list(await session.scalars(stmt))
            if ids:
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids))
                    .values(
                        state="sending",
                        lease_until=now + self.lease,
                        claimed_by=self.worker_id,
                        maybe_sent=case(
                            (OutboxMessage.state == "sending", true()),
                            else_=OutboxMessage.maybe_sent,
                        ),
                    )
                )
        self._held.update(ids)
        return ids

    async def _renew_leases(self) -> None:
        """Every third of a lease, extend the lease of every row this worker is sending."""
        interval = max(self.lease.total_seconds() / 3, 0.05)
        while True:
            await asyncio.sleep(interval)
            held = list(self._held)
            if not held:
                continue
            try:
                async with self.database.transaction() as session:
                    await session.execute(
                        update(OutboxMessage)
                        .where(
                            OutboxMessage.id.in_(held),
                            OutboxMessage.claimed_by == self.worker_id,
                            OutboxMessage.state == "sending",
                        )
                        .values(lease_until=self.clock.now() + self.lease)
                    )
            except Exception:
                log.warning("outbox worker %s could not renew its leases", self.worker_id)

    async def _release(self, outbox_id: int, *, delay: float) -> None:
        """Give a claimed row back (something failed before its outcome was recorded)."""
        async with self.database.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == outbox_id,
                    OutboxMessage.claimed_by == self.worker_id,
                    OutboxMessage.state == "sending",
                )
                .values(
                    state="pending",
                    lease_until=None,
                    claimed_by=None,
                    next_attempt_at=self.clock.now() + timedelta(seconds=delay),
                )
            )

    # --- delivering ---------------------------------------------------------------------

    async def _deliver_one(self, outbox_id: int) -> None:
        """Deliver one claimed row; on any unexpected error give it back at once."""
        try:
            await self._deliver(outbox_id)
        except Exception:
            log.exception(
                "outbox worker %s: row %d failed; giving it back", self.worker_id, outbox_id
            )
            with contextlib.suppress(Exception):
                await self._release(outbox_id, delay=self.base_delay)
        finally:
            self._held.discard(outbox_id)

    async def _deliver(self, outbox_id: int) -> None:
        async with self.database.session() as session:
            row = await session.get(OutboxMessage, outbox_id)
            if row is None or row.state != "sending" or row.claimed_by != self.worker_id:
                return
            kind, platform, attempts = row.kind, row.platform, row.attempts
            try:
                reply = await render(session, row)
            except RenderError as exc:
                reply = None
                render_error: str | None = str(exc)
            else:
                render_error = None
            update_ref = None
            if row.thread_key:
                update_ref = await session.scalar(
                    select(OutboxMessage.message_ref)
                    .where(
                        OutboxMessage.thread_key == row.thread_key,
                        OutboxMessage.state == "delivered",
                        OutboxMessage.message_ref.is_not(None),
                        OutboxMessage.id != row.id,
                    )
                    .order_by(OutboxMessage.id.desc())
                    .limit(1)
                )
            recipient = Recipient(row.platform, row.address, row.recipient_name, row.person_id)
            maybe_sent = row.maybe_sent
        ref: str | None = None
        failure = DeliveryError(render_error, permanent=True) if render_error else None
        if reply is not None:
            delivery = Delivery(outbox_id, recipient, reply, update_ref, maybe_sent)
            try:
                ref = await self.notifiers[platform].deliver(delivery)
            except DeliveryError as exc:
                failure = exc
            except Exception as exc:  # a notifier bug must not lose the message
                log.exception("notifier %s crashed delivering outbox row %d", platform, outbox_id)
                failure = DeliveryError(f"{type(exc).__name__}: {exc}")
        await self._finish(outbox_id, kind, platform, attempts, ref, failure)

    async def _finish(
        self,
        outbox_id: int,
        kind: str,
        platform: str,
        attempts: int,
        ref: str | None,
        failure: DeliveryError | None,
    ) -> None:
        now = self.clock.now()
        attempt = attempts + (1 if failure is None or failure.attempted else 0)
        values: dict[str, object]
        if failure is None:
            values = {"state": "delivered", "delivered_at": now, "message_ref": ref}
            outcome, error = "delivered", None
        else:
            error = str(failure) or "delivery failed"
            if failure.permanent or attempt >= self.max_attempts:
                values = {"state": "dead", "last_error": error[:2000]}
                outcome = "dead"
            else:
                delay = (
                    self.backoff(attempt, failure.retry_after)
                    if failure.attempted
                    else (failure.retry_after or self.base_delay) + self.rng.uniform(0, 1)
                )
                next_at: datetime = now + timedelta(seconds=delay)
                values = {
                    "state": "pending",
                    "last_error": error[:2000],
                    "next_attempt_at": next_at,
                }
                if failure.uncertain:
                    values["maybe_sent"] = True
                outcome = "retry" if failure.attempted else "paused"
        values.update(attempts=attempt, lease_until=None, claimed_by=None)
        async with self.database.transaction() as session:
            result = await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == outbox_id, OutboxMessage.claimed_by == self.worker_id)
                .values(**values)
                .returning(OutboxMessage.id)
            )
            if result.scalar() is None:
                log.warning(
                    "outbox row %d was taken over by another worker before its outcome (%s) "
                    "was recorded; that worker checks before sending again",
                    outbox_id,
                    outcome,
                )
                return
            row = await session.get(OutboxMessage, outbox_id, populate_existing=True)
            assert row is not None
            if outcome != "paused":
                audit.record(
                    session,
                    action="delivery_attempt",
                    actor=f"worker:{self.worker_id}",
                    at=now,
                    incident_id=row.incident_id,
                    outbox_id=outbox_id,
                    data={
                        "attempt": attempt,
                        "kind": kind,
                        "platform": platform,
                        "outcome": outcome,
                        "error": error,
                        "retry_after": failure.retry_after if failure else None,
                    },
                )
            await after_attempt(session, row, outcome, now, platforms=tuple(self.notifiers))
        if outcome == "dead":
            log.error(
                "outbox row %d (%s on %s) dead-lettered after %d attempts: %s",
                outbox_id,
                kind,
                platform,
                attempt,
                error,
            )
        elif outcome == "retry":
            log.warning(
                "outbox row %d (%s on %s) attempt %d failed, will retry: %s",
                outbox_id,
                kind,
                platform,
                attempt,
                error,
            )
