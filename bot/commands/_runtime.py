"""Shared start-up for database-backed commands: settings, database, migrations, errors."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.config import ConfigError, Settings, load_settings
from bot.store.db import Database
from bot.store.migrate import upgrade

T = TypeVar("T")


def fail(message: str) -> int:
    """Print a friendly error to stderr and return exit code 1."""
    print(message, file=sys.stderr)
    return 1


def run_with_database(body: Callable[[Settings, Database], Awaitable[int]]) -> int:
    """Load settings, open the database, run migrations (idempotent), then ``body``.

    Bad settings exit 2 (each problem on its own line); log lines are JSON on stderr; output
    piped into a command that stops reading (``| head``) ends quietly."""
    from adapters.server.logging import configure_logging

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    logging.getLogger("alembic").setLevel(logging.WARNING)

    async def main() -> int:
        database = Database(settings.database_url)
        try:
            await upgrade(database)
            return await body(settings, database)
        finally:
            await database.dispose()

    try:
        return asyncio.run(main())
    except BrokenPipeError:
        # the reader went away (``| head``): nothing more to say, and say nothing
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        return fail(f"Cannot open the database ({settings.database_url.split('://')[0]}): {exc}")
