"""``policybot db upgrade`` / ``policybot db current``: the database schema."""

from __future__ import annotations

import argparse
import asyncio

from bot.commands._runtime import fail
from bot.config import ConfigError, load_settings
from bot.store.db import Database
from bot.store.migrate import current_revision, head_revision, upgrade


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``db`` and its sub-commands."""
    parser = subparsers.add_parser("db", help="database schema: upgrade or show the revision")
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    sub.add_parser("upgrade", help="apply every migration (safe to repeat)").set_defaults(
        func=lambda a: _run("upgrade")
    )
    sub.add_parser("current", help="show the schema revision").set_defaults(
        func=lambda a: _run("current")
    )


def _run(action: str) -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        fail(str(exc))
        return 2  # bad settings: exit 2, like every other command

    async def main() -> int:
        database = Database(settings.database_url)
        try:
            if action == "upgrade":
                revision = await upgrade(database)
                print(f"Database is up to date (revision {revision}).")
                return 0
            current = await current_revision(database)
            head = head_revision()
            if current is None:
                print(f"Database has no schema yet (newest is {head}); run: policybot db upgrade")
                return 1
            status = "up to date" if current == head else f"behind (newest is {head})"
            print(f"Database revision {current}: {status}.")
            return 0 if current == head else 1
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except OSError as exc:
        return fail(f"Cannot open the database: {exc}")
