"""Benchmark: report submissions per second with 100 concurrent reporters.

Runs on a fresh SQLite file, and on PostgreSQL when TEST_DATABASE_URL or DATABASE_URL
(postgresql://...) is set (in a throw-away schema). Afterwards it counts lost and duplicated
reports, which must both be 0.  Run: ``.venv/bin/python -m benchmarks.incident_submissions``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from bot.clock import SystemClock
from bot.incidents.service import IncidentService
from bot.incidents.types import ReportSubmission
from bot.messages import Actor
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import Incident
from bot.trust.config import load_trust_config
from bot.trust.directory import TrustDirectory

ROOT = Path(__file__).resolve().parent.parent
REPORTERS = 100
REPORTS_EACH = 5


async def bench(database: Database, label: str) -> bool:
    """Submit REPORTERS x REPORTS_EACH reports concurrently; print rate and integrity."""
    await upgrade(database)
    clock = SystemClock()
    await TrustDirectory(database, clock=clock).import_config(
        load_trust_config(ROOT / "config" / "trust.example.yaml")
    )
    service = IncidentService(
        database,
        clock=clock,
        platforms=("slack", "teams", "console"),
        reminder_after=timedelta(hours=1),
        escalate_after=timedelta(hours=2),
    )

    async def reporter(n: int) -> list[str]:
        actor = Actor("console", f"bench-{n}", f"Reporter {n}")
        refs = []
        for i in range(REPORTS_EACH):
            result = await service.submit(
                actor,
                ReportSubmission(
                    academy="oakfield" if n % 2 else "riverside",
                    category="contact_from_pupil",
                    urgency="urgent",
                    child_involved=bool(i % 2),
                    concerns_headteacher=False,
                    summary=f"bench {n}/{i}",
                ),
            )
            refs.append(result.reference)
        return refs

    start = time.perf_counter()
    results = await asyncio.gather(*(reporter(n) for n in range(REPORTERS)))
    elapsed = time.perf_counter() - start
    submitted = REPORTERS * REPORTS_EACH
    refs = [r for rs in results for r in rs]
    async with database.session() as session:
        stored = await session.scalar(select(func.count()).select_from(Incident))
        summaries = set(await session.scalars(select(Incident.summary)))
    expected = {f"bench {n}/{i}" for n in range(REPORTERS) for i in range(REPORTS_EACH)}
    lost = len(expected - summaries)
    duplicated = (int(stored or 0) - len(summaries)) + (len(refs) - len(set(refs)))
    print(
        f"{label}: {submitted} reports from {REPORTERS} concurrent reporters in {elapsed:.2f}s "
        f"= {submitted / elapsed:.0f} submissions/s; lost {lost}, duplicated {duplicated}"
    )
    return lost == 0 and duplicated == 0


async def main() -> int:
    """Run on SQLite, then PostgreSQL if configured; exit 1 if anything was lost."""
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            ok &= await bench(database, "SQLite")
        finally:
            await database.dispose()
    pg_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if pg_url.startswith(("postgresql", "postgres:")):
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        database = Database(pg_url, schema=schema)
        try:
            ok &= await bench(database, "PostgreSQL")
        finally:
            await database.dispose()
            admin = Database(pg_url)
            async with admin.engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await admin.dispose()
    else:
        print("PostgreSQL: skipped (set TEST_DATABASE_URL=postgresql://... to include it)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
