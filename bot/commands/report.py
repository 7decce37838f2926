"""``policybot report monitoring|review``: governors' reports on demand, as PDF and HTML.

policybot report monitoring --academy oakfield --from 2026-09-01 --to 2026-12-18
policybot report monitoring --trust --from 2026-09-01 --to 2026-12-18 --out reports/
policybot report review --academy oakfield --year-to 2026-08-31
"""

from __future__ import annotations

import argparse
import re
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import SystemClock
from bot.commands._runtime import fail, run_with_database
from bot.config import Settings
from bot.qa.unanswered import log_path
from bot.store.db import Database

if TYPE_CHECKING:
    from bot.reports.monitoring import Context as Context


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``report`` and its sub-commands."""
    parser = subparsers.add_parser("report", help="governors' monitoring reports and review pack")
    sub = parser.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    p = sub.add_parser("monitoring", help="the monitoring report for a period (PDF and HTML)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--academy", help="academy id (for its governors)")
    where.add_argument("--trust", action="store_true", help="the whole trust (for the Board)")
    p.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD", help="included")
    p.add_argument("--out", type=Path, default=Path("."), help="folder to write into")
    p.set_defaults(func=lambda a: run_with_database(lambda s, d: _monitoring(a, s, d)))
    p = sub.add_parser("review", help="the annual policy review pack (PDF and HTML)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--academy", help="academy id")
    where.add_argument("--trust", action="store_true", help="the whole trust")
    p.add_argument("--year-to", dest="last", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--out", type=Path, default=Path("."), help="folder to write into")
    p.set_defaults(func=lambda a: run_with_database(lambda s, d: _review(a, s, d)))


def report_context(settings: Settings, trust_name: str = "") -> Context:
    """The :class:`~bot.reports.monitoring.Context` for reports made now."""
    from bot.reports.kb import kb_info
    from bot.reports.monitoring import Context

    return Context(
        now=SystemClock().now(),
        reminder_after=timedelta(minutes=settings.reminder_minutes),
        trust_name=trust_name,
        topics=kb_info(settings.policy_kb).topics,
        unanswered_log=log_path(),
    )


def _write(out: Path, stem: str, html: str, pdf: bytes) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-")
    paths = [out / f"{safe}.pdf", out / f"{safe}.html"]
    paths[0].write_bytes(pdf)
    paths[1].write_text(html, encoding="utf-8")
    return paths


async def _monitoring(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    from bot.reports import monitoring
    from bot.reports.contacts import trust_name
    from bot.reports.period import Period, parse_day

    try:
        period = Period.of_days(parse_day(args.first), parse_day(args.last))
    except ValueError as exc:
        return fail(f"Cannot make the report: {exc}.")
    scope = "" if args.trust else args.academy
    async with database.session() as session:
        ctx = report_context(settings, await trust_name(session, settings))
        try:
            report = await monitoring.build(session, scope, period, ctx)
        except ValueError as exc:
            return fail(str(exc))
    stem = f"monitoring-{scope or 'trust'}-{period.first_day}-{period.last_day}"
    try:
        paths = _write(args.out, stem, report.html, report.pdf)
    except OSError as exc:
        return fail(f"Cannot write the report into {args.out}: {exc.strerror}.")
    print(f"{report.title}, {period.label()}:")
    for path in paths:
        print(f"  {path}")
    return 0


async def _review(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    from bot.reports import review
    from bot.reports.contacts import trust_name
    from bot.reports.kb import kb_info
    from bot.reports.period import Period, parse_day

    try:
        last = parse_day(args.last)
        period = Period.of_days(last.replace(year=last.year - 1) + timedelta(days=1), last)
    except ValueError as exc:
        return fail(f"Cannot make the review pack: {exc}.")
    scope = "" if args.trust else args.academy
    async with database.session() as session:
        ctx = report_context(settings, await trust_name(session, settings))
        try:
            pack = await review.build(session, scope, period, ctx, kb_info(settings.policy_kb))
        except ValueError as exc:
            return fail(str(exc))
    stem = f"review-{scope or 'trust'}-{period.first_day}-{period.last_day}"
    try:
        paths = _write(args.out, stem, pack.html, pack.pdf)
    except OSError as exc:
        return fail(f"Cannot write the review pack into {args.out}: {exc.strerror}.")
    print(f"{pack.title}, {period.label()}:")
    for path in paths:
        print(f"  {path}")
    return 0
