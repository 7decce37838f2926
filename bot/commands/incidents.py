"""``policybot incidents list|show|ack|note|close --as PERSON``: act on reports from a terminal.

``--as`` names who is acting: a person's id, email or console name from the trust directory,
or an explicit chat identity ``slack:U123`` / ``teams:<object id>`` / ``console:name``.
Anyone not entitled is refused with a friendly message (exit code 1) and the refusal is
audited.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from bot.clock import SystemClock
from bot.commands._runtime import fail, run_with_database
from bot.config import Settings
from bot.dialogs import ReportDialog
from bot.incidents.errors import IncidentError
from bot.incidents.listing import details_text, flag_words, summary_line
from bot.incidents.service import IncidentService
from bot.incidents.types import URGENCY_LABELS, IncidentView
from bot.messages import Actor
from bot.store.db import Database
from bot.trust.directory import (
    enabled_platforms,
    find_person,
    identities_of,
    person_for_identity,
)
from bot.trust.roles import PLATFORMS


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``incidents`` and its sub-commands."""
    parser = subparsers.add_parser("incidents", help="list and act on incident reports")
    sub = parser.add_subparsers(dest="incidents_command", metavar="ACTION", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--as", dest="as_person", required=True, metavar="PERSON")
        p.set_defaults(func=lambda a: run_with_database(lambda s, d: _run(a, s, d)))
        return p

    add("list", "reports sent to you, and reports you made")
    add("show", "read a report's details (recorded)").add_argument("reference")
    add("ack", "acknowledge a report").add_argument("reference")
    p = add("note", "add a note to a report")
    p.add_argument("reference")
    p.add_argument("text", nargs="+")
    p = add("close", "close a report with its outcome")
    p.add_argument("reference")
    p.add_argument("--outcome", required=True, help="what was done (required)")
    p = sub.add_parser("export", help="the chronology PDF of a report (recorded)")
    p.add_argument("reference")
    p.add_argument("--as", dest="as_person", required=True, metavar="PERSON")
    p.add_argument("--out", type=Path, help="file to write (default: REFERENCE-chronology.pdf)")
    p.set_defaults(func=lambda a: run_with_database(lambda s, d: _export(a, s, d)))


def service_for(settings: Settings, database: Database) -> IncidentService:
    """The incident service as the commands and worker use it."""
    reminder = timedelta(minutes=settings.reminder_minutes)
    return IncidentService(
        database,
        clock=SystemClock(),
        platforms=enabled_platforms(settings),
        reminder_after=reminder,
        escalate_after=reminder * 2,
    )


async def resolve_actor(database: Database, name: str) -> Actor | None:
    """``--as`` to an identity: ``platform:id`` as given, else a directory person."""
    platform, sep, user_id = name.partition(":")
    if sep and platform in PLATFORMS and user_id:
        return Actor(platform, user_id, user_id)
    async with database.session() as session:
        person = await find_person(session, name)
        if person is None:
            return None
        idents = (await identities_of(session, [person.id]))[person.id]
    for platform in ("console", *PLATFORMS):
        if platform in idents:
            return Actor(platform, idents[platform], person.name)
    return None


async def _run(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    actor = await resolve_actor(database, args.as_person)
    if actor is None:
        return fail(
            f"Nobody called {args.as_person!r} with a chat identity is in the trust directory "
            "(use their id, email or console name)."
        )
    service = service_for(settings, database)
    command = args.incidents_command
    try:
        if command == "list":
            return await _list(service, actor)
        if command == "show":
            details = await service.view_details(actor, args.reference)
            print(details_text(details, ReportDialog.load().field_labels()))
            return 0
        if command == "ack":
            view = await service.acknowledge(actor, args.reference)
            print(f"You have acknowledged {view.reference}.")
        elif command == "note":
            view = await service.add_note(actor, args.reference, " ".join(args.text))
            print(f"Note added to {view.reference}.")
        else:
            view = await service.close(actor, args.reference, args.outcome)
            print(f"{view.reference} is closed.")
        _print_view(view)
        return 0
    except IncidentError as exc:
        return fail(str(exc))


async def _list(service: IncidentService, actor: Actor) -> int:
    queue = await service.handler_queue(actor)
    mine = await service.reporter_status(actor)
    if queue:
        print("Reports sent to you:")
        for item in queue:
            print("  " + summary_line(item))
    if mine:
        print("Reports you made:")
        for item in mine:
            print("  " + summary_line(item))
    if not queue and not mine:
        print("No reports for you.")
    return 0


def _print_view(view: IncidentView) -> None:
    for flag in flag_words(view):
        print(f"!! {flag}")
    print(f"Reference: {view.reference}")
    print(f"Academy: {view.academy_name}")
    print(f"Category: {view.category_label}")
    print(f"Urgency: {URGENCY_LABELS.get(view.urgency, view.urgency)}")
    print(f"Child or young person involved: {'Yes' if view.child_involved else 'No'}")
    print(
        f"State: {view.state}" + (f" (last action by {view.last_actor})" if view.last_actor else "")
    )
    if view.routed_to:
        print("Sent to: " + "; ".join(p.label for p in view.routed_to))
    if view.outcome:
        print(f"Outcome: {view.outcome}")
    if view.note_count:
        print(f"Notes: {view.note_count}")


async def _export(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    """``incidents export REF --as PERSON``: write the chronology PDF (entitled people only)."""
    from bot.reports.chronology import export

    actor = await resolve_actor(database, args.as_person)
    if actor is None:
        return fail(
            f"Nobody called {args.as_person!r} with a chat identity is in the trust directory "
            "(use their id, email or console name)."
        )
    async with database.session() as session:
        person = await person_for_identity(session, actor.platform, actor.user_id)
    try:
        chronology = await export(database, person, actor.key, args.reference, SystemClock().now())
    except IncidentError as exc:
        return fail(str(exc))
    out = args.out or Path(f"{chronology.reference}-chronology.pdf")
    try:
        out.write_bytes(chronology.pdf)
    except OSError as exc:
        return fail(f"Cannot write {out}: {exc.strerror}. The export was recorded.")
    print(f"Wrote the chronology of {chronology.reference} ({chronology.events} events) to {out}.")
    print("It contains the report's details: keep it with the safeguarding record.")
    return 0
