"""``policybot accounts``: the register of official school accounts from a terminal.

``list`` and ``export [--out FILE]`` (audited) show the register; ``leaver PERSON`` records
that a member of staff has left (their chat identities and roles are removed from the
directory and they are taken off every account; accounts left with fewer than two
administrators are flagged and the Headteacher told); ``add-admin N PERSON --as YOU``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.accounts.service import AccountError, AccountService
from bot.clock import SystemClock
from bot.commands._runtime import fail, run_with_database
from bot.commands.incidents import resolve_actor
from bot.config import Settings
from bot.store.db import Database
from bot.trust.directory import enabled_platforms


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``accounts`` and its sub-commands."""
    parser = subparsers.add_parser("accounts", help="official school accounts: the register")
    sub = parser.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.set_defaults(func=lambda a: run_with_database(lambda s, d: _run(a, s, d)))
        return p

    add("list", "every official account and request")
    add("export", "the register as CSV (audited)").add_argument(
        "--out", type=Path, help="write to this file (default: print)"
    )
    add("leaver", "a member of staff has left: off the directory and every account").add_argument(
        "person", help="their id, email or console name"
    )
    p = add("add-admin", "add an administrator to an account")
    p.add_argument("account", type=int)
    p.add_argument("person")
    p.add_argument("--as", dest="as_person", required=True, metavar="PERSON")


async def _run(args: argparse.Namespace, settings: Settings, database: Database) -> int:
    service = AccountService(database, clock=SystemClock(), platforms=enabled_platforms(settings))
    command = args.accounts_command
    try:
        if command == "list":
            views = await service.register(None)
            if not views:
                print("No official accounts yet.")
            for v in views:
                flag = f"\tNEEDS ATTENTION: {v.flag_reason}" if v.flagged else ""
                print(
                    f"{v.id}\t{v.academy_name}\t{v.platform}\t{v.handle}\t{v.state}\t"
                    f"admins: {', '.join(v.administrators) or 'none'}{flag}"
                )
            return 0
        if command == "export":
            text = await service.export_csv(None)
            if args.out is None:
                print(text, end="")
            else:
                args.out.write_text(text, encoding="utf-8")
                print(f"Wrote {text.count(chr(10)) - 1} accounts to {args.out}")
            return 0
        if command == "leaver":
            name, flagged = await service.person_left(args.person)
            print(f"{name} has been removed from the directory and from every official account.")
            for v in flagged:
                print(f"  flagged: account {v.id} ({v.platform} {v.handle}): {v.flag_reason}")
            return 0
        actor = await resolve_actor(database, args.as_person)
        if actor is None:
            return fail(f"Nobody called {args.as_person!r} is in the trust directory.")
        view = await service.add_administrator(actor, args.account, args.person)
        print(f"Account {view.id} administrators: {', '.join(view.administrators)}")
        return 0
    except AccountError as exc:
        return fail(str(exc))
