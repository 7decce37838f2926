"""``policybot admin ...``: manage the trust directory and inspect the outbox."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from bot.clock import SystemClock
from bot.commands._runtime import fail, run_with_database
from bot.config import Settings
from bot.outbox import outbox
from bot.store.db import Database
from bot.trust.config import TrustConfigError, load_trust_config
from bot.trust.directory import (
    DirectoryError,
    TrustDirectory,
    add_person,
    enabled_platforms,
    find_person,
    set_role,
)
from bot.trust.roles import ROLES, parse_role, role_label


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``admin`` and its sub-commands."""
    parser = subparsers.add_parser("admin", help="trust directory and outbox administration")
    sub = parser.add_subparsers(dest="admin_command", metavar="ACTION", required=True)

    p = sub.add_parser("import-config", help="load academies and people from a trust YAML file")
    p.add_argument("file", nargs="?", type=Path, help="default: TRUST_CONFIG")
    p.set_defaults(func=_import_config)

    sub.add_parser("academies", help="list academies and who holds each role").set_defaults(
        func=lambda a: run_with_database(_academies)
    )
    sub.add_parser("people", help="list people with their chat identities").set_defaults(
        func=lambda a: run_with_database(_people)
    )

    p = sub.add_parser("add-person", help="add or update a person")
    p.add_argument("--id", required=True, dest="key", help="stable id, e.g. jsmith")
    p.add_argument("--name", required=True)
    p.add_argument("--email")
    p.add_argument("--slack", help="Slack member id (U...)")
    p.add_argument("--teams", help="Teams (Entra ID) object id")
    p.add_argument("--console", help="console user name")
    p.add_argument("--academy", help="home academy id")
    p.add_argument("--trust-admin", action="store_true", help="may see every report")
    p.set_defaults(func=_add_person)

    p = sub.add_parser("set-role", help="give a person a role at an academy")
    p.add_argument("academy", help="academy id")
    p.add_argument(
        "role", help="headteacher, dsl, deputy_dsl, chair_of_governors or safeguarding_governor"
    )
    p.add_argument("person", help="person id, email or console name")
    p.set_defaults(func=_set_role)

    sub.add_parser(
        "gaps", help="report missing roles and unreachable people (exit 1 if any)"
    ).set_defaults(func=lambda a: run_with_database(_gaps))

    p = sub.add_parser("outbox", help="notifications waiting, delivered or dead")
    p.add_argument("--dead", action="store_true", help="only dead-lettered messages")
    p.add_argument("--state", choices=outbox.STATES, help="only this state")
    p.set_defaults(func=_outbox)

    p = sub.add_parser(
        "retry",
        help="send dead messages again now: one (ID), one report's (REFERENCE) or all",
    )
    p.add_argument(
        "target", nargs="?", help="an outbox message id (#12) or a report reference (SM-2026-0042)"
    )
    p.add_argument("--all-dead", action="store_true", help="every dead message")
    p.set_defaults(func=_retry)

    p = sub.add_parser(
        "retention", help="closed incidents past RETENTION_YEARS: list, or remove with --apply"
    )
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--dry-run", action="store_true", help="list what would be removed")
    mode.add_argument("--apply", action="store_true", help="remove them, keeping tombstones")
    p.set_defaults(func=lambda a: run_with_database(lambda s, d: _retention(a, s, d)))


def _directory(settings: Settings, database: Database) -> TrustDirectory:
    return TrustDirectory(database, platforms=enabled_platforms(settings))


def _import_config(args: argparse.Namespace) -> int:
    async def body(settings: Settings, database: Database) -> int:
        path = args.file or settings.trust_config
        if path is None:
            return fail("Give a trust config file, or set TRUST_CONFIG.")
        try:
            config = load_trust_config(path)
            summary = await _directory(settings, database).import_config(config)
        except TrustConfigError as exc:
            return fail(str(exc))
        except DirectoryError as exc:
            return fail(f"Cannot import {path}: {exc}")
        print(
            f"Imported {summary.people} people, {summary.academies} academies and "
            f"{summary.roles} roles from {path}."
        )
        _print_gaps(summary.gaps)
        return 0

    return run_with_database(body)


def _print_gaps(gaps: list[str]) -> None:
    if not gaps:
        print("No gaps: every academy has all its roles and everyone can be reached.")
        return
    print(f"WARNING: {len(gaps)} gap(s) in the trust directory:")
    for gap in gaps:
        print(f"  ! {gap}")


async def _academies(settings: Settings, database: Database) -> int:
    academies = await _directory(settings, database).academies()
    if not academies:
        print("No academies yet. Load some with: policybot admin import-config FILE")
    for academy in academies:
        print(f"{academy.id}: {academy.name}")
        for role in ROLES:
            holder = academy.holders.get(role, "! nobody")
            print(f"    {role_label(role)}: {holder}")
    return 0


async def _people(settings: Settings, database: Database) -> int:
    people = await _directory(settings, database).people()
    if not people:
        print("No people yet. Load some with: policybot admin import-config FILE")
    for person in people:
        idents = ", ".join(f"{k}={v}" for k, v in sorted(person.identities.items())) or "none"
        roles = ", ".join(f"{role_label(r)} at {a}" for a, r in person.roles)
        extra = " [trust admin]" if person.is_trust_admin else ""
        print(f"#{person.id} {person.name} ({person.key}){extra}")
        print(f"    email: {person.email or '-'}; identities: {idents}")
        if roles:
            print(f"    roles: {roles}")
    return 0


