"""The real ``policybot worker`` process delivers an email alert to a real SMTP server."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import FakeClock, SystemClock
from bot.emails import email_recipient
from bot.outbox.outbox import enqueue
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import OutboxMessage, Person
from bot.trust.config import load_trust_config
from bot.trust.directory import TrustDirectory
from tests.conftest import EXAMPLE_TRUST, ROOT
from tests.email.smtp_server import FakeSmtpServer
from tests.incidents.helpers import TOM, service, submission


@pytest.mark.timeout(90)
async def test_worker_process_sends_email_alerts(
    tmp_path: Path, smtp_server: FakeSmtpServer
) -> None:
    url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    database = Database(url)
    try:
        await upgrade(database)
        await TrustDirectory(database).import_config(load_trust_config(EXAMPLE_TRUST))
        clock = FakeClock(SystemClock().now())
        result = await service(database, clock).submit(TOM, submission(child_involved=True))
        async with database.transaction() as session:
            omar = await session.scalar(select(Person).where(Person.key == "okhan"))
            recipient = email_recipient(omar) if omar else None
            assert recipient is not None
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
            outbox_id = row.id

        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "CONNECTIONS__", "TEAMS_", "SMTP_"))
        }
        env.update(
            DATABASE_URL=url,
            SMTP_URL=smtp_server.url(),
            SMTP_FROM="policybot@northbridge.example.org",
        )
        env.pop("TRUST_CONFIG", None)
        exe = ROOT / ".venv" / "bin" / "policybot"
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "bot"]
        proc = await asyncio.create_subprocess_exec(
            *cmd,
            "worker",
            "--no-console",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 60
            while not smtp_server.messages and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0, err.decode()
        assert "delivering on email" in out.decode()
        [mail] = smtp_server.messages
        assert mail.rcpt_tos == ["omar.khan@oakfield.example.org"]
        assert result.reference in str(mail.message["Subject"])
        assert "SECRET" not in mail.message.as_string()
        assert "open policybot in the console (policybot chat) and find" in mail.bodies()
        async with database.session() as session:
            delivered = await session.get(OutboxMessage, outbox_id)
            assert delivered is not None and delivered.state == "delivered"
    finally:
        await database.dispose()
