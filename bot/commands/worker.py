"""``policybot worker``: deliver the outbox and send reminders until SIGTERM/SIGINT.

Several workers may run at once (PostgreSQL: no message is sent twice). On a signal the
worker stops claiming, finishes the delivery in flight, and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from adapters.notifiers import build_notifiers
from bot import memory
from bot.accounts.service import run_due_accounts
from bot.campaigns.service import run_due_campaigns
from bot.clock import SystemClock
from bot.commands._runtime import run_with_database
from bot.commands.incidents import service_for
from bot.config import ConfigError, Settings
from bot.delivery.worker import OutboxWorker
from bot.incidents.service import IncidentService
from bot.reports.delivery import run_due_reports_for
from bot.store.db import Database

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``worker``."""
    p = subparsers.add_parser("worker", help="deliver notifications and send reminders")
    p.add_argument("--no-console", action="store_true", help="do not print console notifications")
    p.add_argument(
        "--reminder-interval", type=float, default=30.0, help="seconds between reminder checks"
    )
    p.set_defaults(func=lambda a: run_with_database(lambda s, d: _run(a, s, d)))


async def reminder_loop(service: IncidentService, stop: asyncio.Event, interval: float) -> None:
    """Run due reminders/escalations every ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            done = await service.run_due_reminders()
            done += await run_due_campaigns(service.database, service.clock)
            done += await run_due_accounts(service.database, service.clock, service.platforms)
            done += await run_due_reports_for(service)  # governors' reports each term
            if done:
                log.info("sent %d reminder round(s)/escalation(s)", done)
        except Exception:
            log.exception("reminder check failed; will try again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)


async def _run(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    try:
        notifiers = build_notifiers(
            settings, console_stream=None if args.no_console else sys.stdout
        )
    except ConfigError as exc:
        print("policybot worker: cannot start; please fix these settings:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    worker = OutboxWorker.from_settings(database, notifiers, SystemClock(), settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    print(
        f"policybot worker delivering on {', '.join(notifiers) or 'no platforms'}; Ctrl+C to stop.",
        flush=True,
    )
    memory.settle()
    try:
        await asyncio.gather(
            worker.run_forever(stop),
            reminder_loop(service_for(settings, database), stop, args.reminder_interval),
        )
    finally:
        memory.unsettle()
    print("policybot worker stopped.", flush=True)
    return 0