def _add_person(args: argparse.Namespace) -> int:
    async def body(settings: Settings, database: Database) -> int:
        identities = {
            k: v
            for k, v in {"slack": args.slack, "teams": args.teams, "console": args.console}.items()
            if v
        }
        try:
            async with database.transaction() as session:
                person = await add_person(
                    session,
                    key=args.key,
                    name=args.name,
                    now=SystemClock().now(),
                    email=args.email,
                    identities=identities,
                    trust_admin=args.trust_admin,
                    academy_id=args.academy,
                )
                pid = person.id
        except DirectoryError as exc:
            return fail(f"Cannot add {args.name}: {exc}.")
        print(f"Saved {args.name} (#{pid}, id {args.key}).")
        return 0

    return run_with_database(body)


def _set_role(args: argparse.Namespace) -> int:
    async def body(settings: Settings, database: Database) -> int:
        try:
            role = parse_role(args.role)
        except ValueError as exc:
            return fail(f"Cannot set the role: {exc}.")
        try:
            async with database.transaction() as session:
                person = await find_person(session, args.person)
                if person is None:
                    return fail(
                        f"Nobody found for {args.person!r} (use an id, email or console name)."
                    )
                name = person.name
                await set_role(session, args.academy, role, person, now=SystemClock().now())
        except DirectoryError as exc:
            return fail(f"Cannot set the role: {exc}.")
        print(f"{name} is now {role_label(role)} at {args.academy}.")
        return 0

    return run_with_database(body)


async def _gaps(settings: Settings, database: Database) -> int:
    gaps = await _directory(settings, database).gaps()
    _print_gaps(gaps)
    return 1 if gaps else 0


def _outbox(args: argparse.Namespace) -> int:
    async def body(settings: Settings, database: Database) -> int:
        state = "dead" if args.dead else args.state
        async with database.session() as session:
            counts = await outbox.counts_by_state(session)
            rows = await outbox.list_messages(session, state=state)
            references = await outbox.incident_references(session, (r.incident_id for r in rows))
        print("Outbox: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
        if counts["dead"]:
            print(f"WARNING: {counts['dead']} message(s) could not be delivered (dead).")
        for row in rows:
            who = row.recipient_name or row.address
            reference = references.get(row.incident_id or 0, "-")
            line = (
                f"#{row.id} {row.state:<9} {reference:<13} {row.kind:<12} to {who} on "
                f"{row.platform} (attempts {row.attempts})"
            )
            if row.state == "pending" and row.attempts:
                line += f" next try {row.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
            print(line)
            if row.last_error and row.state != "delivered":
                print(f"    last error: {row.last_error}")
        if not rows:
            print("No messages" + (f" in state {state}." if state else "."))
        elif state == "dead":
            print(
                "Fix the cause (policybot doctor shows who cannot be reached), then send them "
                "again: policybot admin retry REFERENCE (one report), ID (one message) or "
                "--all-dead."
            )
        return 0

    return run_with_database(body)


_REFERENCE = re.compile(r"^[A-Za-z]+-\d{4}-\d+$")


def _retry(args: argparse.Namespace) -> int:
    target = (args.target or "").strip()
    if bool(target) == bool(args.all_dead):
        return fail(
            "Say what to send again: policybot admin retry ID (one message, e.g. 12), "
            "REFERENCE (every dead message of one report, e.g. SM-2026-0042) or --all-dead."
        )
    number = target.lstrip("#")
    if target and not number.isdigit() and not _REFERENCE.match(target):
        return fail(
            f"{target!r} is neither an outbox message id (e.g. 12) nor a report reference "
            "(e.g. SM-2026-0042)."
        )

    async def body(settings: Settings, database: Database) -> int:
        now, actor = SystemClock().now(), "cli:admin"
        async with database.transaction() as session:
            if args.all_dead:
                ids = await outbox.retry_all_dead(session, now=now, actor=actor)
            elif number.isdigit():
                ok = await outbox.retry(session, int(number), now=now, actor=actor)
                if not ok:
                    return fail(f"Outbox message #{number} was not found or is already delivered.")
                print(f"Outbox message #{number} will be delivered again shortly.")
                return 0
            else:
                found = await outbox.retry_dead_of_incident(session, target, now=now, actor=actor)
                if found is None:
                    return fail(f"There is no report with reference {target.upper()}.")
                ids = found
        which = "" if args.all_dead else f" of {target.upper()}"
        if not ids:
            print(f"No dead messages{which}: nothing to send again.")
            return 0
        listed = ", ".join(f"#{i}" for i in ids)
        print(f"{len(ids)} dead message(s){which} will be delivered again shortly: {listed}.")
        return 0

    return run_with_database(body)


async def _retention(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    """List (``--dry-run``) or remove (``--apply``) closed incidents past retention."""
    from bot.reports import retention
    from bot.reports.settings import report_settings

    years = report_settings().retention_years
    now = SystemClock().now()
    if args.dry_run:
        found = await retention.expired(database, now, years)
        verb = "would be removed"
    else:
        found = await retention.apply(database, now, years, actor="cli:admin")
        verb = "removed"
    print(
        f"Retention: closed incidents are kept {years} years after closure "
        f"(RETENTION_YEARS); closed before {retention.cutoff(now, years):%d %b %Y}."
    )
    for item in found:
        print(
            f"  {item.reference}  {item.academy_id or '-'}  {item.category}  "
            f"made {item.created_at:%Y-%m-%d}, closed {item.closed_at:%Y-%m-%d}"
        )
    print(f"{len(found)} incident(s) {verb}.", end="")
    if args.dry_run and found:
        print(" Nothing has been deleted: run with --apply to remove them.")
    elif found:
        print(" A tombstone (reference, dates, category) of each is kept and the removal audited.")
    else:
        print()
    return 0
