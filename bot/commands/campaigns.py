"""``policybot campaigns``: "read and understood" campaigns from a terminal.

``list`` and ``show N`` print who has and has not confirmed; ``export N [--out FILE]`` writes
the CSV (audited); ``start --as PERSON --academy ID`` asks everyone at an academy in the trust
file (``--academy trust`` for the whole trust); ``end N --as PERSON`` stops the reminders.
Delivery and reminders are the worker's (``policybot worker``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.campaigns.chat import status_reply
from bot.campaigns.service import CampaignError, CampaignService
from bot.clock import SystemClock
from bot.commands._runtime import fail, run_with_database
from bot.commands.incidents import resolve_actor
from bot.config import Settings
from bot.messages import Actor
from bot.store.db import Database
from bot.trust.directory import enabled_platforms
from policy_kb.loader import load_kb


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``campaigns`` and its sub-commands."""
    parser = subparsers.add_parser("campaigns", help="read-and-understood campaigns")
    sub = parser.add_subparsers(dest="campaigns_command", metavar="ACTION", required=True)

    def add(name: str, help_text: str, *, as_required: bool = False) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.add_argument(
            "--as",
            dest="as_person",
            required=as_required,
            metavar="PERSON",
            help="who is acting (id, email or console name); lists only what they may see",
        )
        p.set_defaults(func=lambda a: run_with_database(lambda s, d: _run(a, s, d)))
        return p

    add("list", "every campaign with how many have confirmed")
    add("show", "who has and has not confirmed, per academy").add_argument("number", type=int)
    p = add("export", "the completion list as CSV (audited)")
    p.add_argument("number", type=int)
    p.add_argument("--out", type=Path, help="write to this file (default: print)")
    p = add("start", "ask everyone at an academy in the trust file", as_required=True)
    p.add_argument("--academy", required=True, help="academy id, or 'trust' for everyone")
    p.add_argument("--remind-days", type=int, default=2, help="days between reminders")
    p.add_argument("--reminders", type=int, default=3, help="how many reminders at most")
    add("end", "stop a campaign's reminders", as_required=True).add_argument("number", type=int)


async def _run(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    actor: Actor | None = None
    if args.as_person:
        actor = await resolve_actor(database, args.as_person)
        if actor is None:
            return fail(f"Nobody called {args.as_person!r} is in the trust directory.")
    service = CampaignService(
        database,
        clock=SystemClock(),
        kb=load_kb(settings.policy_kb),
        platforms=enabled_platforms(settings),
    )
    command = args.campaigns_command
    try:
        if command == "list":
            views = await service.list(actor)
            if not views:
                print("No campaigns yet.")
            for v in views:
                asked = len(v.members) - v.count("dropped")
                print(
                    f"{v.id}\t{v.academy_name}\tversion {v.version}\t{v.state}\t"
                    f"{v.count('confirmed')}/{asked} confirmed\tstarted {v.started_at:%Y-%m-%d}"
                )
            return 0
        if command == "show":
            reply = status_reply(await service.view(actor, args.number))
            print(reply.title)
            print(reply.text)
            return 0
        if command == "export":
            text = await service.export_csv(actor, args.number)
            if args.out is None:
                print(text, end="")
            else:
                args.out.write_text(text, encoding="utf-8")
                print(f"Wrote {text.count(chr(10)) - 1} rows to {args.out}")
            return 0
        assert actor is not None
        if command == "start":
            result = await service.start(
                actor,
                scope=args.academy,
                group=None,
                remind_every_hours=args.remind_days * 24,
                max_reminders=args.reminders,
            )
            print(
                f"Campaign {result.campaign_id} started (version {result.version}): "
                f"{result.asked} asked, {result.already_confirmed} had already confirmed."
            )
            for name in result.unreachable:
                print(f"  cannot be messaged (no chat identity): {name}")
            return 0
        view = await service.end(actor, args.number)
        print(f"Campaign {view.id} ended; {view.count('confirmed')} confirmed.")
        return 0
    except CampaignError as exc:
        return fail(str(exc))
