"""The outbox worker: claims due messages, delivers them through a Notifier, records outcomes.

Claiming is safe with several workers: on PostgreSQL ``SELECT ... FOR UPDATE SKIP LOCKED``
and on SQLite one ``BEGIN IMMEDIATE`` transaction move due rows to ``sending`` under a lease
naming this worker. A crashed worker's rows are picked up again when the lease runs out.
Failures are retried with exponential backoff and jitter (never sooner than a platform's
``retry_after``); a permanent error or ``max_attempts`` failures move the row to ``dead``,
which admins see with ``policybot admin outbox --dead``. Every attempt is audited.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from bot.clock import Clock
from bot.incidents.notifications import RenderError, render
from bot.notifier import Delivery, DeliveryError, Notifier, Recipient
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
        lease: timedelta = timedelta(minutes=5),
        batch_size: int = 20,
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
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:12]}"
        self.rng = rng or random.Random()
        self._stop: asyncio.Event | None = None

    # --- public -------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Claim and deliver one batch of due messages; returns how many were attempted."""
        if not self.notifiers:
            return 0
        ids = await self._claim()
        attempted = 0
        for index, outbox_id in enumerate(ids):
            if self._stop is not None and self._stop.is_set():
                await self._release(ids[index:])
                break
            await self._deliver(outbox_id)
            attempted += 1
        return attempted

    async def run_forever(self, stop_event: asyncio.Event) -> None:
        """Deliver until ``stop_event`` is set; the delivery in flight always finishes."""
        self._stop = stop_event
        log.info("outbox worker %s started for %s", self.worker_id, ", ".join(self.notifiers))
        while not stop_event.is_set():
            try:
                attempted = await self.run_once()
            except Exception:
                log.exception("outbox worker %s: batch failed; retrying shortly", self.worker_id)
                attempted = 0
            if attempted == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop_event.wait(), timeout=self.poll_interval)
        log.info("outbox worker %s stopped", self.worker_id)

    def backoff(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds to wait after ``attempts`` failures: exponential with jitter, capped,
        never less than ``retry_after``."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(attempts - 1, 0)))
        delay = self.rng.uniform(ceiling / 2, ceiling)
        if retry_after is not None:
            delay = max(delay, float(retry_after))
        return delay

    # --- claiming -----------------------------------------------------------------------

    async def _claim(self) -> list[int]:
        now = self.clock.now()
        due = or_(
            and_(OutboxMessage.state == "pending", OutboxMessage.next_attempt_at <= now),
            and_(OutboxMessage.state == "sending", OutboxMessage.lease_until < now),
        )
        stmt = (
            select(OutboxMessage.id)
            .where(due, OutboxMessage.platform.in_(list(self.notifiers)))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(self.batch_size)
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
                        state="sending", lease_until=now + self.lease, claimed_by=self.worker_id
                    )
                )
        return ids

    async def _release(self, ids: list[int]) -> None:
        """Give back claimed rows not yet attempted (on shutdown)."""
        async with self.database.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(ids),
                    OutboxMessage.claimed_by == self.worker_id,
                    OutboxMessage.state == "sending",
                )
                .values(state="pending", lease_until=None, claimed_by=None)
            )

    # --- delivering ---------------------------------------------------------------------

    async def _deliver(self, outbox_id: int) -> None:
        # read and render in a short session (on SQLite it holds the write lock)
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
            incident_id = row.incident_id
        ref: str | None = None
        error: str | None = render_error
        permanent = render_error is not None
        retry_after: float | None = None
        if reply is not None:
            delivery = Delivery(outbox_id, recipient, reply, update_ref)
            try:
                ref = await self.notifiers[platform].deliver(delivery)
            except DeliveryError as exc:
                error, permanent, retry_after = (
                    str(exc) or "delivery failed",
                    exc.permanent,
                    (exc.retry_after),
                )
            except Exception as exc:  # a notifier bug must not lose the message
                log.exception("notifier %s crashed delivering outbox row %d", platform, outbox_id)
                error = f"{type(exc).__name__}: {exc}"
        await self._finish(
            outbox_id, incident_id, kind, platform, attempts + 1, ref, error, permanent, retry_after
        )

    async def _finish(
        self,
        outbox_id: int,
        incident_id: int | None,
        kind: str,
        platform: str,
        attempt: int,
        ref: str | None,
        error: str | None,
        permanent: bool,
        retry_after: float | None,
    ) -> None:
        now = self.clock.now()
        values: dict[str, object]
        if error is None:
            values = {"state": "delivered", "delivered_at": now, "message_ref": ref}
            outcome = "delivered"
        elif permanent or attempt >= self.max_attempts:
            values = {"state": "dead", "last_error": error[:2000]}
            outcome = "dead"
        else:
            delay = self.backoff(attempt, retry_after)
            next_at: datetime = now + timedelta(seconds=delay)
            values = {"state": "pending", "last_error": error[:2000], "next_attempt_at": next_at}
            outcome = "retry"
        values.update(attempts=attempt, lease_until=None, claimed_by=None)
        async with self.database.transaction() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == outbox_id, OutboxMessage.claimed_by == self.worker_id)
                .values(**values)
            )
            audit.record(
                session,
                action="delivery_attempt",
                actor=f"worker:{self.worker_id}",
                at=now,
                incident_id=incident_id,
                outbox_id=outbox_id,
                data={
                    "attempt": attempt,
                    "kind": kind,
                    "platform": platform,
                    "outcome": outcome,
                    "error": error,
                    "retry_after": retry_after,
                },
            )
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
