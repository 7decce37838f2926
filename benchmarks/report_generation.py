"""Benchmark: governors' report generation for a trust of 20 academies with 5,000 incidents.

Seeds a term (5,000 incidents this term and 5,000 the term before, with notes, reminders,
dead deliveries and 4,000 answered questions) and times, in the same run:

- baseline: the bare query reading this term's incident rows for every academy (what the
  figures cannot do without);
- figures: gathering every academy's and the trust's figures (both periods, all queries);
- reports: the whole termly run, 20 academy reports plus the trust-wide one, each as HTML
  and PDF with its charts (what ``run_due_reports`` does on a term date).

SQLite always; PostgreSQL too when TEST_DATABASE_URL (postgresql://...) is set.
Run: ``.venv/bin/python -m benchmarks.report_generation [--incidents N] [--academies N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text

from benchmarks.report_data import seed, term_start
from bot.reports import monitoring
from bot.reports.figures import gather
from bot.reports.kb import kb_info
from bot.reports.period import Period
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import Incident

DAYS = 108


async def bench(database: Database, label: str, academies: int, incidents: int, tmp: Path) -> None:
    await upgrade(database)
    ids = [f"academy{i:02d}" for i in range(1, academies + 1)]
    t0 = time.perf_counter()
    seeded = await seed(
        database,
        academies=ids,
        incidents=incidents,
        start=term_start(),
        days=DAYS,
        unanswered_log=tmp / f"unanswered-{label}.jsonl",
        questions=2000,
    )
    seeding = time.perf_counter() - t0
    period = Period(seeded.start, seeded.end)
    now = seeded.end + timedelta(hours=6)
    reminder = timedelta(minutes=60)
    ctx = monitoring.Context(
        now=now,
        reminder_after=reminder,
        trust_name="Benchmark Trust",
        topics=kb_info().topics,
        unanswered_log=seeded.unanswered_log,
    )
    async with database.session() as session:
        t0 = time.perf_counter()
        rows = 0
        for scope in ids:
            result = await session.execute(
                select(Incident.category, Incident.created_at, Incident.acknowledged_at).where(
                    Incident.academy_id == scope,
                    Incident.created_at >= period.start,
                    Incident.created_at < period.end,
                )
            )
            rows += len(result.all())
        bare = time.perf_counter() - t0
        t0 = time.perf_counter()
        for scope in ["", *ids]:
            for p in (period, period.previous()):
                await gather(
                    session,
                    scope=scope,
                    period=p,
                    now=now,
                    reminder_after=reminder,
                    unanswered_log=seeded.unanswered_log,
                )
        figures = time.perf_counter() - t0
        t0, cpu0 = time.perf_counter(), time.process_time()
        sizes = []
        for scope in ["", *ids]:
            report = await monitoring.build(session, scope, period, ctx)
            sizes.append(len(report.pdf))
        whole = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
    n = len(ids) + 1
    print(f"{label}: {academies} academies, {incidents:,} incidents this term "
          f"(+{incidents:,} the term before); seeded in {seeding:.1f} s")  # fmt: skip
    print(f"  baseline  bare query of this term's {rows:,} incident rows, per academy: "
          f"{bare * 1000:8.0f} ms")  # fmt: skip
    print(f"  figures   every academy + trust, both periods (all queries):    "
          f"{figures * 1000:8.0f} ms")  # fmt: skip
    print(f"  reports   {n} reports, HTML + PDF with charts:                  "
          f"{whole * 1000:8.0f} ms  ({whole / n * 1000:.0f} ms per report, "
          f"PDF {min(sizes) // 1024}-{max(sizes) // 1024} KB)")  # fmt: skip
    load = os.getloadavg()[0]
    print(f"            their CPU time: {cpu:.1f} s ({cpu / n * 1000:.0f} ms per report); "
          f"load average {load:.1f} on {os.cpu_count()} cores")  # fmt: skip


async def main(academies: int, incidents: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            await bench(database, "SQLite", academies, incidents, Path(tmp))
        finally:
            await database.dispose()
        pg_url = os.environ.get("TEST_DATABASE_URL") or ""
        if pg_url.startswith(("postgresql://", "postgres://")):
            schema = f"bench_{uuid.uuid4().hex[:12]}"
            database = Database(pg_url, schema=schema)
            try:
                await bench(database, "PostgreSQL", academies, incidents, Path(tmp))
            finally:
                await database.dispose()
                admin = Database(pg_url)
                async with admin.engine.begin() as conn:
                    await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                await admin.dispose()
        else:
            print("PostgreSQL: skipped (set TEST_DATABASE_URL=postgresql://... to include it)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--academies", type=int, default=20)
    parser.add_argument("--incidents", type=int, default=5000)
    args = parser.parse_args()
    raise SystemExit(asyncio.run(main(args.academies, args.incidents)))
