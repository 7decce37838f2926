"""Benchmark: storing reports with 100 concurrent reporters, beside a bare insert (the ceiling).

Each reporter sends its reports one after another through ``PolicyBot.submit_report_form``,
exactly what the Slack "Send report" ack and the Teams card submit wait for: the report, its
audit events, its alerts and the draft's removal committed in one transaction. In the same
run, on the same database, the same number of concurrent writers each commit a bare
single-row insert per "report": the ceiling. Printed: reports stored per second, time to the
answer (p50/p99/max) for both, and their ratios. Afterwards lost and duplicated reports are
counted (both must be 0); a second pass re-sends every submission key and must store nothing.

Runs on a fresh SQLite file, and on PostgreSQL when TEST_DATABASE_URL or DATABASE_URL
(postgresql://...) is set (in a throw-away schema).
Run: ``.venv/bin/python -m benchmarks.incident_submissions [--reporters 100] [--each 5]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text

from bot.app import PolicyBot
from bot.clock import SystemClock
from bot.incidents.service import IncidentService
from bot.messages import Actor
from bot.qa.engine import AnswerEngine
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import Incident
from bot.trust.config import load_trust_config
from bot.trust.directory import TrustDirectory

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = {
    "immediate_risk": False,
    "academy": "oakfield",
    "category": "disparaging_post",
    "child_involved": True,
    "sexual_imagery": False,
    "staff_involved": False,
    "platform": "facebook",
    "link": "",
    "when": "today",
    "seen": "A post about a colleague",
    "actions_taken": ["nothing_yet"],
    "urgency": "urgent",
}
_BARE = MetaData()
BARE_TABLE = Table(
    "bench_bare_insert",
    _BARE,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("note", String(100)),
)


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _line(label: str, latencies: list[float], elapsed: float) -> str:
    ms = [v * 1000 for v in latencies]
    return (
        f"  {label:<14} {len(ms) / elapsed:7.0f}/s   answer p50 {statistics.median(ms):7.1f} ms"
        f"   p99 {_pct(ms, 99):7.1f} ms   max {max(ms):7.1f} ms"
    )


async def _timed_concurrently(count: int, each: int, work) -> tuple[list[float], float]:  # type: ignore[no-untyped-def]
    latencies: list[float] = []

    async def one(n: int) -> None:
        for i in range(each):
            start = time.perf_counter()
            await work(n, i)
            latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(one(n) for n in range(count)))
    return latencies, time.perf_counter() - start


async def bench(database: Database, label: str, reporters: int, each: int) -> bool:
    """Submit reporters x each reports concurrently beside bare inserts; print and check."""
    await upgrade(database)
    clock = SystemClock()
    await TrustDirectory(database, clock=clock).import_config(
        load_trust_config(ROOT / "config" / "trust.example.yaml")
    )
    async with database.engine.begin() as conn:
        await conn.run_sync(_BARE.create_all)
    service = IncidentService(
        database,
        clock=clock,
        platforms=("slack", "teams", "console"),
        reminder_after=timedelta(hours=1),
        escalate_after=timedelta(hours=2),
    )
    bot = PolicyBot(
        engine=AnswerEngine.from_file(None),
        database=database,
        incidents=service,
        clock=clock,
        submit_timeout=timedelta(seconds=60),
    )
    run = uuid.uuid4().hex[:8]

    async def submit(n: int, i: int) -> None:
        actor = Actor("console", f"bench-{n}")
        answers = {**ANSWERS, "seen": f"bench report {n}/{i}"}
        replies = await bot.submit_report_form(actor, answers, key=f"bench:{run}:{n}:{i}")
        assert "reference" in replies[0].data, replies[0].text

    async def bare(n: int, i: int) -> None:
        async with database.transaction() as session:
            await session.execute(insert(BARE_TABLE).values(note=f"{n}/{i}"))

    bare_lat, bare_elapsed = await _timed_concurrently(reporters, each, bare)
    lat, elapsed = await _timed_concurrently(reporters, each, submit)
    again_lat, again_elapsed = await _timed_concurrently(reporters, each, submit)
    async with database.session() as session:
        stored = int(await session.scalar(select(func.count()).select_from(Incident)) or 0)
        summaries = set(await session.scalars(select(Incident.summary)))
    expected = {f"bench report {n}/{i}" for n in range(reporters) for i in range(each)}
    lost = len(expected - summaries)
    duplicated = stored - len(summaries)
    print(f"{label}: {reporters} concurrent reporters x {each} reports")
    print(_line("bare insert", bare_lat, bare_elapsed))
    print(_line("report stored", lat, elapsed))
    print(_line("same key again", again_lat, again_elapsed))
    print(
        f"  ratio to the bare insert: {bare_elapsed / elapsed * 100:.0f}% of its rate; "
        f"answer p99 {_pct(lat, 99) / _pct(bare_lat, 99):.1f}x"
    )
    print(f"  lost {lost}, duplicated {duplicated} (re-sent keys stored nothing new)")
    return lost == 0 and duplicated == 0


async def main() -> int:
    """Run on SQLite, then PostgreSQL if configured; exit 1 if anything was lost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reporters", type=int, default=100)
    parser.add_argument("--each", type=int, default=5)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        try:
            ok &= await bench(database, "SQLite", args.reporters, args.each)
        finally:
            await database.dispose()
    pg_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if pg_url.startswith(("postgresql", "postgres:")):
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        database = Database(pg_url, schema=schema)
        try:
            ok &= await bench(database, "PostgreSQL", args.reporters, args.each)
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
